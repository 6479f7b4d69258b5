"""Reads over the public layers: query parsing, GeoJSON features built in PostgreSQL, vector tiles, extents.

Features are rendered to JSON by PostgreSQL (``json_build_object`` + ``ST_AsGeoJSON(geom, 6)``) and joined there
too: a page arrives as one row (matched count, returned count, the features' text), so a page of thousands of
polygons never becomes Python objects. Statements run for every tile or nearby request are compiled once
(:class:`apps.layers.expressions.Placeholder` marks the per-request values).
"""

from __future__ import annotations

import datetime
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import (
    AsGeoJSON,
    Centroid,
    Distance,
    Envelope,
    GeometryDistance,
    IsValid,
    MakeValid,
    SnapToGrid,
    Transform,
)
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
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
    When,
)
from django.db.models.functions import Cast, Ln, Radians, Round, Tan
from django.utils.translation import gettext as _

from apps.layers.expressions import (
    ArrayToString,
    AsJson,
    AsMVTGeom,
    CollectionExtract,
    CoordinateX,
    CoordinateY,
    JsonBuildObject,
    JsonText,
    MakeEnvelope,
    MakePoint,
    Multi,
    Placeholder,
    Simplify,
    TileEnvelope,
    bind,
)
from apps.layers.registry import AREAL, LINEAR, POINT, Layer, LayerQueryError, Prop, get_layer

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
    """The geometry as sent: simplified in the database when asked, and always valid and of the layer's type.

    Simplification snaps to the 6-decimal output grid first, then runs Douglas-Peucker (``ST_Simplify``,
    collapsed parts kept): the kept vertices are grid vertices, so rounding in ``ST_AsGeoJSON`` moves
    nothing. ``ST_Simplify`` can (rarely) make a polygon self-intersect, so polygons are checked with
    ``ST_IsValid`` and only the invalid ones are repaired (``ST_MakeValid`` on every row costs more than
    the simplification saves).
    """
    geometry = layer.geometry_expression()
    if not simplify or layer.kind == POINT:
        return geometry
    simplified = Simplify(SnapToGrid(geometry, GRID), Value(float(simplify)))
    if layer.kind == LINEAR:
        return simplified
    repaired = MakeValid(simplified)
    if layer.kind == AREAL:
        # CollectionExtract drops the slivers a repair may collapse to lines; Multi keeps the declared type.
        repaired = Multi(CollectionExtract(repaired, Value(3)))
    return Case(When(IsValid(simplified), then=simplified), default=repaired,
                output_field=GeometryField(srid=WGS84))


def _distance_m(layer: Layer, location: Point | Expression) -> Distance:
    """Distance in metres on the WGS 84 ellipsoid (geography ``ST_Distance``, spheroid on)."""
    if isinstance(location, Point):
        location = Value(location, output_field=GeometryField(srid=WGS84))
    return Distance(_geography(layer.geometry_expression()), _geography(location))


def _property_expression(prop: Prop) -> Expression:
    expression = prop.expression()
    if isinstance(expression, Q):
        return ExpressionWrapper(expression, output_field=BooleanField())
    return expression


def _feature_expression(layer: Layer, *, simplify: float | None = None,
                        distance: Expression | None = None) -> Expression:
    properties = {prop.name: _property_expression(prop) for prop in layer.properties}
    if distance is not None:
        properties["distance_m"] = Round(distance, 1)
    return JsonText(JsonBuildObject(
        type=Value("Feature"),
        id=F("pk"),
        geometry=AsJson(AsGeoJSON(output_geometry(layer, simplify), precision=COORDINATE_PRECISION)),
        properties=JsonBuildObject(**properties),
    ))


def _ordering(layer: Layer, query: LayerQuery) -> list[Expression]:
    if query.near is not None:
        return [_distance_m(layer, query.near), F("pk")]
    return [F("pk")]


def count_features(layer: Layer, query: LayerQuery) -> int:
    return filtered_queryset(layer, query).count()


@dataclass(frozen=True)
class FeaturePage:
    """A page of features rendered by PostgreSQL: ``features`` is the comma-separated Feature objects."""

    matched: int
    returned: int
    features: str


def _aggregate_statement(rows: QuerySet, order_count: int, matched: QuerySet | None = None) -> tuple[str, tuple]:
    """Wrap ``rows`` (values: feature text, then ``order_count`` sort keys) into one row of one statement.

    The row is ``(matched, returned, features)``: the number of rows of ``matched`` (None when not asked),
    how many features the page has and the features joined with commas in page order, so Python receives
    two numbers and one string however many features there are.
    """
    page_sql, page_params = rows.query.sql_with_params()
    keys = [f"o{index}" for index in range(order_count)]
    params: tuple = ()
    matched_sql = "NULL"
    if matched is not None:
        count_sql, params = matched.order_by().values("pk").query.sql_with_params()
        matched_sql = f"(SELECT count(*) FROM ({count_sql}) AS matched)"  # noqa: S608 - compiled by the ORM
    sql = (
        f"SELECT {matched_sql}, count(*), coalesce(string_agg(page.feature, ',' ORDER BY "  # noqa: S608 - as above
        f"{', '.join(f'page.{key}' for key in keys)}), '') "
        f"FROM ({page_sql}) AS page(feature, {', '.join(keys)})"
    )
    return sql, (*params, *page_params)


def feature_page_statement(layer: Layer, query: LayerQuery) -> tuple[str, tuple]:
    """The one SQL statement that counts the matching features and renders one page of them."""
    filtered = filtered_queryset(layer, query)
    ordering = _ordering(layer, query)
    keys = {f"_o{index}": expression for index, expression in enumerate(ordering)}
    distance = _distance_m(layer, query.near) if query.near is not None else None
    rows = (
        filtered.annotate(**keys).order_by(*keys)
        .annotate(_feature=_feature_expression(layer, simplify=query.simplify, distance=distance))
        .values_list("_feature", *keys)[query.offset:query.offset + query.limit]
    )
    return _aggregate_statement(rows, len(keys), matched=filtered)


def feature_page(layer: Layer, query: LayerQuery) -> FeaturePage:
    """One page of features (already GeoJSON text) and how many match in all, in one query."""
    sql, params = feature_page_statement(layer, query)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        matched, returned, features = cursor.fetchone()
    return FeaturePage(matched=matched, returned=returned, features=features)


def feature_by_id(layer: Layer, feature_id: str, *, simplify: float | None = None) -> str | None:
    """One public feature as GeoJSON text, or None (unknown, not public, or not a valid id)."""
    try:
        pk = int(feature_id)
    except (TypeError, ValueError):
        return None
    return (
        layer.base_queryset().filter(pk=pk).annotate(_feature=_feature_expression(layer, simplify=simplify))
        .values_list("_feature", flat=True).first()
    )


def feature_collection_text(features: str | list[str], **members) -> str:
    """A FeatureCollection around pre-rendered features; ``members`` are small foreign members (JSON-encoded).

    ``features`` is a list of Feature texts or those texts already joined with commas.
    """
    head = {"type": "FeatureCollection", **members}
    encoded = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    joined = features if isinstance(features, str) else ",".join(features)
    return encoded[:-1] + ',"features":[' + joined + "]}"


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
#: How many index-ordered candidates per wanted feature are re-ranked by their distance on the ellipsoid.
NEAREST_CANDIDATES_PER_RESULT = 2


@dataclass(frozen=True)
class NearestFeatures:
    """The nearest features, nearest first: ``features`` is the comma-separated Feature objects."""

    count: int
    features: str


@functools.lru_cache(maxsize=512)
def _nearest_statement(layer_id: str, k: int) -> tuple[str, tuple]:
    """The compiled nearest-``k`` statement of a layer; ``lon`` and ``lat`` are placeholders.

    The spatial index (KNN ``<->`` on lon/lat) picks ``2 k`` candidates — an index scan that stops after
    ``2 k`` rows — and only those get their distance measured on the ellipsoid, are re-ranked by it and cut
    to ``k``; the Feature JSON is built for those ``k`` rows only. Twice ``k`` candidates absorb the planar
    distortion of degrees (about 2 % between the axes at Vietnam's latitudes).
    """
    layer = get_layer(layer_id)
    origin = MakePoint(Placeholder("lon", FloatField()), Placeholder("lat", FloatField()))
    candidates = (
        layer.base_queryset().order_by(GeometryDistance(layer.geometry, origin))
        .values("pk")[:k * NEAREST_CANDIDATES_PER_RESULT]
    )
    distance = _distance_m(layer, origin)
    rows = (
        layer.base_queryset().filter(pk__in=candidates).annotate(_o0=distance, _o1=F("pk")).order_by("_o0", "_o1")
        .annotate(_feature=_feature_expression(layer, distance=F("_o0")))
        .values_list("_feature", "_o0", "_o1")[:k]
    )
    return _aggregate_statement(rows, 2)


def nearest_statement(layer: Layer, location: Point, *, k: int) -> tuple[str, tuple]:
    """The SQL and parameters :func:`nearest_features` runs (compiled once per layer and ``k``)."""
    if layer.kind != POINT or not isinstance(layer.geometry, str):
        raise LayerQueryError("not_a_point_layer", _("Nearest search works on point layers only."), field="layer")
    sql, params = _nearest_statement(layer.id, k)
    return sql, bind(params, {"lon": float(location.x), "lat": float(location.y)})


def nearest_features(layer: Layer, location: Point, *, k: int) -> NearestFeatures:
    """The ``k`` features of a point layer nearest to ``location``, nearest first, with ``distance_m``.

    ``distance_m`` is measured on the WGS 84 ellipsoid; one query (:func:`nearest_statement`).
    """
    sql, params = nearest_statement(layer, location, k=k)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        _matched, count, features = cursor.fetchone()
    return NearestFeatures(count=count, features=features)


# ------------------------------------------------------------------------------------------------- tiles
#: Clusters are counted on a grid of this many cells per tile side (64 cells of 64 of the 4096 units).
TILE_CLUSTER_CELLS = 64
#: Half the width of the Web Mercator square, and the sphere's radius it projects, in metres.
WEB_MERCATOR_HALF_WIDTH = 20_037_508.342789244
WEB_MERCATOR_RADIUS = 6_378_137.0


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


def is_clustered(layer: Layer, z: int) -> bool:
    """Whether tiles of ``layer`` at zoom ``z`` carry grid clusters (a point and a count) instead of features."""
    return layer.tile_cluster_max_zoom is not None and z <= layer.tile_cluster_max_zoom


def _mvt_statement(layer: Layer, rows: QuerySet, names: list[str], *, with_id: bool) -> tuple[str, tuple]:
    """``ST_AsMVT`` over ``rows`` (geometry first), with the columns renamed to the public ``names``."""
    inner_sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in names)
    feature_id = ", 'fid'" if with_id else ""
    sql = (
        f"SELECT ST_AsMVT(tile, %s, {TILE_EXTENT}, 'geom'{feature_id}) "  # noqa: S608 - constants and quoted names
        f"FROM ({inner_sql}) AS tile({columns}) WHERE tile.geom IS NOT NULL"
    )
    return sql, (layer.id, *params)


@functools.cache
def _tile_statement(layer_id: str, clustered: bool) -> tuple[str, tuple]:
    """The compiled tile statement of a layer (the tile's numbers are placeholders, bound by :func:`tile_query`).

    Features: rows chosen by the ORM (index-assisted intersection with the tile envelope plus a buffer),
    shaped by ``ST_AsMVTGeom`` in Web Mercator. Clusters: each row's representative point (the point, or
    the centroid of a line or area) inside the tile, grouped on a grid aligned with the tile edges, one
    point per cell at the mean of its members, with ``count``.
    """
    layer = get_layer(layer_id)
    z, x, y = Placeholder("z"), Placeholder("x"), Placeholder("y")
    envelope = TileEnvelope(z, x, y)
    if not clustered:
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
        return _mvt_statement(layer, rows, ["geom", "fid", *(prop.name for prop in props)], with_id=True)
    # Clusters. The ORM picks the rows through the index (bounding boxes overlap the tile) and gives each its
    # representative point in Web Mercator, by the projection's formula from lon/lat (cheaper than
    # ST_Transform on every row); for lines and areas the point is the centre of the bounding box, read
    # from the stored box without walking the vertices.
    representative = layer.geometry_expression()
    if layer.kind != POINT:
        representative = Centroid(Envelope(representative))
    lon, lat = CoordinateX(representative), CoordinateY(representative)
    west, south, east, north = (Placeholder(name, FloatField()) for name in ("west", "south", "east", "north"))
    rows = (
        layer.base_queryset().filter(layer.spatial_q("bboverlaps", MakeEnvelope(west, south, east, north)))
        .order_by()
        .values(_x=lon * Value(WEB_MERCATOR_HALF_WIDTH / 180),
                _y=Ln(Tan(Radians(Value(45.0) + lat / Value(2.0)))) * Value(WEB_MERCATOR_RADIUS))
    )
    inner_sql, inner_params = rows.query.sql_with_params()
    # Then, on two numbers per row: keep the points inside the tile, count them per cell of a grid counted
    # from the world's north-west corner — cell edges fall on tile edges, so a cell never straddles two tiles
    # and counts agree from tile to tile and zoom to zoom — and place each cluster at its members' mean.
    half = repr(WEB_MERCATOR_HALF_WIDTH)
    sql = (
        f"SELECT ST_AsMVT(tile, %s, {TILE_EXTENT}, 'geom') FROM ("  # noqa: S608 - constants and compiled ORM SQL
        f"SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(avg(point.x), avg(point.y)), {WEB_MERCATOR}), "
        f"ST_TileEnvelope(%s, %s, %s), {TILE_EXTENT}, 0, true) AS geom, count(*)::integer AS count "
        # OFFSET 0 keeps the subquery a subquery: each point is computed once, not again in every expression.
        f"FROM ({inner_sql} OFFSET 0) AS point(x, y) "
        f"WHERE point.x >= %s AND point.x < %s AND point.y > %s AND point.y <= %s "
        f"GROUP BY floor((point.x + {half}) / %s), floor(({half} - point.y) / %s)"
        f") AS tile WHERE tile.geom IS NOT NULL"
    )
    cell = Placeholder("cell", FloatField())
    min_x, max_x, min_y, max_y = (Placeholder(name, FloatField()) for name in ("min_x", "max_x", "min_y", "max_y"))
    return sql, (layer.id, z, x, y, *inner_params, min_x, max_x, min_y, max_y, cell, cell)


def _tile_bounds(z: int, x: int, y: int) -> dict[str, float]:
    """The tile's Web Mercator square and its lon/lat box (the box is padded a little for the index)."""
    width = 2 * WEB_MERCATOR_HALF_WIDTH / 2 ** z
    min_x, max_y = -WEB_MERCATOR_HALF_WIDTH + x * width, WEB_MERCATOR_HALF_WIDTH - y * width
    max_x, min_y = min_x + width, max_y - width

    def latitude(mercator_y: float) -> float:
        return math.degrees(2 * math.atan(math.exp(mercator_y / WEB_MERCATOR_RADIUS)) - math.pi / 2)

    pad = 1e-9
    return {"min_x": min_x, "min_y": min_y, "max_x": max_x, "max_y": max_y,
            "west": min_x / WEB_MERCATOR_HALF_WIDTH * 180 - pad, "east": max_x / WEB_MERCATOR_HALF_WIDTH * 180 + pad,
            "south": latitude(min_y) - pad, "north": latitude(max_y) + pad,
            "cell": width / TILE_CLUSTER_CELLS}


def tile_query(layer: Layer, z: int, x: int, y: int) -> tuple[str, tuple]:
    """The single SQL statement (and its parameters) that renders one Mapbox Vector Tile of the layer."""
    clustered = is_clustered(layer, z)
    sql, params = _tile_statement(layer.id, clustered)
    values = {"z": z, "x": x, "y": y}
    if clustered:
        values.update(_tile_bounds(z, x, y))
    return sql, bind(params, values)


def render_tile(layer: Layer, z: int, x: int, y: int) -> bytes:
    """The tile as MVT bytes (empty bytes when nothing is in it). One query."""
    sql, params = tile_query(layer, z, x, y)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
