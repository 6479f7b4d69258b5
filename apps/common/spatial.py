"""Small spatial query expressions that GeoDjango does not ship."""

from __future__ import annotations

from django.contrib.gis.db.models import GeometryField
from django.db.models import F, FloatField, Func, Value


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
