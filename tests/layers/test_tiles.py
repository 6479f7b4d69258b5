"""Vector tiles: decoded features and attributes, empty tiles, caching headers, TileJSON."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.layers.registry import public_layers
from tests.layers.conftest import ORIGIN_LAT, ORIGIN_LON

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int, int]:
    """The XYZ tile containing a point (Web Mercator, y from the north)."""
    n = 2 ** zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return zoom, x, y


def decode(response) -> dict:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)


def test_a_zone_tile_holds_the_public_zones_with_their_styling_attributes(client, zones, codes):
    z, x, y = tile_of(ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12)
    layers = decode(client.get(f"/tiles/zones/{z}/{x}/{y}.mvt"))
    assert list(layers) == ["zones"]
    by_id = {feature["id"]: feature for feature in layers["zones"]["features"]}
    assert zones.active.id in by_id
    assert zones.proposed.id not in by_id
    assert zones.far.id not in by_id
    properties = by_id[zones.active.id]["properties"]
    assert properties == {"name": "Vùng cà phê A", "kind": "cultivation", "status": "active", "crop": "test-coffee",
                          "crop_name": "Cà phê thử", "area_ha": 120.5, "codes": "VN-DLOR-0001"}
    assert by_id[zones.active.id]["geometry"]["type"] == "Polygon"
    assert layers["zones"]["extent"] == 4096


def test_a_point_tile_places_the_sales_point_inside_the_tile(client, sales_points):
    z, x, y = tile_of(ORIGIN_LON, ORIGIN_LAT, 15)
    features = decode(client.get(f"/tiles/sales-points/{z}/{x}/{y}.mvt"))["sales-points"]["features"]
    centre = next(feature for feature in features if feature["id"] == sales_points.centre.id)
    assert centre["properties"]["kind"] == "centre_province"
    assert centre["properties"]["stars"] == 4
    px, py = centre["geometry"]["coordinates"]
    assert 0 <= px <= 4096 and 0 <= py <= 4096


def test_every_layer_renders_a_tile_in_one_query(client, registry_data):
    z, x, y = tile_of(ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 8)
    for layer in public_layers():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/tiles/{layer.id}/{z}/{x}/{y}.mvt")
        assert len(queries) == 1, layer.id
        assert layer.id in decode(response), layer.id


def test_an_empty_tile_is_204_without_a_body(client, zones):
    response = client.get("/tiles/zones/12/0/0.mvt")
    assert response.status_code == 204
    assert response.content == b""
    assert "max-age" in response["Cache-Control"]


def test_tiles_carry_an_etag_and_answer_304_when_it_matches(client, zones):
    z, x, y = tile_of(ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12)
    url = f"/tiles/zones/{z}/{x}/{y}.mvt"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and "public" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    zones.active.name = "Vùng đổi tên"
    zones.active.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_unknown_layers_and_impossible_tiles_are_404(client):
    assert client.get("/tiles/nothing/1/0/0.mvt").status_code == 404
    assert client.get("/tiles/zones/2/4/0.mvt").status_code == 404


def test_tilejson_describes_the_tile_url_bounds_and_fields(client, zones):
    document = client.get("/tiles/zones.json").json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"] == ["http://testserver/tiles/zones/{z}/{x}/{y}.mvt"]
    west, south, east, north = document["bounds"]
    assert west == pytest.approx(ORIGIN_LON) and south == pytest.approx(ORIGIN_LAT)
    assert east == pytest.approx(ORIGIN_LON + 1.01) and north == pytest.approx(ORIGIN_LAT + 0.01)
    layer = document["vector_layers"][0]
    assert layer["id"] == "zones"
    assert layer["fields"]["status"] == "String" and layer["fields"]["area_ha"] == "Number"
    assert "communes" not in layer["fields"]  # not needed for styling or popups
    assert client.get("/tiles/nothing.json").status_code == 404


def test_big_layers_are_grid_clusters_with_a_count_up_to_their_cluster_zoom(client, sales_points, zones):
    from apps.layers.registry import get_layer

    cluster_zoom = get_layer("sales-points").tile_cluster_max_zoom
    z, x, y = tile_of(ORIGIN_LON, ORIGIN_LAT, cluster_zoom)
    clusters = decode(client.get(f"/tiles/sales-points/{z}/{x}/{y}.mvt"))["sales-points"]["features"]
    assert sum(feature["properties"]["count"] for feature in clusters) == 2
    assert all(set(feature["properties"]) == {"count"} for feature in clusters)
    assert all(feature["geometry"]["type"] == "Point" for feature in clusters)

    z, x, y = tile_of(ORIGIN_LON, ORIGIN_LAT, cluster_zoom + 1)
    detailed = decode(client.get(f"/tiles/sales-points/{z}/{x}/{y}.mvt"))["sales-points"]["features"]
    assert {feature["id"] for feature in detailed} == {sales_points.centre.id, sales_points.booth.id}

    # Zones cluster on the point inside each of them: the public zones near the origin, not the far or proposed one.
    z, x, y = tile_of(ORIGIN_LON, ORIGIN_LAT, get_layer("zones").tile_cluster_max_zoom)
    zone_clusters = decode(client.get(f"/tiles/zones/{z}/{x}/{y}.mvt"))["zones"]["features"]
    assert sum(feature["properties"]["count"] for feature in zone_clusters) == 3


def test_cluster_counts_add_up_across_neighbouring_tiles(client, sales_points):
    """A cell never straddles two tiles: the four children of a tile count what their parent counts."""
    z, x, y = tile_of(ORIGIN_LON, ORIGIN_LAT, 9)
    parent = decode(client.get(f"/tiles/sales-points/{z}/{x}/{y}.mvt"))["sales-points"]["features"]
    children = 0
    for dx in (0, 1):
        for dy in (0, 1):
            response = client.get(f"/tiles/sales-points/{z + 1}/{2 * x + dx}/{2 * y + dy}.mvt")
            if response.status_code == 200:
                children += sum(feature["properties"]["count"]
                                for feature in decode(response)["sales-points"]["features"])
    assert sum(feature["properties"]["count"] for feature in parent) == children == 2


def test_tilejson_declares_where_clusters_end(client, sales_points):
    document = client.get("/tiles/sales-points.json").json()
    assert document["minzoom"] == 0
    assert document["cluster_maxzoom"] == 10
    assert document["vector_layers"][0]["fields"]["count"] == "Number"
    assert "count" not in client.get("/tiles/tourism-sites.json").json()["vector_layers"][0]["fields"]


def test_a_tile_is_served_past_sessions_users_and_csrf_with_the_stack_s_security_headers(client, zones):
    z, x, y = tile_of(ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12)
    response = client.get(f"/tiles/zones/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session") and not hasattr(response.wsgi_request, "user")
    assert not response.cookies
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"
    assert client.get(f"/tiles/no-such-layer/{z}/{x}/{y}.mvt").status_code == 404
    assert client.get("/tiles/zones.json").wsgi_request.session is not None  # TileJSON takes the usual stack
