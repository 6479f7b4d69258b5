"""Officer pages for raw-material zones: the map editor, its dry-run check and save, and the version history.

Thin views: they parse the request, ask ``apps.accounts.permissions`` whether the user may act, run the dry-run
check (``selectors.check_zone_draft``) and call the zone services. Nothing is saved while the check reports an
error, or a problem the officer has not accepted with its flag (``accept_repaired``, ``accept_overlap``,
``accept_commune``).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import CREATE, READ, UPDATE, PermissionDeniedError, allowed_q, authorize, can
from apps.common.errors import DomainError
from apps.producers.models import Producer
from apps.workspace.forms import ZoneAttributesForm
from apps.workspace.selectors import (
    ACCEPT_COMMUNE,
    ACCEPT_OVERLAP,
    ACCEPT_REPAIRED,
    ERROR,
    Problem,
    ZoneCheck,
    check_zone_draft,
    geojson,
    zone_versions,
)
from apps.zones.models import CodeStatus, GrowingAreaCode, RawMaterialZone
from apps.zones.services import assign_zones_to_code, create_zone, restore_zone_version, update_zone

ACCEPT_FLAGS = (ACCEPT_REPAIRED, ACCEPT_OVERLAP, ACCEPT_COMMUNE)


# --- access ----------------------------------------------------------------------------------------------------------


def _require(request: HttpRequest, action: str, target, **scope) -> HttpResponse | None:
    """A login redirect for visitors, a 403 for users who may not, or None when the user may."""
    if not request.user.is_authenticated:
        if request.content_type == "application/json" or request.method == "POST":
            return JsonResponse({"problems": [{"code": "login_required", "severity": ERROR,
                                               "message": _("Log in again: your session has ended.")}]}, status=401)
        return redirect_to_login(request.get_full_path())
    if not can(request.user, action, target, **scope):
        raise PermissionDenied(_("You may not do this here: it is outside your role or your communes."))
    return None


def _zone_in_scope(request: HttpRequest, pk: int, action: str) -> RawMaterialZone:
    zone = get_object_or_404(RawMaterialZone.objects.select_related("crop"), pk=pk)
    if not can(request.user, READ, zone):
        raise Http404  # an unpublished zone outside the user's scope does not exist for them
    if not can(request.user, action, zone):
        raise PermissionDenied(_("You may not change this zone: it is outside your role or your communes."))
    return zone


def _choices(user, zone: RawMaterialZone | None) -> dict:
    """The producers, codes and communes this user may pick in the form."""
    producer_condition = allowed_q(user, UPDATE, Producer)
    producers = Producer.objects.filter(producer_condition) if producer_condition is not None else \
        Producer.objects.none()
    code_condition = allowed_q(user, UPDATE, GrowingAreaCode)
    codes = (GrowingAreaCode.objects.filter(code_condition).exclude(status=CodeStatus.REVOKED)
             if code_condition is not None else GrowingAreaCode.objects.none())
    if zone is not None:
        producers = Producer.objects.filter(pk__in=producers.values("pk")) | zone.producers.all()
        codes = GrowingAreaCode.objects.filter(pk__in=codes.values("pk")) | zone.growing_area_codes.all()
    return {"producers": producers.distinct(), "codes": codes.distinct()}


# --- pages -----------------------------------------------------------------------------------------------------------


@require_GET
def zone_list(request: HttpRequest) -> HttpResponse:
    denied = _require(request, READ, RawMaterialZone)
    if denied:
        return denied
    from apps.accounts.permissions import scope_queryset

    zones = scope_queryset(request.user, RawMaterialZone.objects.select_related("crop")).order_by("-updated_at")
    return render(request, "workspace/zone_list.html", {
        "zones": zones[:200], "may_create": can(request.user, CREATE, RawMaterialZone)})


@require_GET
def zone_new(request: HttpRequest) -> HttpResponse:
    denied = _require(request, CREATE, RawMaterialZone)
    return denied or _editor(request, None)


@require_GET
def zone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    denied = _require(request, READ, RawMaterialZone)
    return denied or _editor(request, _zone_in_scope(request, pk, UPDATE))


def _editor(request: HttpRequest, zone: RawMaterialZone | None) -> HttpResponse:
    initial = {}
    if zone is not None:
        initial = {"name": zone.name, "kind": zone.kind, "crop": zone.crop, "notes": zone.notes,
                   "producers": list(zone.producers.all())}
        current_codes = list(zone.growing_area_codes.order_by("code"))
        initial["code"] = current_codes[0] if current_codes else None
    form = ZoneAttributesForm(initial=initial, **_choices(request.user, zone))
    lat, lon = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    zoom = settings.LEAFLET_CONFIG["DEFAULT_ZOOM"]
    try:  # ?lat=…&lon=…&zoom=… opens the editor on a place (links from the map, the browser test)
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
        zoom = int(request.GET.get("zoom", 16))
    except (KeyError, ValueError):
        pass
    config = {
        "zoneId": zone.pk if zone else None,
        "geometry": geojson(zone.geometry) if zone else None,
        "center": [lat, lon], "zoom": zoom,
        "tileUrl": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION,
        "neighboursUrl": reverse("api-layer-zones"),
        "checkUrl": reverse("workspace:zone-check"),
        "saveUrl": reverse("workspace:zone-update", args=[zone.pk]) if zone else reverse("workspace:zone-create"),
        "acceptFlags": list(ACCEPT_FLAGS),
        "text": _editor_text(),
    }
    return render(request, "workspace/zone_editor.html", {
        "zone": zone, "form": form, "config": config,
        "codes": list(zone.growing_area_codes.order_by("code")) if zone else [],
    })


def _editor_text() -> dict:
    """Vietnamese (or English) words of the editor's script, including Leaflet-Geoman's toolbar."""
    return {
        "geoman": {
            "tooltips": {"firstVertex": _("Click to place the first vertex"),
                         "continueLine": _("Click to add a vertex"),
                         "finishPoly": _("Click the first vertex to close the zone"),
                         "finishRect": _("Click to finish")},
            "actions": {"finish": _("Finish"), "cancel": _("Cancel"), "removeLastVertex": _("Remove last vertex")},
            "buttonTitles": {"drawPolyButton": _("Draw a zone (polygon)"), "drawRectButton": _("Draw a rectangle"),
                             "editButton": _("Edit vertices"), "dragButton": _("Move a part"),
                             "cutButton": _("Cut a hole"), "deleteButton": _("Delete a part")},
        },
        "undo": _("Undo (Ctrl+Z)"),
        "nothingToUndo": _("Nothing to undo."),
        "drawFirst": _("Draw the zone on the map first."),
        "checking": _("Checking…"),
        "saving": _("Saving…"),
        "noProblem": _("No problem found: the zone can be saved."),
        "accept": _("I accept"),
        "useRepaired": _("Use the repaired shape"),
        "network": _("The server could not be reached; nothing was saved."),
        "neighbour": _("Neighbouring zone"),
    }


# --- dry run and save ------------------------------------------------------------------------------------------------


def _payload(request: HttpRequest) -> dict:
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise DomainError("bad_request", _("The request is not a JSON object."))
    return payload


def _run_check(request: HttpRequest, payload: dict, zone: RawMaterialZone | None
               ) -> tuple[ZoneAttributesForm, ZoneCheck]:
    form = ZoneAttributesForm(data=payload, **_choices(request.user, zone))
    form.is_valid()
    data = form.cleaned_data
    geometry = payload.get("geometry")
    if not geometry:
        check = ZoneCheck(problems=[Problem("geometry_required", _("Draw the zone on the map first."))])
    else:
        check = check_zone_draft(geometry=geometry, crop=data.get("crop"), zone=zone, code=data.get("code"),
                                 commune=data.get("commune"))
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else name
        check.problems.insert(0, Problem(f"invalid_{name}", f"{label}: {' '.join(errors)}", field=name))
    if check.communes and zone is None and not can(request.user, CREATE, RawMaterialZone, communes=check.communes,
                                                   producer=list(data.get("producers") or [])):
        check.problems.append(Problem(
            "out_of_scope", _("You may not record a zone here: it lies in %(communes)s, outside your communes "
                              "or your producer.") % {"communes": ", ".join(c.name for c in check.communes)}))
    return form, check


def _problems_response(check: ZoneCheck, status: int, **extra) -> JsonResponse:
    return JsonResponse({**check.as_dict(), **extra}, status=status)


@require_POST
def zone_check(request: HttpRequest) -> JsonResponse:
    """The dry run: every problem of the drawn zone, the suggested (repaired) geometry and its area. Saves nothing."""
    denied = _require(request, READ, RawMaterialZone)
    if denied:
        return denied
    try:
        payload = _payload(request)
    except DomainError as error:
        return JsonResponse({"problems": [{**error.as_dict(), "severity": ERROR}]}, status=400)
    zone = _zone_in_scope(request, int(payload["zone"]), UPDATE) if payload.get("zone") else None
    if zone is None and not can(request.user, CREATE, RawMaterialZone):
        raise PermissionDenied
    _form, check = _run_check(request, payload, zone)
    accepted = {flag for flag in ACCEPT_FLAGS if payload.get(flag) is True}
    return _problems_response(check, 200, can_save=not check.has_errors,
                              ok=not check.has_errors and not check.unaccepted(accepted))


@require_POST
def zone_create(request: HttpRequest) -> JsonResponse:
    denied = _require(request, CREATE, RawMaterialZone)
    return denied or _save(request, None)


@require_POST
def zone_update(request: HttpRequest, pk: int) -> JsonResponse:
    denied = _require(request, READ, RawMaterialZone)
    return denied or _save(request, _zone_in_scope(request, pk, UPDATE))


def _save(request: HttpRequest, zone: RawMaterialZone | None) -> JsonResponse:
    try:
        payload = _payload(request)
    except DomainError as error:
        return JsonResponse({"problems": [{**error.as_dict(), "severity": ERROR}]}, status=400)
    form, check = _run_check(request, payload, zone)
    if check.has_errors:
        return _problems_response(check, 400, saved=False)
    accepted = {flag for flag in ACCEPT_FLAGS if payload.get(flag) is True}
    waiting = check.unaccepted(accepted)
    if waiting:
        return _problems_response(check, 409, saved=False, waiting_for=sorted({p.accept_with for p in waiting}))
    data, user, is_new = form.cleaned_data, request.user, zone is None
    try:
        with transaction.atomic():
            if zone is None:
                zone = create_zone(name=data["name"], kind=data["kind"], crop=data["crop"], geometry=check.geometry,
                                   producers=data["producers"], notes=data["notes"], user=user,
                                   comment=data["comment"])
                authorize(user, CREATE, zone)  # the saved zone, with its computed communes, is in scope
            else:
                zone = update_zone(zone=zone, name=data["name"], kind=data["kind"], crop=data["crop"],
                                   geometry=check.geometry, producers=data["producers"], notes=data["notes"],
                                   user=user, comment=data["comment"])
                authorize(user, UPDATE, zone)  # still in scope where it now lies
            code = data.get("code")
            if code is not None and not code.zones.filter(pk=zone.pk).exists():
                authorize(user, UPDATE, code)
                assign_zones_to_code(code=code, zones=[zone], user=user)
    except PermissionDeniedError as error:
        return JsonResponse({"saved": False, "problems": [{**error.as_dict(), "severity": ERROR}]}, status=403)
    except DomainError as error:
        return JsonResponse({"saved": False, "problems": [{**error.as_dict(), "severity": ERROR}]}, status=400)
    version = zone.versions.order_by("-number").first()
    messages.success(request, _("Zone “%(name)s” saved (version %(number)s, %(area)s ha).")
                     % {"name": zone.name, "number": version.number if version else "—", "area": zone.area_ha})
    return JsonResponse({
        "saved": True, "zone": zone.pk, "version": version.number if version else None,
        "area_ha": float(zone.area_ha), "url": reverse("workspace:zone-edit", args=[zone.pk]),
    }, status=201 if is_new else 200)


# --- history ---------------------------------------------------------------------------------------------------------


@require_GET
def zone_history(request: HttpRequest, pk: int) -> HttpResponse:
    denied = _require(request, READ, RawMaterialZone)
    if denied:
        return denied
    zone = get_object_or_404(RawMaterialZone.objects.select_related("crop"), pk=pk)
    if not can(request.user, READ, zone):
        raise Http404
    config = {"tileUrl": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION,
              "current": geojson(zone.geometry)}
    return render(request, "workspace/zone_history.html", {
        "zone": zone, "versions": zone_versions(zone), "may_restore": can(request.user, UPDATE, zone),
        "config": config,
    })


@require_GET
def zone_version_geojson(request: HttpRequest, pk: int, number: int) -> JsonResponse:
    denied = _require(request, READ, RawMaterialZone)
    if denied:
        return denied
    zone = get_object_or_404(RawMaterialZone, pk=pk)
    if not can(request.user, READ, zone):
        raise Http404
    version = get_object_or_404(zone.versions.select_related("crop"), number=number)
    return JsonResponse({"type": "Feature", "id": version.number, "geometry": geojson(version.geometry),
                         "properties": {"number": version.number, "name": version.name, "crop": version.crop.name,
                                        "area_ha": float(version.area_ha),
                                        "recorded_at": version.recorded_at.isoformat()}})


@require_POST
def zone_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    denied = _require(request, READ, RawMaterialZone)
    if denied:
        return denied
    zone = _zone_in_scope(request, pk, UPDATE)
    version = get_object_or_404(zone.versions, number=number)
    try:
        with transaction.atomic():
            zone = restore_zone_version(version=version, comment=request.POST.get("comment", ""), user=request.user)
            authorize(request.user, UPDATE, zone)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Version %(number)s restored as version %(new)s.")
                         % {"number": number, "new": zone.versions.order_by("-number").first().number})
    return redirect("workspace:zone-history", pk=pk)
