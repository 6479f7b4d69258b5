"""Officer report pages: the quarterly report (page, PDF, spreadsheet) and the data-quality lists (page, CSV).

Only officers: producers and the public get 403, visitors the login page. What each officer sees is its scope
(``selectors.report_scope_for``): provincial roles the whole province, a commune officer its communes, a legacy
district officer its district.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.reports.renderers import grouping_label, period_label, quality_csv, quarterly_pdf, quarterly_xlsx
from apps.reports.selectors import (
    COMMUNE,
    DISTRICT,
    QUALITY_LISTS,
    QuarterlyReport,
    ReportError,
    ReportScope,
    data_quality,
    quarterly_report,
    report_scope_for,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope(request: HttpRequest) -> ReportScope:
    scope = report_scope_for(request.user)
    if scope is None:
        raise PermissionDenied(_("Reports are for officers: your account has no officer role."))
    return scope


def _report(request: HttpRequest) -> QuarterlyReport:
    return quarterly_report(request.GET.get("year"), request.GET.get("quarter"), request.GET.get("by"),
                            _scope(request))


def _filename(report: QuarterlyReport, extension: str) -> str:
    return f"ocop-report-{report.quarter.year}-q{report.quarter.number}-{report.by}.{extension}"


@login_required
@require_GET
def quarterly_page(request: HttpRequest) -> HttpResponse:
    """``/reports/quarterly/?year=2026&quarter=3&by=commune|district``: the tables, with PDF and spreadsheet links."""
    context = {"quarters": [1, 2, 3, 4], "groupings": [(COMMUNE, _("Commune (2025)")),
                                                       (DISTRICT, _("Legacy district (before 1 July 2025)"))]}
    try:
        report = _report(request)
    except ReportError as error:
        context.update(error=error.message, year=request.GET.get("year", ""), quarter=request.GET.get("quarter", ""),
                       by=request.GET.get("by", ""))
        return render(request, "reports/quarterly.html", context, status=400)
    query = urlencode({"year": report.quarter.year, "quarter": report.quarter.number, "by": report.by})
    context.update(report=report, query=query, year=report.quarter.year, quarter=report.quarter.number, by=report.by,
                   period=period_label(report), grouping=grouping_label(report))
    return render(request, "reports/quarterly.html", context)


@login_required
@require_GET
def quarterly_pdf_view(request: HttpRequest) -> HttpResponse:
    try:
        report = _report(request)
    except ReportError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(quarterly_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(report, "pdf")}"'
    return response


@login_required
@require_GET
def quarterly_xlsx_view(request: HttpRequest) -> HttpResponse:
    try:
        report = _report(request)
    except ReportError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(quarterly_xlsx(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response


@login_required
@require_GET
def data_quality_page(request: HttpRequest) -> HttpResponse:
    """Every data-quality list with its count, links to the records' admin pages and a CSV download each."""
    return render(request, "reports/data_quality.html", {"lists": data_quality(_scope(request))})


@login_required
@require_GET
def data_quality_csv(request: HttpRequest, key: str) -> HttpResponse:
    scope = _scope(request)
    if key not in QUALITY_LISTS:
        raise Http404
    [quality_list] = data_quality(scope, only=key)
    response = HttpResponse(quality_csv(quality_list, request.build_absolute_uri),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ocop-data-quality-{key}.csv"'
    return response
