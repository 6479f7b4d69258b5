"""The inspection form in a real headless Chromium: the GPS point, "nearest to me", photos kept on an error, and a
visit recorded offline that is sent by itself when the connection comes back.

The position comes from Chromium's geolocation override and the network is cut with DevTools' network conditions.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.accounts.models import Role
from apps.common.text import fold
from apps.traceability.models import Inspection, InspectionPhoto, InspectionResult, LocationSource

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("live_database")]

HERE = {"latitude": 12.7051, "longitude": 108.1049, "accuracy": 7}


@pytest.fixture
def zone_here(make_zone, commune):
    zone = make_zone("Vùng cà phê Ea Tu", lon=108.10, lat=12.70)
    zone.search_name = fold(zone.name)
    zone.save(update_fields=["search_name"])
    zone.communes.add(commune)
    return zone


@pytest.fixture
def photo_files(tmp_path):
    paths = []
    for name, colour in (("cong.png", "green"), ("kho.png", "blue")):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
        path = tmp_path / name
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


def _log_in(browser, live_server, username: str, password: str) -> None:
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url.rstrip("/").endswith("/admin"))


def _network(browser, *, offline: bool) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def _errors(browser, field: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, f'[data-errors-for="{field}"]').text


def test_an_inspection_recorded_offline_is_sent_with_its_point_and_photos_when_the_phone_is_back_online(
        live_server, browser, make_account, zone_here, photo_files, settings, media):
    settings.BASEMAP_TILE_URL = ""  # no tiles: the form must work from our server alone
    inspector = make_account("thanhtra", Role.INSPECTOR, organisation="Chi cục Trồng trọt và BVTV Đắk Lắk",
                             full_name="Lê Thị Hoa")
    inspector.is_staff = True  # officers sign in through the admin's login page (apps.accounts)
    inspector.save(update_fields=["is_staff"])
    _log_in(browser, live_server, "thanhtra", "x-long-password-1")
    browser.add_cookie({"name": "django_language", "value": "vi"})  # the browser asks for English; officers: vi
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": live_server.url, "permissions": ["geolocation"]})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride", HERE)

    browser.get(f"{live_server.url}/inspections/new/")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "inspection-map").get_attribute("data-ready") == "true")
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.NAME, "accuracy").get_attribute("value") == "7")
    assert float(browser.find_element(By.NAME, "latitude").get_attribute("value")) == pytest.approx(12.7051)
    assert float(browser.find_element(By.NAME, "longitude").get_attribute("value")) == pytest.approx(108.1049)
    assert "7 m" in browser.find_element(By.ID, "gps-status").text  # the accuracy is shown

    browser.find_element(By.ID, "nearest-button").click()
    choice = WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'input[name=target][value="zone:{zone_here.pk}"]'))
    assert "cách 0 m" in browser.find_element(By.ID, "target-results").text  # standing in the zone
    choice.click()
    browser.find_element(By.CSS_SELECTOR, f'input[name=result][value="{InspectionResult.FAIL}"]').click()
    browser.find_element(By.NAME, "photos").send_keys("\n".join(photo_files))

    # Online, with a mistake: the error shows next to the field and the chosen photos stay selected.
    browser.find_element(By.ID, "save-button").click()
    WebDriverWait(browser, 20).until(lambda d: _errors(d, "findings"))
    assert "Phát hiện" in _errors(browser, "findings")
    assert browser.execute_script("return document.querySelector('input[name=photos]').files.length") == 2
    assert Inspection.objects.count() == 0

    # Offline: the visit is kept on the phone, nothing reaches the server.
    browser.find_element(By.NAME, "findings").send_keys("Chưa có sổ nhật ký phun thuốc")
    _network(browser, offline=True)
    browser.find_element(By.ID, "save-button").click()
    WebDriverWait(browser, 20).until(lambda d: "Không có kết nối" in d.find_element(By.ID, "form-status").text)
    drafts = browser.execute_script("return window.ocopInspectionForm.drafts.list()")
    assert len(drafts) == 1 and len(drafts[0]["photos"]) == 2
    assert drafts[0]["fields"]["target"] == f"zone:{zone_here.pk}"
    assert Inspection.objects.count() == 0
    # The form is ready for the next visit, under a new submission key.
    assert browser.find_element(By.NAME, "submission_key").get_attribute("value") != drafts[0]["key"]

    # Back online: the draft is sent by itself, once, with its point, accuracy and photos.
    _network(browser, offline=False)
    WebDriverWait(browser, 30).until(lambda d: Inspection.objects.count() == 1)
    WebDriverWait(browser, 20).until(lambda d: "Đã gửi" in d.find_element(By.ID, "drafts").text)
    inspection = Inspection.objects.get()
    assert inspection.zone == zone_here and inspection.result == InspectionResult.FAIL
    assert inspection.findings == "Chưa có sổ nhật ký phun thuốc"
    assert (inspection.location.x, inspection.location.y) == pytest.approx((108.1049, 12.7051), abs=1e-6)
    assert inspection.location_source == LocationSource.GPS and inspection.location_accuracy_m == Decimal("7.0")
    assert inspection.recorded_by == inspector and str(inspection.submission_key) == drafts[0]["key"]
    photos = InspectionPhoto.objects.filter(inspection=inspection)
    assert photos.count() == 2 and all(photo.image.name.endswith(".jpg") for photo in photos)  # shrunk to JPEG
    assert browser.execute_script("return window.ocopInspectionForm.drafts.list().length") == 0

    # Its page shows the point on the map and the photos, served to the officer.
    browser.get(f"{live_server.url}/inspections/{inspection.pk}/")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "detail-map").get_attribute("data-ready") == "true")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "var images = document.querySelectorAll('.photo-grid img');"
        "return images.length === 2 && Array.prototype.every.call(images, function (image) {"
        "  return image.complete && image.naturalWidth === 40; });"))
    assert browser.find_elements(By.CSS_SELECTOR, "#detail-map .leaflet-interactive")  # the point is drawn
    assert not [entry for entry in browser.get_log("browser") if entry["source"] == "javascript"]  # no script error


def test_without_a_gps_fix_the_officer_taps_the_map_and_the_point_is_recorded_as_picked_on_the_map(
        live_server, browser, make_account, zone_here, settings, media):
    from selenium.webdriver.common.action_chains import ActionChains

    settings.BASEMAP_TILE_URL = ""
    inspector = make_account("thanhtra", Role.INSPECTOR, organisation="Cục BVTV", full_name="Lê Thị Hoa")
    inspector.is_staff = True
    inspector.save(update_fields=["is_staff"])
    _log_in(browser, live_server, "thanhtra", "x-long-password-1")
    browser.add_cookie({"name": "django_language", "value": "vi"})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride", {})  # no position available

    browser.get(f"{live_server.url}/inspections/new/?q=ea+tu&kind=zone")  # the search without the script
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "inspection-map").get_attribute("data-ready") == "true")
    WebDriverWait(browser, 20).until(lambda d: "chạm vào bản đồ" in d.find_element(By.ID, "gps-status").text)
    browser.find_element(By.CSS_SELECTOR, f'input[name=target][value="zone:{zone_here.pk}"]').click()
    browser.find_element(By.CSS_SELECTOR, f'input[name=result][value="{InspectionResult.PASS}"]').click()
    browser.execute_script("window.ocopInspectionForm.map.setView([12.705, 108.105], 16)")
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "inspection-map")).click().perform()
    tapped = browser.execute_script(
        "var map = window.ocopInspectionForm.map, c = map.containerPointToLatLng(map.getSize().divideBy(2));"
        "return [c.lng, c.lat];")
    assert browser.find_element(By.NAME, "location_source").get_attribute("value") == "map"

    browser.find_element(By.ID, "save-button").click()
    WebDriverWait(browser, 20).until(lambda d: "/inspections/" in d.current_url and "saved=1" in d.current_url)
    inspection = Inspection.objects.get()
    assert (inspection.location.x, inspection.location.y) == pytest.approx(tapped, abs=1e-4)
    assert inspection.location_source == LocationSource.MAP and inspection.location_accuracy_m is None
    assert "Đã ghi nhận lần kiểm tra." in browser.find_element(By.TAG_NAME, "main").text
