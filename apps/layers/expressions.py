"""PostGIS functions GeoDjango does not ship, as query expressions (no SQL strings glued together)."""

from __future__ import annotations

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeomOutputGeoFunc
from django.db.models import Expression, FloatField, Func, IntegerField, JSONField, TextField, Value


class Placeholder(Expression):
    """A parameter bound at execution time, so a statement can be compiled once and run many times.

    It compiles to ``%s`` with itself as the parameter; :func:`bind` swaps it for the value of the same name.
    The SQL text never contains a value, only the driver's placeholder.
    """

    def __init__(self, name: str, output_field=None):
        super().__init__(output_field=output_field or IntegerField())
        self.name = name

    def __repr__(self) -> str:
        return f"Placeholder({self.name!r})"

    def as_sql(self, compiler, connection):
        return "%s", [self]


def bind(params: tuple | list, values: dict) -> tuple:
    """The parameters of a compiled statement with every :class:`Placeholder` replaced by its value."""
    return tuple(values[param.name] if isinstance(param, Placeholder) else param for param in params)


def _as_expression(value) -> Expression:
    return value if hasattr(value, "resolve_expression") else Value(int(value))


class MakePoint(Func):
    """``ST_SetSRID(ST_MakePoint(x, y), srid)``: a point from two numbers (WGS 84 lon/lat unless told)."""

    template = "ST_SetSRID(ST_MakePoint(%(expressions)s), %(srid)s)"

    def __init__(self, x, y, *, srid: int = 4326, **extra):
        super().__init__(x, y, srid=int(srid), output_field=GeometryField(srid=srid), **extra)


class MakeEnvelope(Func):
    """``ST_MakeEnvelope(west, south, east, north, 4326)``: a lon/lat box from four (placeholder) numbers."""

    function = "ST_MakeEnvelope"
    output_field = GeometryField(srid=4326)

    def __init__(self, west, south, east, north, **extra):
        super().__init__(west, south, east, north, Value(4326), **extra)


class CoordinateX(Func):
    function = "ST_X"
    output_field = FloatField()


class CoordinateY(Func):
    function = "ST_Y"
    output_field = FloatField()


class Simplify(GeomOutputGeoFunc):
    """``ST_Simplify(geom, tolerance, true)``: Douglas-Peucker in liblwgeom, keeping features that would collapse.

    Much faster than ``ST_SimplifyPreserveTopology`` (no GEOS round trip) but it may, rarely, return an
    invalid polygon: callers check ``ST_IsValid`` and repair only those.
    """

    function = "ST_Simplify"
    geom_param_pos = (0,)

    def __init__(self, expression, tolerance, **extra):
        super().__init__(expression, tolerance, Value(True), **extra)


class CollectionExtract(GeomOutputGeoFunc):
    """``ST_CollectionExtract(geom, type)``: keep only points (1), lines (2) or polygons (3), as a multi-geometry."""

    function = "ST_CollectionExtract"
    geom_param_pos = (0,)


class Multi(GeomOutputGeoFunc):
    function = "ST_Multi"
    geom_param_pos = (0,)


class TileEnvelope(Func):
    """``ST_TileEnvelope(z, x, y, margin => m)``: the Web Mercator (EPSG:3857) square of an XYZ tile.

    ``z``, ``x``, ``y`` are integers or expressions (a :class:`Placeholder` for statements compiled once).
    """

    function = "ST_TileEnvelope"
    output_field = GeometryField(srid=3857)

    def __init__(self, z, x, y, *, margin: float = 0.0, **extra):
        super().__init__(_as_expression(z), _as_expression(x), _as_expression(y), **extra)
        self.margin = float(margin)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        if self.margin:
            # Named argument: PostGIS ≥ 3.1. The margin lets features just outside still reach the tile buffer.
            sql = f"{sql[:-1]}, margin => %s)"
            params = (*params, self.margin)
        return sql, params


class AsMVTGeom(Func):
    """``ST_AsMVTGeom(geom_3857, bounds, extent, buffer, clip)``: a geometry in tile coordinates."""

    function = "ST_AsMVTGeom"
    output_field = GeometryField(srid=0)

    def __init__(self, geometry, bounds, *, extent: int = 4096, buffer: int = 64, **extra):
        super().__init__(geometry, bounds, Value(extent, output_field=IntegerField()),
                         Value(buffer, output_field=IntegerField()), Value(True), **extra)


class ArrayToString(Func):
    function = "array_to_string"
    output_field = TextField()

    def __init__(self, array, separator: str = ",", **extra):
        super().__init__(array, Value(separator), **extra)


class JsonBuildObject(Func):
    """``json_build_object(key, value, ...)``: keys keep their order (unlike jsonb), values are any expressions."""

    function = "json_build_object"
    output_field = JSONField()

    def __init__(self, **pairs):
        arguments = []
        for key, value in pairs.items():
            arguments += [Value(key), value]
        super().__init__(*arguments)


class JsonText(Func):
    """Render a json/jsonb value as its text (what the client receives, byte for byte)."""

    template = "(%(expressions)s)::text"
    output_field = TextField()


class AsJson(Func):
    """Parse GeoJSON text from ``ST_AsGeoJSON`` into json, so it nests as an object rather than a string."""

    template = "(%(expressions)s)::json"
    output_field = TextField()


