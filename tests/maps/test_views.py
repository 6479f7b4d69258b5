import json
import re

import pytest
from django.test import override_settings

from apps.layers.registry import public_layers
from tests.maps.conftest import point_at
from tests.maps.test_styles import parse_xml

pytestmark = pytest.mark.django_db


def _config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="map-config" type="application/json">') + len(
        '<script id="map-config" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def test_the_map_page_configures_every_public_layer_with_its_style_and_data_url(client):
    response = client.get("/map/")
    assert response.status_code == 200
    html = response.content.decode()
    config = _config(response)
    assert [layer["id"] for layer in config["layers"]] == [layer.id for layer in public_layers()]
    for layer in config["layers"]:
        assert layer["url"] == f"/api/v1/layers/{layer['id']}/"
        assert layer["style"]["layer"] == layer["id"]
        assert layer["sldUrl"] == f"/maps/styles/{layer['id']}.sld"
        assert f'data-layer="{layer["id"]}"' in html
        assert f'<section class="legend" data-layer="{layer["id"]}">' in html


def test_popups_link_to_the_detail_page_the_registry_declares_and_each_page_exists(client, make_producer):
    """The registry is the one list of detail-page templates; every one fills to a page that answers."""
    from django.urls import resolve

    producer = make_producer("HTX Cà phê Ea Kao", location=point_at(east_m=100))
    by_id = {layer["id"]: layer for layer in _config(client.get("/map/"))["layers"]}
    for layer in public_layers():
        assert by_id[layer.id]["detailUrl"] == layer.detail_url
        if layer.detail_url is None:
            continue
        placeholders = set(re.findall(r"\{(\w+)\}", layer.detail_url))
        assert placeholders <= {"id"} | {prop.name for prop in layer.properties}, layer.id
        filled = re.sub(r"\{\w+\}", "1" if placeholders == {"id"} else "some-slug", layer.detail_url)
        assert resolve(filled).namespace == "maps", layer.id
    producer_page = by_id["producers"]["detailUrl"].replace("{slug}", producer.slug)
    assert client.get(producer_page).status_code == 200


def test_the_map_page_serves_leaflet_and_clustering_locally_and_no_cdn(client):
    html = client.get("/map/").content.decode()
    assert "/static/leaflet/leaflet.js" in html
    assert "/static/leaflet/leaflet.css" in html
    assert "/static/leaflet-markercluster/leaflet.markercluster-src.js" in html
    for script_or_link in [part for part in html.split("<") if part.startswith(("script src", "link rel"))]:
        assert "//" not in script_or_link.split("src=")[-1].split("href=")[-1][:3]
        assert "http" not in script_or_link


def test_the_clustering_plugin_is_served_by_our_static_files(client):
    from django.contrib.staticfiles import finders

    assert finders.find("leaflet-markercluster/leaflet.markercluster-src.js")
    assert finders.find("leaflet-markercluster/MarkerCluster.Default.css")
    # The minified script names a source map the package does not ship: production's manifest would refuse it.
    assert finders.find("leaflet-markercluster/leaflet.markercluster.js") is None
    assert finders.find("leaflet-markercluster/leaflet.markercluster-src.js", find_all=True)


@override_settings(BASEMAP_TILE_URL="")
def test_the_map_page_works_without_a_base_map(client):
    config = _config(client.get("/map/"))
    assert config["tileUrl"] == ""
    assert len(config["layers"]) == len(public_layers())


def test_the_map_page_is_vietnamese_by_default_and_english_on_request(client):
    assert "Vùng nguyên liệu" in client.get("/map/").content.decode()
    english = client.get("/map/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Raw-material zones" in english and 'lang="en"' in english


def test_administrative_boundaries_start_hidden_until_boundaries_are_loaded(client):
    config = _config(client.get("/map/"))
    communes = next(layer for layer in config["layers"] if layer["id"] == "communes")
    assert communes["visible"] is False


def test_the_sld_of_a_layer_is_served_next_to_it(client):
    response = client.get("/maps/styles/sales-points.sld")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.ogc.sld+xml")
    root = parse_xml(response.content)
    assert root.find("{http://www.opengis.net/sld}NamedLayer/{http://www.opengis.net/sld}Name").text == "sales-points"


def test_an_unknown_layer_has_no_style(client):
    assert client.get("/maps/styles/nothing.sld").status_code == 404
    assert client.get("/maps/styles/nothing.json").status_code == 404


def test_the_style_json_carries_the_legend(client):
    data = client.get("/maps/styles/zones.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["layer"] == "zones"
    assert "Cultivation area" in data["legend"]


# ------------------------------------------------------------------------------------------------- search
def test_search_by_name_ignores_diacritics(client, make_producer, make_sales_point):
    make_producer("HTX Cà phê Đắk Lắk", location=point_at(east_m=500))
    make_sales_point("Điểm bán Buôn Đôn", point_at(north_m=800))
    results = client.get("/map/search/", {"q": "ca phe dak lak"}).json()["results"]
    assert [hit["label"] for hit in results] == ["HTX Cà phê Đắk Lắk"]
    assert results[0]["url"].startswith("/places/producers/")
    results = client.get("/map/search/", {"q": "BUON DON"}).json()["results"]
    assert results[0]["label"] == "Điểm bán Buôn Đôn" and results[0]["layer"] == "sales-points"


def test_a_growing_area_code_jumps_to_its_zone(client, make_zone, issue_code):
    zone = make_zone("Vùng sầu riêng Ea Kly", side_m=400)
    code = issue_code([zone], code="VN-DLOR-0042")
    results = client.get("/map/search/", {"q": "vn-dlor-0042"}).json()["results"]
    hit = results[0]
    assert hit["label"] == code.code and hit["is_code_match"] is True
    assert hit["url"] == f"/places/zones/{zone.pk}/"
    extent = zone.geometry.extent
    assert hit["bbox"] == pytest.approx(list(extent))


def test_a_packing_facility_code_jumps_to_the_facility(client, make_packing_facility):
    facility = make_packing_facility(code="VN-DLPH-0007")
    hit = client.get("/map/search/", {"q": "VN-DLPH-0007"}).json()["results"][0]
    assert hit["url"] == f"/places/packing-facilities/{facility.pk}/"
    assert (hit["lon"], hit["lat"]) == pytest.approx((facility.location.x, facility.location.y))


def test_an_empty_search_finds_nothing(client):
    assert client.get("/map/search/", {"q": "  "}).json() == {"results": []}


# ------------------------------------------------------------------------------------------- place pages
def test_the_producer_page_lists_its_products_with_stars_and_has_a_small_map(client, make_producer, make_product,
                                                                             rate):
    producer = make_producer("HTX Cà phê Ea Tu", location=point_at(east_m=200))
    product = make_product("Cà phê bột Ea Tu", producer)
    rate(product, 4)
    response = client.get(f"/places/producers/{producer.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "HTX Cà phê Ea Tu" in html and "Cà phê bột Ea Tu" in html and "★★★★" in html
    assert f'href="/places/products/{product.slug}/"' in html
    config = _config(response)
    assert config["features"][0]["geometry"]["coordinates"] == pytest.approx([producer.location.x,
                                                                               producer.location.y])
    assert "producers" in config["styles"]


def test_the_product_page_links_to_where_it_is_sold(client, make_producer, make_product, make_sales_point):
    producer = make_producer(location=point_at(east_m=200))
    product = make_product("Mật ong rừng Yok Đôn", producer)
    point = make_sales_point("Trung tâm OCOP tỉnh", point_at(north_m=900), kind="centre_province",
                             products=[product])
    html = client.get(f"/places/products/{product.slug}/").content.decode()
    assert f'href="/places/sales-points/{point.pk}/"' in html
    assert f'href="/places/producers/{producer.slug}/"' in html


def test_the_zone_page_shows_its_codes_area_and_polygon(client, make_zone, issue_code):
    zone = make_zone("Vùng cà phê Cư M'gar", side_m=500)
    code = issue_code([zone])
    response = client.get(f"/places/zones/{zone.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert code.code in html and f"/places/growing-area-codes/{code.pk}/" in html
    shown = re.search(r"<dt>Area</dt><dd>([\d.]+) ha</dd>", html)
    zone.refresh_from_db()
    assert float(shown.group(1)) == pytest.approx(float(zone.area_ha), abs=0.006)
    assert 24.9 < float(zone.area_ha) < 25.1  # 500 m × 500 m
    assert _config(response)["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_a_proposed_zone_has_no_public_page(client, make_zone):
    zone = make_zone(status="proposed")
    assert client.get(f"/places/zones/{zone.pk}/").status_code == 404


def test_the_sales_point_page_shows_its_hours(client, make_sales_point):
    point = make_sales_point("Gian hàng OCOP Co.opmart", point_at(north_m=300),
                             hours={"mon": [["07:00", "21:00"]], "sat": [["18:00", "02:00"]]})
    html = client.get(f"/places/sales-points/{point.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "07:00–21:00" in html and "18:00–02:00" in html
    assert "Tuesday" in html and "closed" in html


def test_the_packing_facility_and_tourism_site_pages_render(client, make_packing_facility, make_site):
    facility = make_packing_facility()
    site = make_site("Buôn Akô Dhông", point_at(east_m=1200))
    assert facility.code in client.get(f"/places/packing-facilities/{facility.pk}/").content.decode()
    assert "Buôn Akô Dhông" in client.get(f"/places/tourism-sites/{site.pk}/").content.decode()
    assert client.get("/places/tourism-sites/999999/").status_code == 404
