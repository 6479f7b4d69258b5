"""Vector tiles through the WSGI fast path (apps.layers.fastpath): the view's bytes and headers, without Django."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from django.core.handlers.wsgi import WSGIHandler

from apps.common.fastpath import FastPath
from apps.layers import tiles
from tests.layers.conftest import ORIGIN_LAT, ORIGIN_LON
from tests.layers.test_tiles import tile_of
from tests.wsgi import call

pytestmark = pytest.mark.django_db
TILES = "apps.layers.fastpath.TileHandler"


@pytest.fixture(autouse=True)
def _fast_path_on(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.FAST_PATH_HANDLERS = [TILES]


@pytest.fixture
def app():
    return FastPath(WSGIHandler(), [TILES])


def tile_path(layer: str, lon: float, lat: float, zoom: int) -> str:
    z, x, y = tile_of(lon, lat, zoom)
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


def test_the_first_tile_goes_through_django_and_later_ones_do_not(app, zones):
    first = call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12))
    second = call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 13))
    assert first.served_by_django and not second.served_by_django
    assert second.status_code == 200
    features = mapbox_vector_tile.decode(second.body)["zones"]["features"]
    assert zones.active.id in {feature["id"] for feature in features}


def test_a_fast_tile_is_the_full_stacks_tile_header_for_header_and_byte_for_byte(app, zones, settings):
    path = tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12)
    call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 14))  # warm: the 200 frame
    settings.FAST_PATH_HANDLERS = []
    full = call(app, path)
    settings.FAST_PATH_HANDLERS = [TILES]
    fast = call(app, path)
    assert full.served_by_django and not fast.served_by_django
    assert fast.status_code == full.status_code == 200
    assert fast.headers == full.headers  # ETag and length included: same bytes, same hash
    assert fast.body == full.body
    assert fast.headers["Content-Type"] == tiles.MVT and fast.headers["Access-Control-Allow-Origin"] == "*"


def test_an_empty_tile_is_a_204_from_the_fast_path_once_django_has_answered_one(app, zones, settings):
    call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12))
    first_empty = call(app, "/tiles/zones/12/2/0.mvt")  # rendered, empty, no 204 headers yet: Django answers
    settings.FAST_PATH_HANDLERS = []
    full = call(app, "/tiles/zones/12/0/0.mvt")
    settings.FAST_PATH_HANDLERS = [TILES]
    fast = call(app, "/tiles/zones/12/1/0.mvt")
    assert first_empty.served_by_django and full.served_by_django and not fast.served_by_django
    assert fast.status_code == full.status_code == 204 and fast.body == b""
    assert fast.headers == full.headers


def test_an_english_client_gets_the_english_headers(app, zones):
    call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12))
    english = call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 13), HTTP_ACCEPT_LANGUAGE="en")
    again = call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 14), HTTP_ACCEPT_LANGUAGE="en")
    assert english.served_by_django and not again.served_by_django
    assert again.headers["Content-Language"] == "en"


@pytest.mark.parametrize("path, extra, status", [
    ("/tiles/no-such-layer/12/0/0.mvt", {}, 404),
    ("/tiles/zones/3/9/0.mvt", {}, 404),  # outside the zoom-3 grid
    ("/tiles/zones.json", {}, 200),
])
def test_what_the_fast_path_cannot_answer_goes_to_django(app, zones, path, extra, status):
    call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12))
    assert call(app, path, **extra).status_code == status


def test_a_revalidation_gets_its_304_from_django(app, zones):
    path = tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 12)
    first = call(app, path)
    call(app, tile_path("zones", ORIGIN_LON + 0.005, ORIGIN_LAT + 0.005, 13))
    again = call(app, path, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert again.status_code == 304 and again.body == b""
