"""Producer records API (``/api/v1/records/producers/``): writes through apps.producers.services."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from apps.accounts.api import ScopedServiceViewSet
from apps.accounts.fields import GeoJSONInput, commune_field, legacy_unit_field
from apps.producers import services
from apps.producers.models import LegalForm, Producer
from apps.territory.models import Level


class ProducerSerializer(serializers.ModelSerializer):
    commune = serializers.SlugRelatedField(slug_field="code", read_only=True)
    legacy_commune = serializers.SlugRelatedField(slug_field="code", read_only=True)
    location = GeometryField(precision=6, read_only=True)

    class Meta:
        model = Producer
        fields = ["id", "name", "legal_form", "tax_code", "representative", "phone", "email", "website", "address",
                  "commune", "legacy_commune", "location", "is_open_to_visits", "slug", "created_at", "updated_at"]


class ProducerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)
    tax_code = serializers.CharField(max_length=14)
    commune = commune_field()
    legacy_commune = legacy_unit_field(Level.COMMUNE, required=False, allow_null=True)
    representative = serializers.CharField(max_length=120, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    location = GeoJSONInput(required=False, allow_null=True)
    is_open_to_visits = serializers.BooleanField(required=False)


class ProducerViewSet(ScopedServiceViewSet):
    queryset = Producer.objects.select_related("commune", "legacy_commune").order_by("name", "pk")
    serializer_class = ProducerSerializer
    input_serializer_class = ProducerInputSerializer

    def creation_scope(self, data):
        return {"commune": data["commune"]}

    def create_record(self, data):
        return services.register_producer(**data)

    def update_record(self, record, data):
        return services.update_producer(producer=record, **data)
