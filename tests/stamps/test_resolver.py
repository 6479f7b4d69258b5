import json

import pytest
from django.test import Client

from apps.stamps import serials
from apps.stamps.models import ScanEvent, ScanKind, ScanOutcome
from apps.stamps.rendering import stamp_url
from tests.stamps.conftest import path_of


def test_the_stamp_url_is_a_gs1_digital_link_when_the_product_has_a_gtin(stamp):
    assert stamp_url(stamp) == f"https://truyxuat.example.vn/01/08930000000019/10/L2026-001/21/{stamp.serial}"


def test_without_a_gtin_the_stamp_url_is_short_and_resolves(client, make_product, lot, stamp):
    product = lot.product
    product.gtin = ""
    product.save()
    stamp.lot.product.gtin = ""
    url = stamp_url(stamp)
    assert url == f"https://truyxuat.example.vn/s/{stamp.serial}"
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert product.name in response.content.decode()


def test_get_returns_the_product_page_with_cors_and_a_link_header(client, stamp):
    response = client.get(path_of(stamp_url(stamp)))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'rel="https://gs1.org/voc/pip"' in response["Link"]
    assert 'rel="linkset"' in response["Link"]
    page = response.content.decode()
    assert "Cà phê rang xay Ea Tu" in page and "L2026-001" in page
    assert ScanEvent.objects.filter(stamp=stamp, kind=ScanKind.PAGE, is_counted=True).count() == 1


def test_head_answers_with_headers_and_no_body_and_records_no_scan(client, stamp):
    response = client.head(path_of(stamp_url(stamp)))
    assert response.status_code == 200
    assert response.content == b""
    assert "gs1.org/voc/pip" in response["Link"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not ScanEvent.objects.filter(stamp=stamp).exists()


def test_options_is_a_cors_preflight(client, stamp):
    response = client.options(path_of(stamp_url(stamp)), HTTP_ORIGIN="https://scanner.example.org",
                              HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"] and "HEAD" in response["Allow"]


@pytest.mark.parametrize("how", [{"data": {"linkType": "all"}}, {"HTTP_ACCEPT": "application/linkset+json"}])
def test_the_linkset_lists_page_traceability_and_certificates(client, stamp, how):
    response = client.get(path_of(stamp_url(stamp)), **how)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/linkset+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    links = document["linkset"][0]
    assert links["anchor"] == stamp_url(stamp)
    assert links["https://gs1.org/voc/pip"][0]["href"] == stamp_url(stamp)
    assert links["https://gs1.org/voc/traceability"][0]["href"].endswith(f"/lots/{stamp.lot_id}/epcis")
    assert "https://gs1.org/voc/certificationInfo" in links
    assert links["https://gs1.org/voc/relatedVideo"][0]["href"] == "https://video.example.com/ea-tu"
    assert ScanEvent.objects.get(stamp=stamp).kind == ScanKind.LINKSET


def test_a_specific_link_type_redirects_to_that_link(client, stamp):
    response = client.get(path_of(stamp_url(stamp)), {"linkType": "gs1:traceability"})
    assert response.status_code == 307
    assert response["Location"].endswith(f"/lots/{stamp.lot_id}/epcis")


def test_a_bad_gtin_check_digit_is_a_400(client, stamp):
    response = client.get(f"/01/08930000000018/10/L2026-001/21/{stamp.serial}")
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "check digit" in response.content.decode() or "số kiểm tra" in response.content.decode()


def test_a_malformed_serial_is_a_400(client, stamp):
    assert client.get("/01/08930000000019/10/L2026-001/21/NOT!A!SERIAL").status_code == 400
    assert client.get("/s/ABC").status_code == 400


def test_a_mistyped_serial_fails_its_check_symbol_with_a_400(client, stamp):
    position = 4
    replacement = "Z" if stamp.serial[position] != "Z" else "Y"
    typo = stamp.serial[:position] + replacement + stamp.serial[position + 1:]
    response = client.get(f"/s/{typo}", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "serial_check_failed"


def test_an_unknown_serial_is_a_404_counterfeit_page_with_a_report_form(client, stamp):
    unknown = serials.new_serials(1)[0]
    response = client.get(f"/01/08930000000019/10/L2026-001/21/{unknown}")
    assert response.status_code == 404
    page = response.content.decode()
    assert "sản phẩm có thể là hàng giả" in page or "the product may be counterfeit" in page
    assert 'data-state="unknown"' in page and 'name="message"' in page
    event = ScanEvent.objects.get(serial=unknown)
    assert event.stamp_id is None and event.outcome == ScanOutcome.UNKNOWN


def test_a_real_serial_under_another_lot_is_treated_as_unknown(client, stamp):
    response = client.get(f"/01/08930000000019/10/OTHER-LOT/21/{stamp.serial}")
    assert response.status_code == 404
    assert ScanEvent.objects.get(stamp=None, serial=stamp.serial).outcome == ScanOutcome.MISMATCH


def test_a_flood_of_unknown_serials_is_throttled_for_that_client_only(stamp, settings):
    settings.STAMPS_RATE_LIMIT_UNKNOWN_PER_MINUTE = 5
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [guesser.get(f"/s/{serial}").status_code for serial in serials.new_serials(8)]
    assert statuses[:5] == [404] * 5
    assert set(statuses[5:]) == {429}
    blocked = guesser.get(path_of(stamp_url(stamp)))
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    neighbour = Client(REMOTE_ADDR="198.51.100.4")
    assert neighbour.get(path_of(stamp_url(stamp))).status_code == 200


def test_the_overall_rate_limit_engages_per_client(stamp, settings):
    settings.STAMPS_RATE_LIMIT_PER_MINUTE = 3
    visitor = Client(REMOTE_ADDR="203.0.113.10")
    statuses = [visitor.get(path_of(stamp_url(stamp))).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]



def test_with_a_shared_cache_backend_the_rate_limit_counts_there(stamp, settings, tmp_path):
    from django.core.cache import caches

    from apps.stamps import ratelimit

    settings.CACHES = {**settings.CACHES, "shared": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}}
    settings.STAMPS_RATE_LIMIT_CACHE = "shared"
    settings.STAMPS_RATE_LIMIT_PER_MINUTE = 2
    visitor = Client(REMOTE_ADDR="203.0.113.11")
    statuses = [visitor.get(path_of(stamp_url(stamp))).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    all_key = ratelimit._keys("203.0.113.11")[0]
    assert caches["shared"].get(all_key) == 3  # in the shared backend, where every worker sees it
    assert ratelimit._PROCESS_COUNTERS.get(all_key) is None


def test_process_counts_start_again_in_a_new_window(monkeypatch):
    from apps.stamps import ratelimit

    now = [6_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    counters = ratelimit._ProcessCounters()
    assert [counters.count("k") for _ in range(3)] == [1, 2, 3]
    assert counters.get("k") == 3
    now[0] += ratelimit.WINDOW_SECONDS
    assert counters.get("k") is None
    assert counters.count("k") == 1
