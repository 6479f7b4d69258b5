"""State changes for administrative units: loading both eras and attaching boundaries."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import Point, Polygon
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.geometry import AREAL, GeometryError, normalize_geometry
from apps.common.text import fold, vietnamese_slug
from apps.territory.models import REFORM_DATE, AdministrativeUnit, Era, LegacyMapping, Level, UnitType

LEGACY_VALID_TO = REFORM_DATE - datetime.timedelta(days=1)

_UNIT_TYPES = {
    "tỉnh": UnitType.PROVINCE,
    "thành phố": UnitType.CITY,
    "huyện": UnitType.DISTRICT,
    "thị xã": UnitType.TOWN,
    "quận": UnitType.URBAN_DISTRICT,
    "xã": UnitType.COMMUNE,
    "phường": UnitType.WARD,
    "thị trấn": UnitType.TOWNSHIP,
    "đặc khu": UnitType.SPECIAL_ZONE,
}


class TerritoryError(DomainError):
    default_code = "territory_error"


def _unit_type(label: str | None, full_name: str = "") -> str:
    text = (label or "").strip().lower()
    if text in _UNIT_TYPES:
        return _UNIT_TYPES[text]
    lowered = full_name.lower()
    for prefix, unit_type in sorted(_UNIT_TYPES.items(), key=lambda item: -len(item[0])):
        if lowered.startswith(prefix + " "):
            return unit_type
    raise TerritoryError("unknown_unit_type", f"Unknown unit type {label!r} for {full_name!r}")


def _point(lon, lat) -> Point | None:
    if lon is None or lat is None:
        return None
    return Point(float(lon), float(lat), srid=4326)


def _bounds(text: str | None) -> Polygon | None:
    """Parse the package's ``"lat,lon – lat,lon"`` bounds."""
    if not text:
        return None
    try:
        south_west, north_east = (part.strip() for part in text.split("–"))
        min_lat, min_lon = (float(v) for v in south_west.split(","))
        max_lat, max_lon = (float(v) for v in north_east.split(","))
    except ValueError:
        return None
    if min_lat == max_lat or min_lon == max_lon:
        return None
    polygon = Polygon.from_bbox((min_lon, min_lat, max_lon, max_lat))
    polygon.srid = 4326
    return polygon


@dataclass
class _Row:
    code: str
    name: str
    short_name: str
    unit_type: str
    level: str
    era: str
    parent_code: str | None
    centroid: Point | None
    bounds: Polygon | None = None
    area_km2: float | None = None

    def as_unit(self, parents: dict[str, int]) -> AdministrativeUnit:
        is_legacy = self.era == Era.LEGACY
        return AdministrativeUnit(
            code=self.code,
            name=self.name,
            short_name=self.short_name,
            unit_type=self.unit_type,
            level=self.level,
            era=self.era,
            parent_id=parents.get(self.parent_code) if self.parent_code else None,
            valid_from=None if is_legacy else REFORM_DATE,
            valid_to=LEGACY_VALID_TO if is_legacy else None,
            centroid=self.centroid,
            bounds=self.bounds,
            area_km2=round(self.area_km2, 2) if self.area_km2 is not None else None,
            slug=vietnamese_slug(self.name),
            search_name=fold(self.name),
        )


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    mappings: int = 0


def _package_rows(sql: str, params: tuple | list = ()) -> list[dict]:
    """Rows from the package's SQLite data set, queried with bound parameters."""
    import sqlite3

    with resources.as_file(resources.files("vietnamadminunits").joinpath("data/dataset.db")) as path:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(sql, tuple(params))]
        finally:
            connection.close()


def _in_clause(values: list[str]) -> str:
    return ",".join("?" * len(values))


def _converter() -> dict:
    data = resources.files("vietnamadminunits").joinpath("data/converter_2025.json").read_text(encoding="utf-8")
    return json.loads(data)


def _current_rows(province_codes: list[str] | None) -> list[_Row]:
    if province_codes:
        codes = [f"{int(code):02d}" for code in province_codes]
        records = _package_rows(f"SELECT * FROM admin_units WHERE provinceCode IN ({_in_clause(codes)})", codes)  # noqa: S608
    else:
        records = _package_rows("SELECT * FROM admin_units")
    rows: dict[tuple[str, str], _Row] = {}
    province_area: dict[str, float] = {}
    for record in records:
        province_code = record["provinceCode"]
        if (Level.PROVINCE, province_code) not in rows:
            rows[(Level.PROVINCE, province_code)] = _Row(
                code=province_code,
                name=record["province"],
                short_name=record["provinceShort"],
                unit_type=_unit_type(None, record["province"]),
                level=Level.PROVINCE,
                era=Era.CURRENT,
                parent_code=None,
                centroid=_point(record["provinceLon"], record["provinceLat"]),
            )
        province_area[province_code] = province_area.get(province_code, 0.0) + (record["wardAreaKm2"] or 0.0)
        if record["wardCode"]:
            rows[(Level.COMMUNE, record["wardCode"])] = _Row(
                code=record["wardCode"],
                name=record["ward"],
                short_name=record["wardShort"],
                unit_type=_unit_type(record["wardType"], record["ward"]),
                level=Level.COMMUNE,
                era=Era.CURRENT,
                parent_code=province_code,
                centroid=_point(record["wardLon"], record["wardLat"]),
                area_km2=record["wardAreaKm2"],
            )
    for code, area in province_area.items():
        rows[(Level.PROVINCE, code)].area_km2 = area
    return list(rows.values())


def _legacy_rows(province_keys: list[str] | None) -> tuple[list[_Row], dict[str, str]]:
    """Legacy rows, plus a map from the package's "province_district_ward" key to the ward code."""
    if province_keys is not None:
        records = _package_rows(
            f"SELECT * FROM admin_units_legacy WHERE provinceKey IN ({_in_clause(province_keys)})",  # noqa: S608
            province_keys,
        )
    else:
        records = _package_rows("SELECT * FROM admin_units_legacy")
    rows: dict[tuple[str, str], _Row] = {}
    key_to_code: dict[str, str] = {}
    for record in records:
        province_code, district_code, ward_code = record["provinceCode"], record["districtCode"], record["wardCode"]
        if (Level.PROVINCE, province_code) not in rows:
            rows[(Level.PROVINCE, province_code)] = _Row(
                code=province_code,
                name=record["province"],
                short_name=record["provinceShort"],
                unit_type=_unit_type(None, record["province"]),
                level=Level.PROVINCE,
                era=Era.LEGACY,
                parent_code=None,
                centroid=_point(record["provinceLon"], record["provinceLat"]),
                bounds=_bounds(record["provinceBounds"]),
            )
        if district_code and (Level.DISTRICT, district_code) not in rows:
            rows[(Level.DISTRICT, district_code)] = _Row(
                code=district_code,
                name=record["district"],
                short_name=record["districtShort"],
                unit_type=_unit_type(record["districtType"], record["district"]),
                level=Level.DISTRICT,
                era=Era.LEGACY,
                parent_code=province_code,
                centroid=_point(record["districtLon"], record["districtLat"]),
                bounds=_bounds(record["districtBounds"]),
            )
        if ward_code:
            rows[(Level.COMMUNE, ward_code)] = _Row(
                code=ward_code,
                name=record["ward"],
                short_name=record["wardShort"],
                unit_type=_unit_type(record["wardType"], record["ward"]),
                level=Level.COMMUNE,
                era=Era.LEGACY,
                parent_code=district_code,
                centroid=_point(record["wardLon"], record["wardLat"]),
                bounds=_bounds(record["wardBounds"]),
            )
            key_to_code[f"{record['provinceKey']}_{record['districtKey']}_{record['wardKey']}"] = ward_code
    return list(rows.values()), key_to_code


_UPDATE_FIELDS = [
    "name", "short_name", "unit_type", "level", "parent", "valid_from", "valid_to",
    "centroid", "bounds", "area_km2", "slug", "search_name",
]


def _upsert(rows: Iterable[_Row], era: str) -> tuple[int, dict[str, int]]:
    """Insert or update rows level by level so parents exist first; return (created, code→id)."""
    created = 0
    ids: dict[str, int] = {}
    for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
        batch = [row for row in rows if row.level == level]
        if not batch:
            continue
        codes = [row.code for row in batch]
        existing = set(
            AdministrativeUnit.objects.filter(era=era, code__in=codes).values_list("code", flat=True)
        )
        created += len(set(codes) - existing)
        AdministrativeUnit.objects.bulk_create(
            [row.as_unit(ids) for row in batch],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["code", "era"],
            update_fields=_UPDATE_FIELDS,
        )
        ids.update(AdministrativeUnit.objects.filter(era=era, code__in=codes).values_list("code", "id"))
    return created, ids


@transaction.atomic
def load_admin_units(*, province_code: str | None = "66", log: Callable[[str], None] = lambda _m: None) -> LoadResult:
    """Load (or refresh) both eras from the ``vietnamadminunits`` package; idempotent.

    With ``province_code`` (a 2025 province code, default 66 = Đắk Lắk), load that province in the
    2025 era and every legacy province merged into it (old Đắk Lắk and Phú Yên for 66), with the
    legacy → current commune mapping. With ``None``, load the whole country.
    """
    converter = _converter()
    current_rows = _current_rows([province_code] if province_code else None)
    if not current_rows:
        raise TerritoryError("unknown_province", _("No 2025 province has code %(code)s.") % {"code": province_code})
    new_province_keys = {
        record["provinceKey"]
        for record in (
            _package_rows("SELECT DISTINCT provinceKey FROM admin_units WHERE provinceCode = ?",
                          [f"{int(province_code):02d}"])
            if province_code
            else _package_rows("SELECT DISTINCT provinceKey FROM admin_units")
        )
    }
    legacy_keys = sorted({key for new in new_province_keys for key in converter["DICT_PROVINCE"].get(new, [])})
    legacy_rows, legacy_key_to_code = _legacy_rows(legacy_keys if province_code else None)

    result = LoadResult()
    created_current, current_ids = _upsert(current_rows, Era.CURRENT)
    created_legacy, legacy_ids = _upsert(legacy_rows, Era.LEGACY)
    result.created = {"2025": created_current, "legacy": created_legacy}

    # New ward keys are unique within a new province; resolve them through the package's table.
    ward_key_to_code: dict[tuple[str, str], str] = {
        (record["provinceKey"], record["wardKey"]): record["wardCode"]
        for record in _package_rows("SELECT provinceKey, wardKey, wardCode FROM admin_units")
    }
    pairs: dict[tuple[int, int], bool] = {}
    for new_province in new_province_keys:
        for new_ward_key, old_keys in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_province, {}).items():
            current_id = current_ids.get(ward_key_to_code.get((new_province, new_ward_key), ""))
            for old_key in old_keys:
                legacy_id = legacy_ids.get(legacy_key_to_code.get(old_key, ""))
                if current_id and legacy_id:
                    pairs[(legacy_id, current_id)] = True
        for old_key, new_wards in converter["DICT_PROVINCE_WARD_DIVIDED"].get(new_province, {}).items():
            legacy_id = legacy_ids.get(legacy_key_to_code.get(old_key, ""))
            for ward in new_wards:
                current_id = current_ids.get(ward_key_to_code.get((new_province, ward["newWardKey"]), ""))
                if current_id and legacy_id:
                    pairs[(legacy_id, current_id)] = bool(ward["isDefaultNewWard"])
    LegacyMapping.objects.bulk_create(
        [LegacyMapping(legacy_id=legacy, current_id=current, is_primary=primary)
         for (legacy, current), primary in pairs.items()],
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["legacy", "current"],
        update_fields=["is_primary"],
    )
    result.mappings = len(pairs)
    for era in (Era.CURRENT, Era.LEGACY):
        for level in Level.values:
            count = AdministrativeUnit.objects.filter(era=era, level=level).count()
            if count:
                result.totals[f"{era}/{level}"] = count
    log(f"created {result.created}, totals {result.totals}, mappings {result.mappings}")
    return result


@dataclass
class BoundaryImportResult:
    attached: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


@transaction.atomic
def import_admin_boundaries(
    *, path: str | Path, era: str = Era.CURRENT, code_field: str = "code", layer: int | str = 0
) -> BoundaryImportResult:
    """Attach boundary polygons from a GDAL-readable file, matched by official code.

    Reprojects to EPSG:4326, validates and repairs through :func:`normalize_geometry`, and reports
    features whose code matches no unit. If any feature is invalid beyond repair, nothing is
    attached and the error names that feature.
    """
    if era not in Era.values:
        raise TerritoryError("unknown_era", _("Unknown era %(era)s.") % {"era": era}, field="era")
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise TerritoryError("unreadable_file", _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc},
                             field="file") from exc
    gdal_layer = source[layer]
    if code_field not in gdal_layer.fields:
        raise TerritoryError(
            "missing_code_field",
            _("The file has no field %(field)s (fields: %(fields)s).")
            % {"field": code_field, "fields": ", ".join(gdal_layer.fields)},
            field="code_field",
        )
    units = {unit.code: unit for unit in AdministrativeUnit.objects.filter(era=era)}
    result = BoundaryImportResult()
    updates: list[AdministrativeUnit] = []
    for index, feature in enumerate(gdal_layer, start=1):
        raw_code = feature.get(code_field)
        code = str(raw_code).strip() if raw_code is not None else ""
        label = f"#{index} ({code_field}={code or '∅'})"
        geometry = feature.geom
        if geometry is None:
            raise TerritoryError("missing_geometry", _("Feature %(label)s has no geometry.") % {"label": label})
        geos = geometry.geos
        if geos.srid is None:
            geos.srid = 4326
        try:
            normalized = normalize_geometry(geos, kind=AREAL, field_name=label)
        except GeometryError as exc:
            raise TerritoryError(
                exc.code, _("Feature %(label)s: %(problem)s Nothing was imported.") % {"label": label,
                                                                                        "problem": exc.message},
                field=label,
            ) from exc
        unit = units.get(code) or units.get(code.zfill(5)) or units.get(code.zfill(3))
        if unit is None:
            result.unmatched.append(code or label)
            continue
        unit.boundary = normalized.geometry
        updates.append(unit)
        result.attached.append(unit.code)
        if normalized.is_repaired:
            result.repaired.append(unit.code)
    AdministrativeUnit.objects.bulk_update(updates, ["boundary"], batch_size=500)
    return result
