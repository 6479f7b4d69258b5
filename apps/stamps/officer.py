"""The officers' stamp pages (staff only): issue a run, download its outputs, change statuses, review alerts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts import permissions
from apps.common.errors import DomainError
from apps.stamps import outputs, selectors, services
from apps.stamps.forms import IssueRunForm, StatusChangeForm
from apps.stamps.models import CounterfeitReport, Stamp, StampRun


def _runs(request: HttpRequest):
    """The stamp runs the user may see (role and scope, apps.accounts)."""
    return permissions.scope_queryset(request.user, StampRun.objects.select_related("lot__product"))


def _form_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@staff_member_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    form = IssueRunForm(request.POST or None)
    form.fields["lot"].queryset = permissions.scope_queryset(request.user, form.fields["lot"].queryset)
    if request.method == "POST" and form.is_valid():
        try:
            permissions.authorize(request.user, "issue_stamps", form.cleaned_data["lot"])
            run = services.issue_stamp_run(lot=form.cleaned_data["lot"], count=form.cleaned_data["count"],
                                           created_by=request.user, options=form.options())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(count)s stamps issued.") % {"count": run.count})
            return redirect("stamps-officer-run", pk=run.pk)
    runs = Paginator(permissions.scope_queryset(request.user, StampRun.objects.select_related(
        "lot__product", "created_by")), 50)
    runs = runs.get_page(request.GET.get("page"))
    return render(request, "stamps/officer/run_list.html", {"form": form, "runs": runs})


@staff_member_required
@require_http_methods(["GET", "POST"])
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(_runs(request).select_related("created_by"), pk=pk)
    form = StatusChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            permissions.authorize(request.user, permissions.UPDATE, run)
            change = services.change_stamp_status(
                to_status=data["to_status"], run=run, sequence_from=data["sequence_from"],
                sequence_to=data["sequence_to"], serials=form.serial_list(), reason=data["reason"],
                changed_by=request.user)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(changed)s stamps changed, %(unchanged)s already had that status.")
                             % {"changed": change.changed_count, "unchanged": change.unchanged_count})
            return redirect("stamps-officer-run", pk=run.pk)
    counts = dict(Stamp.objects.filter(run=run).values_list("status").annotate(total=Count("id")))
    first_stamps = Stamp.objects.filter(run=run).order_by("sequence")[:5]
    return render(request, "stamps/officer/run_detail.html", {
        "run": run, "form": form, "counts": counts, "first_stamps": first_stamps,
        "changes": run.status_changes.select_related("changed_by")[:20],
    })


@staff_member_required
def run_sheet(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    run = get_object_or_404(_runs(request), pk=pk)
    response = StreamingHttpResponse(outputs.run_sheet(run), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="stamps-run-{run.pk}.pdf"'
    return response


@staff_member_required
def run_manifest(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    run = get_object_or_404(_runs(request), pk=pk)
    response = StreamingHttpResponse(outputs.run_manifest(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stamps-run-{run.pk}.csv"'
    return response


@staff_member_required
@require_http_methods(["GET", "POST"])
def alerts(request: HttpRequest) -> HttpResponse:
    """Flagged stamps (possible clones) and consumer counterfeit reports, in one list."""
    if request.method == "POST":
        if request.POST.get("clear_stamp"):
            stamp = get_object_or_404(permissions.scope_queryset(request.user, Stamp.objects.all()),
                                      pk=request.POST["clear_stamp"])
            permissions.authorize(request.user, permissions.UPDATE, stamp)
            services.clear_stamp_flag(stamp=stamp)
        elif request.POST.get("review_report"):
            report = get_object_or_404(permissions.scope_queryset(request.user, CounterfeitReport.objects.all()),
                                       pk=request.POST["review_report"])
            permissions.authorize(request.user, permissions.UPDATE, report)
            services.review_report(report=report, reviewed_by=request.user)
        return redirect("stamps-officer-alerts")
    return render(request, "stamps/officer/alerts.html", {
        "flagged": permissions.scope_queryset(request.user, selectors.flagged_stamps())[:200],
        "reports": permissions.scope_queryset(request.user, selectors.open_reports())[:200],
    })
