"""Admin for sales points; saves go through apps.outlets.services."""

from __future__ import annotations

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from apps.common.admin import FoldedSearchMixin, ServiceAdminMixin
from apps.outlets import services
from apps.outlets.models import SalesPoint

_FIELDS = ["name", "kind", "location", "address", "phone", "opening_hours", "operator", "legacy_district",
           "products"]


@admin.register(SalesPoint)
class SalesPointAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["name", "kind", "commune", "is_outside_province", "phone"]
    list_filter = ["kind", "is_outside_province", "commune"]
    search_fields = ["search_name"]
    fields = [*_FIELDS, "commune", "is_outside_province"]
    readonly_fields = ["commune", "is_outside_province"]
    raw_id_fields = ["operator", "legacy_district", "products"]

    def create_through_service(self, request, data):
        return services.create_sales_point(**{name: data.get(name) for name in _FIELDS if name != "products"},
                                           products=data.get("products") or (), user=request.user)

    def update_through_service(self, request, sales_point, data):
        return services.update_sales_point(sales_point=sales_point, user=request.user,
                                           **{name: data.get(name) for name in _FIELDS if name != "products"},
                                           products=data.get("products") or ())
