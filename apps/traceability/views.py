"""Inspection visits from a phone: the form (GPS point, photos), the officer's list and one inspection's page.

Thin views: they parse the request, ask ``apps.accounts.permissions`` (through :mod:`apps.traceability.permissions`)
whether the user may act, normalise the point and call :func:`apps.traceability.services.record_inspection`. Who
may record: inspectors and the provincial office anywhere, commune officers in their communes; who may read the
list: every role that reads inspections, each within its scope.

The form works without JavaScript (a plain POST, errors next to the fields). The page's script posts the same form
with ``Accept: application/json`` and gets ``{"saved": true, "url": …}`` (201) or ``{"errors": {field: […]}}``, so
the chosen photos stay selected on an error and an offline draft can be sent later.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Role
from apps.accounts.permissions import (
    READ,
    PermissionDeniedError,
    authorize,
    can_on_some,
    profile_of,
    role_of,
    scope_queryset,
)
from apps.common.errors import DomainError
from apps.common.geometry import POINT, GeometryError, normalize_geometry, point
from apps.common.text import fold
from apps.traceability import selectors
from apps.traceability.forms import InspectionVisitForm
from apps.traceability.models import Inspection, InspectionPhoto, LocationSource
from apps.traceability.permissions import RECORD_INSPECTION, inspectable, may_record_inspections, target_models
from apps.traceability.selectors import InspectionTarget
from apps.traceability.services import MAX_PHOTOS, photo_max_bytes, record_inspection

PAGE_SIZE = 30
SEARCH_LIMIT = 8
# Where a service error is shown: the service names its inputs, the form has its own fields.
ERROR_FIELDS = {"location": "latitude", "location_accuracy_m": "latitude", "location_source": "latitude",
                "submission_key": None}
KIND_LABELS = {"zone": gettext_lazy("Raw-material zone"), "packing_facility": gettext_lazy("Packing facility"),
               "production_facility": gettext_lazy("Production facility"), "producer": gettext_lazy("Producer"),
               "lot": gettext_lazy("Lot")}


# --- access --------------------------------------------------------------------------------------------------------


def _login_required(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    if _wants_json(request):
        return JsonResponse({"saved": False, "errors": {"__all__": [_("Log in again: your session has ended.")]}},
                            status=401)
    return redirect_to_login(request.get_full_path())


def _require_recorder(request: HttpRequest) -> HttpResponse | None:
    denied = _login_required(request)
    if denied is None and not may_record_inspections(request.user):
        raise PermissionDenied(_("You may not record inspections: your role does not allow it."))
    return denied


def _require_reader(request: HttpRequest) -> HttpResponse | None:
    denied = _login_required(request)
    if denied is None and not can_on_some(request.user, READ, Inspection):
        raise PermissionDenied(_("You may not see inspections: your role does not allow it."))
    return denied


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _inspections(request: HttpRequest):
    """The inspections the user may see (role and scope, apps.accounts)."""
    return scope_queryset(request.user, Inspection.objects.select_related(
        "zone", "packing_facility", "production_facility", "producer", "lot__product", "recorded_by"))


# --- targets -------------------------------------------------------------------------------------------------------


def _within(user, kind: str = "") -> dict:
    """The targets of each kind (or of ``kind``) the user may record an inspection of."""
    models = target_models()
    kinds = [kind] if kind in models else list(models)
    return {name: inspectable(user, models[name].objects.all()) for name in kinds}


def _resolve_target(user, value: str) -> Model | None:
    """The record named by ``kind:pk`` if the user may see it, else None (unknown or outside the user's scope)."""
    kind, _sep, pk = (value or "").partition(":")
    model = target_models().get(kind)
    if model is None or not pk.isdigit():
        return None
    return scope_queryset(user, model.objects.all()).filter(pk=int(pk)).first()


def _kind_of(record: Model) -> str:
    return next(name for name, model in target_models().items() if isinstance(record, model))


def _describe(target: InspectionTarget) -> dict:
    record = target.record
    detail = ""
    if target.kind == "zone":
        detail = f"{record.crop} · {number_format(record.area_ha, decimal_pos=1)} ha"
    elif target.kind == "production_facility":
        detail = str(record.producer)
    elif target.kind in ("producer", "packing_facility"):
        detail = record.address
    elif target.kind == "lot":
        detail = record.production_date.isoformat()
    return {"value": target.value, "kind": target.kind, "kind_label": str(KIND_LABELS[target.kind]),
            "name": str(record), "detail": detail,
            "distance_m": round(target.distance_m) if target.distance_m is not None else None}


def _find_targets(request: HttpRequest) -> tuple[list[dict], str]:
    """Targets for ``?q=`` (name or code) or ``?lat=&lon=`` (nearest), and a note when nothing could be searched."""
    params = request.GET
    kind = params.get("kind", "")
    query = (params.get("q") or "").strip()
    if query:
        if len(fold(query)) < 2:
            return [], _("Type at least 2 letters.")
        found = selectors.search_inspection_targets(query, within=_within(request.user, kind), limit=SEARCH_LIMIT)
        return [_describe(target) for target in found], "" if found else _("Nothing found for “%(query)s”.") % {
            "query": query}
    if params.get("lat") and params.get("lon"):
        try:
            where = normalize_geometry(point(float(params["lon"].replace(",", ".")),
                                             float(params["lat"].replace(",", "."))),
                                       kind=POINT, field_name="location").geometry
        except (ValueError, DomainError):
            return [], _("Your position is not a place in Vietnam: check the latitude and longitude.")
        found = selectors.nearest_inspection_targets(where, within=_within(request.user, kind), limit=SEARCH_LIMIT)
        return [_describe(target) for target in found], "" if found else _("Nothing to inspect near you.")
    return [], ""


@require_GET
def inspection_targets(request: HttpRequest) -> HttpResponse:
    """JSON for the form's search box and its "nearest to me" button."""
    denied = _require_recorder(request)
    if denied:
        return denied
    results, note = _find_targets(request)
    return JsonResponse({"results": results, "note": note})


# --- the form ------------------------------------------------------------------------------------------------------


def _initial(request: HttpRequest) -> dict:
    user, profile = request.user, profile_of(request.user)
    organisation = profile.organisation if profile else ""
    if not organisation and profile is not None and role_of(user) == Role.COMMUNE_OFFICER:
        commune = profile.communes.order_by("name").first()
        if commune is not None:
            organisation = _("People's Committee of %(commune)s") % {"commune": commune.name}
    initial = {"inspector_name": user.get_full_name() or user.get_username(), "organisation": organisation}
    if request.GET.get("target"):
        initial["target"] = request.GET["target"]
    return initial


def _map_config(request: HttpRequest) -> dict:
    lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    return {
        "center": [lat, lon], "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"],
        "tileUrl": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION,
        "targetsUrl": reverse("traceability:inspection-targets"),
        "maxPhotos": MAX_PHOTOS, "maxPhotoBytes": photo_max_bytes(),
        "draftKey": f"ocop.inspection-drafts.{request.user.pk}",
        "text": {
            "locating": _("Finding your position…"),
            "located": _("Position found, accurate to about %(metres)s m."),
            "poorFix": _("The position is only accurate to about %(metres)s m: wait a moment, or tap the map."),
            "noGeolocation": _("This device cannot give its position: tap the map or type the coordinates."),
            "denied": _("The position is not shared: allow location access, tap the map or type the coordinates."),
            "pickedOnMap": _("Position picked on the map."),
            "typed": _("Position typed in."),
            "searching": _("Searching…"),
            "noResult": _("Nothing found."),
            "chosen": _("Chosen"),
            "metres": _("%(metres)s m away"),
            "kilometres": _("%(km)s km away"),
            "needPosition": _("Find your position first (or tap the map)."),
            "sending": _("Sending…"),
            "network": _("The server could not be reached."),
            "serverError": _("The server could not record the inspection (error %(status)s); nothing was saved."),
            "tooManyPhotos": _("At most %(count)s photos.") % {"count": MAX_PHOTOS},
            "photoTooLarge": _("%(name)s is larger than %(limit)s MB."),
            "fixErrors": _("Nothing was saved: correct the fields marked below."),
            "savedOffline": _("No connection: the inspection is kept on this phone and will be sent when the "
                              "connection is back."),
            "savedOfflineNoPhotos": _("No connection: the inspection is kept on this phone WITHOUT its photos (no "
                                      "room left for them); add them when you send it."),
            "notSaved": _("No connection and no room on this phone to keep the draft: nothing was saved."),
            "draftsWaiting": _("Inspections waiting to be sent: %(count)s."),
            "draftSent": _("Inspection sent: %(target)s."),
            "draftRefused": _("Not accepted by the server — open it, correct it and send it again: %(target)s."),
            "draftLogin": _("Log in again to send the inspections kept on this phone."),
            "sendNow": _("Send now"),
            "openDraft": _("Open the draft"),
            "discardDraft": _("Discard"),
            "confirmDiscard": _("Discard this inspection kept on the phone?"),
        },
    }


def _form_page(request: HttpRequest, form: InspectionVisitForm, *, status: int = 200) -> HttpResponse:
    chosen = None
    value = form.data.get("target") if form.is_bound else form.initial.get("target")
    record = _resolve_target(request.user, value) if value else None
    if record is not None:
        chosen = _describe(InspectionTarget(_kind_of(record), record))
    results, note = _find_targets(request) if request.method == "GET" else ([], "")
    return render(request, "traceability/inspection_form.html", {
        "form": form, "chosen": chosen, "results": results, "search_note": note, "kinds": KIND_LABELS,
        "query": request.GET.get("q", ""), "kind": request.GET.get("kind", ""), "config": _map_config(request),
        "max_photo_mb": round(photo_max_bytes() / (1024 * 1024)), "max_photos": MAX_PHOTOS,
        "location_open": any(name in form.errors for name in ("latitude", "longitude")),
        "photos_lost": form.is_bound and bool(request.FILES.getlist("photos")),
    }, status=status)


def _refuse(request: HttpRequest, form: InspectionVisitForm, *, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"saved": False, "errors": {name: [str(message) for message in messages]
                                                        for name, messages in form.errors.items()}}, status=status)
    return _form_page(request, form, status=status)


def _add_domain_error(form: InspectionVisitForm, error: DomainError) -> None:
    field = ERROR_FIELDS.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    """The mobile form; a POST records the inspection, its point and its photos together or not at all."""
    denied = _require_recorder(request)
    if denied:
        return denied
    if request.method == "GET":
        return _form_page(request, InspectionVisitForm(initial=_initial(request)))

    form = InspectionVisitForm(data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _refuse(request, form, status=400)
    data = form.cleaned_data
    target = _resolve_target(request.user, data["target"])
    if target is None:
        form.add_error("target", _("What was inspected: not found, or outside what you may see. Search again."))
        return _refuse(request, form, status=400)
    location, source = None, data["location_source"] or LocationSource.MANUAL
    if data["latitude"] is not None and data["longitude"] is not None:
        try:
            location = normalize_geometry(point(data["longitude"], data["latitude"]), kind=POINT,
                                          field_name="location").geometry
        except GeometryError as error:
            form.add_error("latitude", _("Position: %(reason)s") % {"reason": error.message})
            return _refuse(request, form, status=400)
    try:
        with transaction.atomic():
            authorize(request.user, RECORD_INSPECTION, target)
            inspection = record_inspection(
                inspector_name=data["inspector_name"], organisation=data["organisation"],
                inspected_on=data["inspected_on"], result=data["result"], target=target,
                findings=data["findings"], location=location,
                location_accuracy_m=data["accuracy"] if source == LocationSource.GPS else None,
                location_source=source if location is not None else "",
                photos=data["photos"], recorded_by=request.user, submission_key=data["submission_key"],
            )
    except PermissionDeniedError:
        form.add_error("target", _("You may not record an inspection of %(kind)s “%(target)s”: it is outside your "
                                   "role or your communes.") % {"kind": KIND_LABELS[_kind_of(target)].lower(),
                                                                "target": target})
        return _refuse(request, form, status=403)
    except DomainError as error:
        _add_domain_error(form, error)
        return _refuse(request, form, status=400)
    url = reverse("traceability:inspection-detail", args=[inspection.pk])
    if _wants_json(request):
        return JsonResponse({"saved": True, "id": inspection.pk, "url": url}, status=201)
    return redirect(f"{url}?saved=1")


# --- list and detail -----------------------------------------------------------------------------------------------


@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    """Recent inspections the user may see; recorders see their own first (``?show=all`` for their whole scope)."""
    denied = _require_reader(request)
    if denied:
        return denied
    may_record = may_record_inspections(request.user)
    show = request.GET.get("show") or ("mine" if may_record else "all")
    inspections = _inspections(request).annotate(photo_count=Count("photos"))
    if show == "mine":
        inspections = inspections.filter(recorded_by=request.user)
    page = Paginator(inspections.order_by("-inspected_on", "-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "traceability/inspection_list.html", {
        "page": page, "show": show, "may_record": may_record})


@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    denied = _require_reader(request)
    if denied:
        return denied
    inspection = get_object_or_404(_inspections(request), pk=pk)
    config = {"tileUrl": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION,
              "point": [inspection.location.y, inspection.location.x] if inspection.location else None,
              "accuracy": float(inspection.location_accuracy_m) if inspection.location_accuracy_m else None}
    return render(request, "traceability/inspection_detail.html", {
        "inspection": inspection, "photos": list(inspection.photos.all()), "config": config,
        "target_kind": KIND_LABELS[_kind_of(inspection.target)], "saved": request.GET.get("saved") == "1",
        "may_record": may_record_inspections(request.user)})


@require_GET
def inspection_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo of an inspection the user may see (inspections are not published: no public media URL)."""
    denied = _require_reader(request)
    if denied:
        return denied
    inspection = get_object_or_404(_inspections(request), pk=pk)
    photo = get_object_or_404(InspectionPhoto, inspection=inspection, pk=photo_pk)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle)
    response["Cache-Control"] = "private, max-age=3600"
    return response
