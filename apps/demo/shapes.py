"""Plausible demo geometries: irregular plots that do not overlap, small offsets around a point.

These only *draw* shapes (metres are turned into degrees with the local scale of the latitude, which is
accurate to well under 1 % at a few kilometres); every area the platform shows is measured again by
the services on the ellipsoid.
"""

from __future__ import annotations

import math
import random

import shapely
from shapely.geometry import Polygon

METRES_PER_DEGREE = 111_320.0


def offset(lon: float, lat: float, *, distance_m: float, bearing: float) -> tuple[float, float]:
    """The point ``distance_m`` metres from (lon, lat) towards ``bearing`` (radians, 0 = east)."""
    dlat = distance_m * math.sin(bearing) / METRES_PER_DEGREE
    dlon = distance_m * math.cos(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lon + dlon, 6), round(lat + dlat, 6)


def jitter(rng: random.Random, lon: float, lat: float, *, max_m: float, min_m: float = 0.0) -> tuple[float, float]:
    """A random point between ``min_m`` and ``max_m`` metres from (lon, lat)."""
    distance = min_m + (max_m - min_m) * math.sqrt(rng.random())
    return offset(lon, lat, distance_m=distance, bearing=rng.uniform(0, 2 * math.pi))


def irregular_plot(rng: random.Random, lon: float, lat: float, *, area_ha: float) -> Polygon:
    """An irregular, simple polygon of roughly ``area_ha`` hectares centred near (lon, lat).

    A star-shaped ring: 7-13 vertices at sorted angles with radii varying ±35 %, so plots look drawn
    by hand rather than like circles; big areas (forests) get more vertices.
    """
    vertices = rng.randint(7, 10) if area_ha < 100 else rng.randint(11, 16)
    mean_radius = math.sqrt(area_ha * 10_000 / math.pi)
    step = 2 * math.pi / vertices
    start = rng.uniform(0, 2 * math.pi)
    angles = [start + index * step + rng.uniform(-0.3, 0.3) * step for index in range(vertices)]
    stretch = rng.uniform(0.7, 1.0)  # plots are often longer than wide
    ring = []
    for angle in angles:
        radius = mean_radius * rng.uniform(0.65, 1.35)
        east, north = radius * math.cos(angle), radius * math.sin(angle) * stretch
        ring.append(offset(lon, lat, distance_m=math.hypot(east, north), bearing=math.atan2(north, east)))
    polygon = Polygon(ring)
    if not polygon.is_valid:  # sorted angles give a star-shaped ring; this only guards rounding
        polygon = polygon.convex_hull
    return shapely.set_precision(polygon, 1e-6)


class PlotPlacer:
    """Places plots so that none overlaps (or touches within ``gap_m``) another placed plot."""

    def __init__(self, *, gap_m: float = 20.0):
        self.gap_degrees = gap_m / METRES_PER_DEGREE
        self.placed: list[Polygon] = []

    def place(self, rng: random.Random, lon: float, lat: float, *, area_ha: float, spread_m: float,
              attempts: int = 40) -> Polygon | None:
        """A plot within ``spread_m`` of (lon, lat) that clears every placed plot, or ``None``."""
        for attempt in range(attempts):
            centre_lon, centre_lat = jitter(rng, lon, lat, max_m=spread_m * (1 + attempt / 10))
            plot = irregular_plot(rng, centre_lon, centre_lat, area_ha=area_ha)
            grown = plot.buffer(self.gap_degrees)
            if not any(grown.intersects(other) for other in self.placed):
                self.placed.append(plot)
                return plot
        return None
