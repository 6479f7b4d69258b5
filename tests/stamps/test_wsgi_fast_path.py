"""The WSGI fast path in front of Django (apps.stamps.fastpath): same answers as the full stack, nothing twice."""

from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIHandler

from apps.common.fastpath import FastPath
from apps.stamps import serials, services, views
from apps.stamps.models import ScanEvent, ScanOutcome, Stamp
from apps.stamps.rendering import stamp_url
from tests.stamps.conftest import path_of
from tests.wsgi import call

PER_RESPONSE = {"Expires", "Date"}
SCANS = "apps.stamps.fastpath.ScanHandler"


@pytest.fixture(autouse=True)
def _cached_pages(settings):
    settings.STAMPS_PAGE_CACHE_SECONDS = 60  # the fast path serves only what the view has cached
    settings.SECURE_SSL_REDIRECT = False
    settings.FAST_PATH_HANDLERS = [SCANS]


@pytest.fixture
def app():
    return FastPath(WSGIHandler(), [SCANS])


@pytest.fixture
def stamps(stamp):
    return list(Stamp.objects.select_related("lot__product").filter(run=stamp.run).order_by("sequence"))


def swap_serial(text: str, old: Stamp, new: Stamp) -> str:
    """``text`` written for stamp ``new`` instead of ``old`` (both serials plain letters and digits: no escaping)."""
    assert old.serial.isalnum() and new.serial.isalnum()
    return text.replace(old.serial, new.serial)


def url(stamp: Stamp) -> str:
    return path_of(stamp_url(stamp))


def test_the_wsgi_entry_point_puts_the_fast_path_in_front_of_django():
    from gis_ocop.wsgi import application

    assert isinstance(application, FastPath)
    assert SCANS in [path for path, _handler in application.handlers]


def test_the_first_scan_goes_through_django_and_teaches_the_fast_path_its_headers(app, stamps):
    first = call(app, url(stamps[0]))
    assert first.status_code == 200 and first.served_by_django
    assert 'data-state="first-scan"' in first.text
    frame = dict(app.frames[(views.PAGE_FRAME, 200, ("vi", False))])
    assert frame["X-Frame-Options"] == "DENY" and "Content-Length" not in frame and "Link" not in frame

    second = call(app, url(stamps[1]))
    assert second.status_code == 200 and not second.served_by_django
    assert 'data-state="first-scan"' in second.text


@pytest.mark.parametrize("language_header", [{}, {"HTTP_ACCEPT_LANGUAGE": "en"}, {"HTTP_COOKIE": "django_language=en"}])
def test_a_fast_answer_is_what_the_full_stack_answers_header_for_header_and_byte_for_byte(app, stamps, settings,
                                                                                        language_header):
    stamps = [stamp for stamp in stamps if stamp.serial.isalnum()]  # check symbols like "=" are escaped in links
    call(app, url(stamps[0]), **language_header)  # warm: page, banner and headers for "first check"
    settings.FAST_PATH_HANDLERS = []
    full = call(app, url(stamps[1]), **language_header)
    settings.FAST_PATH_HANDLERS = [SCANS]
    fast = call(app, url(stamps[2]), **language_header)
    assert full.served_by_django and not fast.served_by_django
    assert fast.status_code == full.status_code == 200
    drop = {name: value for name, value in full.headers.items() if name not in PER_RESPONSE}
    expected = {**drop, "Link": swap_serial(drop["Link"], stamps[1], stamps[2]),
                "Content-Length": str(len(swap_serial(full.text, stamps[1], stamps[2]).encode()))}
    assert {name: value for name, value in fast.headers.items() if name not in PER_RESPONSE} == expected
    assert fast.text == swap_serial(full.text, stamps[1], stamps[2])
    assert int(fast.headers["Content-Length"]) == len(fast.body)
    assert "Expires" in fast.headers


def test_english_visitors_get_the_english_page_from_the_fast_path(app, stamps):
    call(app, url(stamps[0]), HTTP_ACCEPT_LANGUAGE="en")
    vietnamese = call(app, url(stamps[1]))  # another language: Django again, once
    english = call(app, url(stamps[2]), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert vietnamese.served_by_django and '<html lang="vi">' in vietnamese.text
    assert not english.served_by_django and '<html lang="en">' in english.text
    assert english.headers["Content-Language"] == "en"


def test_https_answers_keep_their_own_headers(stamps, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    app = FastPath(WSGIHandler(), [SCANS])  # the security middleware reads its settings when it is built
    call(app, url(stamps[0]))
    call(app, url(stamps[1]), HTTP_X_FORWARDED_PROTO="https")
    plain = call(app, url(stamps[2]))
    secure = call(app, url(stamps[3]), HTTP_X_FORWARDED_PROTO="https")
    assert not plain.served_by_django and not secure.served_by_django
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=3600")


def test_later_scans_are_counted_once_each_and_show_the_count(app, stamps):
    stamp = stamps[0]
    answers = [call(app, url(stamp), HTTP_ACCEPT_LANGUAGE="en") for _ in range(4)]
    stamp.refresh_from_db()
    assert stamp.scan_count == 4
    assert ScanEvent.objects.filter(stamp=stamp, is_counted=True).count() == 4
    assert "checked 3 times" in answers[2].text and "checked 4 times" in answers[3].text
    # the count-3 banner was new to the process: Django rendered it from the fast path's recorded scan
    assert answers[2].served_by_django and views.HANDOVER in answers[2].environ
    assert not call(app, url(stamps[1]), HTTP_ACCEPT_LANGUAGE="en").served_by_django  # all cached by now


def test_a_banner_state_seen_for_the_first_time_is_rendered_by_django_from_the_recorded_scan(app, stamps):
    call(app, url(stamps[0]))
    services.revoke_stamps(serials=[stamps[1].serial, stamps[2].serial], reason="Cuộn tem bị mất")
    handed_over = call(app, url(stamps[1]))
    fast = call(app, url(stamps[2]))
    assert handed_over.served_by_django and not fast.served_by_django
    for answer in (handed_over, fast):
        assert 'data-state="revoked"' in answer.text and "Cuộn tem bị mất" in answer.text
    assert ScanEvent.objects.filter(stamp__in=stamps[1:3]).count() == 2


def test_an_unknown_serial_is_logged_once_and_answered_by_the_counterfeit_page(app, stamps):
    call(app, url(stamps[0]))
    unknown = serials.new_serials(1)[0]
    answer = call(app, f"/s/{unknown}")
    assert answer.status_code == 404 and 'data-state="unknown"' in answer.text
    assert views.HANDOVER in answer.environ  # recorded by the fast path, answered by the view
    events = ScanEvent.objects.filter(serial=unknown)
    assert events.count() == 1 and events.get().outcome == ScanOutcome.UNKNOWN


def test_a_real_serial_under_another_lot_is_logged_once_as_a_mismatch(app, stamps):
    call(app, url(stamps[0]))
    path = url(stamps[1]).replace("/10/L2026-001/", "/10/OTHER-LOT/")
    answer = call(app, path)
    assert answer.status_code == 404
    event = ScanEvent.objects.get(serial=stamps[1].serial)
    assert event.outcome == ScanOutcome.MISMATCH and event.stamp_id is None


def test_the_rate_limit_counts_each_request_once(app, stamps, settings):
    settings.STAMPS_RATE_LIMIT_PER_MINUTE = 4
    codes = [call(app, url(stamps[index])).status_code for index in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    refused = call(app, url(stamps[6]))
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert ScanEvent.objects.count() == 4


@pytest.mark.parametrize("path_suffix, extra, content_type", [
    ("?linkType=all", {}, "application/linkset+json"),
    ("", {"HTTP_ACCEPT": "application/linkset+json"}, "application/linkset+json"),
    ("", {"HTTP_ACCEPT": "application/json"}, "text/html; charset=utf-8"),  # the view's choice, made by the view
])
def test_link_sets_query_strings_and_json_clients_go_to_django(app, stamps, path_suffix, extra, content_type):
    call(app, url(stamps[0]))
    answer = call(app, url(stamps[1]) + path_suffix, **extra)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == content_type
    assert views.HANDOVER not in answer.environ
    assert ScanEvent.objects.filter(serial=stamps[1].serial).count() == 1


def test_a_malformed_url_is_answered_by_django_with_its_400(app, stamps):
    call(app, url(stamps[0]))
    answer = call(app, url(stamps[1]).replace("/01/08930000000019/", "/01/08930000000018/"))
    assert answer.status_code == 400 and "GTIN" in answer.text


def test_a_host_django_does_not_allow_is_refused_by_django(app, stamps):
    call(app, url(stamps[0]))
    answer = call(app, url(stamps[1]), HTTP_HOST="evil.example.com")
    assert answer.status_code == 400
    assert not ScanEvent.objects.filter(serial=stamps[1].serial).exists()


def test_switched_off_the_fast_path_learns_and_serves_nothing(app, stamps, settings):
    settings.FAST_PATH_HANDLERS = []
    answers = [call(app, url(stamp)) for stamp in stamps[:3]]
    assert all(answer.served_by_django and answer.status_code == 200 for answer in answers)
    assert not app.frames


def test_without_a_page_cache_every_scan_goes_through_django_and_is_logged_once(app, stamps, settings):
    settings.STAMPS_PAGE_CACHE_SECONDS = 0
    answers = [call(app, url(stamp)) for stamp in stamps[:3]]
    assert all(answer.served_by_django and answer.status_code == 200 for answer in answers)
    assert ScanEvent.objects.filter(stamp__in=stamps[:3]).count() == 3


def test_a_change_to_the_lot_page_is_never_served_stale_by_the_fast_path(app, stamps, product):
    call(app, url(stamps[0]))  # the view caches the page under the lot's current page version
    assert not call(app, url(stamps[1])).served_by_django
    product.story = "Rang mộc, không tẩm ướp."
    product.save(update_fields=["story"])  # a new page version for the product's lots (apps.stamps.freshness)

    changed = call(app, url(stamps[2]))
    assert changed.served_by_django  # the cached entries are of the old version: the view renders the page again
    assert product.story in changed.text
    again = call(app, url(stamps[3]))
    assert not again.served_by_django and product.story in again.text
