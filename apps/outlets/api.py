"""Sales point records API (``/api/v1/records/sales-points/``): writes through apps.outlets.services."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from apps.accounts.api import ScopedServiceViewSet
from apps.accounts.fields import GeoJSONInput, legacy_unit_field, producer_field
from apps.outlets import services
from apps.outlets.models import SalesPoint, SalesPointKind
from apps.products.models import Product
from apps.territory.models import Level


class SalesPointSerializer(serializers.ModelSerializer):
    commune = serializers.SlugRelatedField(slug_field="code", read_only=True)
    legacy_district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    operator = serializers.SlugRelatedField(slug_field="tax_code", read_only=True)
    location = GeometryField(precision=6, read_only=True)

    class Meta:
        model = SalesPoint
        fields = ["id", "name", "kind", "location", "address", "commune", "legacy_district", "opening_hours", "phone",
                  "operator", "products", "is_outside_province", "created_at", "updated_at"]


class SalesPointInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=SalesPointKind.choices)
    location = GeoJSONInput()
    opening_hours = serializers.JSONField(required=False, allow_null=True)
    products = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), many=True, required=False)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    operator = producer_field(required=False, allow_null=True)
    legacy_district = legacy_unit_field(Level.DISTRICT, required=False, allow_null=True)


class SalesPointViewSet(ScopedServiceViewSet):
    queryset = SalesPoint.objects.select_related("commune", "legacy_district", "operator").order_by("name", "pk")
    serializer_class = SalesPointSerializer
    input_serializer_class = SalesPointInputSerializer

    def creation_scope(self, data):
        # The commune follows from the location (computed by the service): the saved point is checked.
        return {"producer": data["operator"]} if data.get("operator") else {}

    def create_record(self, data):
        return services.create_sales_point(user=self.request.user, **data)

    def update_record(self, record, data):
        return services.update_sales_point(sales_point=record, user=self.request.user, **data)
