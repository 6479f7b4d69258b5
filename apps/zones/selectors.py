"""Reads and spatial queries over zones and growing-area codes, and the extent of a province."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models import Collect, Union
from django.contrib.gis.db.models.functions import Area, Intersection
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import Count, Q, QuerySet
from psycopg import sql

from apps.common.spatial import geography, geometry_value, metric_buffer
from apps.common.text import fold
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.territory.selectors import CommuneMatch, commune_containing, province_of
from apps.zones.models import CodeStatus, GrowingAreaCode, RawMaterialZone

# A drawn zone may poke past an official boundary by digitising noise; tolerate this much (metres).
BOUNDARY_TOLERANCE_M = 50


@dataclass(frozen=True)
class ProvinceExtent:
    """Where a province is: its boundary, the union of its communes' boundaries, or an approximation."""

    province: AdministrativeUnit
    geometry: GEOSGeometry
    is_approximate: bool


@dataclass(frozen=True)
class CommunesFound:
    communes: list[AdministrativeUnit]
    is_approximate: bool


@dataclass(frozen=True)
class CodeOverlap:
    """Another active code whose zones overlap the checked area by ``area_m2`` (on the ellipsoid)."""

    code: GrowingAreaCode
    area_m2: float


def home_province() -> AdministrativeUnit:
    """The 2025 province this installation serves (``settings.OCOP_PROVINCE_CODE``)."""
    return AdministrativeUnit.objects.get(era=Era.CURRENT, level=Level.PROVINCE, code=settings.OCOP_PROVINCE_CODE)


# The extents computed, by province and the state of its rows (see _units_state): the union of a province's commune
# boundaries and its buffer take ~0.2 s, and every zone saved asks for its province's extent.
_extents: dict[tuple[int, float, str, str], tuple[GEOSGeometry, bool] | None] = {}
_extents_lock = threading.Lock()
_EXTENTS_KEPT = 16


def _units_state(province: AdministrativeUnit) -> str:
    """A fingerprint of the rows an extent is computed from: the province, the units under it and those under them.

    Each version of a row has its own (``xmin``, ``ctid``), even when one transaction updates it twice, so any
    change to one of these rows — a boundary loaded, a commune moved — gives another fingerprint.
    """
    statement = sql.SQL(
        """SELECT md5(string_agg(xmin::text || ctid::text, ',' ORDER BY id)) FROM {units}
           WHERE id = %s OR parent_id = %s OR parent_id IN (SELECT id FROM {units} WHERE parent_id = %s)"""
    ).format(units=sql.Identifier(AdministrativeUnit._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(statement, [province.pk, province.pk, province.pk])
        return cursor.fetchone()[0] or ""


def province_extent(province: AdministrativeUnit) -> ProvinceExtent | None:
    """Return the area of ``province`` (2025 era), exact when boundaries are loaded.

    In order: the province's boundary; the union of its communes' boundaries when every commune has
    one; otherwise — approximate — the convex hull of its communes' centroids grown by
    ``settings.OCOP_PROVINCE_EXTENT_MARGIN_M`` metres (in a UTM projection, not in degrees). A border
    commune reaches further than its centroid, hence the margin; the hull cuts no corner that the
    margin does not give back for Đắk Lắk's communes, whose half-widths are mostly under 20 km.
    ``None`` when the province has neither boundaries nor commune centroids. Computed once for each state of the
    province's rows (:func:`_units_state`) and margin, and kept in this process.
    """
    # The boundary the caller holds counts too (it is the one used, saved or not).
    held = hashlib.blake2b(bytes(province.boundary.ewkb)).hexdigest() if province.boundary is not None else ""
    key = (province.pk, settings.OCOP_PROVINCE_EXTENT_MARGIN_M, _units_state(province), held)
    with _extents_lock:
        known = _extents.get(key, False)
    if known is False:
        extent = _compute_province_extent(province)
        known = None if extent is None else (extent.geometry, extent.is_approximate)
        with _extents_lock:
            if len(_extents) >= _EXTENTS_KEPT:
                _extents.clear()
            _extents[key] = known
    if known is None:
        return None
    geometry, is_approximate = known
    return ProvinceExtent(province, geometry.clone(), is_approximate)


def _compute_province_extent(province: AdministrativeUnit) -> ProvinceExtent | None:
    if province.boundary is not None:
        return ProvinceExtent(province, metric_buffer(province.boundary, BOUNDARY_TOLERANCE_M), False)
    # One query: communes directly under the province (2025) or under one of its districts (legacy).
    communes = AdministrativeUnit.objects.filter(level=Level.COMMUNE, era=province.era).filter(
        Q(parent=province) | Q(parent_id__in=AdministrativeUnit.objects.filter(parent=province).values("id"))
    )
    summary = communes.aggregate(total=Count("id"), with_boundary=Count("boundary"), centroids=Collect("centroid"))
    if summary["total"] and summary["with_boundary"] == summary["total"]:
        union = communes.aggregate(union=Union("boundary"))["union"]
        return ProvinceExtent(province, metric_buffer(union, BOUNDARY_TOLERANCE_M), False)
    if summary["centroids"] is None:
        return None
    hull = summary["centroids"].convex_hull
    return ProvinceExtent(province, metric_buffer(hull, settings.OCOP_PROVINCE_EXTENT_MARGIN_M), True)


def communes_of(geometry: GEOSGeometry) -> CommunesFound:
    """The 2025 communes an area lies in.

    Communes whose boundary intersects ``geometry``; when none does (boundaries not loaded), the commune
    found for a point on the area's surface (nearest centroid — approximate, and flagged as such).
    A point on the surface rather than the centroid, because a crescent-shaped zone's centroid can
    lie outside it.
    """
    intersecting = list(
        AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, boundary__intersects=geometry)
        .select_related("parent").order_by("code")
    )
    if intersecting:
        return CommunesFound(intersecting, is_approximate=False)
    match = commune_containing(geometry.point_on_surface)
    if match is None:
        return CommunesFound([], is_approximate=True)
    return CommunesFound([match.commune], is_approximate=match.is_approximate)


def commune_at(point: GEOSGeometry) -> CommuneMatch | None:
    """The 2025 commune containing ``point``, or ``None`` when it lies outside every known province.

    Without boundaries, ``commune_containing`` answers with the nearest centroid even for a point
    hundreds of kilometres away; such an answer is kept only when the point lies in the approximate
    extent of that commune's province. Near a border the nearest centroid may belong to the
    neighbouring province: a point inside the home province's approximate extent is then given the
    nearest commune of the home province (this installation's province), still flagged approximate.
    """
    match = commune_containing(point)
    if match is None or not match.is_approximate:
        return match
    home = AdministrativeUnit.objects.filter(
        era=Era.CURRENT, level=Level.PROVINCE, code=settings.OCOP_PROVINCE_CODE).first()
    home_extent = province_extent(home) if home is not None else None
    if home_extent is not None and home_extent.geometry.covers(point):
        if province_of(match.commune).pk != home.pk:
            match = commune_containing(point, province=home)
        return match
    extent = province_extent(province_of(match.commune))
    if extent is None or not extent.geometry.covers(point):
        return None
    return match


def provinces_of(communes: list[AdministrativeUnit]) -> list[AdministrativeUnit]:
    """The distinct provinces of ``communes``, in the order first met."""
    provinces: dict[int, AdministrativeUnit] = {}
    for commune in communes:
        province = province_of(commune)
        provinces.setdefault(province.pk, province)
    return list(provinces.values())


def overlapping_active_codes(geometry: GEOSGeometry, *, exclude: GrowingAreaCode | None = None) -> list[CodeOverlap]:
    """Active codes whose zones overlap ``geometry``, with the overlap area in m² on the ellipsoid.

    Each code's zones are merged first, so zones of one code that overlap each other are not counted twice.
    Largest overlap first.
    """
    candidates = GrowingAreaCode.objects.filter(status=CodeStatus.ACTIVE, zones__geometry__intersects=geometry)
    if exclude is not None and exclude.pk:
        candidates = candidates.exclude(pk=exclude.pk)
    overlaps = (
        candidates.annotate(overlap=Area(geography(Intersection(Union("zones__geometry"), geometry_value(geometry)))))
        .order_by("code")
    )
    found = [CodeOverlap(code, code.overlap.sq_m) for code in overlaps]
    return sorted(found, key=lambda overlap: -overlap.area_m2)


def zones_of_code(code: GrowingAreaCode) -> QuerySet[RawMaterialZone]:
    return code.zones.all()


def merged_zone_geometry(zones: QuerySet[RawMaterialZone] | list[RawMaterialZone]) -> GEOSGeometry | None:
    """The union of the zones' geometries (``None`` when there are none)."""
    if isinstance(zones, QuerySet):
        return zones.aggregate(union=Union("geometry"))["union"]
    geometries = [zone.geometry for zone in zones]
    if not geometries:
        return None
    merged = geometries[0]
    for other in geometries[1:]:
        merged = merged.union(other)
    return merged


def search_zones(query: str) -> QuerySet[RawMaterialZone]:
    """Zones whose name contains ``query``, ignoring diacritics and case."""
    return RawMaterialZone.objects.filter(search_name__contains=fold(query)).select_related("crop")


def zones_at(location: GEOSGeometry) -> QuerySet[RawMaterialZone]:
    """Zones that contain or touch ``location``."""
    return RawMaterialZone.objects.filter(geometry__intersects=location).select_related("crop")


def active_codes_for_zone(zone: RawMaterialZone) -> QuerySet[GrowingAreaCode]:
    return zone.growing_area_codes.filter(status=CodeStatus.ACTIVE)
