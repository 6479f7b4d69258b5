"""The public map in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

The page must draw every public layer from our own server, with the base map switched off, and no request
may leave the live server: the browser's network log (DevTools "performance" log) is checked URL by URL.
"""

from __future__ import annotations

import datetime
import json
import shutil
import tempfile
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.layers.registry import public_layers
from tests.common.geo import square
from tests.maps.conftest import ORIGIN, point_at

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
                  "--window-size=1280,900")


# The live server only sees committed rows: transactional tests, with the reference data kept (tests/live.py).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("live_database")]


@pytest.fixture
def browser():
    user_data = tempfile.mkdtemp(prefix="ocop-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(user_data, ignore_errors=True)


@pytest.fixture
def registry(make_producer, make_product, rate, make_sales_point, make_site,
             make_zone, issue_code, make_packing_facility):
    """One object in every public layer, around Buôn Ma Thuột."""
    from apps.facilities.services import register_production_facility
    from apps.indications.services import register_indication
    from apps.tourism.services import create_tour_route

    producer = make_producer("HTX Cà phê Ea Tu", location=point_at(east_m=300))
    product = make_product("Cà phê rang xay Ea Tu", producer)
    rate(product, 4)
    zone = make_zone("Vùng cà phê Ea Tu", side_m=600, dx_m=-900, dy_m=-900, producers=[producer])
    issue_code([zone], code="VN-DLOR-0017")
    make_packing_facility(location=point_at(north_m=700))
    register_production_facility(name="Xưởng rang Ea Tu", producer=producer, location=point_at(east_m=-600))
    make_sales_point("Trung tâm OCOP Đắk Lắk", point_at(north_m=-500), kind="centre_province", products=[product],
                     hours={"mon": [["07:00", "21:00"]]})
    first = make_site("Buôn Akô Dhông", point_at(east_m=900), kind="community")
    second = make_site("Làng cà phê Trung Nguyên", point_at(north_m=1200), kind="tourist_site")
    create_tour_route(name="Hành trình cà phê", sites=[first, second])
    register_indication(name="Cà phê Buôn Ma Thuột", kind="gi", registration_number="00003",
                        holder="UBND tỉnh Đắk Lắk", protected_area=square(*ORIGIN, 2500, dx_m=-1200, dy_m=-1200),
                        registered_on=datetime.date(2005, 10, 14), products=[product])
    return {"producer": producer, "zone": zone}


def _network_urls(driver) -> list[str]:
    """URLs the page asked the network for (browser-internal chrome:// pages and data: URIs are not network)."""
    return [url for url in _request_urls(driver) if urlsplit(url).scheme in ("http", "https", "ws", "wss", "ftp")]


def _leaving(urls: list[str], live_server_url: str) -> list[str]:
    server = urlsplit(live_server_url)
    return [url for url in urls if (urlsplit(url).hostname, urlsplit(url).port) != (server.hostname, server.port)]


def _request_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _wait_for_layers(driver, layer_ids: list[str]) -> dict[str, int]:
    def loaded(driver):
        element = driver.find_element(By.ID, "map")
        counts = json.loads(element.get_attribute("data-loaded") or "{}")
        return counts if all(layer_id in counts for layer_id in layer_ids) else False

    return WebDriverWait(driver, 30).until(loaded)


def test_the_map_draws_every_layer_without_any_request_leaving_the_server(live_server, browser, registry, settings):
    settings.BASEMAP_TILE_URL = ""  # no base map: the vector layers must still draw
    layer_ids = [layer.id for layer in public_layers()]
    browser.get(f"{live_server.url}/map/#13/{ORIGIN[1]}/{ORIGIN[0]}/{','.join(layer_ids)}")
    counts = _wait_for_layers(browser, layer_ids)

    assert all(counts[layer_id] > 0 for layer_id in layer_ids), counts
    checkboxes = browser.find_elements(By.CSS_SELECTOR, ".layer-switcher input[type=checkbox]")
    assert [box.get_attribute("data-layer") for box in checkboxes] == layer_ids
    assert all(box.is_selected() for box in checkboxes)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".legends .legend")) == len(layer_ids)
    # Points are SVG markers (some may be clustered), areas and lines are SVG paths.
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")) >= 3
    assert not browser.find_elements(By.CSS_SELECTOR, ".leaflet-tile")

    # A popup links to the place page.
    zone_path = browser.execute_script(
        "var found = null; window.ocopMap.state.layers['zones'].group.eachLayer(function (g) {"
        "  if (g.eachLayer) { g.eachLayer(function (l) { found = l; }); } else { found = g; } });"
        "found.openPopup(); return document.querySelector('.leaflet-popup-content a.popup-link').getAttribute('href');")
    assert zone_path == f"/places/zones/{registry['zone'].pk}/"

    # Search by code jumps to the zone and keeps the permalink in the address.
    field = browser.find_element(By.ID, "map-search-q")
    field.send_keys("VN-DLOR-0017")
    field.submit()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results .search-hit"))
    WebDriverWait(browser, 15).until(lambda d: d.execute_script("return window.ocopMap.map.getZoom()") >= 14)
    assert browser.execute_script("return window.location.hash").startswith("#1")

    urls = _network_urls(browser)
    assert any("/api/v1/layers/zones/" in url for url in urls)
    assert any("/map/search/?q=VN-DLOR-0017" in url for url in urls)
    assert _leaving(urls, live_server.url) == []

    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
              and "favicon.ico" not in entry["message"]]
    assert severe == []


def test_a_place_page_draws_its_small_map_from_the_server_alone(live_server, browser, registry, settings):
    settings.BASEMAP_TILE_URL = ""
    browser.get(f"{live_server.url}/places/producers/{registry['producer'].slug}/")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "place-map").get_attribute("data-ready") == "true")
    assert browser.find_elements(By.CSS_SELECTOR, "#place-map .leaflet-marker-icon")
    urls = _network_urls(browser)
    assert any(url.endswith("/static/maps/place.js") for url in urls)
    assert _leaving(urls, live_server.url) == []


def test_near_me_lists_places_from_a_chosen_commune_without_leaving_the_server(live_server, browser, registry,
                                                                               settings, commune):
    from selenium.webdriver.support.ui import Select

    settings.BASEMAP_TILE_URL = ""
    browser.get(f"{live_server.url}/near-me/")
    Select(browser.find_element(By.ID, "commune")).select_by_value(commune.code)
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#near-results .near-item"))
    items = browser.find_elements(By.CSS_SELECTOR, "#near-results .near-item")
    distances = [float(value) for value in browser.execute_script(
        "return Array.from(document.querySelectorAll('#near-results .near-item')).map(function (item) {"
        "  return item.dataset.distance; });")]
    assert distances == sorted(distances)
    assert any("Trung tâm OCOP Đắk Lắk" in item.text for item in items)
    # Filters re-run the search: only tourism sites.
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name=kind]"):
        if box.get_attribute("value") != "tourism_site" and box.is_selected():
            box.click()
    kinds = "return Array.from(document.querySelectorAll('#near-results .near-item')).map(i => i.dataset.kind);"
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(kinds) == ["tourism_site", "tourism_site"])
    assert _leaving(_network_urls(browser), live_server.url) == []


def test_the_dashboard_map_draws_circles_for_communes_without_boundaries(live_server, browser, registry, settings):
    settings.BASEMAP_TILE_URL = ""
    browser.get(f"{live_server.url}/dashboards/")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "choropleth").get_attribute("data-ready") == "true")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#choropleth path.leaflet-interactive")) >= 100
    assert _leaving(_network_urls(browser), live_server.url) == []
