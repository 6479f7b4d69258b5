"""Small spatial query expressions that GeoDjango does not ship, and metric helpers (never degrees)."""

from __future__ import annotations

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import F, FloatField, Func, Value
from django.db.models.functions import Cast


class KnnDistance(Func):
    """PostGIS ``<->`` distance, for index-assisted nearest-neighbour ordering (KNN).

    Order by it to let the GiST index return the nearest rows first; compute true distances on the
    ellipsoid separately (``Distance`` on geography) for the rows you keep.
    """

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()

    def __init__(self, field_name: str, geometry, **extra):
        super().__init__(F(field_name), Value(geometry, output_field=GeometryField(srid=geometry.srid)), **extra)


def geography(expression) -> Cast:
    """Cast a geometry expression (field name or expression) to geography, to measure on the ellipsoid."""
    return Cast(expression, GeometryField(srid=4326, geography=True))


def geometry_value(geometry: GEOSGeometry) -> Value:
    """A GEOS geometry as a query value, for use inside GeoDjango functions."""
    return Value(geometry, output_field=GeometryField(srid=geometry.srid or 4326))


def utm_srid(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 / UTM zone containing ``lon, lat`` (Vietnam: 32648-32650)."""
    zone = min(max(int((lon + 180) // 6) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def metric_buffer(geometry: GEOSGeometry, metres: float) -> GEOSGeometry:
    """Buffer a WGS 84 geometry by ``metres``, in the UTM zone of its centroid (not in degrees)."""
    centroid = geometry.centroid
    projected = geometry.transform(utm_srid(centroid.x, centroid.y), clone=True)
    buffered = projected.buffer(metres, quadsegs=16)
    return buffered.transform(4326, clone=True)
