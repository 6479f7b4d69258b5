"""Admin of the evaluation cycle. Candidacies are read-only here: every step goes through apps.evaluation.services
(the boards, pages and API), so the transition table and its role checks cannot be bypassed. Step deadlines and
scoring criteria are reference data, edited here."""

from __future__ import annotations

from django.contrib import admin

from apps.evaluation.models import (
    Candidacy,
    CandidacyEvent,
    CouncilAssignment,
    Criterion,
    DossierDocument,
    ExpiryReminder,
    MemberScore,
    StepDeadline,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventInline(_ReadOnlyInline):
    model = CandidacyEvent
    fields = ["at", "action", "from_state", "to_state", "actor", "actor_role", "note"]
    readonly_fields = fields


class DocumentInline(_ReadOnlyInline):
    model = DossierDocument
    fields = ["title", "file", "uploaded_at"]
    readonly_fields = fields


class AssignmentInline(_ReadOnlyInline):
    model = CouncilAssignment
    fields = ["member"]
    readonly_fields = fields


class MemberScoreInline(_ReadOnlyInline):
    model = MemberScore
    fields = ["member", "score_a", "score_b", "score_c", "criterion_scores", "scored_at"]
    readonly_fields = fields


@admin.register(Candidacy)
class CandidacyAdmin(admin.ModelAdmin):
    list_display = ["product", "producer", "commune", "cycle_year", "kind", "state", "state_since", "total", "rating",
                    "published_at"]
    list_filter = ["state", "kind", "cycle_year"]
    search_fields = ["product__search_name", "producer__search_name"]
    inlines = [DocumentInline, AssignmentInline, MemberScoreInline, EventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StepDeadline)
class StepDeadlineAdmin(admin.ModelAdmin):
    list_display = ["state", "days"]
    list_editable = ["days"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["criteria_set", "part", "code", "name", "max_score"]
    list_filter = ["criteria_set", "part"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(admin.ModelAdmin):
    list_display = ["rating", "days_ahead", "valid_until", "sent_on", "recipients"]
    list_filter = ["days_ahead"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
