"""Admin for QR stamps: runs, stamps, the scan log (read-only) and consumer counterfeit reports.

Every change goes through :mod:`apps.stamps.services` (issuing a run, bulk status changes, clearing a clone flag,
reviewing a report); a refusal (:class:`~apps.common.errors.DomainError`) is shown on the form field it names and
nothing is saved. Stamps are never added or deleted here (a run issues them; printed serials must stay known), and
the scan log is append-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.admin import FoldedSearchMixin, ServiceAdminMixin
from apps.common.errors import DomainError
from apps.stamps import serials as serial_codes
from apps.stamps import services
from apps.stamps.models import (
    MAX_RUN_SIZE,
    CounterfeitReport,
    ScanEvent,
    Stamp,
    StampRun,
    StampStatus,
    StampStatusChange,
)
from apps.stamps.rendering import DEFAULT_OPTIONS, ERROR_LEVELS, stamp_url

_NEW_STATUS_CHOICES = [("", "—"), *((status.value, status.label) for status in
                                     (StampStatus.ACTIVE, StampStatus.VOID, StampStatus.REVOKED))]


def _serial_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class _SerialSearchMixin:
    """Find a stamp by its serial as typed or scanned (lower case, O for 0, dashes…), or by an exact lot code."""

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if term and serial_codes.is_valid(term):
            term = serial_codes.normalize(term)
        return super().get_search_results(request, queryset, term)


# --- runs -----------------------------------------------------------------------------------------------------------

class StampRunAddForm(forms.ModelForm):
    error_correction = forms.ChoiceField(label=gettext_lazy("error correction"),
                                         choices=[(level, level) for level in ERROR_LEVELS],
                                         initial=DEFAULT_OPTIONS["error_correction"])
    stamp_size_mm = forms.FloatField(label=gettext_lazy("stamp size (mm)"), initial=DEFAULT_OPTIONS["stamp_size_mm"])
    margin_mm = forms.FloatField(label=gettext_lazy("page margin (mm)"), initial=DEFAULT_OPTIONS["margin_mm"])
    gap_mm = forms.FloatField(label=gettext_lazy("gap between stamps (mm)"), initial=DEFAULT_OPTIONS["gap_mm"])

    class Meta:
        model = StampRun
        fields = ["lot", "count"]


class StatusChangeFields(forms.Form):
    """The fields of a bulk status change (:func:`apps.stamps.services.change_stamp_status`)."""

    to_status = forms.ChoiceField(label=gettext_lazy("new status"), choices=_NEW_STATUS_CHOICES, required=False)
    sequence_from = forms.IntegerField(label=gettext_lazy("from number"), required=False, min_value=1)
    sequence_to = forms.IntegerField(label=gettext_lazy("to number"), required=False, min_value=1)
    serials = forms.CharField(label=gettext_lazy("or serials (one per line)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=gettext_lazy("reason"), required=False, max_length=500,
                             help_text=gettext_lazy("Required to revoke; shown to consumers who scan the stamp."))


class StampRunChangeForm(StatusChangeFields, forms.ModelForm):
    class Meta:
        model = StampRun
        fields: list[str] = []


class StampStatusChangeInline(admin.TabularInline):
    """The run's audit trail of status changes (read-only)."""

    model = StampStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "to_status", "selection", "changed_count", "unchanged_count", "reason", "changed_by"]
    readonly_fields = fields
    ordering = ["-changed_at", "-id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return self.admin_site._registry[StampRun].has_view_permission(request, obj)


@admin.register(StampRun)
class StampRunAdmin(FoldedSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["id", "lot", "count", "created_at", "created_by"]
    list_select_related = ["lot__product", "created_by"]
    list_filter = ["created_at"]
    search_fields = ["=lot__code", "lot__product__search_name"]
    raw_id_fields = ["lot"]
    inlines = [StampStatusChangeInline]
    field_aliases = {"to_status": "to_status", "reason": "reason"}  # not the mixin's dated-status field names

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["lot", "count"]}),
                    (_("Print layout"), {"fields": ["error_correction", "stamp_size_mm", "margin_mm", "gap_mm"]})]
        details = (None, {"fields": ["lot", "count", "created_at", "created_by", "print_options", "status_counts",
                                     "outputs"]})
        if not self.has_change_permission(request, obj):
            return [details]
        return [
            details,
            (_("Change the status of stamps"), {
                "fields": ["to_status", "sequence_from", "sequence_to", "serials", "reason"],
                "description": _("Choose a number range of this run, or list serials. Void and revoked are final; "
                                 "all selected stamps change or none."),
            }),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["lot", "count", "created_at", "created_by", "print_options", "status_counts", "outputs"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = StampRunChangeForm if obj is not None else StampRunAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its serials may already be printed: void or revoke them instead

    @admin.display(description=gettext_lazy("print layout"))
    def print_options(self, run: StampRun) -> str:
        return ", ".join(f"{key} {value}" for key, value in sorted(run.options.items()))

    @admin.display(description=gettext_lazy("stamps by status"))
    def status_counts(self, run: StampRun) -> str:
        counts = dict(Stamp.objects.filter(run=run).values_list("status").annotate(total=Count("id")))
        return ", ".join(f"{StampStatus(status).label}: {counts[status]:,}" for status in StampStatus.values
                         if counts.get(status)) or "—"

    @admin.display(description=gettext_lazy("outputs"))
    def outputs(self, run: StampRun) -> str:
        links = [(reverse("stamps-officer-sheet", kwargs={"pk": run.pk}), _("A4 sheet (PDF)")),
                 (reverse("stamps-officer-manifest", kwargs={"pk": run.pk}), _("manifest for the print shop (CSV)")),
                 (reverse("stamps-officer-run", kwargs={"pk": run.pk}), _("officer page"))]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def create_through_service(self, request, data):
        options = {key: data[key] for key in ("error_correction", "stamp_size_mm", "margin_mm", "gap_mm")}
        return services.issue_stamp_run(lot=data["lot"], count=data["count"], created_by=request.user,
                                        options=options)

    def update_through_service(self, request, run, data):
        if not data.get("to_status"):
            return run
        change = services.change_stamp_status(
            to_status=data["to_status"], run=run, sequence_from=data.get("sequence_from"),
            sequence_to=data.get("sequence_to"), serials=_serial_lines(data.get("serials", "")) or None,
            reason=data.get("reason", ""), changed_by=request.user,
        )
        self.message_user(request, _("%(changed)s stamps changed, %(unchanged)s already had that status.")
                          % {"changed": change.changed_count, "unchanged": change.unchanged_count})
        return run

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "count" and field is not None:
            field.help_text = _("From 1 to %(max)s.") % {"max": f"{MAX_RUN_SIZE:,}"}
        return field


# --- stamps ---------------------------------------------------------------------------------------------------------

class StampChangeForm(forms.ModelForm):
    to_status = forms.ChoiceField(label=gettext_lazy("new status"), choices=_NEW_STATUS_CHOICES, required=False)
    reason = forms.CharField(label=gettext_lazy("reason"), required=False, max_length=500,
                             help_text=gettext_lazy("Required to revoke; shown to consumers who scan the stamp."))

    class Meta:
        model = Stamp
        fields: list[str] = []


class StampActionForm(ActionForm):
    reason = forms.CharField(label=gettext_lazy("reason"), required=False)


class FlaggedFilter(admin.SimpleListFilter):
    title = gettext_lazy("possible clone")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_flagged=True)  # the partial index on flagged stamps serves this
        if self.value() == "no":
            return queryset.filter(is_flagged=False)
        return queryset


@admin.register(Stamp)
class StampAdmin(_SerialSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    form = StampChangeForm
    field_aliases = {"to_status": "to_status", "reason": "reason"}
    list_display = ["serial", "lot", "run_number", "sequence", "status", "scan_count", "first_scanned_at", "is_flagged"]
    list_select_related = ["lot__product"]
    list_filter = ["status", FlaggedFilter, "flag_reason"]
    search_fields = ["=serial", "=lot__code"]
    show_full_result_count = False  # a platform holds millions of stamps
    action_form = StampActionForm
    actions = ["activate", "void", "revoke", "clear_flag"]
    fieldsets = [
        (None, {"fields": ["serial", "url", "lot", "run", "sequence", "status", "status_reason",
                           "status_changed_at"]}),
        (gettext_lazy("Scans"), {"fields": ["scan_count", "first_scanned_at", "last_scanned_at", "last_located_at",
                                            "is_flagged", "flag_reason", "flagged_at"]}),
        (gettext_lazy("Change the status"), {"fields": ["to_status", "reason"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if self.has_change_permission(request, obj) else fieldsets[:2]
    readonly_fields = ["serial", "url", "lot", "run", "sequence", "status", "status_reason", "status_changed_at",
                       "scan_count", "first_scanned_at", "last_scanned_at", "last_located_at", "is_flagged",
                       "flag_reason", "flagged_at"]

    def has_add_permission(self, request) -> bool:
        return False  # stamps are issued by a run

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("run"), ordering="run")
    def run_number(self, stamp: Stamp) -> int:
        return stamp.run_id

    @admin.display(description=gettext_lazy("URL in the QR code"))
    def url(self, stamp: Stamp) -> str:
        address = stamp_url(stamp)
        return format_html('<a href="{}" rel="noopener" target="_blank">{}</a>', address, address)

    def update_through_service(self, request, stamp, data):
        if data.get("to_status"):
            services.change_stamp_status(to_status=data["to_status"], serials=[stamp.serial],
                                         reason=data.get("reason", ""), changed_by=request.user)
        return Stamp.objects.get(pk=stamp.pk)

    def _change_selected(self, request, queryset, to_status: str) -> None:
        try:
            change = services.change_stamp_status(
                to_status=to_status, serials=list(queryset.values_list("serial", flat=True)),
                reason=request.POST.get("reason", ""), changed_by=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, _("%(changed)s stamps changed, %(unchanged)s already had that status.")
                          % {"changed": change.changed_count, "unchanged": change.unchanged_count})

    @admin.action(description=gettext_lazy("Activate the selected stamps"), permissions=["change"])
    def activate(self, request, queryset):
        self._change_selected(request, queryset, StampStatus.ACTIVE)

    @admin.action(description=gettext_lazy("Void the selected stamps"), permissions=["change"])
    def void(self, request, queryset):
        self._change_selected(request, queryset, StampStatus.VOID)

    @admin.action(description=gettext_lazy("Revoke the selected stamps (give the reason)"), permissions=["change"])
    def revoke(self, request, queryset):
        self._change_selected(request, queryset, StampStatus.REVOKED)

    @admin.action(description=gettext_lazy("Clear the clone flag (checked by an officer)"), permissions=["change"])
    def clear_flag(self, request, queryset):
        cleared = 0
        for stamp in queryset.filter(is_flagged=True):
            services.clear_stamp_flag(stamp=stamp)
            cleared += 1
        self.message_user(request, _("%(count)s flags cleared.") % {"count": cleared})


# --- the scan log ---------------------------------------------------------------------------------------------------

ESTIMATE_ABOVE = 1_000_000


def estimated_scan_count() -> int:
    """The planner's row estimate for the whole scan log (all partitions), from the table statistics."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(GREATEST(child.reltuples, 0)), 0)::bigint FROM pg_inherits link "
            "JOIN pg_class child ON child.oid = link.inhrelid WHERE link.inhparent = %s::regclass",
            [ScanEvent._meta.db_table],
        )
        return int(cursor.fetchone()[0])


class ScanLogPaginator(Paginator):
    """Counts the unfiltered scan log from the statistics once it is large (COUNT(*) over billions of rows takes
    minutes); filtered lists, and a small log, are counted exactly."""

    @cached_property
    def count(self) -> int:
        if not self.object_list.query.where:
            estimate = estimated_scan_count()
            if estimate > ESTIMATE_ABOVE:
                return estimate
        return super().count


@admin.register(ScanEvent)
class ScanEventAdmin(_SerialSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    """The scan log: append-only, nothing to add, change or delete."""

    list_display = ["scanned_at", "serial", "kind", "outcome", "is_counted", "user_agent_family", "coarse_place"]
    list_filter = ["kind", "outcome", "is_counted"]
    search_fields = ["=serial"]
    paginator = ScanLogPaginator
    show_full_result_count = False
    fields = ["scanned_at", "serial", "stamp_link", "kind", "outcome", "is_counted", "user_agent_family",
              "coarse_place"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("coarse location"))
    def coarse_place(self, scan: ScanEvent) -> str:
        return f"{scan.location.y:.2f}, {scan.location.x:.2f}" if scan.location is not None else "—"

    @admin.display(description=gettext_lazy("stamp"))
    def stamp_link(self, scan: ScanEvent) -> str:
        if scan.stamp_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:stamps_stamp_change", args=[scan.stamp_id]),
                           scan.serial)


# --- counterfeit reports --------------------------------------------------------------------------------------------

@admin.register(CounterfeitReport)
class CounterfeitReportAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Consumers' counterfeit reports: read them, then mark them reviewed."""

    list_display = ["created_at", "serial", "stamp", "place", "short_message", "is_reviewed", "reviewed_by"]
    list_filter = ["is_reviewed", "created_at"]
    list_select_related = ["stamp", "reviewed_by"]
    search_fields = ["serial", "place", "message"]
    fields = ["created_at", "serial", "stamp", "place", "message", "contact", "coarse_place", "is_reviewed",
              "reviewed_by"]
    readonly_fields = fields
    actions = ["mark_reviewed"]

    def has_add_permission(self, request) -> bool:
        return False  # consumers report from the product page

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("what looks wrong"))
    def short_message(self, report: CounterfeitReport) -> str:
        return report.message if len(report.message) <= 80 else report.message[:79] + "…"

    @admin.display(description=gettext_lazy("coarse location"))
    def coarse_place(self, report: CounterfeitReport) -> str:
        return f"{report.location.y:.2f}, {report.location.x:.2f}" if report.location is not None else "—"

    def update_through_service(self, request, report, data):
        return report  # every field is read-only; reviewing is the action below

    @admin.action(description=gettext_lazy("Mark the selected reports reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        reviewed = 0
        for report in queryset.filter(is_reviewed=False):
            services.review_report(report=report, reviewed_by=request.user)
            reviewed += 1
        self.message_user(request, _("%(count)s reports marked reviewed.") % {"count": reviewed})
