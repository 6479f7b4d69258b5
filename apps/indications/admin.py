"""Admin for geographical indications and marks; saves go through apps.indications.services."""

from __future__ import annotations

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from apps.common.admin import FoldedSearchMixin, ServiceAdminMixin
from apps.indications import services
from apps.indications.models import GeographicalIndication

_FIELDS = ["name", "kind", "registration_number", "holder", "registered_on", "protected_area", "products",
           "description"]


@admin.register(GeographicalIndication)
class GeographicalIndicationAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["name", "kind", "registration_number", "holder", "area_ha", "registered_on"]
    list_filter = ["kind"]
    search_fields = ["search_name", "registration_number"]
    fields = [*_FIELDS, "area_ha"]
    readonly_fields = ["area_ha"]
    raw_id_fields = ["products"]

    def create_through_service(self, request, data):
        return services.register_indication(**{name: data.get(name) for name in _FIELDS if name != "products"},
                                            products=data.get("products") or (), user=request.user)

    def update_through_service(self, request, indication, data):
        return services.update_indication(indication=indication, user=request.user,
                                          **{name: data.get(name) for name in _FIELDS if name != "products"},
                                          products=data.get("products") or ())
