"""Set-based import of raw-material zones (nhập vùng nguyên liệu hàng loạt): the rules of ``create_zone``, at scale.

The per-feature path calls :func:`apps.zones.services.create_zone` once per feature. This path reaches the same
saved rows and the same report for thousands of features at once:

1. **Read** the same ogr2ogr stream as the per-feature path (:func:`apps.transfer.sources.read_records`).
2. **Values**: :func:`apps.transfer.fields.read_values` per feature (cached look-ups), as the per-feature path.
3. **Geometry**: the plainly valid polygons are normalised vectorised with shapely — the library and the calls of
   :func:`apps.common.geometry.normalize_geometry` (validity, extent, orientation), so the result is the same to
   the bit (tests compare them); anything else (invalid rings to repair, empty, lines, points, out of extent…) goes
   through ``normalize_geometry`` itself. Not ``ST_MakeValid`` in PostGIS: the database's GEOS (3.11) is not
   shapely's, and it repairs and words reasons differently, which would change the report.
4. **Stage**: the normalised features are copied (``COPY``) into a temporary table.
5. **Set-based checks in SQL** over the stage: area on the ellipsoid (``ST_Area(geography)``), communes (boundary
   intersection, else — as ``communes_of`` — the commune whose centroid is nearest to ``ST_PointOnSurface``, the
   distances computed at once in numpy with PostGIS's own formula), the province extent (``ST_Covers``),
   duplicates (same folded name covering ≥ 50 % of an existing zone — or of an earlier feature of the file),
   overlaps with active growing-area codes.
6. **Resolve** in file order, in Python, with those answers: duplicates of earlier features count only when that
   feature is kept, like rows saved one by one. A feature the checks say ``create_zone`` would refuse is replayed
   through ``create_zone`` in a savepoint, so its error (code and words) is the service's own. Permissions are the
   accounts app's (:mod:`apps.transfer.permissions`): for a scoped user the features are inserted once in a
   savepoint and checked with ``allowed_q`` on the saved rows — the authoritative check — then rolled back.
   Features joining a growing-area code: an active code's overlap rule depends on the zones joined before, so each
   is saved and joined at its turn through ``assign_zones_to_code``; an inactive code's zones are joined at the end.
7. **Insert** (commit only, and only when nothing is rejected) the kept zones with ``INSERT … SELECT`` from the
   stage: zones, their communes and producers, their first status-history entry and first version, exactly what
   ``create_zone`` writes — in the import's transaction. A dry run inserts nothing it need not (only the zones
   joining an active code, and the permission probe, both rolled back).
"""

from __future__ import annotations

import contextlib
import datetime
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql
from unidecode import unidecode

from apps.accounts import permissions
from apps.common.errors import DomainError
from apps.common.geometry import VIETNAM_EXTENT, GeometryError
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.territory.selectors import province_of as province_of_unit
from apps.transfer.fields import ValueError_, read_values
from apps.transfer.models import ImportJob, ImportKind
from apps.transfer.permissions import ImportGuard
from apps.transfer.sources import RawFeature, RawRecord, SourceFile, close_track, geometry_from_hex, read_records
from apps.zones.models import (
    CodeStatus,
    GrowingAreaCode,
    RawMaterialZone,
    ZoneStatus,
    ZoneStatusChange,
    ZoneVersion,
    ZoneVersionAction,
)
from apps.zones.selectors import overlapping_active_codes, province_extent
from apps.zones.services import assign_zones_to_code, create_zone

ProgressCallback = Callable[[int, int], None]

# Share of the work each phase stands for, for the progress bar (reading the file dominates).
_READ, _PREPARE, _CHECK, _RESOLVE = 0.40, 0.50, 0.60, 0.90

_POLYGON, _MULTIPOLYGON = 3, 6  # shapely type ids
_WKB_LINES = (2, 5)  # WKB LineString, MultiLineString


# --- geometry ------------------------------------------------------------------------------------------------------


def normalize_areal_many(shapes: numpy.ndarray) -> numpy.ndarray:
    """Normalise plainly valid areas at once, exactly as ``normalize_geometry(kind=AREAL)`` does; ``None`` for others.

    "Plainly valid": a non-empty Polygon or MultiPolygon, 2D, finite, valid, within Vietnam's extent. For those
    ``normalize_geometry`` only drops empty parts and orients every polygon counter-clockwise (holes clockwise)
    into a MultiPolygon; the rest (repairs, errors) is left to ``normalize_geometry`` itself.
    """
    result = numpy.full(len(shapes), None, dtype=object)
    if not len(shapes):
        return result
    present = numpy.array([shape is not None for shape in shapes])
    type_ids = numpy.full(len(shapes), -1)
    type_ids[present] = shapely.get_type_id(shapes[present])
    plain = present & ((type_ids == _POLYGON) | (type_ids == _MULTIPOLYGON))
    plain[plain] &= ~shapely.is_empty(shapes[plain])
    plain[plain] &= shapely.get_coordinate_dimension(shapes[plain]) == 2
    coordinates, owners = shapely.get_coordinates(shapes[plain], return_index=True)
    candidates = numpy.flatnonzero(plain)
    not_finite = numpy.unique(owners[~numpy.isfinite(coordinates).all(axis=1)])
    plain[candidates[not_finite]] = False
    plain[plain] &= shapely.is_valid(shapes[plain])
    bounds = shapely.bounds(shapes[plain])
    west, south, east, north = VIETNAM_EXTENT
    plain[plain] &= ((west <= bounds[:, 0]) & (bounds[:, 2] <= east)
                     & (south <= bounds[:, 1]) & (bounds[:, 3] <= north))
    chosen = numpy.flatnonzero(plain)
    if not len(chosen):
        return result
    parts, part_owners = shapely.get_parts(shapes[chosen], return_index=True)
    kept = ~shapely.is_empty(parts)
    oriented = shapely.orient_polygons(parts[kept], exterior_cw=False)
    multipolygons = shapely.multipolygons(oriented, indices=part_owners[kept])
    result[chosen] = multipolygons
    return result


def _type_of_hex(geometry_hex: str) -> int:
    """The WKB geometry type of a hex (E)WKB, without parsing the coordinates."""
    order = "little" if geometry_hex[:2] == "01" else "big"
    return (int.from_bytes(bytes.fromhex(geometry_hex[2:10]), order) & 0x0FFFFFFF) % 1000


# --- the run -------------------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    """A feature whose values and geometry passed: what the checks and the insert need."""

    index: int
    entry: dict
    values: dict
    name: str
    search_name: str
    geometry_hex: str  # normalised, hex EWKB with SRID 4326
    producer_ids: list[int]
    code: GrowingAreaCode | None
    area_ha: Decimal | None = None
    commune_ids: list[int] = field(default_factory=list)
    zone_id: int | None = None

    def geometry(self) -> GEOSGeometry:
        return GEOSGeometry(self.geometry_hex, srid=4326)


class _Progress:
    def __init__(self, callback: ProgressCallback | None, total: int):
        self.callback, self.total = callback, total

    def __call__(self, fraction: float) -> None:
        if self.callback is not None and self.total:
            self.callback(min(self.total, int(self.total * fraction)), self.total)


def _reject(entry: dict, error: DomainError) -> None:
    from apps.transfer.services import _rejection

    entry["status"] = "rejected"
    entry["reasons"].append(_rejection(error))


def import_zones_in_bulk(*, job: ImportJob, source: SourceFile, commit: bool, user=None,
                         progress: ProgressCallback | None = None) -> tuple[list[dict], dict[int, shapely.Geometry]]:
    """Check every zone of the file and, with ``commit``, save them (in the caller's transaction) unless one is
    rejected; return the report entries and the shapes.

    The shapes are the features' geometries as read (closed tracks closed), for the overlaps within the file.
    Runs inside :func:`apps.transfer.services.run_import`'s transaction, which rolls everything back for a dry
    run or a refused commit.
    """
    if job.kind != ImportKind.ZONES:
        raise ValueError(f"the set-based path imports zones, not {job.kind}")
    step = _Progress(progress, source.feature_count)
    run = _BulkRun(job=job, user=user, step=step)
    run.read(source)
    run.prepare()
    step(_PREPARE)
    if run.candidates:
        with connection.cursor() as cursor:
            run.stage(cursor)
            try:
                run.check(cursor)
                step(_CHECK)
                run.resolve(cursor)
                step(_RESOLVE)
                if commit:
                    run.save(cursor)
            finally:
                with contextlib.suppress(DatabaseError):  # after an error the transaction is rolled back anyway
                    cursor.execute(run.sql("DROP TABLE IF EXISTS {stage}"))
    run.collect_shapes()
    step(1.0)
    return run.entries, run.shapes


def _tables(stage: str) -> dict[str, str]:
    """Table and column names the statements use, from the models (never from the file)."""
    code_zones = GrowingAreaCode.zones.through._meta
    zone_communes = RawMaterialZone.communes.through._meta
    zone_producers = RawMaterialZone.producers.through._meta
    return {
        "stage": stage, "zones": RawMaterialZone._meta.db_table, "units": AdministrativeUnit._meta.db_table,
        "codes": GrowingAreaCode._meta.db_table,
        "code_zones": code_zones.db_table, "code_zones_code": code_zones.get_field("growingareacode").column,
        "code_zones_zone": code_zones.get_field("rawmaterialzone").column,
        "zone_communes": zone_communes.db_table,
        "zone_communes_zone": zone_communes.get_field("rawmaterialzone").column,
        "zone_communes_unit": zone_communes.get_field("administrativeunit").column,
        "zone_producers": zone_producers.db_table,
        "zone_producers_zone": zone_producers.get_field("rawmaterialzone").column,
        "zone_producers_producer": zone_producers.get_field("producer").column,
        "history": ZoneStatusChange._meta.db_table, "versions": ZoneVersion._meta.db_table,
    }


# The chosen features of the stage, with their zone ids and areas (three array parameters).
_CHOSEN = ("(SELECT * FROM unnest(%s::integer[], %s::bigint[], %s::numeric[]) AS chosen(idx, id, area_ha)) chosen "
           "JOIN {stage} s ON s.idx = chosen.idx")


class _BulkRun:
    def __init__(self, *, job: ImportJob, user, step: _Progress):
        self.job, self.user, self.step = job, user, step
        self.guard = ImportGuard(user)
        self.records: list[RawRecord] = []
        self.entries: list[dict] = []
        self.shapes: dict[int, shapely.Geometry] = {}
        self.raw_shapes: dict[int, shapely.Geometry] = {}
        self.candidates: list[_Candidate] = []
        self.by_index: dict[int, _Candidate] = {}
        self.values: list[dict | None] = []  # each feature's values (None: refused)
        self.refused_by_place: set[int] = set()  # features create_zone refuses for their communes or province
        self.duplicates: dict[int, list[tuple[str, int, str]]] = {}  # feature → (zone / file, id / index, name)
        self.overlaps: dict[int, list[dict]] = {}  # feature → overlaps with active codes before the run
        self.after_joiners: dict[int, set[int]] = {}  # feature → earlier features joining an active code it meets
        self.kept: list[_Candidate] = []  # to insert at the end
        self.joined: set[int] = set()  # saved and joined to an active code during the resolution
        self.deferred_codes: list[_Candidate] = []  # to join to their (inactive) code at the end
        self.names = _tables(f"transfer_stage_{secrets.token_hex(6)}")

    def sql(self, template: str, **fragments: sql.Composable) -> sql.Composed:
        """``template`` with ``{name}`` replaced by the quoted identifier of :func:`_tables` (or a fragment)."""
        identifiers = {key: sql.Identifier(value) for key, value in self.names.items() if "{" + key + "}" in template}
        return sql.SQL(template).format(**identifiers, **fragments)

    # 1. read ------------------------------------------------------------------------------------------------------

    def read(self, source: SourceFile) -> None:
        """Read the file and each feature's values while ogr2ogr writes the next ones (two processes at work)."""
        total = max(source.feature_count, 1)
        job, cache = self.job, {}
        for record in read_records(source, crs_key=self.job.crs or None):
            notes: list[str] = []
            if record.geometry_hex and _type_of_hex(record.geometry_hex) in _WKB_LINES:
                # A GPS track: closed ones become polygons, as the per-feature reader does.
                try:
                    closed = close_track(geometry_from_hex(record.geometry_hex), notes)
                except GeometryError:
                    pass  # reported when the feature's geometry is checked
                else:
                    record.geometry_hex = _hex(closed)
            entry = {"index": record.index, "status": "valid", "name": "", "reasons": [], "notes": notes,
                     "duplicate_of": None, "overlaps": []}
            self.entries.append(entry)
            self.records.append(record)
            try:
                values = read_values(job.kind, record.properties, job.mapping, job.defaults, cache)
            except ValueError_ as error:
                _reject(entry, error)
                values = None
            else:
                entry["name"] = values.get("name", "")
            self.values.append(values)
            if len(self.records) % 2000 == 0:
                self.step(_READ * len(self.records) / total)
        self.step(_READ)

    # 2-3. values and geometry -------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Normalise the geometries of the features whose values passed, as ``_check_geometry`` does."""
        from apps.transfer.services import _check_geometry

        raw = numpy.full(len(self.records), None, dtype=object)
        present = [position for position, record in enumerate(self.records) if record.geometry_hex]
        if present:
            raw[present] = shapely.from_wkb([bytes.fromhex(self.records[position].geometry_hex)
                                             for position in present], on_invalid="ignore")
        for position in present:
            if raw[position] is not None:
                self.raw_shapes[self.records[position].index] = raw[position]
        wanted = numpy.array([values is not None for values in self.values], dtype=bool)
        normalised = numpy.full(len(raw), None, dtype=object)
        normalised[wanted] = normalize_areal_many(raw[wanted])
        normalised_hex = numpy.full(len(normalised), None, dtype=object)
        plain = numpy.flatnonzero([shape is not None for shape in normalised])
        if len(plain):
            written = shapely.to_wkb(shapely.set_srid(normalised[plain], 4326), include_srid=True)
            normalised_hex[plain] = [value.hex() for value in written]
        for position, (record, entry, values) in enumerate(zip(self.records, self.entries, self.values,
                                                                 strict=True)):
            if values is None:
                continue
            geometry_hex = normalised_hex[position]
            if geometry_hex is None:  # not plainly valid: normalize_geometry decides, as for one feature
                try:
                    geometry = geometry_from_hex(record.geometry_hex) if record.geometry_hex else None
                    checked = _check_geometry(self.job.kind, RawFeature(record.index, record.properties, geometry))
                except DomainError as error:
                    _reject(entry, error)
                    continue
                if checked.is_repaired:
                    entry["status"] = "repaired"
                    entry["notes"] += [str(note) for note in checked.notes]
                geometry_hex = _hex(checked.geometry)
            name = values["name"].strip()
            self.candidates.append(_Candidate(
                index=record.index, entry=entry, values=values, name=name, search_name=fast_fold(name),
                geometry_hex=geometry_hex, code=values.get("code"),
                producer_ids=sorted({producer.pk for producer in values.get("producers", ())})))
        self.by_index = {candidate.index: candidate for candidate in self.candidates}

    # 4. stage -----------------------------------------------------------------------------------------------------

    def stage(self, cursor) -> None:
        cursor.execute(self.sql(
            "CREATE TEMPORARY TABLE {stage} (idx integer PRIMARY KEY, name varchar(200), search_name varchar(200), "
            "kind varchar(16), crop_id bigint, notes text, proposed_on date, code_id bigint, producer_ids bigint[], "
            "geom geometry(MultiPolygon, 4326))"))
        statement = self.sql("COPY {stage} (idx, name, search_name, kind, crop_id, notes, proposed_on, code_id, "
                             "producer_ids, geom) FROM STDIN")
        lines = []
        for candidate in self.candidates:
            values = candidate.values
            proposed_on = values.get("proposed_on")
            lines.append("\t".join((
                str(candidate.index), _copy_text(candidate.name), _copy_text(candidate.search_name), values["kind"],
                str(values["crop"].pk), _copy_text(values.get("notes", "")),
                proposed_on.isoformat() if proposed_on is not None else "\\N",
                str(candidate.code.pk) if candidate.code is not None else "\\N",
                _array(candidate.producer_ids), candidate.geometry_hex)))
        with cursor.cursor.copy(statement) as copy:
            copy.write("\n".join(lines) + "\n")
        cursor.execute(self.sql("ANALYZE {stage}"))

    # 5. set-based checks ------------------------------------------------------------------------------------------

    def check(self, cursor) -> None:
        cursor.execute(self.sql("SELECT idx, ST_Area(geom::geography) FROM {stage}"))
        for index, area in cursor.fetchall():
            # As create_zone measures it: PostGIS on the ellipsoid, rounded to 4 decimals of a hectare.
            self.by_index[index].area_ha = Decimal(str(round(area / 10_000, 4)))
        self._communes(cursor)
        self._provinces(cursor)
        self._duplicates(cursor)
        self._overlaps(cursor)

    def _communes(self, cursor) -> None:
        """``communes_of``: boundaries that intersect; else the commune nearest to a point on the surface."""
        cursor.execute(self.sql(
            "SELECT s.idx, u.id FROM {stage} s JOIN {units} u ON u.era = %s AND u.level = %s "
            "AND ST_Intersects(u.boundary, s.geom) ORDER BY s.idx, u.code"), [Era.CURRENT, Level.COMMUNE])
        for index, commune_id in cursor.fetchall():
            self.by_index[index].commune_ids.append(commune_id)
        missing = [candidate.index for candidate in self.candidates if not candidate.commune_ids]
        if not missing:
            return
        # ``commune_containing`` for a point on the surface: the province whose boundary holds it (when
        # provinces have boundaries), then the commune of that province — or of any — with the nearest centroid.
        if AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.PROVINCE, boundary__isnull=False).exists():
            statement = self.sql(
                """SELECT idx, ST_X(point), ST_Y(point), (SELECT p.id FROM {units} p WHERE p.era = %s AND p.level = %s
                   AND ST_Contains(p.boundary, point) ORDER BY p.code LIMIT 1)
                   FROM (SELECT idx, ST_PointOnSurface(geom) AS point FROM {stage}
                         WHERE idx = ANY(%s::integer[])) todo""")
            cursor.execute(statement, [Era.CURRENT, Level.PROVINCE, _array(missing)])
        else:
            statement = self.sql("SELECT idx, ST_X(point), ST_Y(point), NULL FROM (SELECT idx, ST_PointOnSurface(geom) "
                                 "AS point FROM {stage} WHERE idx = ANY(%s::integer[])) todo")
            cursor.execute(statement, [_array(missing)])
        points = cursor.fetchall()
        communes = list(AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, centroid__isnull=False)
                        .values_list("pk", "parent_id", "parent__parent_id", "centroid"))
        if not communes:
            return
        ids = numpy.array([commune[0] for commune in communes])
        parents = numpy.array([commune[1] or 0 for commune in communes])
        grandparents = numpy.array([commune[2] or 0 for commune in communes])
        centroid_x = numpy.array([commune[3].x for commune in communes])
        centroid_y = numpy.array([commune[3].y for commune in communes])
        by_province: dict[int | None, list[tuple[int, float, float]]] = {}
        for index, x, y, province_id in points:
            by_province.setdefault(province_id, []).append((index, x, y))
        for province_id, group in by_province.items():
            allowed = (numpy.ones(len(ids), dtype=bool) if province_id is None
                       else (parents == province_id) | (grandparents == province_id))
            if not allowed.any():
                continue
            chunk = max(1, 2_000_000 // int(allowed.sum()))  # points per pass, to keep the distance matrix small
            for start in range(0, len(group), chunk):
                part = group[start:start + chunk]
                xs = numpy.array([x for _index, x, _y in part])[:, None]
                ys = numpy.array([y for _index, _x, y in part])[:, None]
                # The distance PostGIS orders ``centroid <-> point`` by, computed the same way (sqrt of squares).
                dx, dy = centroid_x[allowed][None, :] - xs, centroid_y[allowed][None, :] - ys
                nearest = ids[allowed][numpy.argmin(numpy.sqrt(dx * dx + dy * dy), axis=1)]
                for (index, _x, _y), commune_id in zip(part, nearest.tolist(), strict=True):
                    self.by_index[index].commune_ids.append(commune_id)

    def _provinces(self, cursor) -> None:
        """Mark the features ``_check_in_one_province`` refuses (no commune, several provinces, beyond the extent)."""
        province_of: dict[int, AdministrativeUnit] = {}
        communes = AdministrativeUnit.objects.filter(
            pk__in={pk for candidate in self.candidates for pk in candidate.commune_ids}).select_related("parent")
        for commune in communes:
            province_of[commune.pk] = province_of_unit(commune)
        by_province: dict[int, list[int]] = {}
        provinces: dict[int, AdministrativeUnit] = {}
        for candidate in self.candidates:
            if len({province_of[pk].pk for pk in candidate.commune_ids}) != 1:
                self.refused_by_place.add(candidate.index)
                continue
            province = province_of[candidate.commune_ids[0]]
            provinces[province.pk] = province
            by_province.setdefault(province.pk, []).append(candidate.index)
        for province_pk, indexes in by_province.items():
            extent = province_extent(provinces[province_pk])
            if extent is None:
                continue
            cursor.execute(self.sql("SELECT idx FROM {stage} WHERE idx = ANY(%s::integer[]) "
                                    "AND NOT ST_Covers(%s::geometry, geom)"), [_array(indexes), _hex(extent.geometry)])
            self.refused_by_place.update(index for (index,) in cursor.fetchall())

    def _duplicates(self, cursor) -> None:
        """Zones of the same folded name the feature covers ≥ 50 % of: existing ones and earlier features, by name."""
        cursor.execute(self.sql(
            """SELECT s.idx, 'zone', z.id, z.name, ST_Area(ST_Intersection(z.geometry, s.geom)::geography),
                      ST_Area(z.geometry::geography)
               FROM {stage} s JOIN {zones} z ON z.search_name = s.search_name AND ST_Intersects(z.geometry, s.geom)
               UNION ALL
               SELECT b.idx, 'file', a.idx, a.name, ST_Area(ST_Intersection(a.geom, b.geom)::geography),
                      ST_Area(a.geom::geography)
               FROM {stage} a JOIN {stage} b ON a.search_name = b.search_name AND a.idx < b.idx
                    AND ST_Intersects(a.geom, b.geom)
               ORDER BY 1, 4"""))
        share = _duplicate_share()
        for index, source, reference, name, shared, own in cursor.fetchall():
            if own and shared / own >= share:
                self.duplicates.setdefault(index, []).append((source, reference, name))

    def _overlaps(self, cursor) -> None:
        """``overlapping_active_codes`` for every feature, against the zones saved before the run."""
        cursor.execute(self.sql(
            """SELECT s.idx, c.code, ST_Area(ST_Intersection(ST_Union(z.geometry), s.geom)::geography)
               FROM {stage} s JOIN {zones} z ON ST_Intersects(z.geometry, s.geom)
               JOIN {code_zones} cz ON cz.{code_zones_zone} = z.id
               JOIN {codes} c ON c.id = cz.{code_zones_code} AND c.status = %s
               GROUP BY s.idx, c.id ORDER BY s.idx, c.code"""), [CodeStatus.ACTIVE])
        found: dict[int, list[tuple[str, float]]] = {}
        for index, code, area in cursor.fetchall():
            found.setdefault(index, []).append((code, area))
        self.overlaps = {index: _overlap_entries(pairs) for index, pairs in found.items()}
        # Features that may overlap an earlier feature joining an active code: asked again at their turn.
        active_joiners = [candidate.index for candidate in self.candidates
                          if candidate.code is not None and candidate.code.status == CodeStatus.ACTIVE]
        if active_joiners:
            cursor.execute(self.sql("CREATE INDEX ON {stage} USING gist (geom)"))
            cursor.execute(self.sql(
                """SELECT b.idx, a.idx FROM {stage} a JOIN {stage} b ON a.idx < b.idx
                   AND ST_Intersects(a.geom, b.geom) WHERE a.idx = ANY(%s::integer[])"""), [_array(active_joiners)])
            for later, joiner in cursor.fetchall():
                self.after_joiners.setdefault(later, set()).add(joiner)

    # 6. resolve, in file order ------------------------------------------------------------------------------------

    def resolve(self, cursor) -> None:
        for candidate, zone_id in zip(self.candidates, _reserve_ids(cursor, len(self.candidates)), strict=True):
            candidate.zone_id = zone_id
        refusals = self._permission_refusals(cursor)
        kept_indexes: set[int] = set()
        may_join: dict[int, bool] = {}
        today = timezone.localdate()
        for count, candidate in enumerate(self.candidates, start=1):
            if count % 2000 == 0:
                self.step(_CHECK + (_RESOLVE - _CHECK) * count / len(self.candidates))
            entry = candidate.entry
            try:
                self._check_duplicate(candidate, kept_indexes)
                entry["overlaps"] = self._overlaps_of(candidate)
                self.guard.before(RawMaterialZone, index=candidate.index, name=entry["name"],
                                  producers=candidate.values.get("producers", ()))
                if self._create_would_refuse(candidate, today):
                    _replay(lambda candidate=candidate: self._create(candidate))
                if candidate.index in refusals:
                    raise refusals[candidate.index]
                code = candidate.code
                if code is not None:
                    if code.pk not in may_join:
                        may_join[code.pk] = not self.guard.is_checking or permissions.can(
                            self.user, permissions.UPDATE, code)
                    if not may_join[code.pk]:
                        self.guard.may_change(code, index=candidate.index, name=entry["name"])
                    if code.status == CodeStatus.ACTIVE:
                        self._save_and_join(cursor, candidate)
                    else:
                        if code.crop_id != candidate.values["crop"].pk:
                            _replay(lambda candidate=candidate: self._join_now(cursor, candidate))
                        self.deferred_codes.append(candidate)
            except (DomainError, ValueError_) as error:
                _reject(entry, error)
                continue
            entry["id"] = candidate.zone_id
            kept_indexes.add(candidate.index)
            if candidate.index not in self.joined:
                self.kept.append(candidate)

    def _check_duplicate(self, candidate: _Candidate, kept: set[int]) -> None:
        from apps.transfer.services import duplicate_zone_error

        for source, reference, name in self.duplicates.get(candidate.index, ()):
            if source == "zone":
                zone_id = reference
            elif reference in kept:
                zone_id = self.by_index[reference].zone_id
            else:
                continue  # an earlier feature that was not kept: not saved, so not a duplicate
            candidate.entry["duplicate_of"] = name
            raise duplicate_zone_error(name, zone_id)

    def _overlaps_of(self, candidate: _Candidate) -> list[dict]:
        if self.after_joiners.get(candidate.index, set()) & self.joined:
            return _overlap_entries((overlap.code.code, overlap.area_m2)
                                    for overlap in overlapping_active_codes(candidate.geometry()))
        return [dict(overlap) for overlap in self.overlaps.get(candidate.index, ())]

    def _create_would_refuse(self, candidate: _Candidate, today: datetime.date) -> bool:
        """Whether ``create_zone`` refuses the feature (its checks, answered by the set-based queries)."""
        values = candidate.values
        proposed_on = values.get("proposed_on")
        crop = values["crop"]
        return bool((proposed_on is not None and proposed_on > today)
                    or (crop.max_plausible_ha is not None and candidate.area_ha > crop.max_plausible_ha)
                    or candidate.index in self.refused_by_place)

    def _create(self, candidate: _Candidate) -> RawMaterialZone:
        values = candidate.values
        return create_zone(name=values["name"], kind=values["kind"], crop=values["crop"],
                           geometry=candidate.geometry(), producers=values.get("producers", ()),
                           notes=values.get("notes", ""), proposed_on=values.get("proposed_on"), user=self.user)

    def _permission_refusals(self, cursor) -> dict[int, DomainError]:
        """The features the user may not create, checked on the saved rows (then rolled back)."""
        if not self.guard.is_checking:
            return {}
        condition = permissions.allowed_q(self.user, permissions.CREATE, RawMaterialZone)
        if condition is None or (not condition.children and not condition.negated):
            return {}  # nobody of this role may create zones (the early check says so), or everywhere
        refusals: dict[int, DomainError] = {}
        with transaction.atomic():
            self._insert(cursor, self.candidates, full=False)
            ids = [candidate.zone_id for candidate in self.candidates]
            allowed = set(RawMaterialZone.objects.filter(pk__in=ids).filter(condition).values_list("pk", flat=True))
            refused = {candidate.zone_id: candidate for candidate in self.candidates
                       if candidate.zone_id not in allowed}
            for zone in RawMaterialZone.objects.filter(pk__in=list(refused)):
                candidate = refused[zone.pk]
                try:
                    self.guard.created(zone, index=candidate.index, name=candidate.entry["name"])
                except DomainError as error:
                    refusals[candidate.index] = error
            transaction.set_rollback(True)
        return refusals

    def _save_and_join(self, cursor, candidate: _Candidate) -> None:
        """Save the zone now and join its active code through the service (the overlap rule sees earlier joins)."""
        with transaction.atomic():
            self._join_now(cursor, candidate)
        self.joined.add(candidate.index)

    def _join_now(self, cursor, candidate: _Candidate) -> None:
        self._insert(cursor, [candidate])
        zone = RawMaterialZone.objects.select_related("crop").get(pk=candidate.zone_id)
        assign_zones_to_code(code=candidate.code, zones=[zone], user=self.user)

    def collect_shapes(self) -> None:
        for entry in self.entries:
            if entry["status"] != "rejected" and entry["index"] in self.raw_shapes:
                self.shapes[entry["index"]] = self.raw_shapes[entry["index"]]

    # 7. insert ----------------------------------------------------------------------------------------------------

    def save(self, cursor) -> None:
        """Insert the kept zones when the run may be committed (nothing is rejected); join inactive codes."""
        if any(entry["status"] == "rejected" for entry in self.entries):
            return
        self._insert(cursor, self.kept)
        if self.deferred_codes:
            cursor.execute(self.sql("INSERT INTO {code_zones} ({code_zones_code}, {code_zones_zone}) "
                                    "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING"),
                           [_array(candidate.code.pk for candidate in self.deferred_codes),
                            _array(candidate.zone_id for candidate in self.deferred_codes)])
            GrowingAreaCode.objects.filter(pk__in={candidate.code.pk for candidate in self.deferred_codes}).update(
                updated_at=timezone.now())

    def _insert(self, cursor, candidates: list[_Candidate], *, full: bool = True) -> None:
        """``INSERT … SELECT`` the zones of ``candidates`` from the stage, with what ``create_zone`` writes.

        ``full=False`` writes only what the permission check reads (zones, communes, producers).
        """
        if not candidates:
            return
        chosen = [_array(candidate.index for candidate in candidates),
                  _array(candidate.zone_id for candidate in candidates),
                  _array(candidate.area_ha for candidate in candidates)]
        from_chosen = self.sql(_CHOSEN)
        cursor.execute(self.sql(
            "INSERT INTO {zones} (id, created_at, updated_at, name, kind, crop_id, geometry, area_ha, status, notes, "
            "search_name) SELECT chosen.id, now(), now(), s.name, s.kind, s.crop_id, s.geom, chosen.area_ha, %s, "
            "s.notes, s.search_name FROM {chosen} ORDER BY chosen.id", chosen=from_chosen),
            [ZoneStatus.PROPOSED, *chosen])
        cursor.execute(self.sql("INSERT INTO {zone_communes} ({zone_communes_zone}, {zone_communes_unit}) "
                                "SELECT * FROM unnest(%s::bigint[], %s::bigint[])"),
                       [_array(candidate.zone_id for candidate in candidates for _commune in candidate.commune_ids),
                        _array(commune for candidate in candidates for commune in candidate.commune_ids)])
        cursor.execute(self.sql("INSERT INTO {zone_producers} ({zone_producers_zone}, {zone_producers_producer}) "
                                "SELECT chosen.id, unnest(s.producer_ids) FROM {chosen}", chosen=from_chosen), chosen)
        if not full:
            return
        user_id = self.user.pk if getattr(self.user, "pk", None) else None
        cursor.execute(self.sql(
            "INSERT INTO {history} (zone_id, from_status, to_status, effective_date, reason, changed_by_id, "
            "recorded_at) SELECT chosen.id, '', %s, COALESCE(s.proposed_on, %s), '', %s, now() FROM {chosen} "
            "ORDER BY chosen.id", chosen=from_chosen), [ZoneStatus.PROPOSED, timezone.localdate(), user_id, *chosen])
        cursor.execute(self.sql(
            "INSERT INTO {versions} (zone_id, number, action, name, kind, crop_id, geometry, area_ha, notes, "
            "producer_ids, changes, is_geometry_changed, area_before_ha, restored_from_id, comment, changed_by_id, "
            "recorded_at) SELECT chosen.id, 1, %s, s.name, s.kind, s.crop_id, s.geom, chosen.area_ha, s.notes, "
            "s.producer_ids, '{{}}'::jsonb, true, NULL, NULL, '', %s, now() FROM {chosen} ORDER BY chosen.id",
            chosen=from_chosen), [ZoneVersionAction.CREATED, user_id, *chosen])


# --- helpers -------------------------------------------------------------------------------------------------------


class _Accepted(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside a savepoint to undo a replay that the service accepted."""


def _replay(call: Callable[[], object]) -> None:
    """Run a service call the checks expect to be refused, in a savepoint; raise its error, keep nothing.

    When the service accepts after all, nothing is kept either: the feature continues through the bulk path.
    """
    try:
        with transaction.atomic():
            call()
            raise _Accepted
    except _Accepted:
        return


def _reserve_ids(cursor, count: int) -> list[int]:
    """``count`` ids from the zones' sequence, in increasing order (the file order of the features)."""
    if not count:
        return []
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                   [RawMaterialZone._meta.db_table, count])
    return sorted(value for (value,) in cursor.fetchall())


def _overlap_entries(pairs) -> list[dict]:
    ordered = sorted(pairs, key=lambda pair: -pair[1])
    return [{"code": code, "area_m2": round(area, 1)} for code, area in ordered]


def _duplicate_share() -> float:
    from apps.transfer.services import DUPLICATE_ZONE_SHARE

    return DUPLICATE_ZONE_SHARE


def _array(values) -> str:
    """A PostgreSQL array literal of numbers (one text parameter: much faster to send than a list)."""
    return "{" + ",".join(str(value) for value in values) + "}"


def _copy_text(value: str) -> str:
    """``value`` as a field of COPY text."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Unaccented(dict):
    """``str.translate`` table: each character as ``unidecode`` writes it (it maps characters one by one)."""

    def __missing__(self, code: int) -> str:
        value = self[code] = unidecode(chr(code))
        return value


_UNACCENTED = _Unaccented()
_SPACES = re.compile(r"\s+")


def fast_fold(text: str) -> str:
    """:func:`apps.common.text.fold`, character table cached (the same result, tested against it)."""
    return _SPACES.sub(" ", (text or "").translate(_UNACCENTED)).strip().lower()


def _hex(geometry: GEOSGeometry) -> str:
    value = geometry.hexewkb
    return value.decode() if isinstance(value, bytes) else value


__all__ = ["import_zones_in_bulk", "normalize_areal_many"]
