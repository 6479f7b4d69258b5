"""Admin for OCOP ratings and their versioned rules; ratings are recorded, corrected and revoked through
apps.ratings.services, so total, stars, status and validity are always derived."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.common.admin import ScopedAdminMixin, ServiceAdminMixin
from apps.common.text import fold
from apps.ratings import services
from apps.ratings.models import CouncilRule, CriteriaSet, OcopRating, RatingStatus

_INPUT_FIELDS = ("product", "criteria_set", "council_level", "era", "evaluation_round", "evaluation_date",
                 "score_a", "score_b", "score_c", "decision_number", "decision_date", "issuing_authority",
                 "issuing_unit")
_DERIVED_FIELDS = ("total", "stars", "status", "valid_until", "revoked_on", "revocation_reason")


@admin.register(CriteriaSet)
class CriteriaSetAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "decision", "effective_from", "max_part_a", "max_part_b", "max_part_c",
                    "min_total_3_stars", "min_recognised_stars", "validity_months"]
    search_fields = ["code", "decision"]


@admin.register(CouncilRule)
class CouncilRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["era", "council_level", "min_stars", "max_stars", "note"]
    list_filter = ["era", "council_level"]


@admin.register(OcopRating)
class OcopRatingAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["product", "stars", "total", "status", "council_level", "era", "decision_number",
                    "decision_date", "valid_until", "criteria_set"]
    list_filter = ["stars", "status", "council_level", "era", "criteria_set", "product__category__scheme"]
    search_fields = ["product__search_name", "decision_number"]
    date_hierarchy = "decision_date"
    fields = [*_INPUT_FIELDS, *_DERIVED_FIELDS, "new_status", "status_effective_date", "status_reason"]
    readonly_fields = list(_DERIVED_FIELDS)
    raw_id_fields = ["product", "issuing_unit"]
    list_select_related = ["product", "criteria_set"]
    status_choices = [(RatingStatus.REVOKED, RatingStatus.REVOKED.label)]
    field_aliases = {"revocation_reason": "status_reason", "revoked_on": "status_effective_date"}

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == RatingStatus.REVOKED:
            return [*_INPUT_FIELDS, *_DERIVED_FIELDS]  # a revoked rating is history
        return super().get_readonly_fields(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or obj.status != RatingStatus.RECOGNISED:  # only a recognised rating can be revoked
            fields = [name for name in fields if name not in ("new_status", "status_effective_date", "status_reason")]
        return fields

    def get_search_results(self, request, queryset, search_term):
        """Product names without diacritics ("ca phe"), decision numbers as typed ("1234/QĐ-UBND")."""
        if not search_term:
            return queryset, False
        return queryset.filter(Q(product__search_name__contains=fold(search_term))
                               | Q(decision_number__icontains=search_term.strip())), False

    @staticmethod
    def status_service(rating, *, to_status, effective_date, reason, user=None):
        return services.revoke_rating(rating=rating, reason=reason, revoked_on=effective_date)

    def create_through_service(self, request, data):
        return services.record_rating(**{name: data.get(name) for name in _INPUT_FIELDS})

    def update_through_service(self, request, rating, data):
        changes = {name: data[name] for name in _INPUT_FIELDS if name in data}
        if rating.status == RatingStatus.REVOKED or not changes:
            return rating
        return services.correct_rating(rating=rating, **changes)


class OcopRatingInline(admin.TabularInline):
    """A product's ratings, read-only: they are recorded in the OCOP ratings admin (through the service)."""

    model = OcopRating
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["evaluation_date", "council_level", "criteria_set", "total", "stars", "status", "decision_number",
              "decision_date", "valid_until", "revoked_on"]
    readonly_fields = fields
    ordering = ["-decision_date", "-evaluation_date"]
    verbose_name_plural = _("OCOP ratings (record new ones under OCOP ratings)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False
