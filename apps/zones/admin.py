"""Admin for crops, raw-material zones and growing-area codes; saves go through apps.zones.services."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from apps.common.admin import FoldedSearchMixin, ScopedAdminMixin, ServiceAdminMixin, StatusHistoryInline
from apps.zones import services
from apps.zones.models import (
    CodeStatus,
    CodeStatusChange,
    Crop,
    GrowingAreaCode,
    RawMaterialZone,
    ZoneStatus,
    ZoneStatusChange,
)


@admin.register(Crop)
class CropAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "is_eudr_commodity", "max_plausible_ha"]
    list_filter = ["is_eudr_commodity"]
    search_fields = ["name", "name_en", "slug"]

    def get_search_results(self, request, queryset, search_term):
        # Slugs are the folded names, so "ca phe" finds "Cà phê" without diacritics.
        from django.db.models import Q

        from apps.common.text import fold, vietnamese_slug

        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term and fold(search_term):
            results = results | queryset.filter(Q(slug__contains=vietnamese_slug(search_term)))
        return results, may_have_duplicates


class ZoneStatusChangeInline(StatusHistoryInline, admin.TabularInline):
    model = ZoneStatusChange


class CodeStatusChangeInline(StatusHistoryInline, admin.TabularInline):
    model = CodeStatusChange


@admin.register(RawMaterialZone)
class RawMaterialZoneAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["name", "kind", "crop", "area_ha", "status", "communes_list"]
    list_filter = ["kind", "status", "crop", "communes"]
    search_fields = ["search_name"]
    fields = ["name", "kind", "crop", "geometry", "producers", "notes", "area_ha", "communes_list", "status",
              "new_status", "status_effective_date", "status_reason"]
    readonly_fields = ["area_ha", "communes_list", "status"]
    raw_id_fields = ["producers"]
    inlines = [ZoneStatusChangeInline]
    status_choices = ZoneStatus.choices

    @admin.display(description=_("communes"))
    def communes_list(self, zone: RawMaterialZone) -> str:
        return ", ".join(commune.name for commune in zone.communes.all()) if zone.pk else "—"

    @staticmethod
    def status_service(zone, **kwargs):
        return services.change_zone_status(zone=zone, **kwargs)

    def create_through_service(self, request, data):
        return services.create_zone(name=data["name"], kind=data["kind"], crop=data["crop"],
                                    geometry=data["geometry"], producers=data.get("producers") or (),
                                    notes=data.get("notes", ""), user=request.user)

    def update_through_service(self, request, zone, data):
        return services.update_zone(zone=zone, name=data["name"], kind=data["kind"], crop=data["crop"],
                                    geometry=data["geometry"], producers=data.get("producers") or (),
                                    notes=data.get("notes", ""), user=request.user)


@admin.register(GrowingAreaCode)
class GrowingAreaCodeAdmin(FoldedSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["code", "code_type", "crop", "province_letters", "issuing_authority", "issue_date", "status"]
    list_filter = ["code_type", "status", "crop", "province_letters", "zones__communes"]
    search_fields = ["code", "zones__search_name"]
    fields = ["code", "code_type", "province_letters", "crop", "issuing_authority", "issue_date", "target_markets",
              "zones", "sequence", "status", "new_status", "status_effective_date", "status_reason"]
    autocomplete_fields = ["zones"]
    inlines = [CodeStatusChangeInline]
    status_choices = CodeStatus.choices

    def get_readonly_fields(self, request, obj=None):
        # A code, its type and letters never change once issued.
        if obj is None:
            return ["sequence", "status"]
        return ["code", "code_type", "province_letters", "sequence", "status"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "code" in form.base_fields:
            form.base_fields["code"].required = False
            form.base_fields["code"].help_text = _("Leave empty to issue the next free code for the letters.")
        return form

    @staticmethod
    def status_service(code, **kwargs):
        return services.change_code_status(code=code, **kwargs)

    def create_through_service(self, request, data):
        return services.issue_growing_area_code(
            code=data.get("code") or None, code_type=data["code_type"], crop=data["crop"],
            province_letters=data.get("province_letters", ""), issuing_authority=data["issuing_authority"],
            issue_date=data["issue_date"], target_markets=data.get("target_markets") or (),
            zones=data.get("zones") or (), user=request.user,
        )

    def update_through_service(self, request, code, data):
        code = services.update_growing_area_code(
            code=code, crop=data["crop"], issuing_authority=data["issuing_authority"], issue_date=data["issue_date"],
            target_markets=data.get("target_markets") or (), user=request.user,
        )
        return services.assign_zones_to_code(code=code, zones=data.get("zones") or (), replace=True,
                                             user=request.user)
