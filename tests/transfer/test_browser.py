"""The import page's map in a real headless Chromium: the features of an uploaded file, and their names as text."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.transfer.services import create_import_job
from tests.common.geo import BMT, square
from tests.transfer.conftest import feature, write_geojson
from tests.workspace.test_browser import _log_in

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("live_database")]

# A name a hostile file could carry: were it parsed as HTML, the image's error handler would run.
HOSTILE_NAME = '<img src="x" onerror="window.injected = true">Lô B'


def test_a_name_from_the_file_is_shown_as_text_on_the_preview_map(live_server, browser, django_user_model,
                                                                  tmp_path):
    user = django_user_model.objects.create_superuser(username="quantri", password="Ocop-browser-2026",
                                                      email="quantri@example.vn")
    path = write_geojson(tmp_path / "hostile.geojson", [
        feature(square(*BMT, 200)[0], name=HOSTILE_NAME, kind="cultivation", crop="ca-phe")])
    job = create_import_job(kind="zones", file=path, user=user)
    _log_in(browser, live_server, "quantri", "Ocop-browser-2026")

    browser.get(f"{live_server.url}/transfer/imports/{job.pk}/")
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "import-map").get_attribute("data-ready"))
    browser.execute_script("document.querySelector('#import-map path.leaflet-interactive')"
                           ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    popup = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content"))

    assert popup.text == f"#1 {HOSTILE_NAME} —"  # the tags as written, not an image
    assert not popup.find_elements(By.TAG_NAME, "img")
    assert browser.execute_script("return window.injected === undefined")
