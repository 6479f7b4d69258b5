"""The zone editor in a real headless Chromium: log in, draw a polygon by clicking on the map, save.

The zone must reach the database with the area PostGIS measures (on the ellipsoid) for the very coordinates the
clicks landed on, within 1 %; the live read-out shown while drawing must agree too.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.workspace.selectors import measure_area_m2
from apps.zones.models import RawMaterialZone
from tests.common.geo import BMT

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("live_database")]

# Pixel offsets from the map's centre where the officer clicks, clockwise; the last click closes the ring.
CLICKS = [(-160, -110), (150, -120), (170, 110), (-20, 150), (-140, 90)]


@pytest.fixture
def administrator(django_user_model):
    return django_user_model.objects.create_superuser(username="quantri", password="Ocop-browser-2026",
                                                      email="quantri@example.vn")


def _log_in(browser, live_server, username: str, password: str) -> None:
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url.rstrip("/").endswith("/admin"))


def test_an_officer_draws_a_zone_by_clicking_and_finds_it_saved_with_the_right_area(
        live_server, browser, administrator, coffee, settings):
    settings.BASEMAP_TILE_URL = ""  # no tiles: the editor must work from our server alone
    _log_in(browser, live_server, "quantri", "Ocop-browser-2026")
    browser.get(f"{live_server.url}/workspace/zones/new/?lat={BMT[1]}&lon={BMT[0]}&zoom=16")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "editor-map").get_attribute("data-ready") == "true")

    browser.find_element(By.ID, "id_name").send_keys("Vùng cà phê vẽ tay")
    Select(browser.find_element(By.ID, "id_crop")).select_by_value(str(coffee.pk))
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("cultivation")

    map_element = browser.find_element(By.ID, "editor-map")
    browser.find_element(By.CSS_SELECTOR, ".leaflet-pm-icon-polygon").click()
    for dx, dy in [*CLICKS, CLICKS[0]]:  # clicking the first vertex again closes the polygon
        ActionChains(browser).move_to_element_with_offset(map_element, dx, dy).click().perform()
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return window.ocopZoneEditor.currentGeometry() !== null"))

    # Where the clicks landed, in map coordinates, and what the editor drew.
    clicked = browser.execute_script(
        "var map = window.ocopZoneEditor.map, size = map.getSize();"
        "return arguments[0].map(function (c) {"
        "  var p = map.containerPointToLatLng([size.x / 2 + c[0], size.y / 2 + c[1]]); return [p.lng, p.lat]; });",
        CLICKS)
    drawn = browser.execute_script("return window.ocopZoneEditor.currentGeometry()")
    assert drawn["type"] == "MultiPolygon" and len(drawn["coordinates"]) == 1
    assert len(drawn["coordinates"][0][0]) == len(CLICKS) + 1
    clicked_zone = MultiPolygon(Polygon([*clicked, clicked[0]]), srid=4326)
    expected_m2 = measure_area_m2(clicked_zone)
    assert expected_m2 > 50_000  # a field of several hectares, not a speck
    live_m2 = float(browser.find_element(By.ID, "area-ha").get_attribute("data-m2"))
    assert live_m2 == pytest.approx(expected_m2, rel=0.01)
    assert browser.find_element(By.ID, "area-ha").text  # shown to the officer in hectares

    browser.find_element(By.ID, "save-button").click()
    WebDriverWait(browser, 20).until(lambda d: "/edit/" in d.current_url)

    zone = RawMaterialZone.objects.get(name="Vùng cà phê vẽ tay")
    assert float(zone.area_ha) * 10_000 == pytest.approx(expected_m2, rel=0.01)
    assert zone.crop == coffee
    assert zone.versions.get().changed_by == administrator
    assert browser.find_element(By.CSS_SELECTOR, ".messages .success")
    # The edit page draws the saved zone back for further editing.
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "editor-map").get_attribute("data-ready") == "true")
    assert browser.execute_script("return window.ocopZoneEditor.currentGeometry().coordinates.length") == 1
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
              and "favicon.ico" not in entry["message"]]
    assert severe == []
