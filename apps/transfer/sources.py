"""Read import files through GDAL: GeoJSON, KML/KMZ, GPX, zipped Shapefile, GeoPackage and CSV.

:func:`inspect_source` opens a file, lists its layers, fields and feature count and detects its
coordinate system; :func:`read_features` streams its features reprojected to WGS 84 by ``ogr2ogr``
(PostgreSQL COPY text on stdout, see :func:`read_records`), so a 50 MB file is never held in memory at
once.
"""

from __future__ import annotations

import csv
import re
import subprocess  # noqa: S404 - ogr2ogr is GDAL's own tool, called with an argument list
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import (
    GEOSException,
    GEOSGeometry,
    LineString,
    MultiLineString,
    MultiPolygon,
    Point,
    Polygon,
)
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.spatial import utm_srid
from apps.transfer import crs as crs_catalogue

SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".kmz": "KMZ", ".gpx": "GPX", ".zip": "ZIP",
            ".gpkg": "GPKG", ".csv": "CSV", ".shp": "ESRI Shapefile"}
# Members of a zip we can read, in order of preference.
ZIP_MEMBERS = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".gpx", ".csv")
CSV_OPEN_OPTIONS = (
    "X_POSSIBLE_NAMES=lon,lng,long,longitude,x,kinh_do,kinhdo",
    "Y_POSSIBLE_NAMES=lat,latitude,y,vi_do,vido",
    "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom",
    "KEEP_GEOM_COLUMNS=NO",
)
# A GPS track whose ends are this close is closed: it walks around a plot and becomes its boundary.
CLOSED_TRACK_TOLERANCE_M = 15.0
GPX_LAYERS_FOR_AREAS = ("tracks", "routes")
GPX_LAYERS_FOR_POINTS = ("waypoints",)


def max_bytes() -> int:
    return int(getattr(settings, "OCOP_IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def max_features() -> int:
    return int(getattr(settings, "OCOP_IMPORT_MAX_FEATURES", 100_000))


class SourceError(DomainError):
    default_code = "unreadable_file"


@dataclass
class SourceLayer:
    name: str
    feature_count: int
    srs_proj4: str = ""
    srs_name: str = ""


@dataclass
class SourceFile:
    """What GDAL found in a file: where to open it, its layers, fields and coordinate system."""

    path: Path
    gdal_path: str
    format: str
    layers: list[SourceLayer]
    fields: list[str]
    detected_crs: str | None  # a catalogue key; "file" = a system of the file's own, used as GDAL reads it
    open_options: tuple[str, ...] = ()

    @property
    def feature_count(self) -> int:
        return sum(layer.feature_count for layer in self.layers)

    def description(self) -> dict:
        """What :func:`inspect_source` found, as JSON (kept on the import job so a run need not open the file)."""
        return {"gdal_path": self.gdal_path, "format": self.format, "fields": self.fields,
                "detected_crs": self.detected_crs, "open_options": list(self.open_options),
                "layers": [{"name": layer.name, "feature_count": layer.feature_count, "srs_proj4": layer.srs_proj4,
                            "srs_name": layer.srs_name} for layer in self.layers]}

    @classmethod
    def from_description(cls, path: str | Path, description: dict) -> SourceFile:
        return cls(Path(path), description["gdal_path"], description["format"],
                   [SourceLayer(**layer) for layer in description["layers"]], list(description["fields"]),
                   description["detected_crs"], tuple(description["open_options"]))


@dataclass
class RawFeature:
    """One source feature in WGS 84: its 1-based position in the file, attributes and geometry."""

    index: int
    properties: dict
    geometry: GEOSGeometry | None
    layer: str = ""
    notes: list[str] = field(default_factory=list)
    error: DomainError | None = None  # the geometry could not be read


def _gdal_path(path: Path) -> tuple[str, str]:
    suffix = path.suffix.lower()
    kind = SUFFIXES.get(suffix)
    if kind is None:
        raise SourceError("unsupported_format", _("%(name)s: unsupported file type; use GeoJSON, KML, KMZ, GPX, "
                                                  "zipped Shapefile, GeoPackage or CSV.") % {"name": path.name},
                          field="file")
    if kind in ("ZIP", "KMZ"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = [name for name in archive.namelist() if not name.startswith("__MACOSX")]
        except zipfile.BadZipFile as exc:
            raise SourceError("unreadable_file", _("%(name)s is not a valid zip archive.") % {"name": path.name},
                              field="file") from exc
        wanted = (".kml",) if kind == "KMZ" else ZIP_MEMBERS
        for member_suffix in wanted:
            members = sorted(name for name in names if name.lower().endswith(member_suffix))
            if members:
                return f"/vsizip/{path}/{members[0]}", SUFFIXES.get(member_suffix, "KML")
        raise SourceError("unsupported_format", _("%(name)s holds no Shapefile, GeoPackage, GeoJSON, KML, GPX or "
                                                  "CSV file.") % {"name": path.name}, field="file")
    return str(path), kind


def _csv_fields(gdal_path: str, path: Path) -> tuple[list[str], int]:
    if gdal_path.startswith("/vsizip/"):
        archive_path, member = gdal_path[len("/vsizip/"):].split(".zip/", 1)
        with zipfile.ZipFile(archive_path + ".zip") as archive:
            text = archive.read(member).decode("utf-8-sig").splitlines()
    else:
        text = path.read_text(encoding="utf-8-sig").splitlines()
    rows = list(csv.reader(text))
    return (rows[0] if rows else []), max(len(rows) - 1, 0)


def inspect_source(path: str | Path, *, kind_is_areal: bool = True) -> SourceFile:
    """Open ``path`` with GDAL and describe it; refuse files over the size or feature limits."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes():
        raise SourceError("file_too_large", _("%(name)s is %(size)s MB; the limit is %(limit)s MB.")
                          % {"name": path.name, "size": round(size / 1024 / 1024, 1),
                             "limit": round(max_bytes() / 1024 / 1024)}, field="file")
    gdal_path, file_format = _gdal_path(path)
    if file_format == "CSV":
        fields, count = _csv_fields(gdal_path, path)
        layer_name = Path(gdal_path).stem
        source = SourceFile(path, gdal_path, file_format, [SourceLayer(layer_name, count)],
                            [name for name in fields if name.strip().lower() not in _csv_geometry_names()],
                            None, CSV_OPEN_OPTIONS)
    else:
        try:
            data_source = DataSource(gdal_path)
        except GDALException as exc:
            raise SourceError("unreadable_file", _("GDAL cannot read %(name)s: %(error)s")
                              % {"name": path.name, "error": exc}, field="file") from exc
        layers = [data_source[index] for index in range(len(data_source))]
        if file_format == "GPX":
            preferred = GPX_LAYERS_FOR_AREAS if kind_is_areal else GPX_LAYERS_FOR_POINTS
            chosen = [layer for name in preferred for layer in layers if layer.name == name and len(layer)]
            layers = chosen[:1] or [layer for layer in layers if len(layer)][:1]
        else:
            layers = [layer for layer in layers if len(layer)]
        found = []
        fields: list[str] = []
        for layer in layers:
            srs = layer.srs
            found.append(SourceLayer(layer.name, len(layer), srs.proj.strip() if srs else "", srs.name if srs else ""))
            fields += [name for name in layer.fields if name not in fields]
        detected = None
        if found and found[0].srs_proj4:
            detected = crs_catalogue.identify(found[0].srs_proj4, found[0].srs_name) or "file"
        source = SourceFile(path, gdal_path, file_format, found, fields, detected)
    if source.feature_count > max_features():
        raise SourceError("too_many_features", _("%(name)s has %(count)s features; the limit is %(limit)s.")
                          % {"name": path.name, "count": source.feature_count, "limit": max_features()},
                          field="file")
    if not source.feature_count:
        raise SourceError("no_features", _("%(name)s contains no features.") % {"name": path.name}, field="file")
    return source


def _csv_geometry_names() -> set[str]:
    names: set[str] = set()
    for option in CSV_OPEN_OPTIONS[:3]:
        names.update(option.split("=", 1)[1].split(","))
    return names


def source_system(source: SourceFile, crs_key: str | None) -> str | None:
    """The source system to give ogr2ogr (``-s_srs``), or ``None`` to use the file's own.

    The officer's choice wins; a detected VN-2000 system is replaced by our definition (with its shift
    to WGS 84); a file without a system and no choice is refused (``crs_required``).
    """
    if crs_key:
        return crs_catalogue.get(crs_key).proj
    if source.detected_crs in (None, ""):
        raise SourceError("crs_required", _("The file does not say which coordinate system it uses (no .prj): "
                                            "choose one."), field="crs")
    if source.detected_crs == "file":
        return None
    return crs_catalogue.get(source.detected_crs).proj


# ogr2ogr writes each layer as a PostgreSQL COPY block (PGDump driver, to stdout): one line per feature, the
# geometry as hex EWKB with every bit of the coordinates GDAL computed, attributes as text. Both import paths
# (per feature and set-based) read this same stream, so they see the same values and the same coordinates.
_GEOMETRY_COLUMN = "__ocop_geom"
_COPY_HEADER = re.compile(r'^COPY .*?\((.*)\) FROM STDIN;$')
_IDENTIFIER = re.compile(r'"((?:[^"]|"")*)"')
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_COPY_CHARACTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _ogr2ogr_command(source: SourceFile, layer: SourceLayer, s_srs: str | None) -> list[str]:
    command = ["ogr2ogr", "--config", "PG_USE_COPY", "YES", "-f", "PGDump", "/vsistdout/", source.gdal_path]
    for option in source.open_options:
        command += ["-oo", option]
    if source.format != "CSV":
        command.append(layer.name)
    if s_srs:
        command += ["-s_srs", s_srs]
    command += ["-t_srs", "EPSG:4326", "-dim", "XY", "-nln", "ocop_import"]
    for option in ("LAUNDER=NO", "CREATE_TABLE=OFF", "DROP_TABLE=OFF", "CREATE_SCHEMA=OFF", "SPATIAL_INDEX=NONE",
                   "FID=__ocop_fid", f"GEOMETRY_NAME={_GEOMETRY_COLUMN}"):
        command += ["-lco", option]
    return command


def _trailing_backslashes(text: str) -> int:
    return len(text) - len(text.rstrip("\\"))


def _unescape(match: re.Match) -> str:
    octal, hexadecimal, other = match.groups()
    if octal is not None:
        return chr(int(octal, 8))
    if hexadecimal is not None:
        return chr(int(hexadecimal, 16))
    return _COPY_CHARACTERS.get(other, other)


def copy_fields(line: str) -> list[str | None]:
    """Split one line of PostgreSQL COPY text into its values (``\\N`` is ``None``; escapes are undone)."""
    parts = line.split("\t")
    if "\\" not in line:
        return parts
    fields: list[str] = []
    for part in parts:
        # A tab written as backslash + tab belongs to the value: glue the pieces back together.
        if fields and _trailing_backslashes(fields[-1]) % 2:
            fields[-1] += "\t" + part
        else:
            fields.append(part)
    return [None if field == "\\N" else (_COPY_ESCAPE.sub(_unescape, field) if "\\" in field else field)
            for field in fields]


@dataclass
class RawRecord:
    """One source feature as ogr2ogr wrote it: position (1-based), attributes as text, hex EWKB (WGS 84) or None."""

    index: int
    layer: str
    properties: dict[str, str | None]
    geometry_hex: str | None


def _copy_records(stream, layer_name: str, start: int) -> Iterator[RawRecord]:
    columns: list[str] | None = None
    geometry_at = None
    index = start
    pending = ""
    for raw_line in stream:
        line = pending + raw_line.decode("utf-8")
        pending = ""
        if columns is None:
            header = _COPY_HEADER.match(line.rstrip("\n"))
            if header:
                columns = [name.replace('""', '"') for name in _IDENTIFIER.findall(header.group(1))]
                geometry_at = columns.index(_GEOMETRY_COLUMN) if _GEOMETRY_COLUMN in columns else None
            continue
        if line.endswith("\n"):
            if _trailing_backslashes(line[:-1]) % 2:  # an escaped newline inside a value
                pending = line
                continue
            line = line[:-1]
        if line == "\\.":
            columns = None
            continue
        values = copy_fields(line)
        index += 1
        geometry = values[geometry_at] if geometry_at is not None else None
        properties = {name: value for position, (name, value) in enumerate(zip(columns, values, strict=True))
                      if position != geometry_at}
        yield RawRecord(index, layer_name, properties, geometry)


def read_records(source: SourceFile, *, crs_key: str | None = None) -> Iterator[RawRecord]:
    """Yield every feature of ``source`` reprojected to WGS 84, in file order, as ogr2ogr wrote it."""
    s_srs = source_system(source, crs_key)
    index = 0
    for layer in source.layers:
        command = _ogr2ogr_command(source, layer, s_srs)
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
        try:
            for record in _copy_records(process.stdout, layer.name, index):
                index = record.index
                yield record
        finally:
            process.stdout.close()
            error = process.stderr.read().decode("utf-8", "replace")
            process.stderr.close()
            returncode = process.wait()
        if returncode != 0:
            raise SourceError("unreadable_file", _("GDAL cannot read %(name)s: %(error)s")
                              % {"name": source.path.name, "error": error.strip()[-300:]}, field="file")


def read_features(source: SourceFile, *, crs_key: str | None = None,
                  kind_is_areal: bool = True) -> Iterator[RawFeature]:
    """Yield every feature of ``source`` reprojected to WGS 84, in file order (1-based ``index``).

    For areas, a closed GPS track (ends within ``CLOSED_TRACK_TOLERANCE_M``) becomes a polygon.
    """
    for record in read_records(source, crs_key=crs_key):
        feature = RawFeature(record.index, record.properties, None, record.layer)
        if record.geometry_hex:
            try:
                geometry = geometry_from_hex(record.geometry_hex)
            except DomainError as error:
                feature.error = error
            else:
                feature.geometry = close_track(geometry, feature.notes) if kind_is_areal else geometry
        yield feature


def geometry_from_hex(geometry_hex: str) -> GEOSGeometry:
    """The GEOS geometry of a hex EWKB written by ogr2ogr, or ``unreadable`` when GEOS cannot read it."""
    try:
        return GEOSGeometry(geometry_hex, srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        from apps.common.geometry import GeometryError

        raise GeometryError("unreadable", _("The geometry cannot be read: %(error)s") % {"error": exc},
                            field="geometry") from exc


def _gap_m(line: LineString) -> float:
    start, end = Point(line.coords[0], srid=4326), Point(line.coords[-1], srid=4326)
    srid = utm_srid(start.x, start.y)
    return start.transform(srid, clone=True).distance(end.transform(srid, clone=True))


def close_track(geometry: GEOSGeometry, notes: list[str]) -> GEOSGeometry:
    """Turn closed lines (a walk around a plot) into polygons; leave anything else as it is."""
    if isinstance(geometry, LineString):
        lines = [geometry]
    elif isinstance(geometry, MultiLineString):
        lines = list(geometry)
    else:
        return geometry
    polygons = []
    for line in lines:
        if len(line.coords) < 4 or _gap_m(line) > CLOSED_TRACK_TOLERANCE_M:
            return geometry
        coords = list(line.coords)
        if coords[0] != coords[-1]:
            coords.append(coords[0])
        polygons.append(Polygon(coords, srid=4326))
    notes.append(_("A closed track was turned into an area."))
    return MultiPolygon(polygons, srid=4326) if len(polygons) > 1 else polygons[0]


def track_gap_m(geometry: GEOSGeometry) -> float | None:
    """How far apart the ends of a (first) track are, in metres, or ``None`` for other geometries."""
    if isinstance(geometry, MultiLineString):
        geometry = geometry[0]
    if isinstance(geometry, LineString) and len(geometry.coords) > 1:
        return _gap_m(geometry)
    return None
