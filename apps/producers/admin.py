"""Admin for producers; saves go through apps.producers.services."""

from __future__ import annotations

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from apps.common.admin import FoldedSearchMixin, ServiceAdminMixin
from apps.producers import services
from apps.producers.models import Producer

_FIELDS = ("name", "legal_form", "tax_code", "commune", "legacy_commune", "representative", "phone", "email",
           "website", "address", "location", "is_open_to_visits")


@admin.register(Producer)
class ProducerAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["name", "legal_form", "tax_code", "commune", "representative", "phone", "is_open_to_visits"]
    list_filter = ["legal_form", ("commune", admin.RelatedOnlyFieldListFilter), "is_open_to_visits"]
    search_fields = ["search_name", "tax_code"]
    fields = [*_FIELDS, "partners", "slug"]
    readonly_fields = ["slug"]
    raw_id_fields = ["commune", "legacy_commune", "partners"]
    list_select_related = ["commune"]

    def create_through_service(self, request, data):
        return services.register_producer(**{name: data.get(name) for name in _FIELDS},
                                          partners=data.get("partners") or ())

    def update_through_service(self, request, producer, data):
        return services.update_producer(producer=producer, partners=data.get("partners") or (),
                                        **{name: data.get(name) for name in _FIELDS})
