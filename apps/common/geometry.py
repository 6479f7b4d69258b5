"""The one place where incoming geometries are validated and normalised.

Every geometry that enters the platform (forms, API, imports, loaders) goes through
:func:`normalize_geometry`. It returns a GEOS geometry in EPSG:4326, 2D, valid, with polygon rings
in the right-hand-rule orientation (exterior counter-clockwise, as GeoJSON RFC 7946 asks), or raises
:class:`GeometryError` whose ``code`` names the problem:

- ``unreadable``: not WKT/EWKT/GeoJSON/HEX, or coordinates that are not finite numbers;
- ``empty``: no coordinates;
- ``wrong_type``: e.g. a line where an area is expected;
- ``unrepairable``: invalid and repair gives nothing of the expected type;
- ``swapped_coordinates``: looks like latitude/longitude in the wrong order;
- ``outside_vietnam``: not within Vietnam's extent (including Hoàng Sa and Trường Sa).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point, Polygon
from django.utils.translation import gettext as _
from shapely import wkb as shapely_wkb
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity, make_valid

from apps.common.errors import DomainError

WGS84 = 4326
# lon/lat extent of Vietnam's mainland, islands, Hoàng Sa and Trường Sa, with a small margin.
VIETNAM_EXTENT = (102.0, 7.0, 118.0, 23.5)

AREAL = "areal"
POINT = "point"
LINEAR = "linear"
ANY = "any"


class GeometryError(DomainError):
    default_code = "invalid_geometry"


@dataclass
class NormalizedGeometry:
    geometry: GEOSGeometry
    is_repaired: bool = False
    notes: list[str] = field(default_factory=list)


def _in_extent(bounds: tuple[float, float, float, float], extent=VIETNAM_EXTENT) -> bool:
    minx, miny, maxx, maxy = bounds
    return extent[0] <= minx and maxx <= extent[2] and extent[1] <= miny and maxy <= extent[3]


def _all_finite(shape: shapely.Geometry) -> bool:
    import numpy

    return bool(numpy.isfinite(shapely.get_coordinates(shape)).all())


def _to_shapely(geometry: GEOSGeometry) -> shapely.Geometry:
    return shapely_wkb.loads(bytes(geometry.wkb))


def _to_geos(geometry: shapely.Geometry) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely_wkb.dumps(geometry)), srid=WGS84)


def _polygons_of(geometry: shapely.Geometry) -> list[shapely.Polygon]:
    if isinstance(geometry, shapely.Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, shapely.MultiPolygon | shapely.GeometryCollection):
        parts: list[shapely.Polygon] = []
        for part in geometry.geoms:
            parts.extend(_polygons_of(part))
        return parts
    return []


def normalize_geometry(
    geometry: GEOSGeometry | str | dict,
    *,
    kind: str = ANY,
    field_name: str = "geometry",
    check_extent: bool = True,
) -> NormalizedGeometry:
    """Validate ``geometry`` and return it normalised for storage (EPSG:4326, 2D, valid, oriented).

    ``kind`` is ``areal`` (returns a MultiPolygon), ``point`` (a Point), ``linear`` (a LineString or
    MultiLineString) or ``any``. A GEOS geometry with another SRID is transformed to 4326 first;
    a string is read as WKT/EWKT/GeoJSON/HEX; a dict as GeoJSON.
    """
    if isinstance(geometry, dict):
        import json

        geometry = json.dumps(geometry)
    if isinstance(geometry, str):
        try:
            geometry = GEOSGeometry(geometry)
        except (ValueError, TypeError, GEOSException) as exc:
            raise GeometryError("unreadable", _("The geometry cannot be read: %(error)s") % {"error": exc},
                                field=field_name) from exc
    if geometry.empty:
        raise GeometryError("empty", _("The geometry has no coordinates."), field=field_name)
    if geometry.srid and geometry.srid != WGS84:
        geometry = geometry.transform(WGS84, clone=True)
    try:
        shape = _to_shapely(geometry)
    except (ValueError, GEOSException) as exc:
        raise GeometryError("unreadable", _("The geometry cannot be read: %(error)s") % {"error": exc},
                            field=field_name) from exc
    if shape.is_empty:
        raise GeometryError("empty", _("The geometry has no coordinates."), field=field_name)
    if not _all_finite(shape):
        raise GeometryError("unreadable", _("The geometry has coordinates that are not numbers."), field=field_name)
    if shapely.get_coordinate_dimension(shape) > 2:
        shape = shapely.force_2d(shape)

    notes: list[str] = []
    is_repaired = False
    if not shape.is_valid:
        reason = explain_validity(shape)
        repaired = make_valid(shape)
        if kind == AREAL:
            polygons = _polygons_of(repaired)
            repaired = shapely.MultiPolygon(polygons) if polygons else shapely.MultiPolygon()
        if repaired.is_empty or not repaired.is_valid:
            raise GeometryError(
                "unrepairable",
                _("The geometry is invalid (%(reason)s) and cannot be repaired.") % {"reason": reason},
                field=field_name,
                reason=reason,
            )
        notes.append(_("Repaired: %(reason)s") % {"reason": reason})
        shape, is_repaired = repaired, True

    if check_extent and not _in_extent(shape.bounds):
        minx, miny, maxx, maxy = shape.bounds
        if _in_extent((miny, minx, maxy, maxx)):
            raise GeometryError(
                "swapped_coordinates",
                _("The coordinates look like latitude, longitude in the wrong order: "
                  "longitude comes first (e.g. 108.05, 12.68)."),
                field=field_name,
            )
        raise GeometryError(
            "outside_vietnam",
            _("The geometry lies outside Vietnam (bounds %(bounds)s).")
            % {"bounds": ", ".join(f"{value:.4f}" for value in shape.bounds)},
            field=field_name,
        )

    if kind == AREAL:
        polygons = _polygons_of(shape)
        if not polygons:
            raise GeometryError("wrong_type", _("An area (polygon) is expected here, not a %(type)s.")
                                % {"type": shape.geom_type}, field=field_name)
        shape = shapely.MultiPolygon([orient(polygon, sign=1.0) for polygon in polygons])
    elif kind == POINT:
        if isinstance(shape, shapely.MultiPoint) and len(shape.geoms) == 1:  # GPS apps often export MultiPoint
            shape = shape.geoms[0]
        if not isinstance(shape, shapely.Point):
            raise GeometryError("wrong_type", _("A point is expected here, not a %(type)s.")
                                % {"type": shape.geom_type}, field=field_name)
    elif kind == LINEAR and not isinstance(shape, shapely.LineString | shapely.MultiLineString):
        raise GeometryError("wrong_type", _("A line is expected here, not a %(type)s.")
                            % {"type": shape.geom_type}, field=field_name)

    return NormalizedGeometry(_to_geos(shape), is_repaired=is_repaired, notes=notes)


def point(lon: float, lat: float) -> Point:
    """Return a WGS 84 point from longitude and latitude."""
    return Point(float(lon), float(lat), srid=WGS84)


def bbox_polygon(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Polygon:
    return Polygon.from_bbox((min_lon, min_lat, max_lon, max_lat))


__all__ = ["GeometryError", "MultiPolygon", "NormalizedGeometry", "normalize_geometry", "point", "bbox_polygon"]
