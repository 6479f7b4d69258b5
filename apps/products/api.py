"""Product records API (``/api/v1/records/products/``): writes through apps.products.services."""

from __future__ import annotations

from rest_framework import serializers

from apps.accounts.api import ScopedServiceViewSet
from apps.accounts.fields import commune_field, producer_field
from apps.products import services
from apps.products.models import Product, ProductCategory, ProductKind


class ProductSerializer(serializers.ModelSerializer):
    producer = serializers.SlugRelatedField(slug_field="tax_code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    origin_communes = serializers.SlugRelatedField(slug_field="code", read_only=True, many=True)

    class Meta:
        model = Product
        fields = ["id", "name", "name_en", "kind", "category", "producer", "origin_communes", "short_description",
                  "story", "video_url", "gtin", "declared_standard", "shelf_life_days", "tags", "slug", "created_at",
                  "updated_at"]


class ProductInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    producer = producer_field()
    kind = serializers.ChoiceField(choices=ProductKind.choices, required=False, allow_null=True)
    origin_communes = commune_field(many=True, required=False)
    gtin = serializers.CharField(max_length=14, required=False, allow_blank=True)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    short_description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    story = serializers.CharField(required=False, allow_blank=True)
    video_url = serializers.URLField(required=False, allow_blank=True)
    declared_standard = serializers.CharField(max_length=120, required=False, allow_blank=True)
    shelf_life_days = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False)


class ProductViewSet(ScopedServiceViewSet):
    queryset = (Product.objects.select_related("producer", "category").prefetch_related("origin_communes")
                .order_by("name", "pk"))
    serializer_class = ProductSerializer
    input_serializer_class = ProductInputSerializer

    def creation_scope(self, data):
        return {"producer": data["producer"]}

    def create_record(self, data):
        return services.register_product(**data)

    def update_record(self, record, data):
        return services.update_product(product=record, **data)
