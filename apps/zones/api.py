"""Raw-material zone records API (``/api/v1/records/zones/``): writes through apps.zones.services."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from apps.accounts.api import ScopedServiceViewSet
from apps.accounts.fields import GeoJSONInput, producer_field
from apps.zones import services
from apps.zones.models import Crop, RawMaterialZone, ZoneKind


class ZoneSerializer(serializers.ModelSerializer):
    crop = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    producers = serializers.SlugRelatedField(slug_field="tax_code", read_only=True, many=True)
    communes = serializers.SlugRelatedField(slug_field="code", read_only=True, many=True)
    geometry = GeometryField(precision=6, read_only=True)

    class Meta:
        model = RawMaterialZone
        fields = ["id", "name", "kind", "crop", "status", "area_ha", "communes", "producers", "notes", "geometry",
                  "created_at", "updated_at"]


class ZoneInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ZoneKind.choices)
    crop = serializers.SlugRelatedField(slug_field="slug", queryset=Crop.objects.all())
    geometry = GeoJSONInput()
    producers = producer_field(many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True, help_text="Why (kept in the version history).")


class ZoneViewSet(ScopedServiceViewSet):
    queryset = (RawMaterialZone.objects.select_related("crop").prefetch_related("communes", "producers")
                .order_by("name", "pk"))
    serializer_class = ZoneSerializer
    input_serializer_class = ZoneInputSerializer

    def creation_scope(self, data):
        # The communes follow from the geometry (computed by the service): the saved zone is checked.
        return {"producer": data["producers"]} if data.get("producers") else {}

    def create_record(self, data):
        return services.create_zone(user=self.request.user, **data)

    def update_record(self, record, data):
        return services.update_zone(zone=record, user=self.request.user, **data)
