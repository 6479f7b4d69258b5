"""Admin for certifications; saves go through apps.certifications.services and the state (valid / expired /
not yet valid) is computed from the dates, never stored."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.certifications import services
from apps.certifications.models import Certification
from apps.certifications.selectors import CertificationState, with_state
from apps.common.admin import FoldedSearchMixin, ServiceAdminMixin

_FIELDS = ("scheme", "certifying_body", "number", "valid_from", "valid_to", "document")


class StateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state today")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return CertificationState.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() in CertificationState.values else queryset


@admin.register(Certification)
class CertificationAdmin(FoldedSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["number", "scheme", "certifying_body", "subject_display", "valid_from", "valid_to", "state_display"]
    list_filter = ["scheme", StateFilter, "valid_to"]
    search_fields = ["number", "certifying_body", "producer__search_name", "product__search_name",
                     "packing_facility__code", "zone__name", "production_facility__name"]
    fields = [*_FIELDS, *Certification.SCOPE_FIELDS]
    raw_id_fields = list(Certification.SCOPE_FIELDS)
    list_select_related = list(Certification.SCOPE_FIELDS)

    def get_queryset(self, request):
        return with_state(super().get_queryset(request))

    @admin.display(description=gettext_lazy("subject"))
    def subject_display(self, certification: Certification) -> str:
        return str(certification.subject or "—")

    @admin.display(description=gettext_lazy("state today"), ordering="state")
    def state_display(self, certification: Certification) -> str:
        return CertificationState(certification.state).label

    @staticmethod
    def _subject(data: dict):
        chosen = [data[name] for name in Certification.SCOPE_FIELDS if data.get(name) is not None]
        if len(chosen) != 1:
            raise services.CertificationError(
                "exactly_one_subject",
                _("Choose exactly one holder: a zone, a packing facility, a production facility, a producer or a "
                  "product."),
            )
        return chosen[0]

    def create_through_service(self, request, data):
        return services.add_certification(subject=self._subject(data),
                                          **{name: data.get(name) for name in _FIELDS})

    def update_through_service(self, request, certification, data):
        values = {name: data.get(name) for name in _FIELDS}
        if not values["document"]:
            values.pop("document")
        return services.update_certification(certification=certification, subject=self._subject(data), **values)
