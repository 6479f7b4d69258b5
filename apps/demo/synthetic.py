"""Large synthetic data sets for benchmarks, written in bulk by PostGIS (``INSERT … SELECT generate_series``).

Rows are spread around real 2025 commune centroids (of the home province, or of the whole country), so
density looks like the real thing. Zones are irregular 8-vertex plots of 0.5-30 ha whose ``area_ha`` is
measured by PostGIS on the ellipsoid (``ST_Area(geometry::geography)``); sales points are scattered
within 2 km of a centroid. Every synthetic row's name starts with :data:`SYNTHETIC_PREFIX`, which is
how :func:`clear_synthetic` finds them and how the demo keeps them apart.

This is the one place that writes SQL by hand: the ORM cannot generate rows server-side, and a benchmark
set of a million rows must not travel through Python.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.certifications.models import Certification
from apps.common.errors import DomainError
from apps.outlets.models import SalesPoint, SalesPointKind
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.zones.models import Crop, GrowingAreaCode, RawMaterialZone, ZoneKind, ZoneStatus, ZoneStatusChange

SYNTHETIC_PREFIX = "SYN-"
EXTENTS = ("province", "country")
IN_PROVINCE_KINDS = [SalesPointKind.SUPERMARKET_BOOTH, SalesPointKind.MARKET_BOOTH, SalesPointKind.TOURIST_SITE,
                     SalesPointKind.HOTEL_RESTAURANT, SalesPointKind.ADMIN_COUNTER]
OPENING_HOURS = '{"mon": [["07:00", "21:00"]], "tue": [["07:00", "21:00"]], "wed": [["07:00", "21:00"]], ' \
                '"thu": [["07:00", "21:00"]], "fri": [["07:00", "22:00"]], "sat": [["07:00", "00:30"]], ' \
                '"sun": [["07:00", "22:00"]]}'


class SyntheticError(DomainError):
    default_code = "synthetic_error"


@dataclass
class SyntheticResult:
    zones: int = 0
    points: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return (self.zones + self.points) / self.seconds if self.seconds else 0.0


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _anchor_ids(extent: str) -> list[int]:
    """Ids of the 2025 communes (with centroids) that synthetic rows are spread around."""
    if extent not in EXTENTS:
        raise SyntheticError("unknown_extent", _("Extent: %(extent)s is not one of %(choices)s.")
                             % {"extent": extent, "choices": ", ".join(EXTENTS)}, field="extent")
    communes = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, centroid__isnull=False)
    if extent == "province":
        communes = communes.filter(parent__code=settings.OCOP_PROVINCE_CODE, parent__era=Era.CURRENT)
    ids = list(communes.order_by("code").values_list("id", flat=True))
    if not ids:
        raise SyntheticError("no_communes", _("No 2025 commune with a centroid is loaded for the %(extent)s extent; "
                                              "load the administrative units first.") % {"extent": extent},
                             field="extent")
    return ids


def _home_province_id() -> int:
    return AdministrativeUnit.objects.get(era=Era.CURRENT, level=Level.PROVINCE, code=settings.OCOP_PROVINCE_CODE).pk


def _next_number(model) -> int:
    """One past the highest synthetic sequence number already used, so repeated runs never clash."""
    names = model.objects.filter(name__startswith=SYNTHETIC_PREFIX).order_by("-name").values_list("name", flat=True)
    last = names.first()
    if not last:
        return 1
    digits = "".join(ch for ch in last.rsplit("-", 1)[-1] if ch.isdigit())
    return int(digits) + 1 if digits else 1


def _insert_zones(count: int, anchor_ids: list[int]) -> None:
    crop_ids = list(Crop.objects.order_by("slug").values_list("id", flat=True))
    if not crop_ids:
        raise SyntheticError("no_crops", _("No crop is loaded; run the migrations first."), field="zones")
    start = _next_number(RawMaterialZone)
    sql = f"""
        WITH anchors AS (
            SELECT array_agg(centroid ORDER BY code) AS points FROM {_table(AdministrativeUnit)} WHERE id = ANY(%s)
        ),
        draws AS (
            SELECT s, random() AS u_anchor, random() AS u_area, random() AS u_crop, random() AS u_east,
                   random() AS u_north
            FROM generate_series(%s::bigint, %s::bigint) AS s
        ),
        placed AS (
            SELECT d.s, d.u_crop,
                   ST_X(a.points[1 + floor(d.u_anchor * array_length(a.points, 1))::int])
                       + (d.u_east - 0.5) * 0.06 AS cx,
                   ST_Y(a.points[1 + floor(d.u_anchor * array_length(a.points, 1))::int])
                       + (d.u_north - 0.5) * 0.06 AS cy,
                   sqrt(exp(ln(0.5) + d.u_area * (ln(30.0) - ln(0.5))) * 10000 / pi()) AS radius_m
            FROM draws d CROSS JOIN anchors a
        ),
        shaped AS (
            SELECT p.s, p.u_crop,
                   ST_Multi(ST_MakePolygon(ST_AddPoint(ring.line, ST_StartPoint(ring.line)))) AS geometry
            FROM placed p
            CROSS JOIN LATERAL (
                SELECT ST_MakeLine(ST_SetSRID(ST_MakePoint(
                           p.cx + p.radius_m * (0.7 + 0.6 * random()) * cos(v.angle)
                                  / (111320.0 * cos(radians(p.cy))),
                           p.cy + p.radius_m * (0.7 + 0.6 * random()) * sin(v.angle) / 111320.0), 4326)
                       ORDER BY v.k) AS line
                FROM (SELECT k, 2 * pi() * k / 8 + (random() - 0.5) * 0.5 + 0 * p.s AS angle
                      FROM generate_series(0, 7) AS k) AS v
            ) AS ring
        )
        INSERT INTO {_table(RawMaterialZone)}
            (name, kind, crop_id, geometry, area_ha, status, notes, search_name, created_at, updated_at)
        SELECT %s || lpad(s::text, 9, '0'), %s, (%s::int[])[1 + floor(u_crop * %s)::int], geometry,
               round((ST_Area(geometry::geography) / 10000)::numeric, 4), %s, '',
               lower(%s) || lpad(s::text, 9, '0'), now(), now()
        FROM shaped
    """  # noqa: S608 - table names come from model metadata; every value is a bound parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [anchor_ids, start, start + count - 1, f"{SYNTHETIC_PREFIX}Z-", ZoneKind.CULTIVATION,
                             crop_ids, len(crop_ids), ZoneStatus.ACTIVE, f"{SYNTHETIC_PREFIX}Z-"])


def _insert_points(count: int, anchor_ids: list[int]) -> None:
    start = _next_number(SalesPoint)
    kinds = [str(kind) for kind in IN_PROVINCE_KINDS]
    sql = f"""
        WITH anchors AS (
            SELECT array_agg(id ORDER BY code) AS ids, array_agg(centroid ORDER BY code) AS points,
                   array_agg(parent_id ORDER BY code) AS parents
            FROM {_table(AdministrativeUnit)} WHERE id = ANY(%s)
        ),
        draws AS (
            SELECT s, 1 + floor(random() * (SELECT array_length(ids, 1) FROM anchors))::int AS i,
                   random() AS u_kind, random() AS u_distance, random() AS u_bearing
            FROM generate_series(%s::bigint, %s::bigint) AS s
        ),
        placed AS (
            SELECT d.s, d.u_kind, a.ids[d.i] AS commune_id, a.parents[d.i] <> %s AS is_outside,
                   ST_SetSRID(ST_MakePoint(
                       ST_X(a.points[d.i]) + 2000 * sqrt(d.u_distance) * cos(2 * pi() * d.u_bearing)
                           / (111320.0 * cos(radians(ST_Y(a.points[d.i])))),
                       ST_Y(a.points[d.i]) + 2000 * sqrt(d.u_distance) * sin(2 * pi() * d.u_bearing) / 111320.0
                   ), 4326) AS location
            FROM draws d CROSS JOIN anchors a
        )
        INSERT INTO {_table(SalesPoint)}
            (name, kind, location, address, commune_id, opening_hours, phone, is_outside_province, search_name,
             created_at, updated_at)
        SELECT %s || lpad(s::text, 9, '0'),
               CASE WHEN is_outside THEN %s ELSE (%s::text[])[1 + floor(u_kind * %s)::int] END,
               location, '', commune_id, %s::jsonb, '', is_outside, lower(%s) || lpad(s::text, 9, '0'), now(), now()
        FROM placed
    """  # noqa: S608 - table names come from model metadata; every value is a bound parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [anchor_ids, start, start + count - 1, _home_province_id(), f"{SYNTHETIC_PREFIX}P-",
                             str(SalesPointKind.SHOWCASE_OUTSIDE), kinds, len(kinds), OPENING_HOURS,
                             f"{SYNTHETIC_PREFIX}P-"])


@transaction.atomic
def generate_synthetic(*, zones: int = 0, points: int = 0, seed: int | None = None,
                       extent: str = "province") -> SyntheticResult:
    """Insert ``zones`` synthetic raw-material zones and ``points`` synthetic sales points in bulk.

    ``seed`` (any integer) makes PostgreSQL's ``random()`` repeatable for the same database state.
    """
    if zones < 0 or points < 0:
        raise SyntheticError("negative_count", _("Counts must not be negative."), field="zones")
    anchor_ids = _anchor_ids(extent)
    started = time.perf_counter()
    if seed is not None:
        with connection.cursor() as cursor:
            # setseed takes a float in [-1, 1]; fold any integer into it.
            cursor.execute("SELECT setseed(%s)", [((seed % 2_000_001) - 1_000_000) / 1_000_000])
    if zones:
        _insert_zones(zones, anchor_ids)
    if points:
        _insert_points(points, anchor_ids)
    return SyntheticResult(zones=zones, points=points, seconds=time.perf_counter() - started)


@transaction.atomic
def clear_synthetic() -> dict[str, int]:
    """Delete every synthetic zone and sales point (and what hangs off them); return the counts removed."""
    prefix = f"{SYNTHETIC_PREFIX}%"
    zone_table, point_table = _table(RawMaterialZone), _table(SalesPoint)
    zone_children = [
        (RawMaterialZone.producers.through, "rawmaterialzone_id"),
        (RawMaterialZone.communes.through, "rawmaterialzone_id"),
        (GrowingAreaCode.zones.through, "rawmaterialzone_id"),
        (ZoneStatusChange, "zone_id"),
        (Certification, "zone_id"),
    ]
    removed = {}
    with connection.cursor() as cursor:
        for model, column in zone_children:
            cursor.execute(
                f"DELETE FROM {_table(model)} WHERE {connection.ops.quote_name(column)} IN "  # noqa: S608
                f"(SELECT id FROM {zone_table} WHERE name LIKE %s)", [prefix])
        cursor.execute(f"DELETE FROM {zone_table} WHERE name LIKE %s", [prefix])  # noqa: S608
        removed["zones"] = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {_table(SalesPoint.products.through)} WHERE salespoint_id IN "  # noqa: S608
            f"(SELECT id FROM {point_table} WHERE name LIKE %s)", [prefix])
        cursor.execute(f"DELETE FROM {point_table} WHERE name LIKE %s", [prefix])  # noqa: S608
        removed["points"] = cursor.rowcount
    return removed
