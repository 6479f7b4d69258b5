"""The resolver's fast path: the lean middleware chain, the one-round-trip scan call and the cached page parts."""

from urllib.parse import quote

from django.test import Client

from apps.stamps import services
from apps.stamps.models import CounterfeitReport, FlagReason, ScanEvent, ScanKind, ScanOutcome, Stamp
from apps.stamps.rendering import stamp_url
from tests.stamps.conftest import path_of


def test_a_scan_answers_with_the_headers_the_full_middleware_stack_gives(client, stamp):
    response = client.get(path_of(stamp_url(stamp)), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Language"] == "en"
    assert {"Accept-Language", "Cookie"} <= {part.strip() for part in response["Vary"].split(",")}
    assert int(response["Content-Length"]) == len(response.content)
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # nothing per visitor: no CSRF token, no session
    assert "you are the first to check this stamp" in response.content.decode()


def test_a_scan_touches_no_session_and_no_user(client, stamp):
    response = client.get(path_of(stamp_url(stamp)))
    assert not hasattr(response.wsgi_request, "session") and not hasattr(response.wsgi_request, "user")
    assert "sessionid" not in response.cookies


def test_the_anonymous_report_form_is_accepted_without_a_csrf_token(stamp):
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post("/s/report", {"serial": stamp.serial, "message": "Tem bị bóc"})
    assert response.status_code == 200
    assert CounterfeitReport.objects.get().stamp == stamp


def test_the_language_links_of_a_scanned_page_come_back_to_the_same_stamp_url(client, stamp):
    path = path_of(stamp_url(stamp))
    page = client.get(path).content.decode()
    assert f'href="/language/?language=en&amp;next={quote(path, safe="/")}"' in page
    switched = client.get(f"/language/?language=en&next={quote(path, safe='/')}")
    assert switched.status_code == 302 and switched["Location"] == path
    assert '<html lang="en">' in client.get(path).content.decode()


def test_a_link_preview_bot_opening_the_page_is_logged_but_not_counted(client, stamp):
    response = client.get(path_of(stamp_url(stamp)), HTTP_USER_AGENT="facebookexternalhit/1.1")
    assert response.status_code == 200
    stamp.refresh_from_db()
    assert stamp.scan_count == 0 and stamp.first_scanned_at is None
    event = ScanEvent.objects.get(stamp=stamp)
    assert event.kind == ScanKind.PREVIEW and not event.is_counted and event.user_agent_family == "bot"


def test_page_scans_past_the_limit_flag_the_stamp_and_say_so(client, stamp, settings):
    settings.STAMPS_CLONE_MAX_SCANS = 2
    pages = [client.get(path_of(stamp_url(stamp))).content.decode() for _ in range(3)]
    stamp.refresh_from_db()
    assert stamp.scan_count == 3 and stamp.is_flagged and stamp.flag_reason == FlagReason.TOO_MANY_SCANS
    assert 'data-state="flagged"' not in pages[1] and 'data-state="flagged"' in pages[2]
    assert ScanEvent.objects.filter(stamp=stamp, is_counted=True).count() == 3


def test_a_revocation_reason_is_shown_escaped(client, stamp):
    services.revoke_stamps(serials=[stamp.serial], reason="<b>Cuộn tem</b> bị mất")
    page = client.get(path_of(stamp_url(stamp))).content.decode()
    assert "&lt;b&gt;Cuộn tem&lt;/b&gt; bị mất" in page and "<b>Cuộn tem</b>" not in page


def test_record_page_scan_logs_unknown_and_mismatched_serials_without_a_stamp(stamp):
    other = Stamp.objects.get(run=stamp.run, sequence=2)
    unknown = services.record_page_scan(serial="0000000000000")
    mismatch = services.record_page_scan(serial=other.serial, gtin14="08930000000019", lot_code="OTHER-LOT")
    assert unknown.stamp is None and unknown.outcome == ScanOutcome.UNKNOWN
    assert mismatch.stamp is None and mismatch.outcome == ScanOutcome.MISMATCH
    assert ScanEvent.objects.get(serial=other.serial).stamp_id is None
    other.refresh_from_db()
    assert other.scan_count == 0


def test_record_page_scan_counts_the_check_and_returns_the_first_date(stamp):
    first = services.record_page_scan(serial=stamp.serial, gtin14="08930000000019", lot_code="L2026-001")
    later = services.record_page_scan(serial=stamp.serial, gtin14="08930000000019", lot_code="L2026-001")
    stamp.refresh_from_db()
    assert first.scan.is_first_scan and first.scan.scan_count == 1
    assert not later.scan.is_first_scan and later.scan.scan_count == 2 == stamp.scan_count
    assert later.scan.first_scanned_at == stamp.first_scanned_at == first.scan.first_scanned_at
    assert later.stamp.pk == stamp.pk and later.stamp.status == stamp.status
