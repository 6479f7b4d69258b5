"""State changes for raw-material zones (vùng nguyên liệu) and growing-area codes (mã số vùng trồng)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from apps.codes.selectors import canonical_code, propose_next_code, validate_code
from apps.common.errors import DomainError
from apps.common.geometry import AREAL, normalize_geometry
from apps.common.spatial import geography
from apps.common.status import apply_status_change, record_initial_status
from apps.common.text import fold
from apps.zones.models import (
    CodeStatus,
    CodeType,
    Crop,
    GrowingAreaCode,
    RawMaterialZone,
    ZoneKind,
    ZoneStatus,
    ZoneVersion,
    ZoneVersionAction,
)
from apps.zones.selectors import (
    communes_of,
    merged_zone_geometry,
    overlapping_active_codes,
    province_extent,
    provinces_of,
)


class ZoneError(DomainError):
    default_code = "invalid_zone"


class GrowingAreaCodeError(DomainError):
    default_code = "invalid_growing_area_code"


ZONE_TRANSITIONS = {
    ZoneStatus.PROPOSED: {ZoneStatus.ACTIVE, ZoneStatus.REVOKED},
    ZoneStatus.ACTIVE: {ZoneStatus.SUSPENDED, ZoneStatus.REVOKED},
    ZoneStatus.SUSPENDED: {ZoneStatus.ACTIVE, ZoneStatus.REVOKED},
    ZoneStatus.REVOKED: set(),
}

CODE_TRANSITIONS = {
    CodeStatus.ACTIVE: {CodeStatus.SUSPENDED, CodeStatus.REVOKED},
    CodeStatus.SUSPENDED: {CodeStatus.ACTIVE, CodeStatus.REVOKED},
    CodeStatus.REVOKED: set(),
}

# --- zones -------------------------------------------------------------------------------------------------------


def _measure_area_ha(zone: RawMaterialZone) -> Decimal:
    """The zone's area in hectares, measured by PostGIS on the WGS 84 ellipsoid (geography)."""
    area = RawMaterialZone.objects.filter(pk=zone.pk).annotate(measured=Area(geography("geometry"))).get().measured
    return Decimal(str(round(area.sq_m / 10_000, 4)))


def _check_in_one_province(geometry: GEOSGeometry, communes: list) -> None:
    provinces = provinces_of(communes)
    if not provinces:
        raise ZoneError("no_commune", _("No commune is known where this zone lies; load the administrative units "
                                        "first."), field="geometry")
    if len(provinces) > 1:
        raise ZoneError(
            "outside_province",
            _("The zone spans several provinces (%(provinces)s); draw one zone per province.")
            % {"provinces": ", ".join(province.name for province in provinces)},
            field="geometry",
            province=provinces[0].code,
        )
    province = provinces[0]
    extent = province_extent(province)
    if extent is not None and not extent.geometry.covers(geometry):
        raise ZoneError(
            "outside_province",
            _("The zone must lie in %(province)s, the province of its commune (%(commune)s), but it reaches "
              "beyond it%(approximate)s.")
            % {"province": province.name, "commune": communes[0].name,
               "approximate": _(" (approximate extent: boundaries are not loaded)") if extent.is_approximate else ""},
            field="geometry",
            province=province.code,
        )


def _check_plausible_area(zone: RawMaterialZone) -> None:
    crop = zone.crop
    if crop.max_plausible_ha is not None and zone.area_ha > crop.max_plausible_ha:
        raise ZoneError(
            "implausible_area",
            _("The zone measures %(area)s ha, more than the largest plausible zone of %(crop)s (%(max)s ha): "
              "check the coordinate system of the drawing.")
            % {"area": number_format(zone.area_ha, 2, force_grouping=True), "crop": crop.name,
               "max": number_format(crop.max_plausible_ha, 0, force_grouping=True)},
            field="geometry",
        )


def _check_kind(kind: str) -> None:
    if kind not in ZoneKind.values:
        raise ZoneError("unknown_kind", _("Unknown kind of zone %(kind)s.") % {"kind": kind}, field="kind")


def _place_zone(zone: RawMaterialZone, geometry) -> None:
    """Normalise the geometry, store it, then compute area and communes and check the province rule."""
    zone.geometry = normalize_geometry(geometry, kind=AREAL).geometry
    if zone.area_ha is None:
        zone.area_ha = Decimal("0")
    zone.save()
    zone.area_ha = _measure_area_ha(zone)
    _check_plausible_area(zone)
    found = communes_of(zone.geometry)
    _check_in_one_province(zone.geometry, found.communes)
    zone.save(update_fields=["area_ha", "updated_at"])
    zone.communes.set(found.communes)


@transaction.atomic
def create_zone(
    *,
    name: str,
    kind: str,
    crop: Crop,
    geometry: GEOSGeometry | str | dict,
    producers: Iterable = (),
    notes: str = "",
    proposed_on: datetime.date | None = None,
    user=None,
    comment: str = "",
) -> RawMaterialZone:
    """Record a raw-material zone; its area (ha, on the ellipsoid) and communes are computed, never typed.

    The zone starts as ``proposed``, with a first history entry dated ``proposed_on`` (default today;
    an earlier date records a zone that was surveyed before it was entered, a later one is refused).
    Refuses geometries that ``normalize_geometry`` refuses (``empty``, ``swapped_coordinates``,
    ``outside_vietnam``…), zones outside the province of their commune (``outside_province``) and
    areas above the crop's largest plausible zone (``implausible_area``). The zone's first version is
    recorded with ``user`` and the optional ``comment``.
    """
    name = (name or "").strip()
    if not name:
        raise ZoneError("name_required", _("The zone needs a name."), field="name")
    _check_kind(kind)
    today = timezone.localdate()
    if proposed_on is not None and proposed_on > today:
        raise ZoneError("date_in_future", _("The proposal date %(date)s is in the future.")
                        % {"date": proposed_on.isoformat()}, field="proposed_on")
    zone = RawMaterialZone(name=name, kind=kind, crop=crop, notes=notes, search_name=fold(name),
                           status=ZoneStatus.PROPOSED)
    _place_zone(zone, geometry)
    zone.producers.set(list(producers))
    record_initial_status(record=zone, history=zone.status_history, effective_date=proposed_on or today, user=user)
    _record_version(zone, action=ZoneVersionAction.CREATED, before=None, user=user, comment=comment)
    return zone


@transaction.atomic
def update_zone(
    *,
    zone: RawMaterialZone,
    name: str | None = None,
    kind: str | None = None,
    crop: Crop | None = None,
    geometry: GEOSGeometry | str | dict | None = None,
    producers: Iterable | None = None,
    notes: str | None = None,
    user=None,
    comment: str = "",
) -> RawMaterialZone:
    """Change a zone; arguments left ``None`` stay as they are.

    A new geometry is normalised and re-measured, its communes recomputed, and — when the zone belongs
    to active growing-area codes — checked again for overlaps with other active codes (``zone_overlap``).
    A change is recorded as a new version (who, what, the optional ``comment`` saying why); a call that
    changes nothing records none.
    """
    return _change_zone(zone=zone, name=name, kind=kind, crop=crop, geometry=geometry, producers=producers,
                        notes=notes, user=user, comment=comment, action=ZoneVersionAction.CHANGED)


def _change_zone(*, zone: RawMaterialZone, name, kind, crop, geometry, producers, notes, user, comment: str,
                 action: str, restored_from: ZoneVersion | None = None) -> RawMaterialZone:
    zone = RawMaterialZone.objects.select_for_update().get(pk=zone.pk)
    before = _VersionState.of(zone)
    if name is not None:
        name = name.strip()
        if not name:
            raise ZoneError("name_required", _("The zone needs a name."), field="name")
        zone.name, zone.search_name = name, fold(name)
    if kind is not None:
        _check_kind(kind)
        zone.kind = kind
    if crop is not None and crop.pk != zone.crop_id:
        other_crop = zone.growing_area_codes.exclude(crop=crop).first()
        if other_crop is not None:
            raise ZoneError("crop_mismatch", _("The zone is covered by code %(code)s for %(crop)s; its crop cannot "
                                               "change.") % {"code": other_crop.code, "crop": other_crop.crop.name},
                            field="crop")
        zone.crop = crop
    if notes is not None:
        zone.notes = notes
    if geometry is not None:
        _place_zone(zone, geometry)
        for code in zone.growing_area_codes.filter(status=CodeStatus.ACTIVE).select_for_update():
            _check_no_overlap(code, list(code.zones.all()))
    else:
        _check_plausible_area(zone)
    zone.save()
    if producers is not None:
        zone.producers.set(list(producers))
    _record_version(zone, action=action, before=before, user=user, comment=comment, restored_from=restored_from)
    return zone


@transaction.atomic
def restore_zone_version(*, version: ZoneVersion, comment: str = "", user=None) -> RawMaterialZone:
    """Make an earlier version of a zone current again; the restore is itself a new version.

    Every rule of ``update_zone`` applies again (the ground may have changed since: another code may now
    cover it, ``zone_overlap``). Producers that no longer exist are left out. Refuses a version that is
    already the zone's current state (``already_current``).
    """
    from apps.producers.models import Producer

    zone = version.zone
    if not _VersionState.of(zone).differs_from(version):
        raise ZoneError("already_current", _("Version %(number)s is the zone's current state: nothing to restore.")
                        % {"number": version.number}, field="version")
    return _change_zone(
        zone=zone, name=version.name, kind=version.kind, crop=version.crop, geometry=version.geometry,
        producers=Producer.objects.filter(pk__in=version.producer_ids), notes=version.notes, user=user,
        comment=comment or _("Restored version %(number)s.") % {"number": version.number},
        action=ZoneVersionAction.RESTORED, restored_from=version,
    )


# --- versions ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VersionState:
    """What a version records of a zone: its attributes, and its geometry and area apart."""

    attributes: dict
    geometry: GEOSGeometry | None
    area_ha: Decimal | None

    @classmethod
    def of(cls, zone: RawMaterialZone) -> _VersionState:
        attributes = {"name": zone.name, "kind": zone.kind, "crop": zone.crop_id, "notes": zone.notes,
                      "producers": sorted(zone.producers.values_list("pk", flat=True))}
        return cls(attributes, zone.geometry, zone.area_ha)

    def differs_from(self, version: ZoneVersion) -> bool:
        attributes = {"name": version.name, "kind": version.kind, "crop": version.crop_id, "notes": version.notes,
                      "producers": sorted(version.producer_ids)}
        return attributes != self.attributes or not _same_geometry(self.geometry, version.geometry)


def _same_geometry(first: GEOSGeometry | None, second: GEOSGeometry | None) -> bool:
    if first is None or second is None:
        return first is second
    # Exact up to ~0.1 mm, or the same point set drawn from another starting vertex.
    return first.equals_exact(second, 1e-9) or first.equals(second)


def _record_version(zone: RawMaterialZone, *, action: str, before: _VersionState | None, user, comment: str,
                    restored_from: ZoneVersion | None = None) -> ZoneVersion | None:
    """Record the zone's state as a new version, with the diff from ``before`` (``None`` when nothing changed)."""
    after = _VersionState.of(zone)
    if before is None:
        changes, is_geometry_changed, area_before = {}, True, None
    else:
        changes = {name: {"before": value, "after": after.attributes[name]}
                   for name, value in before.attributes.items() if value != after.attributes[name]}
        is_geometry_changed = not _same_geometry(before.geometry, after.geometry)
        area_before = before.area_ha
        if not changes and not is_geometry_changed:
            return None
    last = zone.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ZoneVersion.objects.create(
        zone=zone, number=last + 1, action=action, name=zone.name, kind=zone.kind, crop_id=zone.crop_id,
        geometry=zone.geometry, area_ha=zone.area_ha, notes=zone.notes, producer_ids=after.attributes["producers"],
        changes=changes, is_geometry_changed=is_geometry_changed, area_before_ha=area_before,
        restored_from=restored_from, comment=(comment or "").strip(), changed_by=user,
    )


@transaction.atomic
def change_zone_status(
    *, zone: RawMaterialZone, to_status: str, effective_date: datetime.date, reason: str = "", user=None
) -> RawMaterialZone:
    """Move a zone to ``to_status`` with a dated history entry (``revoked`` is final)."""
    zone = RawMaterialZone.objects.select_for_update().get(pk=zone.pk)
    apply_status_change(record=zone, history=zone.status_history, transitions=ZONE_TRANSITIONS,
                        labels=dict(ZoneStatus.choices), to_status=to_status, effective_date=effective_date,
                        reason=reason, user=user, error_class=ZoneError)
    return zone


# --- growing-area codes ------------------------------------------------------------------------------------------


def _code_kind(code_type: str) -> str:
    return f"growing_area_{code_type}"


def _check_no_overlap(code: GrowingAreaCode, zones: list[RawMaterialZone]) -> None:
    """Refuse ``zone_overlap`` when ``zones`` overlap another active code's zones beyond the tolerance."""
    merged = merged_zone_geometry(zones)
    if merged is None:
        return
    tolerance = settings.OCOP_ZONE_OVERLAP_TOLERANCE_M2
    for overlap in overlapping_active_codes(merged, exclude=code):
        if overlap.area_m2 > tolerance:
            raise GrowingAreaCodeError(
                "zone_overlap",
                _("The zones overlap those of active code %(other)s by %(area)s m² (tolerance %(tolerance)s m²).")
                % {"other": overlap.code.code, "area": number_format(overlap.area_m2, 0, force_grouping=True),
                   "tolerance": number_format(tolerance, 0, force_grouping=True)},
                field="zones",
                other_code=overlap.code.code,
                overlap_m2=round(overlap.area_m2, 1),
            )


@transaction.atomic
def issue_growing_area_code(
    *,
    code: str | None = None,
    code_type: str,
    crop: Crop,
    province_letters: str,
    issuing_authority: str,
    issue_date: datetime.date,
    target_markets: Iterable[str] = (),
    zones: Iterable[RawMaterialZone] = (),
    user=None,
) -> GrowingAreaCode:
    """Issue an active growing-area code covering ``zones``.

    Without ``code``, propose the next free one for ``province_letters`` under the format in force on
    ``issue_date``; with it, validate it against that format (``code_format``). The code keeps the
    letters it was issued with, even after a province merger. Refuses a duplicate code
    (``duplicate_code``), letters that differ from the code's (``letters_mismatch``) and zones that
    overlap another active code's zones beyond the tolerance (``zone_overlap``).
    """
    if code_type not in CodeType.values:
        raise GrowingAreaCodeError("unknown_code_type", _("Unknown type of code %(type)s.") % {"type": code_type},
                                   field="code_type")
    kind = _code_kind(code_type)
    letters = canonical_code(province_letters)
    if code:
        code = canonical_code(code)
        parsed = validate_code(kind, code, on=issue_date)
        if letters and parsed.letters != letters:
            raise GrowingAreaCodeError(
                "letters_mismatch",
                _("The code %(code)s carries the letters %(parsed)s, not %(letters)s.")
                % {"code": code, "parsed": parsed.letters, "letters": letters},
                field="province_letters",
            )
    else:
        if not letters:
            raise GrowingAreaCodeError("letters_required", _("Give the province letters to propose a code."),
                                       field="province_letters")
        code = propose_next_code(kind, letters, GrowingAreaCode.objects.select_for_update(), on=issue_date)
        parsed = validate_code(kind, code, on=issue_date)
    if GrowingAreaCode.objects.filter(code=code).exists():
        raise GrowingAreaCodeError("duplicate_code", _("The code %(code)s has already been issued.") % {"code": code},
                                   field="code")
    if not (issuing_authority or "").strip():
        raise GrowingAreaCodeError("issuer_required", _("Name the issuing authority."), field="issuing_authority")
    zones = list(zones)
    _check_zone_crops(crop, zones)
    markets = _markets(target_markets)
    growing_area_code = GrowingAreaCode(
        code=code, code_type=code_type, province_letters=parsed.letters, sequence=parsed.sequence,
        target_markets=markets, crop=crop, issuing_authority=issuing_authority.strip(), issue_date=issue_date,
        status=CodeStatus.ACTIVE,
    )
    _check_no_overlap(growing_area_code, zones)
    growing_area_code.save()
    growing_area_code.zones.set(zones)
    record_initial_status(record=growing_area_code, history=growing_area_code.status_history,
                          effective_date=issue_date, reason=_("Issued"), user=user)
    return growing_area_code


def _markets(target_markets: Iterable[str]) -> list[str]:
    markets = []
    for market in target_markets:
        market = (market or "").strip().upper()
        if len(market) != 2 or not market.isalpha():
            raise GrowingAreaCodeError("bad_market", _("%(market)s is not a two-letter country code (CN, US, EU…).")
                                       % {"market": market or "∅"}, field="target_markets")
        if market not in markets:
            markets.append(market)
    return markets


def _check_zone_crops(crop: Crop, zones: list[RawMaterialZone]) -> None:
    for zone in zones:
        if zone.crop_id != crop.pk:
            raise GrowingAreaCodeError(
                "crop_mismatch",
                _("The zone %(zone)s grows %(zone_crop)s, not %(crop)s.")
                % {"zone": zone.name, "zone_crop": zone.crop.name, "crop": crop.name},
                field="zones",
            )
        if zone.status == ZoneStatus.REVOKED:
            raise GrowingAreaCodeError("zone_revoked", _("The zone %(zone)s is revoked.") % {"zone": zone.name},
                                       field="zones")


@transaction.atomic
def assign_zones_to_code(
    *, code: GrowingAreaCode, zones: Iterable[RawMaterialZone], replace: bool = False, user=None
) -> GrowingAreaCode:
    """Attach ``zones`` to ``code`` (or, with ``replace``, make them its only zones).

    For an active code, the resulting zones must not overlap another active code's zones (``zone_overlap``).
    """
    code = GrowingAreaCode.objects.select_for_update().get(pk=code.pk)
    zones = list(zones)
    _check_zone_crops(code.crop, zones)
    resulting = zones if replace else list({zone.pk: zone for zone in [*code.zones.all(), *zones]}.values())
    if code.status == CodeStatus.ACTIVE:
        _check_no_overlap(code, resulting)
    code.zones.set(resulting)
    code.save(update_fields=["updated_at"])
    return code


@transaction.atomic
def update_growing_area_code(
    *,
    code: GrowingAreaCode,
    crop: Crop | None = None,
    issuing_authority: str | None = None,
    issue_date: datetime.date | None = None,
    target_markets: Iterable[str] | None = None,
    user=None,
) -> GrowingAreaCode:
    """Correct a code's particulars. The code itself, its type and letters never change once issued."""
    code = GrowingAreaCode.objects.select_for_update().get(pk=code.pk)
    if crop is not None:
        _check_zone_crops(crop, list(code.zones.select_related("crop")))
        code.crop = crop
    if issuing_authority is not None:
        if not issuing_authority.strip():
            raise GrowingAreaCodeError("issuer_required", _("Name the issuing authority."),
                                       field="issuing_authority")
        code.issuing_authority = issuing_authority.strip()
    if issue_date is not None:
        code.issue_date = issue_date
    if target_markets is not None:
        code.target_markets = _markets(target_markets)
    code.save()
    return code


@transaction.atomic
def change_code_status(
    *, code: GrowingAreaCode, to_status: str, effective_date: datetime.date, reason: str, user=None
) -> GrowingAreaCode:
    """Suspend, reactivate or revoke a code with a dated history entry and its reason.

    Revoked is final (codes are revoked e.g. after quarantine findings). Reactivating checks the
    overlap rule again, since another code may have been issued on the same ground meanwhile.
    """
    code = GrowingAreaCode.objects.select_for_update().get(pk=code.pk)
    if not (reason or "").strip():
        raise GrowingAreaCodeError("reason_required", _("Give the reason for the status change."), field="reason")
    if to_status == CodeStatus.ACTIVE and to_status in CODE_TRANSITIONS.get(code.status, ()):
        _check_no_overlap(code, list(code.zones.all()))
    apply_status_change(record=code, history=code.status_history, transitions=CODE_TRANSITIONS,
                        labels=dict(CodeStatus.choices), to_status=to_status, effective_date=effective_date,
                        reason=reason.strip(), user=user, error_class=GrowingAreaCodeError)
    return code

