"""Geometry builders for tests, measured independently of the code under test (in UTM metres)."""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

UTM_49N = 32649
# Buôn Ma Thuột, in Đắk Lắk.
BMT = (108.0500, 12.6700)
# Hà Nội: in Vietnam, far outside Đắk Lắk.
HANOI = (105.8500, 21.0300)


def utm_point(lon: float, lat: float) -> Point:
    return Point(lon, lat, srid=4326).transform(UTM_49N, clone=True)


def square(lon: float, lat: float, side_m: float, *, dx_m: float = 0.0, dy_m: float = 0.0) -> MultiPolygon:
    """A square of ``side_m`` metres drawn in UTM 49N with its south-west corner at (lon, lat) + (dx, dy) m.

    Its area is exactly ``side_m²`` in the projection (1 km × 1 km = 100 ha); the ellipsoidal area
    differs by the UTM scale factor (≤ 0.1 % near Đắk Lắk).
    """
    origin = utm_point(lon, lat)
    x, y = origin.x + dx_m, origin.y + dy_m
    ring = [(x, y), (x + side_m, y), (x + side_m, y + side_m), (x, y + side_m), (x, y)]
    polygon = Polygon(ring, srid=UTM_49N)
    return MultiPolygon(polygon.transform(4326, clone=True), srid=4326)


def offset_point(lon: float, lat: float, *, dx_m: float = 0.0, dy_m: float = 0.0) -> Point:
    origin = utm_point(lon, lat)
    return Point(origin.x + dx_m, origin.y + dy_m, srid=UTM_49N).transform(4326, clone=True)
