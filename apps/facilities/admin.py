"""Admin for packing and production facilities; saves go through apps.facilities.services."""

from __future__ import annotations

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from apps.common.admin import FoldedSearchMixin, ServiceAdminMixin, StatusHistoryInline
from apps.facilities import services
from apps.facilities.models import FacilityStatus, PackingFacility, PackingFacilityStatusChange, ProductionFacility

_PACKING_FIELDS = ["name", "code", "code_type", "operator", "operator_name", "location", "footprint", "address",
                   "target_markets", "capacity_tonnes_per_day", "issuing_authority", "issue_date"]
_PRODUCTION_FIELDS = ["name", "producer", "location", "address", "makes", "products"]


class PackingFacilityStatusChangeInline(StatusHistoryInline, admin.TabularInline):
    model = PackingFacilityStatusChange


@admin.register(PackingFacility)
class PackingFacilityAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["code", "name", "code_type", "commune", "status", "issue_date"]
    list_filter = ["code_type", "status", "province_letters", "commune"]
    search_fields = ["search_name", "code"]
    fields = [*_PACKING_FIELDS, "province_letters", "sequence", "commune", "status", "new_status",
              "status_effective_date", "status_reason"]
    readonly_fields = ["province_letters", "sequence", "commune", "status"]
    raw_id_fields = ["operator"]
    inlines = [PackingFacilityStatusChangeInline]
    status_choices = FacilityStatus.choices

    @staticmethod
    def status_service(facility, **kwargs):
        return services.change_packing_facility_status(facility=facility, **kwargs)

    def create_through_service(self, request, data):
        return services.register_packing_facility(**{name: data.get(name) for name in _PACKING_FIELDS},
                                                  user=request.user)

    def update_through_service(self, request, facility, data):
        return services.update_packing_facility(facility=facility, user=request.user,
                                                **{name: data.get(name) for name in _PACKING_FIELDS})


@admin.register(ProductionFacility)
class ProductionFacilityAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["name", "producer", "commune", "makes"]
    list_filter = ["commune"]
    search_fields = ["search_name"]
    fields = [*_PRODUCTION_FIELDS, "commune"]
    readonly_fields = ["commune"]
    raw_id_fields = ["producer", "products"]

    def create_through_service(self, request, data):
        return services.register_production_facility(
            **{name: data.get(name) for name in _PRODUCTION_FIELDS if name != "products"},
            products=data.get("products") or (), user=request.user)

    def update_through_service(self, request, facility, data):
        return services.update_production_facility(
            facility=facility, user=request.user,
            **{name: data.get(name) for name in _PRODUCTION_FIELDS if name != "products"},
            products=data.get("products") or ())
