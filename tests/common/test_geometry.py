import pytest

from apps.common.geometry import AREAL, POINT, GeometryError, normalize_geometry
from tests.common.geo import BMT, square


def test_a_bow_tie_is_repaired_into_valid_polygons_and_flagged():
    x, y = BMT
    bow_tie = f"POLYGON(({x} {y}, {x + 0.01} {y + 0.01}, {x + 0.01} {y}, {x} {y + 0.01}, {x} {y}))"
    result = normalize_geometry(bow_tie, kind=AREAL)
    assert result.is_repaired is True
    assert result.geometry.valid and result.geometry.geom_type == "MultiPolygon"
    assert len(result.geometry) == 2


@pytest.mark.parametrize(("geometry", "kind", "code"), [
    ("POLYGON((1 2, 3 4", AREAL, "unreadable"),
    ("not a geometry", AREAL, "unreadable"),
    ("POINT EMPTY", POINT, "empty"),
    (f"POINT({BMT[1]} {BMT[0]})", POINT, "swapped_coordinates"),
    ("POINT(100.5 13.75)", POINT, "outside_vietnam"),
    (f"LINESTRING({BMT[0]} {BMT[1]}, {BMT[0] + 0.1} {BMT[1]})", AREAL, "wrong_type"),
    (f"POLYGON(({BMT[0]} {BMT[1]}, {BMT[0] + 0.1} {BMT[1]}, {BMT[0]} {BMT[1]}))", AREAL, "unrepairable"),
])
def test_bad_geometries_are_refused_with_their_code(geometry, kind, code):
    with pytest.raises(GeometryError) as caught:
        normalize_geometry(geometry, kind=kind, field_name="geometry")
    assert caught.value.code == code
    assert caught.value.field == "geometry"


def test_a_single_point_multipoint_from_a_gps_app_is_read_as_a_point():
    result = normalize_geometry(f"MULTIPOINT(({BMT[0]} {BMT[1]}))", kind=POINT)
    assert result.geometry.geom_type == "Point"


def test_a_utm_geometry_is_transformed_to_wgs84_and_rings_are_counter_clockwise():
    utm = square(*BMT, 1000).transform(32649, clone=True)
    utm_clockwise = utm[0].clone()
    utm_clockwise.exterior_ring = list(reversed(utm_clockwise.exterior_ring.coords))
    result = normalize_geometry(utm_clockwise, kind=AREAL)
    assert result.geometry.srid == 4326
    import shapely

    assert shapely.from_wkb(bytes(result.geometry[0].wkb)).exterior.is_ccw
