"""Reads over the public layers: query parsing, GeoJSON features built in PostgreSQL, vector tiles, extents.

Features are rendered to JSON by PostgreSQL (``json_build_object`` + ``ST_AsGeoJSON(geom, 6)``) one row per
feature; Python only joins the rows, so a page of thousands of polygons never becomes Python objects.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Distance, MakeValid, SnapToGrid, Transform
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db import connection
from django.db.models import (
    BooleanField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext as _

from apps.common.spatial import KnnDistance
from apps.layers.expressions import (
    ArrayToString,
    AsJson,
    AsMVTGeom,
    CollectionExtract,
    JsonBuildObject,
    JsonText,
    Multi,
    SimplifyPreserveTopology,
    TileEnvelope,
)
from apps.layers.registry import AREAL, MIXED, POINT, Layer, LayerQueryError, Prop

WGS84 = 4326
WEB_MERCATOR = 3857
# Output precision: 6 decimals of a degree is about 0.1 m, what EUDR and GeoJSON practice ask for.
COORDINATE_PRECISION = 6
GRID = 10 ** -COORDINATE_PRECISION
TILE_EXTENT = 4096
TILE_BUFFER = 64
MAX_TILE_ZOOM = 22
MAX_RADIUS_M = 500_000
# Mean radius for the index pre-filter only (distances themselves are measured on the ellipsoid).
_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_EQUATOR = 111_320.0

RESERVED_PARAMETERS = {"bbox", "near", "radius", "limit", "offset", "simplify", "zoom", "datetime", "f", "format",
                       "lon", "lat", "k", "layer", "lang"}


@dataclass(frozen=True)
class LayerQuery:
    """What a client asked of a layer: spatial and property filters, simplification and the page."""

    bbox: Polygon | None = None
    near: Point | None = None
    radius_m: float | None = None
    filters: dict[str, str] = field(default_factory=dict)
    interval: tuple[datetime.date | None, datetime.date | None] | None = None
    simplify: float | None = None
    limit: int = 100
    offset: int = 0


# ---------------------------------------------------------------------------------------------- parsing
def _numbers(raw: str, count: int, name: str) -> list[float]:
    parts = [part.strip() for part in raw.split(",")]
    try:
        values = [float(part) for part in parts]
    except ValueError as exc:
        raise LayerQueryError("invalid_" + name, _("%(name)s must be %(count)d comma-separated numbers.")
                              % {"name": name, "count": count}, field=name) from exc
    if len(values) != count or not all(math.isfinite(value) for value in values):
        raise LayerQueryError("invalid_" + name, _("%(name)s must be %(count)d comma-separated numbers.")
                              % {"name": name, "count": count}, field=name)
    return values


def parse_bbox(raw: str) -> Polygon:
    """``minlon,minlat,maxlon,maxlat`` in WGS 84 (CRS84 axis order) → polygon."""
    min_lon, min_lat, max_lon, max_lat = _numbers(raw, 4, "bbox")
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise LayerQueryError("invalid_bbox", _("bbox must be minlon,minlat,maxlon,maxlat within the world, "
                                                "with min ≤ max."), field="bbox")
    return _bbox(min_lon, min_lat, max_lon, max_lat)


def _bbox(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Polygon:
    polygon = Polygon.from_bbox((min_lon, min_lat, max_lon, max_lat))
    polygon.srid = WGS84
    return polygon


def parse_point(raw: str, name: str = "near") -> Point:
    lon, lat = _numbers(raw, 2, name)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise LayerQueryError("invalid_" + name, _("%(name)s must be lon,lat in degrees.") % {"name": name},
                              field=name)
    return Point(lon, lat, srid=WGS84)


def parse_radius(raw: str | None) -> float:
    if raw in (None, ""):
        raise LayerQueryError("missing_radius", _("near needs a radius in metres."), field="radius")
    try:
        radius = float(raw)
    except ValueError as exc:
        raise LayerQueryError("invalid_radius", _("radius must be a number of metres."), field="radius") from exc
    if not (0 < radius <= MAX_RADIUS_M):
        raise LayerQueryError("invalid_radius", _("radius must be between 0 and %(max)d metres.")
                              % {"max": MAX_RADIUS_M}, field="radius")
    return radius


def _date(text: str) -> datetime.date | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    try:
        if "T" in text or " " in text:
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise LayerQueryError("invalid_datetime", _("datetime must be an RFC 3339 date, date-time or interval "
                                                    "(start/end, “..” for open)."), field="datetime") from exc


def parse_interval(raw: str) -> tuple[datetime.date | None, datetime.date | None]:
    """OGC ``datetime``: an instant, or ``start/end`` with ``..`` (or nothing) for an open end."""
    if "/" in raw:
        start, end = raw.split("/", 1)
        interval = (_date(start), _date(end))
    else:
        instant = _date(raw)
        interval = (instant, instant)
    if interval[0] and interval[1] and interval[0] > interval[1]:
        raise LayerQueryError("invalid_datetime", _("datetime interval starts after it ends."), field="datetime")
    return interval


def tolerance_for_zoom(zoom: int) -> float:
    """Half a 256-px pixel at ``zoom`` in degrees of longitude: what the eye cannot see at that zoom."""
    return 360.0 / (256 * 2 ** zoom) / 2


def parse_integer(raw: str, name: str, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise LayerQueryError("invalid_" + name, _("%(name)s must be a whole number.") % {"name": name},
                              field=name) from exc
    if not minimum <= value <= maximum:
        raise LayerQueryError("invalid_" + name, _("%(name)s must be between %(min)d and %(max)d.")
                              % {"name": name, "min": minimum, "max": maximum}, field=name)
    return value


def parse_layer_query(layer: Layer, params: Mapping[str, str], *, default_limit: int, max_limit: int,
                      strict: bool = True) -> LayerQuery:
    """Read query parameters into a :class:`LayerQuery`; raise :class:`LayerQueryError` on bad input.

    ``strict`` refuses unknown parameters (the GeoJSON API); OGC clients may send extras, which are ignored.
    """
    bbox = parse_bbox(params["bbox"]) if params.get("bbox") else None
    near = radius = None
    if params.get("near"):
        near = parse_point(params["near"])
        radius = parse_radius(params.get("radius"))
    simplify = None
    if params.get("simplify"):
        try:
            simplify = float(params["simplify"])
        except ValueError as exc:
            raise LayerQueryError("invalid_simplify", _("simplify must be a tolerance in degrees."),
                                  field="simplify") from exc
        if not 0 <= simplify <= 1:
            raise LayerQueryError("invalid_simplify", _("simplify must be between 0 and 1 degree."),
                                  field="simplify")
    elif params.get("zoom"):
        simplify = tolerance_for_zoom(parse_integer(params["zoom"], "zoom", 0, MAX_TILE_ZOOM))
    interval = None
    if params.get("datetime"):
        if layer.time_field is None:
            raise LayerQueryError("no_time", _("The layer %(layer)s has no time to filter by.")
                                  % {"layer": layer.id}, field="datetime")
        interval = parse_interval(params["datetime"])
    filters = {}
    for name, value in params.items():
        if name in RESERVED_PARAMETERS:
            continue
        if layer.filter(name) is not None:
            layer.filter(name).parse(value)  # refuse bad values here, before any query runs
            filters[name] = value
        elif strict:
            raise LayerQueryError("unknown_parameter", _("Unknown parameter %(name)s. This layer filters by: "
                                                         "%(names)s.") % {"name": name, "names": ", ".join(
                                                             item.name for item in layer.filters) or "—"},
                                  field=name)
    limit = parse_integer(params["limit"], "limit", 1, max_limit) if params.get("limit") else default_limit
    offset = parse_integer(params["offset"], "offset", 0, 10**9) if params.get("offset") else 0
    return LayerQuery(bbox=bbox, near=near, radius_m=radius, filters=filters, interval=interval,
                      simplify=simplify, limit=limit, offset=offset)


# ---------------------------------------------------------------------------------------------- queries
def _geography(expression: Expression) -> Cast:
    return Cast(expression, GeometryField(srid=WGS84, geography=True))


def _index_envelope(point: Point, radius_m: float) -> Polygon:
    """A lon/lat box surely containing the circle: only a pre-filter so the spatial index can help.

    Distances are then tested on the ellipsoid; the box is padded by 1 % plus a metre to stay conservative.
    """
    padded = radius_m * 1.01 + 1
    delta_lat = padded / _METRES_PER_DEGREE_LAT
    farthest_lat = min(89.9, abs(point.y) + delta_lat)
    delta_lon = min(180.0, padded / (_METRES_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(farthest_lat))))
    return _bbox(max(-180.0, point.x - delta_lon), max(-90.0, point.y - delta_lat),
                 min(180.0, point.x + delta_lon), min(90.0, point.y + delta_lat))


def filtered_queryset(layer: Layer, query: LayerQuery) -> QuerySet:
    """The layer's public rows matching the query, in a stable order (nearest first with ``near``)."""
    queryset = layer.base_queryset()
    for name, raw in query.filters.items():
        queryset = layer.filter(name).apply(queryset, raw)
    if query.bbox is not None:
        queryset = queryset.filter(layer.spatial_q("intersects", query.bbox))
    if query.interval is not None:
        start, end = query.interval
        if start is not None:
            queryset = queryset.filter(**{f"{layer.time_field}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{layer.time_field}__lte": end})
    if query.near is not None:
        queryset = (
            queryset.filter(layer.spatial_q("intersects", _index_envelope(query.near, query.radius_m)))
            .alias(_geography=_geography(layer.geometry_expression()))
            .filter(_geography__dwithin=(query.near, D(m=query.radius_m)))
        )
    return queryset


def output_geometry(layer: Layer, simplify: float | None = None) -> Expression:
    """The geometry as sent: simplified in the database when asked, and always valid and of the layer's type."""
    geometry = layer.geometry_expression()
    if simplify and layer.kind != POINT:
        geometry = SnapToGrid(SimplifyPreserveTopology(geometry, Value(simplify)), GRID)
        if layer.kind in (AREAL, MIXED):
            # Snapping can touch rings; MakeValid repairs, CollectionExtract drops slivers collapsed to lines.
            geometry = MakeValid(geometry)
        if layer.kind == AREAL:
            geometry = Multi(CollectionExtract(geometry, Value(3)))
    return geometry


def _distance_m(layer: Layer, location: Point) -> Distance:
    """Distance in metres on the WGS 84 ellipsoid (geography ``ST_Distance``, spheroid on)."""
    return Distance(_geography(layer.geometry_expression()),
                    _geography(Value(location, output_field=GeometryField(srid=WGS84))))


def _property_expression(prop: Prop) -> Expression:
    expression = prop.expression()
    if isinstance(expression, Q):
        return ExpressionWrapper(expression, output_field=BooleanField())
    return expression


def _feature_expression(layer: Layer, query: LayerQuery) -> Expression:
    properties = {prop.name: _property_expression(prop) for prop in layer.properties}
    if query.near is not None:
        properties["distance_m"] = Round(_distance_m(layer, query.near), 1)
    return JsonText(JsonBuildObject(
        type=Value("Feature"),
        id=F("pk"),
        geometry=AsJson(AsGeoJSON(output_geometry(layer, query.simplify), precision=COORDINATE_PRECISION)),
        properties=JsonBuildObject(**properties),
    ))


def _ordered(layer: Layer, queryset: QuerySet, query: LayerQuery) -> QuerySet:
    if query.near is not None:
        return queryset.order_by(_distance_m(layer, query.near), "pk")
    return queryset.order_by("pk")


def count_features(layer: Layer, query: LayerQuery) -> int:
    return filtered_queryset(layer, query).count()


def feature_page(layer: Layer, query: LayerQuery) -> list[str]:
    """One page of features, each already rendered to GeoJSON text by PostgreSQL."""
    queryset = _ordered(layer, filtered_queryset(layer, query), query)
    rows = queryset.annotate(_feature=_feature_expression(layer, query)).values_list("_feature", flat=True)
    return list(rows[query.offset:query.offset + query.limit])


def feature_by_id(layer: Layer, feature_id: str, *, simplify: float | None = None) -> str | None:
    """One public feature as GeoJSON text, or None (unknown, not public, or not a valid id)."""
    try:
        pk = int(feature_id)
    except (TypeError, ValueError):
        return None
    query = LayerQuery(simplify=simplify)
    return (
        layer.base_queryset().filter(pk=pk).annotate(_feature=_feature_expression(layer, query))
        .values_list("_feature", flat=True).first()
    )


def feature_collection_text(features: list[str], **members) -> str:
    """A FeatureCollection around pre-rendered features; ``members`` are small foreign members (JSON-encoded)."""
    import json

    head = {"type": "FeatureCollection", **members}
    encoded = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    return encoded[:-1] + ',"features":[' + ",".join(features) + "]}"


def spatial_extent(layer: Layer) -> tuple[float, float, float, float] | None:
    """The layer's bounding box (lon/lat), or None when it is empty."""
    from django.contrib.gis.db.models import Extent

    if layer.extent_field:
        return layer.base_queryset().aggregate(extent=Extent(layer.extent_field))["extent"]
    result = layer.base_queryset().annotate(_geometry=layer.geometry_expression()).aggregate(
        extent=Extent("_geometry"))
    return result["extent"]


def temporal_extent(layer: Layer) -> tuple[datetime.date | None, datetime.date | None] | None:
    if layer.time_field is None:
        return None
    result = layer.base_queryset().aggregate(start=Min(layer.time_field), end=Max(layer.time_field))
    return result["start"], result["end"]


# ------------------------------------------------------------------------------------------------ nearby
def nearest_features(layer: Layer, location: Point, *, k: int) -> list[str]:
    """The ``k`` features nearest to ``location``, nearest first, with their distance on the ellipsoid.

    One query (:func:`nearest_queryset`): the spatial index (KNN ``<->`` on lon/lat) picks twice ``k``
    candidates, rendered with their true ellipsoidal distance; they are re-ranked by it, so the planar
    distortion of degrees (about 2 % between the axes at Vietnam's latitudes) cannot change who is in the
    list in practice.
    """
    candidates = nearest_queryset(layer, location, k=k)
    return [feature for _distance, feature in sorted(candidates, key=lambda row: row[0])[:k]]


def nearest_queryset(layer: Layer, location: Point, *, k: int) -> QuerySet:
    """``(distance, feature JSON)`` rows of the ``2 k`` nearest candidates, in index (KNN) order."""
    if layer.kind != POINT or not isinstance(layer.geometry, str):
        raise LayerQueryError("not_a_point_layer", _("Nearest search works on point layers only."), field="layer")
    query = LayerQuery(near=location, radius_m=MAX_RADIUS_M)
    return (
        layer.base_queryset().order_by(KnnDistance(layer.geometry, location))
        .annotate(_distance=_distance_m(layer, location), _feature=_feature_expression(layer, query))
        .values_list("_distance", "_feature")[:k * 2]
    )


# ------------------------------------------------------------------------------------------------- tiles
def tile_bounds_valid(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_TILE_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z


def _tile_property(prop: Prop) -> Expression:
    expression = _property_expression(prop)
    if prop.type == "array":
        return ArrayToString(expression)
    if prop.type == "number":
        return Cast(expression, FloatField())
    if prop.type == "date":
        return Cast(expression, TextField())
    return expression


def tile_properties(layer: Layer) -> list[Prop]:
    return [prop for prop in layer.properties if prop.in_tiles]


def tile_query(layer: Layer, z: int, x: int, y: int) -> tuple[str, tuple]:
    """The single SQL statement (and its parameters) that renders one Mapbox Vector Tile of the layer.

    The rows are chosen and shaped by the ORM (index-assisted intersection with the tile envelope plus a
    buffer, ``ST_AsMVTGeom`` in Web Mercator); ``ST_AsMVT`` then aggregates them, with columns renamed to
    the public property names.
    """
    envelope = TileEnvelope(z, x, y)
    search_area = Transform(TileEnvelope(z, x, y, margin=TILE_BUFFER / TILE_EXTENT), WGS84)
    props = tile_properties(layer)
    columns = {
        "_c_geom": AsMVTGeom(Transform(layer.geometry_expression(), WEB_MERCATOR), envelope,
                             extent=TILE_EXTENT, buffer=TILE_BUFFER),
        "_c_fid": F("pk"),
    }
    columns.update({f"_c{index}": _tile_property(prop) for index, prop in enumerate(props)})
    rows = (
        layer.base_queryset().filter(layer.spatial_q("intersects", search_area)).order_by()
        .annotate(**columns).values(*columns)
    )
    inner_sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in ["geom", "fid", *(prop.name for prop in props)])
    sql = (
        f"SELECT ST_AsMVT(tile, %s, {TILE_EXTENT}, 'geom', 'fid') "  # noqa: S608 - constants and quoted names
        f"FROM ({inner_sql}) AS tile({names}) WHERE tile.geom IS NOT NULL"
    )
    return sql, (layer.id, *params)


def render_tile(layer: Layer, z: int, x: int, y: int) -> bytes:
    """The tile as MVT bytes (empty bytes when nothing is in it). One query."""
    sql, params = tile_query(layer, z, x, y)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
