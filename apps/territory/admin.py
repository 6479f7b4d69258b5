from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from apps.common.admin import ScopedAdminMixin
from apps.territory.models import AdministrativeUnit, LegacyMapping


class LegacyMappingInline(admin.TabularInline):
    model = LegacyMapping
    fk_name = "legacy"
    raw_id_fields = ["current"]
    extra = 0


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ScopedAdminMixin, LeafletGeoAdmin):
    list_display = ["code", "name", "unit_type", "level", "era", "parent", "area_km2"]
    list_filter = ["era", "level", "unit_type"]
    search_fields = ["code", "name", "search_name"]
    readonly_fields = ["search_name"]
    raw_id_fields = ["parent"]
    inlines = [LegacyMappingInline]

    def get_search_results(self, request, queryset, search_term):
        from apps.common.text import fold

        return super().get_search_results(request, queryset, fold(search_term) if search_term else search_term)


@admin.register(LegacyMapping)
class LegacyMappingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["legacy", "current", "is_primary"]
    list_filter = ["is_primary"]
    raw_id_fields = ["legacy", "current"]
    search_fields = ["legacy__search_name", "current__search_name", "legacy__code", "current__code"]
