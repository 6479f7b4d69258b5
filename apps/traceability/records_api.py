"""Lot records API (``/api/v1/records/lots/``) and logbook appends (``…/lots/<id>/events/``).

Writes go through apps.traceability.services with the role and scope checks of apps.accounts. The logbook is
append-only: events are listed and added, never changed or deleted (a correction is a new event).
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts import permissions
from apps.accounts.api import ScopedServiceViewSet
from apps.accounts.fields import GeoJSONInput
from apps.facilities.models import PackingFacility, ProductionFacility
from apps.outlets.models import SalesPoint
from apps.products.models import Product
from apps.traceability import services
from apps.traceability.models import BizStep, Lot, TraceEvent
from apps.zones.models import GrowingAreaCode, RawMaterialZone


class LotSerializer(serializers.ModelSerializer):
    growing_area_codes = serializers.SlugRelatedField(slug_field="code", read_only=True, many=True)

    class Meta:
        model = Lot
        fields = ["id", "product", "code", "production_date", "expiry_date", "quantity", "unit", "packing_facility",
                  "production_facility", "growing_area_codes", "source_lots", "status", "released_at",
                  "recalled_at", "recall_reason", "created_at", "updated_at"]


class LotInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    code = serializers.CharField(max_length=40)
    production_date = serializers.DateField()
    expiry_date = serializers.DateField(required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    packing_facility = serializers.PrimaryKeyRelatedField(queryset=PackingFacility.objects.all(), required=False,
                                                          allow_null=True)
    production_facility = serializers.PrimaryKeyRelatedField(queryset=ProductionFacility.objects.all(),
                                                             required=False, allow_null=True)
    growing_area_codes = serializers.SlugRelatedField(slug_field="code", queryset=GrowingAreaCode.objects.all(),
                                                      many=True, required=False)
    source_lots = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all(), many=True, required=False)

    def validate(self, data):
        if self.instance is not None:  # a lot keeps its product and code
            data.pop("product", None)
            data.pop("code", None)
        return data


class TraceEventSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField()

    class Meta:
        model = TraceEvent
        fields = ["id", "lot", "sequence", "event_type", "action", "biz_step", "disposition", "event_time",
                  "event_time_zone_offset", "recorded_at", "zone", "packing_facility", "production_facility",
                  "sales_point", "location", "input_product", "pre_harvest_interval_days", "parent_id",
                  "business_documents", "notes", "corrects", "recorded_by", "hash", "previous_hash"]

    def get_location(self, event: TraceEvent) -> list[float] | None:
        return [round(event.location.x, 6), round(event.location.y, 6)] if event.location else None


class TraceEventInputSerializer(serializers.Serializer):
    biz_step = serializers.ChoiceField(choices=BizStep.choices)
    event_time = serializers.DateTimeField()
    event_type = serializers.CharField(required=False, allow_blank=True)
    action = serializers.CharField(required=False, allow_blank=True)
    disposition = serializers.CharField(required=False, allow_blank=True)
    event_time_zone_offset = serializers.CharField(required=False, max_length=6)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    zone = serializers.PrimaryKeyRelatedField(queryset=RawMaterialZone.objects.all(), required=False, allow_null=True)
    packing_facility = serializers.PrimaryKeyRelatedField(queryset=PackingFacility.objects.all(), required=False,
                                                          allow_null=True)
    production_facility = serializers.PrimaryKeyRelatedField(queryset=ProductionFacility.objects.all(),
                                                             required=False, allow_null=True)
    sales_point = serializers.PrimaryKeyRelatedField(queryset=SalesPoint.objects.all(), required=False,
                                                     allow_null=True)
    location = GeoJSONInput(required=False, allow_null=True)
    business_documents = serializers.ListField(child=serializers.DictField(), required=False)
    input_product = serializers.CharField(max_length=200, required=False, allow_blank=True)
    pre_harvest_interval_days = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    parent_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class LotViewSet(ScopedServiceViewSet):
    queryset = Lot.objects.select_related("product").prefetch_related("growing_area_codes", "source_lots")
    serializer_class = LotSerializer
    input_serializer_class = LotInputSerializer

    def get_queryset(self):
        return super().get_queryset().order_by("-production_date", "-pk")

    def creation_scope(self, data):
        return {"producer": data["product"].producer_id}

    def create_record(self, data):
        return services.create_lot(**data)

    def update_record(self, record, data):
        return services.update_lot(lot=record, **data)

    @action(detail=True, methods=["get", "post"], url_path="events", serializer_class=TraceEventSerializer)
    def events(self, request, pk=None):
        """GET: the lot's logbook in order. POST: append one event (``quantity``/``unit`` apply to this lot)."""
        lot = get_object_or_404(self.get_queryset(), pk=pk)
        if request.method == "GET":
            events = permissions.scope_queryset(request.user, TraceEvent.objects.filter(lot=lot)).order_by("sequence")
            return Response(TraceEventSerializer(events, many=True).data)
        permissions.authorize(request.user, permissions.CREATE, TraceEvent, producer=lot.product.producer_id)
        data = TraceEventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        quantity, unit = values.pop("quantity", None), values.pop("unit", "")
        with transaction.atomic():
            event = services.record_event(
                lot=lot, recorded_by=request.user,
                objects=[services.LotQuantity(lot, quantity, unit)],
                **{key: value for key, value in values.items() if value not in ("", None)},
            )
            permissions.authorize(request.user, permissions.CREATE, event)
        return Response(TraceEventSerializer(event).data, status=status.HTTP_201_CREATED)
