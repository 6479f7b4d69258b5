"""Read-only API for administrative units (search, point-in-commune)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.geometry import point
from apps.territory import selectors
from apps.territory.models import Era
from apps.territory.serializers import AdministrativeUnitSerializer


class AdministrativeUnitList(generics.ListAPIView):
    """Administrative units, filtered by era, level and a diacritics-insensitive name query ``q``."""

    serializer_class = AdministrativeUnitSerializer

    @extend_schema(parameters=[OpenApiParameter("q"), OpenApiParameter("era"), OpenApiParameter("level")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        if params.get("q"):
            ids = [unit.id for unit in selectors.search_units(params["q"], era=params.get("era"),
                                                              level=params.get("level"), limit=100)]
            return selectors.units().filter(id__in=ids).select_related("parent")
        return selectors.units(era=params.get("era"), level=params.get("level")).select_related("parent")


class CommuneAtPoint(APIView):
    """The commune containing ``lon``/``lat`` (approximate when boundaries are not loaded)."""

    serializer_class = AdministrativeUnitSerializer

    @extend_schema(parameters=[OpenApiParameter("lon", float), OpenApiParameter("lat", float),
                               OpenApiParameter("era")])
    def get(self, request):
        try:
            location = point(request.query_params["lon"], request.query_params["lat"])
        except (KeyError, ValueError) as exc:
            raise ValidationError({"lon": _("lon and lat must be numbers.")}) from exc
        match = selectors.commune_containing(location, era=request.query_params.get("era", Era.CURRENT))
        if match is None:
            return Response({"detail": _("No commune found.")}, status=404)
        data = AdministrativeUnitSerializer(match.commune).data
        data["properties"]["is_approximate"] = match.is_approximate
        return Response(data)
