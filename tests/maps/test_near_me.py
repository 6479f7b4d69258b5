"""OCOP near me: true distances on the ellipsoid, nearest first, filters, and "open now" in Vietnam's time."""

import pytest

from tests.maps.conftest import ORIGIN, point_at

pytestmark = pytest.mark.django_db

NEAR = {"lon": f"{ORIGIN[0]:.6f}", "lat": f"{ORIGIN[1]:.6f}"}
# Saturday 18:00 → Sunday 02:00 in Asia/Ho_Chi_Minh (UTC+7); 2026-11-21 is a Saturday.
LATE_NIGHT = {"sat": [["18:00", "02:00"]]}


def _get(client, **params):
    response = client.get("/api/v1/near-me/", {**NEAR, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _names(data) -> list[str]:
    return [feature["properties"]["name"] for feature in data["features"]]


def test_places_come_nearest_first_with_their_distance_on_the_ellipsoid(client, make_sales_point, make_site):
    # 0.0091° north is 1,006.6 m, 0.0092° east is 999.5 m at 12.68° N: degrees say north is nearer,
    # the ellipsoid says east is.
    make_sales_point("Đông", point_at(east_m=999.5))
    make_sales_point("Bắc", point_at(north_m=1006.6))
    make_site("Buôn gần", point_at(north_m=400))
    data = _get(client, radius="1500")
    assert _names(data) == ["Buôn gần", "Đông", "Bắc"]
    distances = [feature["properties"]["distance_m"] for feature in data["features"]]
    assert distances == pytest.approx([400.0, 999.5, 1006.6], abs=0.5)
    assert data["features"][0]["properties"]["distance_text"] == "400 m"
    assert data["features"][1]["properties"]["kind"] == "sales_point"


def test_a_place_just_outside_the_radius_is_left_out(client, make_sales_point):
    make_sales_point("Trong", point_at(north_m=1490))
    make_sales_point("Ngoài", point_at(north_m=1510))
    assert _names(_get(client, radius="1500")) == ["Trong"]
    assert _names(_get(client, radius="1520")) == ["Trong", "Ngoài"]


def test_kilometres_are_shown_with_one_decimal_under_ten(client, make_sales_point):
    make_sales_point("Xa", point_at(east_m=2345))
    feature = _get(client, radius="5000", lang="en")["features"][0]
    assert feature["properties"]["distance_text"] in {"2.3 km", "2,3 km"}


def test_centres_are_a_kind_of_their_own(client, make_sales_point):
    make_sales_point("Trung tâm OCOP", point_at(east_m=300), kind="centre_province")
    make_sales_point("Gian hàng", point_at(east_m=200))
    assert _names(_get(client, kind="centre")) == ["Trung tâm OCOP"]
    assert _names(_get(client, kind="sales_point")) == ["Gian hàng"]


def test_only_producers_open_to_visits_are_listed(client, make_producer):
    make_producer("HTX mở cửa", location=point_at(east_m=100), is_open_to_visits=True)
    make_producer("HTX đóng cửa", location=point_at(east_m=50))
    data = _get(client, kind="producer")
    assert _names(data) == ["HTX mở cửa"]
    assert data["features"][0]["properties"]["has_hours"] is False
    assert data["features"][0]["properties"]["is_open_now"] is None


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        ("2026-11-21T17:59:00+07:00", False),  # Saturday, before opening
        ("2026-11-21T23:30:00+07:00", True),   # Saturday evening
        ("2026-11-22T01:30:00+07:00", True),   # Sunday, after midnight: still Saturday's range
        ("2026-11-22T02:00:00+07:00", False),  # Sunday, closed at 02:00
        ("2026-11-21T18:30:00+00:00", True),   # 01:30 on Sunday in Vietnam, given in UTC
    ],
)
def test_open_now_follows_hours_across_midnight_in_vietnam_time(client, make_sales_point, at, is_open):
    make_sales_point("Chợ đêm", point_at(east_m=300), hours=LATE_NIGHT)
    every = _get(client, at=at)
    assert every["features"][0]["properties"]["is_open_now"] is is_open
    assert _names(_get(client, at=at, open_now="1")) == (["Chợ đêm"] if is_open else [])


def test_open_now_leaves_out_places_without_hours(client, make_sales_point, make_producer):
    make_sales_point("Không rõ giờ", point_at(east_m=300))
    make_producer("HTX tham quan", location=point_at(east_m=200), is_open_to_visits=True)
    assert _names(_get(client, open_now="1")) == []
    assert _names(_get(client)) == ["HTX tham quan", "Không rõ giờ"]


def test_minimum_stars_keeps_places_selling_products_that_good(client, make_producer, make_product, rate,
                                                              make_sales_point):
    producer = make_producer(location=point_at(east_m=5000))
    four, three = make_product("Cà phê 4 sao", producer), make_product("Mật ong 3 sao", producer)
    rate(four, 4)
    rate(three, 3)
    make_sales_point("Bán 4 sao", point_at(east_m=600), products=[four, three])
    make_sales_point("Bán 3 sao", point_at(east_m=300), products=[three])
    make_sales_point("Chưa có sao", point_at(east_m=100))
    assert _names(_get(client, min_stars="4", kind="sales_point")) == ["Bán 4 sao"]
    assert _names(_get(client, min_stars="3", kind="sales_point")) == ["Bán 3 sao", "Bán 4 sao"]
    best = _get(client, min_stars="4", kind="sales_point")["features"][0]["properties"]
    assert best["stars"] == 4
    assert best["sells"] == ["Cà phê 4 sao", "Mật ong 3 sao"]


def test_the_industry_filter_keeps_places_selling_that_industry(client, make_producer, make_product, beverages,
                                                                 make_sales_point):
    producer = make_producer(location=point_at(east_m=5000))
    honey = make_product("Mật ong", producer)
    wine = make_product("Rượu cần", producer, category=beverages)
    make_sales_point("Bán mật ong", point_at(east_m=300), products=[honey])
    make_sales_point("Bán rượu", point_at(east_m=400), products=[wine])
    assert _names(_get(client, industry="beverages", kind="sales_point")) == ["Bán rượu"]
    assert _names(_get(client, industry="food", kind="sales_point")) == ["Bán mật ong"]


def test_a_commune_can_stand_for_the_location(client, commune, make_sales_point):
    make_sales_point("Gần trung tâm xã", commune.centroid)
    data = client.get("/api/v1/near-me/", {"commune": commune.code}).json()
    assert data["origin"] == pytest.approx([commune.centroid.x, commune.centroid.y], abs=1e-6)
    assert data["features"][0]["properties"]["distance_m"] == 0


def test_directions_are_links_that_the_page_opens_only_on_click(client, make_sales_point):
    point = make_sales_point("Điểm bán", point_at(east_m=300))
    properties = _get(client)["features"][0]["properties"]
    assert properties["directions_url"].startswith("https://www.openstreetmap.org/directions?")
    assert f"{point.location.y:.6f}%2C{point.location.x:.6f}" in properties["directions_url"]
    assert properties["geo_uri"] == f"geo:{point.location.y:.6f},{point.location.x:.6f}"
    assert properties["url"] == f"/places/sales-points/{point.pk}/"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"lon": "x", "lat": "12"}, "lon"), ({"radius": "0"}, "radius"), ({"radius": "500000"}, "radius"),
     ({"kind": "hotel"}, "kind"), ({"min_stars": "9"}, "min_stars"), ({"at": "tomorrow"}, "at")],
)
def test_bad_parameters_are_refused_with_the_field_named(client, params, field):
    response = client.get("/api/v1/near-me/", {**NEAR, **params})
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_an_unknown_commune_is_refused(client):
    response = client.get("/api/v1/near-me/", {"commune": "00000"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_commune"


def test_the_near_me_page_offers_location_commune_and_filters(client, commune):
    html = client.get("/near-me/").content.decode()
    assert 'id="use-location"' in html and 'name="open_now"' in html and 'name="min_stars"' in html
    assert f'<option value="{commune.code}">{commune.name}</option>' in html
    assert "Dùng vị trí của tôi" in html and "Đang mở cửa" in html
    assert "Use my location" in client.get("/near-me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
