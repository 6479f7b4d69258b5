"""OGC API – Features, Part 1 Core: documents, links, paging, negotiation, filters."""

from __future__ import annotations

import pytest

from apps.layers.ogc import CONFORMANCE, CRS84
from apps.layers.registry import public_layers
from tests.layers.conftest import ORIGIN_LAT, ORIGIN_LON

pytestmark = pytest.mark.django_db

JSON_ACCEPT = {"HTTP_ACCEPT": "application/json"}
BROWSER_ACCEPT = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def rels(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for link in document["links"]:
        found.setdefault(link["rel"], []).append(link)
    return found


def test_landing_page_links_to_the_api_definition_conformance_and_collections(client):
    response = client.get("/ogc/", **JSON_ACCEPT)
    assert response["Content-Type"] == "application/json"
    links = rels(response.json())
    assert links["conformance"][0]["href"] == "http://testserver/ogc/conformance"
    assert links["data"][0]["href"] == "http://testserver/ogc/collections"
    assert links["service-desc"][0]["type"].startswith("application/vnd.oai.openapi+json")
    assert links["self"][0]["type"] == "application/json"
    assert links["alternate"][0]["type"] == "text/html"


def test_conformance_declares_core_geojson_and_html(client):
    assert client.get("/ogc/conformance", {"f": "json"}).json()["conformsTo"] == CONFORMANCE


def test_collections_list_every_public_layer_with_crs84_extents_and_item_links(client, registry_data):
    body = client.get("/ogc/collections", **JSON_ACCEPT).json()
    collections = {item["id"]: item for item in body["collections"]}
    assert list(collections) == [layer.id for layer in public_layers()]
    zones = collections["zones"]
    assert zones["crs"] == [CRS84]
    assert zones["extent"]["spatial"]["crs"] == CRS84
    assert zones["extent"]["spatial"]["bbox"][0][0] == pytest.approx(ORIGIN_LON)
    items = [link for link in zones["links"] if link["rel"] == "items"]
    assert {link["type"] for link in items} == {"application/geo+json", "text/html"}
    codes = collections["growing-area-codes"]
    assert codes["extent"]["temporal"]["interval"] == [["2023-05-10", "2024-08-01"]]
    assert "temporal" not in zones["extent"]


def test_a_collection_document_and_an_unknown_collection(client, zones):
    body = client.get("/ogc/collections/zones", **JSON_ACCEPT).json()
    assert body["id"] == "zones"
    assert rels(body)["self"][0]["href"] == "http://testserver/ogc/collections/zones?f=json"
    missing = client.get("/ogc/collections/nothing", **JSON_ACCEPT)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_items_report_matched_and_returned_and_page_with_next_and_prev(client, zones):
    first = client.get("/ogc/collections/zones/items", {"limit": 3}, **JSON_ACCEPT)
    assert first["Content-Type"] == "application/geo+json"
    body = first.json()
    assert (body["type"], body["numberMatched"], body["numberReturned"]) == ("FeatureCollection", 4, 3)
    assert body["timeStamp"].endswith("Z")
    links = rels(body)
    assert "prev" not in links
    next_url = links["next"][0]["href"]
    assert links["next"][0]["type"] == "application/geo+json"
    second = client.get(next_url.removeprefix("http://testserver"), **JSON_ACCEPT).json()
    assert (second["numberMatched"], second["numberReturned"]) == (4, 1)
    assert "next" not in rels(second)
    assert "offset=0" in rels(second)["prev"][0]["href"]
    ids = [feature["id"] for feature in body["features"] + second["features"]]
    assert sorted(ids) == sorted([zones.active.id, zones.suspended.id, zones.revoked.id, zones.far.id])


def test_items_default_to_ten_and_refuse_a_limit_above_the_maximum(client, zones):
    assert client.get("/ogc/collections/communes/items", **JSON_ACCEPT).json()["numberReturned"] == 10
    response = client.get("/ogc/collections/zones/items", {"limit": 10001}, **JSON_ACCEPT)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_limit"


def test_items_filter_by_bbox_property_and_datetime(client, zones, codes):
    bbox = f"{ORIGIN_LON + 0.5},{ORIGIN_LAT - 0.1},{ORIGIN_LON + 1.5},{ORIGIN_LAT + 0.1}"
    body = client.get("/ogc/collections/zones/items", {"bbox": bbox}, **JSON_ACCEPT).json()
    assert [feature["properties"]["name"] for feature in body["features"]] == ["Vùng xa"]
    assert body["numberMatched"] == 1
    body = client.get("/ogc/collections/zones/items", {"status": "revoked"}, **JSON_ACCEPT).json()
    assert [feature["properties"]["name"] for feature in body["features"]] == ["Vùng mật ong"]
    body = client.get("/ogc/collections/growing-area-codes/items", {"datetime": "2023-05-10"}, **JSON_ACCEPT).json()
    assert [feature["properties"]["code"] for feature in body["features"]] == ["VN-DLOR-0001"]
    body = client.get("/ogc/collections/growing-area-codes/items",
                      {"datetime": "../2023-12-31T23:59:59Z"}, **JSON_ACCEPT).json()
    assert [feature["properties"]["code"] for feature in body["features"]] == ["VN-DLOR-0001"]
    refused = client.get("/ogc/collections/zones/items", {"datetime": "2024-01-01"}, **JSON_ACCEPT)
    assert (refused.status_code, refused.json()["code"]) == (400, "no_time")


def test_one_item_and_a_missing_item(client, zones):
    response = client.get(f"/ogc/collections/zones/items/{zones.active.id}", **JSON_ACCEPT)
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["id"] == zones.active.id
    assert rels(body)["collection"][0]["href"] == "http://testserver/ogc/collections/zones"
    assert client.get(f"/ogc/collections/zones/items/{zones.proposed.id}", **JSON_ACCEPT).status_code == 404
    assert client.get("/ogc/collections/zones/items/abc", **JSON_ACCEPT).status_code == 404


def test_browsers_get_html_and_f_overrides_the_accept_header(client, zones):
    page = client.get("/ogc/collections/zones/items", **BROWSER_ACCEPT)
    assert page["Content-Type"].startswith("text/html")
    assert "Vùng cà phê A" in page.content.decode()
    assert client.get("/ogc/collections/zones/items", {"f": "json"}, **BROWSER_ACCEPT)["Content-Type"] == (
        "application/geo+json")
    assert client.get("/ogc/collections", {"f": "html"}, **JSON_ACCEPT)["Content-Type"].startswith("text/html")
    item_url = f"/ogc/collections/zones/items/{zones.active.id}"
    for url in ["/ogc/", "/ogc/conformance", "/ogc/collections/zones", item_url]:
        response = client.get(url, **BROWSER_ACCEPT)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), url
    assert client.get("/ogc/collections/nothing", **BROWSER_ACCEPT)["Content-Type"].startswith("text/html")
    # Clients that accept anything (curl) get JSON.
    assert client.get("/ogc/", HTTP_ACCEPT="*/*")["Content-Type"] == "application/json"


def test_every_collection_links_to_its_sld_style(client, registry_data):
    body = client.get("/ogc/collections", **JSON_ACCEPT).json()
    for collection in body["collections"]:
        styles = rels(collection)["stylesheet"]
        assert styles == [{"href": f"http://testserver/maps/styles/{collection['id']}.sld", "rel": "stylesheet",
                           "type": "application/vnd.ogc.sld+xml", "title": styles[0]["title"]}]
    single = client.get("/ogc/collections/sales-points", **JSON_ACCEPT).json()
    sld = client.get(rels(single)["stylesheet"][0]["href"])
    assert sld.status_code == 200 and b"StyledLayerDescriptor" in sld.content


def test_the_service_description_documents_every_collection_with_its_own_parameters(client):
    landing = rels(client.get("/ogc/", **JSON_ACCEPT).json())
    assert landing["service-desc"][0]["href"] == "http://testserver/ogc/api"
    assert landing["service-doc"][0]["href"] == "http://testserver/ogc/api.html"
    assert landing["related"][0]["href"].startswith("http://testserver/api/v1/schema/")
    response = client.get(landing["service-desc"][0]["href"])
    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    document = response.json()
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": "http://testserver/ogc"}]
    assert {"/", "/conformance", "/collections"} <= set(document["paths"])
    for layer in public_layers():
        items = document["paths"][f"/collections/{layer.id}/items"]["get"]
        parameters = {parameter["name"] for parameter in items["parameters"]}
        assert {"bbox", "limit", "offset", "f"} <= parameters
        assert {item.name for item in layer.filters} <= parameters
        assert ("datetime" in parameters) == (layer.time_field is not None)
        assert f"/collections/{layer.id}/items/{{featureId}}" in document["paths"]
    assert client.get(landing["service-doc"][0]["href"]).status_code == 200
