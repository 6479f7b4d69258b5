"""Reads behind the officers' zone editor: the dry-run check of a drawn zone, and a zone's version history.

Nothing here writes. The check explains every problem it finds at once (the services stop at the first);
the services stay the authority and run the same rules again when the zone is saved.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field as default
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from apps.common.geometry import AREAL, GeometryError, normalize_geometry
from apps.common.spatial import metric_buffer
from apps.territory.models import AdministrativeUnit
from apps.zones.models import CodeStatus, Crop, GrowingAreaCode, RawMaterialZone, ZoneKind, ZoneVersion
from apps.zones.selectors import (
    BOUNDARY_TOLERANCE_M,
    communes_of,
    merged_zone_geometry,
    overlapping_active_codes,
    province_extent,
    provinces_of,
)

# A problem either stops the save (ERROR) or waits for the officer to accept it explicitly (CONFIRM).
ERROR = "error"
CONFIRM = "confirm"

# The request flag that accepts each kind of CONFIRM problem.
ACCEPT_REPAIRED = "accept_repaired"
ACCEPT_OVERLAP = "accept_overlap"
ACCEPT_COMMUNE = "accept_commune"


@dataclass
class Problem:
    """One thing wrong with a drawn zone, said in plain words, with a shape to show on the map."""

    code: str
    message: str
    severity: str = ERROR
    accept_with: str | None = None
    field: str | None = "geometry"
    geometry: GEOSGeometry | None = None
    params: dict = default(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "severity": self.severity,
                "accept_with": self.accept_with, "field": self.field, "params": self.params,
                "geometry": geojson(self.geometry) if self.geometry is not None else None}


@dataclass
class ZoneCheck:
    """The outcome of checking a drawn zone: its normalised (possibly repaired) geometry and the problems."""

    geometry: GEOSGeometry | None = None
    area_ha: Decimal | None = None
    is_repaired: bool = False
    communes: list[AdministrativeUnit] = default(default_factory=list)
    problems: list[Problem] = default(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == ERROR for problem in self.problems)

    def unaccepted(self, accepted: set[str]) -> list[Problem]:
        """CONFIRM problems whose flag is not among ``accepted``."""
        return [problem for problem in self.problems
                if problem.severity == CONFIRM and problem.accept_with not in accepted]

    def as_dict(self) -> dict:
        return {
            "geometry": geojson(self.geometry) if self.geometry is not None else None,
            "area_ha": float(self.area_ha) if self.area_ha is not None else None,
            "is_repaired": self.is_repaired,
            "communes": [commune.name for commune in self.communes],
            "problems": [problem.as_dict() for problem in self.problems],
        }


def geojson(geometry: GEOSGeometry) -> dict:
    return json.loads(geometry.geojson)


def measure_area_m2(geometry: GEOSGeometry) -> float:
    """Area in m² of a geometry that is not stored, measured by PostGIS on the WGS 84 ellipsoid (geography)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Area(ST_GeomFromEWKB(%s)::geography)", [bytes(geometry.ewkb)])
        return float(cursor.fetchone()[0])


def _hectares(value: Decimal | float, places: int = 2) -> str:
    return number_format(value, places, force_grouping=True)


def check_zone_draft(
    *,
    geometry: GEOSGeometry | str | dict,
    crop: Crop | None,
    zone: RawMaterialZone | None = None,
    code: GrowingAreaCode | None = None,
    commune: AdministrativeUnit | None = None,
) -> ZoneCheck:
    """Check a drawn zone as the services would, and explain every problem found, without saving anything.

    - ``self_intersection`` (CONFIRM, ``accept_repaired``): the outline crosses itself; the repaired shape
      that would be saved comes with the problem, to be shown on the map.
    - unreadable, empty, swapped or out-of-Vietnam shapes (ERROR, the geometry check's own codes).
    - ``implausible_area`` (ERROR): larger than the crop's largest plausible zone.
    - ``no_commune`` / ``outside_province`` (ERROR): not in one province's extent.
    - ``outside_commune``: outside the commune the officer named — ERROR when that commune's boundary is
      loaded, CONFIRM (``accept_commune``) when communes are only known by their centroids.
    - ``zone_overlap``: overlaps the zones of another active growing-area code beyond the tolerance; the
      overlapping part and its area (m², ellipsoid) come with it. ERROR when the zone is or will be under an
      active code (the service refuses it), otherwise CONFIRM (``accept_overlap``).
    - ``crop_mismatch`` (ERROR): the chosen code is for another crop.
    """
    check = ZoneCheck()
    try:
        normalized = normalize_geometry(geometry, kind=AREAL)
    except GeometryError as error:
        check.problems.append(Problem(error.code, error.message, params=error.params))
        return check
    check.geometry, check.is_repaired = normalized.geometry, normalized.is_repaired
    if normalized.is_repaired:
        check.problems.append(_self_intersection(normalized.geometry, normalized.notes))
    check.area_ha = Decimal(str(round(measure_area_m2(check.geometry) / 10_000, 4)))
    if crop is not None and crop.max_plausible_ha is not None and check.area_ha > crop.max_plausible_ha:
        check.problems.append(Problem(
            "implausible_area",
            _("The zone measures %(area)s ha, far more than a zone of %(crop)s can plausibly be (at most "
              "%(max)s ha). Check the drawing: was it drawn at too small a zoom, or imported in the wrong "
              "coordinate system?")
            % {"area": _hectares(check.area_ha), "crop": crop.name, "max": _hectares(crop.max_plausible_ha, 0)},
            params={"area_ha": float(check.area_ha), "max_ha": float(crop.max_plausible_ha)},
        ))
    check.problems.extend(_place_problems(check, commune))
    if code is not None and crop is not None and code.crop_id != crop.pk:
        check.problems.append(Problem(
            "crop_mismatch", _("Code %(code)s is issued for %(code_crop)s, but the zone grows %(crop)s.")
            % {"code": code.code, "code_crop": code.crop.name, "crop": crop.name}, field="code"))
    check.problems.extend(_overlap_problems(check.geometry, zone=zone, code=code))
    return check


def _self_intersection(repaired: GEOSGeometry, notes: list[str]) -> Problem:
    # GEOS says where, in English ("Self-intersection[108.052 12.672]"): keep only the place for the officer.
    place = re.search(r"\[(-?[\d.]+) (-?[\d.]+)\]", " ".join(notes))
    where = (_(" near longitude %(lon)s, latitude %(lat)s") % {"lon": place[1], "lat": place[2]}) if place else ""
    return Problem(
        "self_intersection",
        _("The outline crosses itself%(where)s, so what lies inside it is ambiguous. The repaired shape, in "
          "orange on the map, keeps every part the outline encloses (%(parts)s part(s)). Accept it to save "
          "it, or correct the drawing.") % {"where": where, "parts": len(repaired)},
        severity=CONFIRM, accept_with=ACCEPT_REPAIRED, geometry=repaired,
        params={"parts": len(repaired), "reason": "; ".join(notes)},
    )


def _place_problems(check: ZoneCheck, commune: AdministrativeUnit | None) -> list[Problem]:
    geometry = check.geometry
    found = communes_of(geometry)
    check.communes = found.communes
    if not found.communes:
        return [Problem("no_commune", _("No commune is known where this zone lies; the administrative units "
                                        "must be loaded first."))]
    problems = []
    provinces = provinces_of(found.communes)
    if len(provinces) > 1:
        problems.append(Problem(
            "outside_province",
            _("The zone spans several provinces (%(provinces)s). Draw one zone per province.")
            % {"provinces": ", ".join(province.name for province in provinces)}))
    else:
        extent = province_extent(provinces[0])
        if extent is not None and not extent.geometry.covers(geometry):
            outside = geometry.difference(extent.geometry)
            problems.append(Problem(
                "outside_province",
                _("The zone reaches outside %(province)s%(approximate)s. A zone must lie inside the province "
                  "of its commune: check where it was drawn.")
                % {"province": provinces[0].name,
                   "approximate": _(" (whose extent is approximate: boundaries are not loaded)")
                   if extent.is_approximate else ""},
                geometry=outside if not outside.empty else None, params={"province": provinces[0].code}))
    if commune is not None:
        problems.extend(_commune_problems(geometry, commune, found.communes))
    return problems


def _commune_problems(geometry: GEOSGeometry, commune: AdministrativeUnit,
                      found: list[AdministrativeUnit]) -> list[Problem]:
    if commune.boundary is not None:
        if metric_buffer(commune.boundary, BOUNDARY_TOLERANCE_M).covers(geometry):
            return []
        outside = geometry.difference(commune.boundary)
        return [Problem(
            "outside_commune",
            _("Part of the zone lies outside %(commune)s (about %(area)s ha). Redraw it inside the commune, or "
              "choose the commune where it lies.")
            % {"commune": commune.name, "area": _hectares(measure_area_m2(outside) / 10_000)},
            geometry=outside, params={"commune": commune.code})]
    if commune.pk in {found_commune.pk for found_commune in found}:
        return []
    return [Problem(
        "outside_commune",
        _("The zone seems to lie in %(found)s, not in %(commune)s (judged from the communes' centres, as "
          "boundaries are not loaded). Accept if you know it belongs to %(commune)s.")
        % {"found": ", ".join(found_commune.name for found_commune in found), "commune": commune.name},
        severity=CONFIRM, accept_with=ACCEPT_COMMUNE, params={"commune": commune.code})]


def _overlap_problems(geometry: GEOSGeometry, *, zone: RawMaterialZone | None,
                      code: GrowingAreaCode | None) -> list[Problem]:
    own_codes = list(zone.growing_area_codes.all()) if zone is not None else []
    if code is not None:
        own_codes.append(code)
    own_ids = {own.pk for own in own_codes}
    is_under_active_code = any(own.status == CodeStatus.ACTIVE for own in own_codes)
    tolerance = settings.OCOP_ZONE_OVERLAP_TOLERANCE_M2
    problems = []
    for overlap in overlapping_active_codes(geometry):
        if overlap.code.pk in own_ids or overlap.area_m2 <= tolerance:
            continue
        others = overlap.code.zones.exclude(pk=zone.pk) if zone is not None else overlap.code.zones.all()
        merged = merged_zone_geometry(others)
        shared = merged.intersection(geometry) if merged is not None else None
        area = number_format(overlap.area_m2, 0, force_grouping=True)
        if is_under_active_code:
            message = _("The zone overlaps the zones of active code %(other)s by %(area)s m² (shown in red). Two "
                        "active codes may not share ground beyond %(tolerance)s m²: adjust the outline.")
        else:
            message = _("The zone overlaps the zones of active code %(other)s by %(area)s m² (shown in red). "
                        "Accept only if the overlap is real, e.g. intercropping on the same plot.")
        problems.append(Problem(
            "zone_overlap",
            message % {"other": overlap.code.code, "area": area,
                       "tolerance": number_format(tolerance, 0, force_grouping=True)},
            severity=ERROR if is_under_active_code else CONFIRM,
            accept_with=None if is_under_active_code else ACCEPT_OVERLAP,
            geometry=shared if shared is not None and not shared.empty else None,
            params={"other_code": overlap.code.code, "overlap_m2": round(overlap.area_m2, 1)},
        ))
    return problems


# --- version history -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str


def _attribute_label(name: str) -> str:
    if name == "producers":
        return str(RawMaterialZone._meta.get_field("producers").verbose_name)
    return str(RawMaterialZone._meta.get_field(name).verbose_name)


def _display(name: str, value, crops: dict, producers: dict) -> str:
    if value in (None, "", []):
        return "—"
    if name == "crop":
        return crops.get(value, f"#{value}")
    if name == "kind":
        return str(dict(ZoneKind.choices).get(value, value))
    if name == "producers":
        return ", ".join(producers.get(pk, f"#{pk}") for pk in value)
    return str(value)


def zone_versions(zone: RawMaterialZone) -> list[tuple[ZoneVersion, list[ChangeRow]]]:
    """The zone's versions, newest first, each with its attribute changes ready to read."""
    from apps.producers.models import Producer

    versions = list(zone.versions.select_related("changed_by", "crop", "restored_from").order_by("-number"))
    crop_ids, producer_ids = set(), set()
    for version in versions:
        for name, change in version.changes.items():
            if name == "crop":
                crop_ids.update(value for value in change.values() if value)
            if name == "producers":
                producer_ids.update(*(value or [] for value in change.values()))
    crops = dict(Crop.objects.filter(pk__in=crop_ids).values_list("pk", "name"))
    producers = dict(Producer.objects.filter(pk__in=producer_ids).values_list("pk", "name"))
    return [
        (version, [ChangeRow(_attribute_label(name), _display(name, change.get("before"), crops, producers),
                             _display(name, change.get("after"), crops, producers))
                   for name, change in version.changes.items()])
        for version in versions
    ]
