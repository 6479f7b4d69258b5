"""PostGIS functions GeoDjango does not ship, as query expressions (no SQL strings glued together)."""

from __future__ import annotations

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeomOutputGeoFunc
from django.db.models import Func, IntegerField, JSONField, TextField, Value


class SimplifyPreserveTopology(GeomOutputGeoFunc):
    """``ST_SimplifyPreserveTopology``: Douglas-Peucker that never produces an invalid polygon ring."""

    function = "ST_SimplifyPreserveTopology"
    geom_param_pos = (0,)


class CollectionExtract(GeomOutputGeoFunc):
    """``ST_CollectionExtract(geom, type)``: keep only points (1), lines (2) or polygons (3), as a multi-geometry."""

    function = "ST_CollectionExtract"
    geom_param_pos = (0,)


class Multi(GeomOutputGeoFunc):
    function = "ST_Multi"
    geom_param_pos = (0,)


class TileEnvelope(Func):
    """``ST_TileEnvelope(z, x, y, margin => m)``: the Web Mercator (EPSG:3857) square of an XYZ tile."""

    function = "ST_TileEnvelope"
    output_field = GeometryField(srid=3857)

    def __init__(self, z: int, x: int, y: int, *, margin: float = 0.0, **extra):
        super().__init__(Value(int(z)), Value(int(x)), Value(int(y)), **extra)
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


