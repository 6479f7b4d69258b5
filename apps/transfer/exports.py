"""Export a filtered selection of zones, facilities or sales points as GeoJSON, GeoPackage, Shapefile, KML or CSV.

Attribute names are ours and short enough for a Shapefile (≤ 10 characters); they are listed per layer
in apps/transfer/README.md and read back by the import's field guesses, so an export imports again as is.
"""

from __future__ import annotations

import json
import subprocess  # noqa: S404 - ogr2ogr is GDAL's own tool, called with an argument list
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.facilities.models import PackingFacility, ProductionFacility
from apps.outlets.models import SalesPoint
from apps.transfer.models import ImportKind
from apps.zones.models import RawMaterialZone

FORMATS = {
    "geojson": ("GeoJSON", "geojson", "application/geo+json"),
    "gpkg": ("GPKG", "gpkg", "application/geopackage+sqlite3"),
    "shp": ("ESRI Shapefile", "zip", "application/zip"),
    "kml": ("KML", "kml", "application/vnd.google-earth.kml+xml"),
    "csv": ("CSV", "csv", "text/csv"),
}


class ExportError(DomainError):
    default_code = "invalid_export"


@dataclass
class ExportLayer:
    """One exportable layer: its records, the filters it understands and its attributes (our names)."""

    queryset: Callable[[], QuerySet]
    filters: dict[str, str]  # filter name → ORM lookup
    attributes: Callable[[object], dict]
    geometry: str = "geometry"


def _names(records) -> str:
    return ";".join(str(record) for record in records)


def _zone_attributes(zone: RawMaterialZone) -> dict:
    return {"id": zone.pk, "name": zone.name, "kind": zone.kind, "crop": zone.crop.slug, "status": zone.status,
            "area_ha": float(zone.area_ha), "communes": _names(unit.name for unit in zone.communes.all()),
            "codes": _names(code.code for code in zone.growing_area_codes.all()),
            "producers": _names(producer.tax_code for producer in zone.producers.all())}


def _packing_attributes(facility: PackingFacility) -> dict:
    return {"id": facility.pk, "name": facility.name, "code": facility.code, "code_type": facility.code_type,
            "operator": facility.operator.name if facility.operator else facility.operator_name,
            "address": facility.address, "commune": facility.commune.name if facility.commune else "",
            "status": facility.status, "markets": ";".join(facility.target_markets),
            "issue_date": facility.issue_date.isoformat() if facility.issue_date else ""}


def _production_attributes(facility: ProductionFacility) -> dict:
    return {"id": facility.pk, "name": facility.name, "producer": facility.producer.tax_code,
            "address": facility.address, "makes": facility.makes,
            "commune": facility.commune.name if facility.commune else ""}


def _sales_point_attributes(point: SalesPoint) -> dict:
    return {"id": point.pk, "name": point.name, "kind": point.kind, "address": point.address, "phone": point.phone,
            "commune": point.commune.name if point.commune else ""}


LAYERS: dict[str, ExportLayer] = {
    ImportKind.ZONES: ExportLayer(
        lambda: RawMaterialZone.objects.select_related("crop").prefetch_related(
            "communes", "growing_area_codes", "producers").order_by("pk"),
        {"status": "status", "kind": "kind", "crop": "crop__slug", "commune": "communes__code"},
        _zone_attributes),
    ImportKind.PACKING_FACILITIES: ExportLayer(
        lambda: PackingFacility.objects.select_related("operator", "commune").order_by("pk"),
        {"status": "status", "commune": "commune__code", "code_type": "code_type"}, _packing_attributes, "location"),
    ImportKind.PRODUCTION_FACILITIES: ExportLayer(
        lambda: ProductionFacility.objects.select_related("producer", "commune").order_by("pk"),
        {"commune": "commune__code", "producer": "producer__tax_code"}, _production_attributes, "location"),
    ImportKind.SALES_POINTS: ExportLayer(
        lambda: SalesPoint.objects.select_related("commune").order_by("pk"),
        {"kind": "kind", "commune": "commune__code"}, _sales_point_attributes, "location"),
}


def select_records(kind: str, filters: dict[str, str] | None = None,
                   scope: Callable[[QuerySet], QuerySet] | None = None) -> QuerySet:
    """The records of layer ``kind`` matching ``filters`` (unknown filters are refused, empty ones ignored)."""
    if kind not in LAYERS:
        raise ExportError("unknown_kind", _("Unknown layer %(kind)s.") % {"kind": kind}, field="kind")
    layer = LAYERS[kind]
    queryset = layer.queryset()
    if scope is not None:
        queryset = scope(queryset)
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if name not in layer.filters:
            raise ExportError("unknown_filter", _("The layer cannot be filtered by %(filter)s (only by %(known)s).")
                              % {"filter": name, "known": ", ".join(layer.filters)}, field=name)
        queryset = queryset.filter(**{layer.filters[name]: value})
    return queryset.distinct()


def feature_collection(kind: str, records) -> dict:
    layer = LAYERS[kind]
    features = []
    for record in records:
        geometry = getattr(record, layer.geometry)
        features.append({"type": "Feature", "properties": layer.attributes(record),
                         "geometry": json.loads(geometry.json) if geometry else None})
    return {"type": "FeatureCollection", "features": features}


@dataclass
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def export_selection(*, kind: str, fmt: str, filters: dict[str, str] | None = None,
                     scope: Callable[[QuerySet], QuerySet] | None = None) -> ExportFile:
    """Write the selected records of ``kind`` in format ``fmt`` (WGS 84) through GDAL's ogr2ogr.

    ``scope`` narrows the records to those the user may read (``apps.accounts.permissions.scope_queryset``).
    """
    if fmt not in FORMATS:
        raise ExportError("unknown_format", _("Unknown export format %(format)s (use %(known)s).")
                          % {"format": fmt, "known": ", ".join(FORMATS)}, field="format")
    driver, extension, content_type = FORMATS[fmt]
    collection = feature_collection(kind, select_records(kind, filters, scope))
    name = kind.replace("_", "-")
    with tempfile.TemporaryDirectory(prefix="ocop-export-") as folder:
        folder_path = Path(folder)
        source = folder_path / f"{name}.geojson"
        source.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
        if fmt == "geojson":
            return ExportFile(f"{name}.geojson", content_type, source.read_bytes())
        out_folder = folder_path / "out"
        out_folder.mkdir()
        target = out_folder / f"{name}.{ 'shp' if fmt == 'shp' else extension}"
        command = ["ogr2ogr", "-f", driver, str(target), str(source), "-nln", name]
        if fmt == "shp":
            command += ["-lco", "ENCODING=UTF-8"]
        elif fmt == "csv":
            command += ["-lco", "GEOMETRY=AS_WKT"]
        elif fmt == "kml":
            command += ["-dsco", "NameField=name"]
        completed = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
        if completed.returncode != 0:
            raise ExportError("gdal_failed", _("GDAL could not write the export: %(error)s")
                              % {"error": completed.stderr.strip()[-300:]})
        if fmt == "shp":
            archive_path = folder_path / f"{name}.zip"
            with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
                for part in sorted(out_folder.iterdir()):
                    archive.write(part, part.name)
            return ExportFile(f"{name}.zip", content_type, archive_path.read_bytes())
        return ExportFile(target.name, content_type, target.read_bytes())
