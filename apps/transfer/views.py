"""Officer pages for imports (upload → mapping → dry run → commit) and downloads (exports, EUDR)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.fields.json import KeyTransform
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.common.errors import DomainError
from apps.transfer import crs as crs_catalogue
from apps.transfer.eudr import eudr_selection
from apps.transfer.exports import FORMATS, LAYERS, export_selection
from apps.transfer.fields import TARGET_FIELDS
from apps.transfer.models import ImportJob, ImportKind, ImportStatus
from apps.transfer.selectors import (
    STATUS_LABELS,
    preview_geojson,
    remarks,
    report_csv,
    report_entries,
    report_filter,
    report_filters,
)
from apps.transfer.services import (
    create_import_job,
    start_import_in_background,
    update_import_mapping,
)

PREVIEW_LIMIT = 5000
# Rows of the report on a page of it (the whole report is the spreadsheet's).
REPORT_PAGE_SIZE = 500


def _model_of(kind: str):
    return LAYERS[kind].queryset().model


def _check(user, action: str, target) -> None:
    """The accounts app's permission check (every write goes through it)."""
    from apps.accounts.permissions import can

    if not can(user, action, target):
        raise PermissionDenied(_("You may not do this."))


def _job_for(request: HttpRequest, pk: int, jobs=None) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.all() if jobs is None else jobs, pk=pk)
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied(_("This import belongs to another officer."))
    return job


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            if kind in ImportKind.values:
                _check(request.user, "create", _model_of(kind))
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainError("file_required", _("Choose a file."), field="file")
            job = create_import_job(kind=kind, file=upload, user=request.user, crs=request.POST.get("crs", ""))
            return redirect("transfer:import-job", pk=job.pk)
        except DomainError as refused:
            error = refused.message
    return render(request, "transfer/import_start.html", {
        "kinds": ImportKind.choices, "crs_choices": crs_catalogue.choices(), "error": error,
        "jobs": ImportJob.objects.filter(created_by=request.user)[:20],
    }, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            _check(request.user, "create", _model_of(job.kind))
            targets = TARGET_FIELDS[job.kind]
            job = update_import_mapping(
                job=job, crs=request.POST.get("crs", job.crs),
                mapping={target.name: request.POST.get(f"map-{target.name}", "") for target in targets},
                defaults={target.name: request.POST.get(f"default-{target.name}", "") for target in targets})
            if action in ("dry_run", "commit"):
                if action == "commit" and job.status != ImportStatus.CHECKED:
                    raise DomainError("dry_run_first", _("Run the check first; commit when no feature is rejected."))
                start_import_in_background(job=job, commit=action == "commit", user=request.user)
            return redirect("transfer:import-job", pk=job.pk)
        except DomainError as refused:
            error = refused.message
    targets = [{"name": target.name, "label": target.label, "required": target.is_required,
                "source": job.mapping.get(target.name, ""), "default": job.defaults.get(target.name, "")}
               for target in TARGET_FIELDS[job.kind]]
    shown = report_filter(job, request.GET.get("show"))
    report_page = Paginator(report_entries(job, shown), REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "transfer/import_job.html", {
        "job": job, "targets": targets, "crs_choices": crs_catalogue.choices(), "error": error,
        "report_page": report_page, "report_shown": shown,
        "report_rows": [{"entry": entry, "status": STATUS_LABELS.get(entry["status"], entry["status"]),
                         "remarks": remarks(entry)} for entry in report_page],
        "report_filters": report_filters(job),
        "detected_label": crs_catalogue.CATALOGUE[job.detected_crs].label
        if job.detected_crs in crs_catalogue.CATALOGUE else job.detected_crs,
        "urls": {"progress": reverse("transfer:import-progress", args=[job.pk]),
                 "preview": reverse("transfer:import-preview", args=[job.pk]),
                 "report": reverse("transfer:import-report", args=[job.pk])},
    }, status=400 if error else 200)


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's whole report as a spreadsheet (CSV): every feature, what happened to it and why."""
    job = _job_for(request, pk)
    if not job.report:
        raise Http404(_("This import has no report yet."))
    response = HttpResponse(report_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    # Polled while an import runs: the summary alone, not the whole report (1.3 MB for 10,000 features).
    job = _job_for(request, pk, ImportJob.objects.defer("report").annotate(summary=KeyTransform("summary", "report")))
    return JsonResponse({"status": job.status, "done": job.progress_done, "total": job.progress_total,
                         "percent": job.progress_percent, "error": job.error, "summary": job.summary})


@login_required
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The file's features in WGS 84 (at most ``PREVIEW_LIMIT``) with their dry-run status, for the map.

    The file never changes; what is drawn changes only when the job is saved (a run's statuses, the mapping, the
    coordinate system). So the answer carries an ETag of that state, and the browser, which revalidates it on every
    view of the page, gets a 304 without the file being read again (0.5 s for 10,000 features).
    """
    job = _job_for(request, pk, ImportJob.objects.defer("report"))
    etag = f'"preview-{job.pk}-{job.updated_at.timestamp()}-{PREVIEW_LIMIT}"'
    unchanged = get_conditional_response(request, etag=etag)
    if unchanged is not None:
        return _revalidated(unchanged, etag)
    try:
        collection = preview_geojson(job, PREVIEW_LIMIT)
    except DomainError as refused:
        return JsonResponse({"error": refused.as_dict()}, status=400)
    return _revalidated(HttpResponse(collection, content_type="application/json"), etag)


def _revalidated(response: HttpResponse, etag: str) -> HttpResponse:
    """``response`` with ``etag``, kept by the officer's browser only, asked again (If-None-Match) at every use."""
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    """Download a filtered selection: ``?layer=zones&format=gpkg&status=active&commune=…&crop=…&kind=…``."""
    from apps.accounts.permissions import scope_queryset

    kind, fmt = request.GET.get("layer", ""), request.GET.get("format", "geojson")
    if kind not in LAYERS:
        return render(request, "transfer/export.html", {"kinds": ImportKind.choices, "formats": FORMATS})
    filters = {name: request.GET.get(name, "") for name in LAYERS[kind].filters}
    try:
        exported = export_selection(kind=kind, fmt=fmt, filters=filters,
                                    scope=lambda queryset: scope_queryset(request.user, queryset))
    except DomainError as refused:
        return JsonResponse({"error": refused.as_dict()}, status=400)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


EUDR_TARGETS = {"lots": "traceability.Lot", "shipments": "traceability.TraceEvent", "producers": "producers.Producer"}


def _eudr_record(request: HttpRequest, target: str, pk: int):
    """The lot, shipping event or producer, if the user may download its EUDR geolocation (else 404 / 403)."""
    from django.apps import apps

    from apps.transfer.eudr import shipment_is_shipping
    from apps.transfer.permissions import EXPORT_EUDR

    if target not in EUDR_TARGETS:
        raise Http404
    record = get_object_or_404(apps.get_model(EUDR_TARGETS[target]), pk=pk)
    if target == "shipments" and not shipment_is_shipping(record):
        raise Http404(_("This logbook event is not a shipment."))
    _check(request.user, EXPORT_EUDR, record)
    return record


def _eudr_download(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    """One GeoJSON when it fits and nothing failed (``?zip=1`` forces the zip), else a zip of parts and failures."""
    selection = eudr_selection(_eudr_record(request, target, pk), user=request.user)
    export = selection.export()
    if len(export.parts) == 1 and not export.failures and request.GET.get("zip") != "1":
        response = HttpResponse(export.parts[0], content_type="application/geo+json")
        response["Content-Disposition"] = f'attachment; filename="{selection.filename}.geojson"'
        return response
    response = HttpResponse(export.as_zip(selection.filename), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{selection.filename}.zip"'
    return response


@login_required
@require_GET
def eudr_lot(request: HttpRequest, pk: int) -> HttpResponse:
    """The EUDR geolocation of a lot (its source zones and those of its source lots)."""
    return _eudr_download(request, "lots", pk)


@login_required
@require_GET
def eudr_shipment(request: HttpRequest, pk: int) -> HttpResponse:
    """The EUDR geolocation of a shipment (a shipping logbook event): the plots of the lots it carried."""
    return _eudr_download(request, "shipments", pk)


@login_required
@require_GET
def eudr_producer(request: HttpRequest, pk: int) -> HttpResponse:
    """The EUDR geolocation of a producer's plots."""
    return _eudr_download(request, "producers", pk)


@login_required
@require_GET
def eudr_report(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    """The page of an EUDR download: what it holds, the plots that fail and why, and the download links."""
    selection = eudr_selection(_eudr_record(request, target, pk), user=request.user)
    export = selection.export()
    download = reverse(f"transfer:eudr-{target.removesuffix('s')}", args=[pk])
    return render(request, "transfer/eudr_report.html", {
        "selection": selection, "export": export, "download": download,
        "is_single_file": len(export.parts) == 1 and not export.failures,
    })
