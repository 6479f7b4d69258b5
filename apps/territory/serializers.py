from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from apps.territory.models import AdministrativeUnit


class AdministrativeUnitSerializer(GeoFeatureModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)

    class Meta:
        model = AdministrativeUnit
        geo_field = "centroid"
        id_field = "id"
        fields = ["id", "code", "name", "short_name", "unit_type", "level", "era", "parent_code", "area_km2", "slug"]
