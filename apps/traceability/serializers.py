"""Plain serialisers for lots, their inputs / outputs, chain state, declaration and warnings."""

from __future__ import annotations

from rest_framework import serializers

from apps.traceability.epcis import lot_uri
from apps.traceability.models import Lot, ProductDeclaration, TraceEvent
from apps.traceability.selectors import LotInputs, LotOutputs


class LotSummarySerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.name")
    uri = serializers.SerializerMethodField()

    class Meta:
        model = Lot
        fields = ["id", "code", "product", "production_date", "expiry_date", "quantity", "unit", "status", "uri"]

    def get_uri(self, lot: Lot) -> str:
        return lot_uri(lot)


class DeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductDeclaration
        fields = ["version", "declaration_number", "standard_applied", "composition", "net_quantity",
                  "shelf_life_days", "storage_conditions", "producer_name", "producer_address", "effective_from",
                  "effective_to"]


def shipment_data(event: TraceEvent) -> dict:
    return {
        "event_id": event.pk,
        "lot": event.lot_id,
        "event_time": event.event_time,
        "sales_point": event.sales_point.name if event.sales_point_id else None,
        "business_documents": event.business_documents,
        "notes": event.notes,
    }


def inputs_data(inputs: LotInputs) -> dict:
    return {
        "lot": LotSummarySerializer(inputs.lot).data,
        "zones": [{"id": item.zone.pk, "name": item.zone.name, "share_percent": str(item.share_percent),
                   "growing_area_codes": [code.code for code in item.growing_area_codes]} for item in inputs.zones],
        "growing_area_codes": [code.code for code in inputs.growing_area_codes],
        "source_lots": [inputs_data(source) for source in inputs.source_lots],
        "is_truncated": inputs.is_truncated,
    }


def outputs_data(outputs: LotOutputs) -> dict:
    return {
        "lot": LotSummarySerializer(outputs.lot).data,
        "derived_lots": [outputs_data(item) for item in outputs.derived_lots],
        "shipments": [shipment_data(event) for event in outputs.shipments],
        "is_truncated": outputs.is_truncated,
    }
