"""The GeoJSON API: shapes, filters, bbox and distance, pagination, rounding and simplification."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon

from apps.layers.registry import public_layers
from tests.layers.conftest import ORIGIN_LAT, ORIGIN_LON, here

pytestmark = pytest.mark.django_db

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563


def meridian_distance(lat1: float, lat2: float) -> float:
    """Metres along a meridian between two latitudes on the WGS 84 ellipsoid (Simpson's rule on M(φ))."""
    e2 = WGS84_F * (2 - WGS84_F)

    def radius(phi: float) -> float:
        return WGS84_A * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5

    a, b = math.radians(lat1), math.radians(lat2)
    steps = 100
    h = (b - a) / steps
    total = radius(a) + radius(b) + sum((4 if i % 2 else 2) * radius(a + i * h) for i in range(1, steps))
    return abs(total * h / 3)


def features(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()["features"]


def names(response) -> list[str]:
    return [feature["properties"]["name"] for feature in features(response)]


def test_index_lists_every_public_layer_with_its_three_interfaces(client):
    body = client.get("/api/v1/layers/").json()
    assert [layer["id"] for layer in body["layers"]] == [layer.id for layer in public_layers()]
    zones = body["layers"][0]
    assert zones["title_vi"] == "Vùng nguyên liệu"
    assert zones["links"]["geojson"].endswith("/api/v1/layers/zones/")
    assert zones["links"]["ogc"].endswith("/ogc/collections/zones")
    assert zones["links"]["tilejson"].endswith("/tiles/zones.json")
    assert "status" in zones["filters"]


def test_index_links_each_layer_to_its_sld_style_and_names_its_detail_page(client):
    body = client.get("/api/v1/layers/").json()
    by_id = {layer["id"]: layer for layer in body["layers"]}
    for layer_id, layer in by_id.items():
        assert layer["links"]["style_sld"] == f"http://testserver/maps/styles/{layer_id}.sld"
    style = client.get(by_id["zones"]["links"]["style_sld"])
    assert style.status_code == 200
    assert style["Content-Type"].startswith("application/vnd.ogc.sld+xml")
    assert by_id["zones"]["detail_url"] == "/places/zones/{id}/"
    assert by_id["communes"]["detail_url"] is None


def test_zone_list_is_a_feature_collection_with_stable_ids_and_no_proposed_zone(client, zones, codes):
    response = client.get("/api/v1/layers/zones/")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == 4
    by_id = {feature["id"]: feature for feature in features(response)}
    assert set(by_id) == {zones.active.id, zones.suspended.id, zones.revoked.id, zones.far.id}
    active = by_id[zones.active.id]
    assert active["type"] == "Feature"
    assert active["geometry"]["type"] == "MultiPolygon"
    assert active["properties"] == {
        "name": "Vùng cà phê A", "kind": "cultivation", "status": "active", "crop": "test-coffee",
        "crop_name": "Cà phê thử", "area_ha": 120.5, "codes": ["VN-DLOR-0001"],
        "communes": [zones.active.communes.get().code],
    }


def test_zone_detail_returns_one_feature_and_404_for_a_proposed_zone(client, zones):
    response = client.get(f"/api/v1/layers/zones/{zones.active.id}/")
    assert response["Content-Type"] == "application/geo+json"
    assert response.json()["id"] == zones.active.id
    assert response.json()["properties"]["name"] == "Vùng cà phê A"
    assert client.get(f"/api/v1/layers/zones/{zones.proposed.id}/").status_code == 404
    assert client.get("/api/v1/layers/zones/999999/").status_code == 404


def test_bbox_keeps_features_that_intersect_it_and_drops_the_others(client, zones):
    # Zones are 0.01° squares at +0, +0.02, +0.04…: this box ends just before the second one.
    bbox = f"{ORIGIN_LON - 0.001},{ORIGIN_LAT},{ORIGIN_LON + 0.019},{ORIGIN_LAT + 0.005}"
    assert names(client.get("/api/v1/layers/zones/", {"bbox": bbox})) == ["Vùng cà phê A"]
    touching = f"{ORIGIN_LON + 0.005},{ORIGIN_LAT},{ORIGIN_LON + 0.025},{ORIGIN_LAT + 0.005}"
    assert sorted(names(client.get("/api/v1/layers/zones/", {"bbox": touching}))) == ["Vùng cà phê A",
                                                                                     "Vùng cà phê B"]


def test_a_malformed_bbox_is_refused_with_a_code(client):
    response = client.get("/api/v1/layers/zones/", {"bbox": "108,12,107"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_bbox"
    assert client.get("/api/v1/layers/zones/", {"bbox": "109,12,108,13"}).json()["code"] == "invalid_bbox"


def test_near_measures_on_the_ellipsoid_and_excludes_a_point_just_outside_the_radius(client, sales_points):
    from apps.outlets.models import SalesPoint

    # Due north of the origin: 0.009° ≈ 995.5 m (inside 1,000 m) and 0.0091° ≈ 1,006.5 m (just outside).
    inside = SalesPoint.objects.create(name="Bên trong", kind="market_booth", location=here(0, 0.009))
    SalesPoint.objects.create(name="Bên ngoài", kind="market_booth", location=here(0, 0.0091))
    expected_inside = meridian_distance(ORIGIN_LAT, ORIGIN_LAT + 0.009)
    assert 990 < expected_inside < 1000 < meridian_distance(ORIGIN_LAT, ORIGIN_LAT + 0.0091)

    response = client.get("/api/v1/layers/sales-points/", {"near": f"{ORIGIN_LON},{ORIGIN_LAT}", "radius": "1000"})
    found = {feature["properties"]["name"]: feature["properties"]["distance_m"] for feature in features(response)}
    assert set(found) == {"Trung tâm OCOP tỉnh", "Gian hàng siêu thị", "Bên trong"}
    assert found["Trung tâm OCOP tỉnh"] == 0
    assert found["Bên trong"] == pytest.approx(expected_inside, abs=0.2)
    assert names(response)[-1] == "Bên trong"  # nearest first
    assert inside.id in [feature["id"] for feature in features(response)]


def test_near_without_a_radius_is_refused(client):
    response = client.get("/api/v1/layers/sales-points/", {"near": f"{ORIGIN_LON},{ORIGIN_LAT}"})
    assert response.status_code == 400
    assert response.json() == {"code": "missing_radius", "message": response.json()["message"], "field": "radius"}


@pytest.mark.parametrize(("params", "expected"), [
    ({"kind": "harvesting"}, ["Vùng mật ong"]),
    ({"status": "active"}, ["Vùng cà phê A", "Vùng xa"]),
    ({"status": "suspended,revoked"}, ["Vùng cà phê B", "Vùng mật ong"]),
    ({"code": "VN-DLOR-0001"}, ["Vùng cà phê A", "Vùng cà phê B"]),
    ({"crop": "test-coffee", "kind": "cultivation", "status": "active"}, ["Vùng cà phê A", "Vùng xa"]),
    ({"producer": "htx-ca-phe-thu"}, ["Vùng cà phê A"]),
])
def test_zone_filters(client, zones, codes, params, expected):
    assert sorted(names(client.get("/api/v1/layers/zones/", params))) == expected


def test_commune_filter_counts_a_zone_once_even_with_several_communes(client, zones, communes):
    zones.active.communes.add(communes.second)
    response = client.get("/api/v1/layers/zones/", {"commune": f"{communes.first.code},{communes.second.code}"})
    assert sorted(names(response)) == ["Vùng cà phê A", "Vùng cà phê B", "Vùng mật ong", "Vùng xa"]
    assert response.json()["count"] == 4


def test_sales_point_filters_by_product_industry_and_current_stars(client, sales_points, products, communes):
    url = "/api/v1/layers/sales-points/"
    assert names(client.get(url, {"product": products.basket.id})) == ["Gian hàng siêu thị"]
    assert names(client.get(url, {"industry": "test-food"})) == ["Trung tâm OCOP tỉnh"]  # via its group
    assert names(client.get(url, {"stars": "4"})) == ["Trung tâm OCOP tỉnh"]
    assert names(client.get(url, {"min_stars": "5"})) == []  # the 5-star certificate has expired
    assert names(client.get(url, {"kind": "supermarket_booth"})) == ["Gian hàng siêu thị"]
    assert names(client.get(url, {"commune": communes.second.code})) == ["Gian hàng siêu thị"]
    by_name = {feature["properties"]["name"]: feature["properties"] for feature in features(client.get(url))}
    assert by_name["Trung tâm OCOP tỉnh"]["stars"] == 4
    assert by_name["Gian hàng siêu thị"]["stars"] is None


def test_unknown_and_invalid_filters_are_refused_naming_the_parameter(client):
    response = client.get("/api/v1/layers/zones/", {"colour": "red"})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"
    assert response.json()["field"] == "colour"
    assert "status" in response.json()["message"]
    response = client.get("/api/v1/layers/sales-points/", {"stars": "many"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_filter")


def test_growing_area_codes_are_the_union_of_their_zones_and_revoked_codes_stay_visible(client, codes, zones):
    response = client.get("/api/v1/layers/growing-area-codes/")
    by_code = {feature["properties"]["code"]: feature for feature in features(response)}
    assert set(by_code) == {"VN-DLOR-0001", "VN-DLOR-0002"}  # VN-DLOR-0003 has no zone
    assert by_code["VN-DLOR-0002"]["properties"]["status"] == "revoked"
    union = GEOSGeometry(json.dumps(by_code["VN-DLOR-0001"]["geometry"]), srid=4326)
    assert union.geom_type == "MultiPolygon"
    assert union.area == pytest.approx((zones.active.geometry | zones.suspended.geometry).area)
    assert by_code["VN-DLOR-0001"]["properties"]["zone_count"] == 2
    assert by_code["VN-DLOR-0001"]["properties"]["issue_date"] == "2023-05-10"
    dated = client.get("/api/v1/layers/growing-area-codes/", {"datetime": "2024-01-01/.."})
    assert [feature["properties"]["code"] for feature in features(dated)] == ["VN-DLOR-0002"]
    assert client.get("/api/v1/layers/zones/", {"datetime": "2024"}).json()["code"] == "no_time"


def test_every_layer_answers_with_its_features(client, registry_data):
    for layer in public_layers():
        response = client.get(f"/api/v1/layers/{layer.id}/", {"limit": 1})
        body = response.json()
        assert body["count"] >= 1, layer.id
        assert len(features(response)) == 1
        feature_id = body["features"][0]["id"]
        detail = client.get(f"/api/v1/layers/{layer.id}/{feature_id}/")
        assert detail.json()["id"] == feature_id


def test_pagination_links_walk_through_every_feature_once(client, zones):
    seen = []
    url = "/api/v1/layers/zones/?limit=3"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [feature["id"] for feature in body["features"]]
        url = body["next"]
        pages += 1
    assert pages == 2
    assert sorted(seen) == sorted({zones.active.id, zones.suspended.id, zones.revoked.id, zones.far.id})
    second = client.get("/api/v1/layers/zones/", {"limit": 3, "offset": 3}).json()
    assert second["next"] is None
    assert "offset=0" in second["previous"] and "limit=3" in second["previous"]
    assert client.get("/api/v1/layers/zones/", {"limit": 5000}).json()["code"] == "invalid_limit"


def test_coordinates_are_rounded_to_six_decimals(client, crop):
    from apps.zones.models import RawMaterialZone

    x, y = 108.123456789, 12.987654321
    zone = RawMaterialZone.objects.create(name="Làm tròn", kind="cultivation", crop=crop, status="active",
                                          area_ha=Decimal(1), geometry=MultiPolygon(Polygon.from_bbox(
                                              (x, y, x + 0.01, y + 0.01)), srid=4326))
    body = client.get(f"/api/v1/layers/zones/{zone.id}/").json()
    ring = body["geometry"]["coordinates"][0][0]
    assert [108.123457, 12.987654] in ring
    for lon, lat in ring:
        assert round(lon, 6) == lon and round(lat, 6) == lat


@pytest.fixture
def jagged_zone(crop):
    """A comb: a square with 200 deep, narrow teeth — naive simplification would cross its own edges."""
    from apps.zones.models import RawMaterialZone

    x0, y0 = ORIGIN_LON, ORIGIN_LAT + 0.5
    top = []
    for index in range(200):
        left = x0 + index * 0.0005
        top += [(left, y0 + 0.05), (left + 0.00025, y0 + 0.05), (left + 0.00025, y0 + 0.0101),
                (left + 0.0005, y0 + 0.0101)]
    ring = [(x0, y0), (x0 + 0.1, y0), *reversed(top), (x0, y0)]
    polygon = Polygon(ring, srid=4326)
    assert polygon.valid
    return RawMaterialZone.objects.create(name="Răng lược", kind="cultivation", crop=crop, status="active",
                                          area_ha=Decimal(1), geometry=MultiPolygon(polygon, srid=4326))


@pytest.fixture
def bump_with_hole(crop):
    """A square whose top edge has a low bump, and a hole reaching up into the bump.

    Douglas-Peucker at 0.008° flattens the bump but keeps the hole, which then crosses the shell: the one
    kind of polygon that simplification breaks and that the API must repair.
    """
    from apps.zones.models import RawMaterialZone

    x0, y0 = ORIGIN_LON, ORIGIN_LAT + 1.0
    shell = [(x0, y0), (x0 + 0.1, y0), (x0 + 0.1, y0 + 0.1), (x0 + 0.08, y0 + 0.1), (x0 + 0.07, y0 + 0.106),
             (x0 + 0.03, y0 + 0.106), (x0 + 0.02, y0 + 0.1), (x0, y0 + 0.1), (x0, y0)]
    hole = [(x0 + 0.035, y0 + 0.09), (x0 + 0.035, y0 + 0.105), (x0 + 0.065, y0 + 0.105), (x0 + 0.065, y0 + 0.09),
            (x0 + 0.035, y0 + 0.09)]
    polygon = Polygon(shell, hole, srid=4326)
    assert polygon.valid
    return RawMaterialZone.objects.create(name="Vùng có lỗ", kind="cultivation", crop=crop, status="active",
                                          area_ha=Decimal("90"), geometry=MultiPolygon(polygon, srid=4326))


def test_simplification_repairs_a_polygon_it_breaks(client, bump_with_hole):
    from django.contrib.gis.db.models.functions import IsValid
    from django.db.models import F, Value

    from apps.layers.expressions import Simplify
    from apps.zones.models import RawMaterialZone

    plainly_simplified = RawMaterialZone.objects.filter(pk=bump_with_hole.pk).annotate(
        valid=IsValid(Simplify(F("geometry"), Value(0.008)))).values_list("valid", flat=True).get()
    assert plainly_simplified is False  # the case really needs the repair

    listed = {feature["id"]: feature["geometry"]
              for feature in features(client.get("/api/v1/layers/zones/", {"simplify": "0.008"}))}
    repaired = GEOSGeometry(json.dumps(listed[bump_with_hole.id]), srid=4326)
    assert repaired.geom_type == "MultiPolygon"
    assert repaired.valid, repaired.valid_reason
    assert repaired.area == pytest.approx(bump_with_hole.geometry.area, rel=0.05)


@pytest.mark.parametrize("params", [{"simplify": "0.002"}, {"simplify": "0.02"}, {"zoom": "8"}, {"zoom": "10"}])
def test_simplification_happens_in_the_database_and_keeps_geometries_valid(client, jagged_zone, params):
    original = client.get(f"/api/v1/layers/zones/{jagged_zone.id}/").json()["geometry"]
    listed = [feature for feature in features(client.get("/api/v1/layers/zones/", params))
              if feature["id"] == jagged_zone.id][0]["geometry"]
    simplified = GEOSGeometry(json.dumps(listed), srid=4326)
    assert simplified.geom_type == "MultiPolygon"
    assert simplified.valid, simplified.valid_reason
    assert not simplified.empty
    assert simplified.num_coords < GEOSGeometry(json.dumps(original)).num_coords
    for lon, lat in simplified.coords[0][0]:
        assert round(lon, 6) == lon and round(lat, 6) == lat


def test_simplification_leaves_points_alone_and_rejects_nonsense(client, sales_points):
    assert len(features(client.get("/api/v1/layers/sales-points/", {"simplify": "0.1"}))) == 2
    assert client.get("/api/v1/layers/zones/", {"simplify": "abc"}).json()["code"] == "invalid_simplify"
    assert client.get("/api/v1/layers/zones/", {"zoom": "40"}).json()["code"] == "invalid_zoom"


def test_communes_fall_back_to_centroids_until_boundaries_are_loaded(client, communes):
    body = client.get("/api/v1/layers/communes/", {"code": communes.first.code}).json()
    assert body["count"] == 1
    assert body["features"][0]["geometry"]["type"] == "Point"
    assert body["features"][0]["properties"]["has_boundary"] is False
    communes.first.boundary = MultiPolygon(Polygon.from_bbox((108.0, 12.6, 108.1, 12.7)), srid=4326)
    communes.first.save()
    body = client.get("/api/v1/layers/communes/", {"code": communes.first.code}).json()
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert body["features"][0]["properties"]["has_boundary"] is True
    districts = client.get("/api/v1/layers/legacy-districts/", {"limit": 1000}).json()
    assert districts["count"] >= 15
    assert {feature["properties"]["era"] for feature in districts["features"]} == {"legacy"}


def test_nearby_returns_the_k_nearest_sales_points_nearest_first_with_true_distances(client, sales_points):
    from apps.outlets.models import SalesPoint

    SalesPoint.objects.create(name="Xa hơn", kind="market_booth", location=here(0, 0.05))
    response = client.get("/api/v1/nearby/", {"lon": ORIGIN_LON, "lat": ORIGIN_LAT + 0.0001, "k": 2})
    body = response.json()
    assert response["Content-Type"] == "application/geo+json"
    assert body["count"] == 2
    assert names(response) == ["Trung tâm OCOP tỉnh", "Gian hàng siêu thị"]
    first = body["features"][0]["properties"]["distance_m"]
    assert first == pytest.approx(meridian_distance(ORIGIN_LAT, ORIGIN_LAT + 0.0001), abs=0.1)


def test_nearby_refuses_a_missing_point_a_bad_k_and_an_areal_layer(client):
    assert client.get("/api/v1/nearby/", {"lon": "108"}).status_code == 400
    assert client.get("/api/v1/nearby/", {"lon": 108, "lat": 12, "k": 0}).json()["code"] == "invalid_k"
    assert client.get("/api/v1/nearby/", {"lon": 108, "lat": 12, "layer": "zones"}).json()["code"] == "invalid_layer"


def test_nearby_can_search_another_point_layer(client, registry_data):
    response = client.get("/api/v1/nearby/", {"lon": ORIGIN_LON, "lat": ORIGIN_LAT, "layer": "tourism-sites"})
    assert names(response) == ["Buôn Akô Dhông", "Thác Dray Nur"]


def test_openapi_schema_documents_every_layer_with_its_filters(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    for layer in public_layers():
        operation = schema["paths"][f"/api/v1/layers/{layer.id}/"]["get"]
        parameters = {parameter["name"] for parameter in operation["parameters"]}
        assert {"bbox", "near", "radius", "limit", "offset", "simplify", "zoom"} <= parameters
        assert {item.name for item in layer.filters} <= parameters
        assert ("datetime" in parameters) == (layer.time_field is not None)
        assert f"/api/v1/layers/{layer.id}/{{id}}/" in schema["paths"]
    assert "/api/v1/nearby/" in schema["paths"]
