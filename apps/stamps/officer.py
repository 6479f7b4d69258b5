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

from apps.common.errors import DomainError
from apps.stamps import outputs, selectors, services
from apps.stamps.forms import IssueRunForm, StatusChangeForm
from apps.stamps.models import CounterfeitReport, Stamp, StampRun


def _form_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@staff_member_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    form = IssueRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.issue_stamp_run(lot=form.cleaned_data["lot"], count=form.cleaned_data["count"],
                                           created_by=request.user, options=form.options())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(count)s stamps issued.") % {"count": run.count})
            return redirect("stamps-officer-run", pk=run.pk)
    runs = Paginator(StampRun.objects.select_related("lot__product", "created_by"), 50)
    runs = runs.get_page(request.GET.get("page"))
    return render(request, "stamps/officer/run_list.html", {"form": form, "runs": runs})


@staff_member_required
@require_http_methods(["GET", "POST"])
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(StampRun.objects.select_related("lot__product", "created_by"), pk=pk)
    form = StatusChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
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
    run = get_object_or_404(StampRun.objects.select_related("lot__product"), pk=pk)
    response = StreamingHttpResponse(outputs.run_sheet(run), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="stamps-run-{run.pk}.pdf"'
    return response


@staff_member_required
def run_manifest(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    run = get_object_or_404(StampRun.objects.select_related("lot__product"), pk=pk)
    response = StreamingHttpResponse(outputs.run_manifest(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stamps-run-{run.pk}.csv"'
    return response


@staff_member_required
@require_http_methods(["GET", "POST"])
def alerts(request: HttpRequest) -> HttpResponse:
    """Flagged stamps (possible clones) and consumer counterfeit reports, in one list."""
    if request.method == "POST":
        if request.POST.get("clear_stamp"):
            services.clear_stamp_flag(stamp=get_object_or_404(Stamp, pk=request.POST["clear_stamp"]))
        elif request.POST.get("review_report"):
            services.review_report(report=get_object_or_404(CounterfeitReport, pk=request.POST["review_report"]),
                                   reviewed_by=request.user)
        return redirect("stamps-officer-alerts")
    return render(request, "stamps/officer/alerts.html", {
        "flagged": selectors.flagged_stamps()[:200], "reports": selectors.open_reports()[:200],
    })
