"""Read-only traceability API: a lot with one step back / one step forward, and its EPCIS 2.0 export."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.traceability import selectors
from apps.traceability.epcis import epcis_document
from apps.traceability.models import Lot
from apps.traceability.serializers import DeclarationSerializer, LotSummarySerializer, inputs_data, outputs_data


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


def _lot(pk: int) -> Lot:
    return get_object_or_404(Lot.objects.select_related("product__producer", "packing_facility",
                                                        "production_facility"), pk=pk)


def _depth(request) -> int:
    try:
        return int(request.query_params.get("depth", 1))
    except ValueError:
        return 1


class LotDetail(APIView):
    """A lot with its inputs and outputs (``depth`` steps, at most 5), chain state, declaration and warnings."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("depth", int)], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        lot = _lot(pk)
        depth = _depth(request)
        chain = selectors.verify_chain(lot)
        declaration = selectors.lot_declaration(lot)
        data = LotSummarySerializer(lot).data
        data.update({
            "recall_reason": lot.recall_reason,
            "packing_facility": lot.packing_facility.code if lot.packing_facility_id else None,
            "production_facility": lot.production_facility.name if lot.production_facility_id else None,
            "inputs": inputs_data(selectors.lot_inputs(lot, depth=depth)),
            "outputs": outputs_data(selectors.lot_outputs(lot, depth=depth)),
            "chain": {"is_intact": chain.is_intact, "event_count": chain.event_count,
                      "first_bad_sequence": chain.first_bad_event.sequence if chain.first_bad_event else None,
                      "problem": chain.problem},
            "declaration": DeclarationSerializer(declaration).data if declaration else None,
            "consistency_issues": [{"code": issue.code, "message": issue.message, "field": issue.field}
                                   for issue in selectors.consistency_issues(lot)],
            "inspection_warnings": [
                {"inspection": warning.inspection.pk, "inspected_on": warning.inspection.inspected_on,
                 "organisation": warning.inspection.organisation, "target": str(warning.inspection.target),
                 "findings": warning.inspection.findings, "via_lot": warning.via_lot.pk}
                for warning in selectors.inspection_warnings(lot)
            ],
        })
        return Response(data)


class LotEpcis(APIView):
    """The lot's logbook as a GS1 EPCIS 2.0 JSON-LD document."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONLDRenderer, JSONRenderer]

    @extend_schema(responses={(200, "application/ld+json"): OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        return Response(epcis_document(_lot(pk)))
