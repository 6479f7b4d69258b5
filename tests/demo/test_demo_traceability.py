import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.certifications.models import Certification
from apps.demo.chains import demo_lot
from apps.demo.links import demo_links
from apps.ratings.selectors import current_ocop_status
from apps.stamps.models import CounterfeitReport, FlagReason, ScanEvent, Stamp, StampRun, StampStatus
from apps.traceability.models import BizStep, EventType, Inspection, InspectionResult, Lot, LotStatus, TraceEvent
from apps.traceability.selectors import (
    consistency_issues,
    inspection_warnings,
    lot_declaration,
    lot_outputs,
    verify_chain,
)

FULL_FIELD_STEPS = {"planting", "fertilising", "spraying", "harvesting", "receiving", "processing", "packing",
                    "inspecting", "shipping", "retail_selling"}


@pytest.fixture
def fresh_pages(settings):
    """Render each page afresh, with clean rate-limit counters (the test client is always 127.0.0.1)."""
    from django.core.cache import cache

    settings.STAMPS_PAGE_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def links(demo, fresh_pages):
    return {link.state: link for link in demo_links()}


def path_of(url: str) -> str:
    from django.conf import settings

    assert url.startswith(settings.PUBLIC_BASE_URL), url
    return url[len(settings.PUBLIC_BASE_URL):]


def page(client, link, *, status: int = 200, language: str = "vi") -> str:
    client.cookies["django_language"] = language
    response = client.get(path_of(link.url))
    assert response.status_code == status, link
    return response.content.decode()


def test_the_demo_has_at_least_8_lots_of_coffee_durian_pepper_and_honey_with_intact_chains(demo):
    lots = list(Lot.objects.select_related("product"))
    assert len(lots) >= 8
    names = " ".join(lot.product.name for lot in lots)
    for word in ("Cà phê", "Sầu riêng", "tiêu", "Mật ong"):
        assert word in names, word
    for lot in lots:
        chain = verify_chain(lot)
        assert chain.is_intact and chain.event_count >= 6, (lot.code, chain.message)
        assert not consistency_issues(lot), (lot.code, consistency_issues(lot))


def test_the_logbooks_cover_every_step_from_planting_to_retail_in_the_past(demo):
    assert set(TraceEvent.objects.values_list("biz_step", flat=True)) == FULL_FIELD_STEPS
    coffee = TraceEvent.objects.filter(lot=demo_lot("CF-2603-01")).order_by("sequence")
    steps = [event.biz_step for event in coffee]
    assert steps[0] == BizStep.PLANTING and steps[-1] == BizStep.RETAIL_SELLING
    times = [event.event_time for event in coffee]
    assert times == sorted(times) and times[-1] < timezone.now()
    spraying = TraceEvent.objects.filter(biz_step=BizStep.SPRAYING)
    assert spraying.exists() and all(event.input_product and event.pre_harvest_interval_days for event in spraying)
    retail = coffee.get(biz_step=BizStep.RETAIL_SELLING)
    assert retail.sales_point is not None
    shipping = coffee.get(biz_step=BizStep.SHIPPING)
    assert {document["type"] for document in shipping.business_documents} == {"inv", "desadv"}


def test_a_processed_lot_is_made_from_another_lot_by_a_transformation_event(demo):
    fresh, dried = demo_lot("DUR-2608-01"), demo_lot("DUR-2608-FD")
    assert "sấy thăng hoa" in dried.product.name and dried.product.producer_id == fresh.product.producer_id
    transformation = TraceEvent.objects.get(lot=dried, event_type=EventType.TRANSFORMATION)
    roles = {(link.role, link.lot_id) for link in transformation.lot_links.all()}
    assert roles == {("input", fresh.pk), ("output", dried.pk)}
    assert list(dried.source_lots.all()) == [fresh]
    assert [item.lot for item in lot_outputs(fresh).derived_lots] == [dried]


def test_declarations_have_versions_and_a_lot_shows_the_one_in_force_on_its_production_date(demo):
    old, new = demo_lot("CF-2504-01"), demo_lot("CF-2603-01")
    assert old.product_id == new.product_id
    versions = list(new.product.declarations.order_by("version"))
    assert [version.version for version in versions] == [1, 2]
    assert versions[0].effective_to == versions[1].effective_from - datetime.timedelta(days=1)
    assert lot_declaration(old) == versions[0] and lot_declaration(new) == versions[1]


def test_certifications_of_the_lots_places_include_expired_ones(demo):
    today = timezone.localdate()
    zone = demo_lot("CF-2603-01").zone_shares.order_by("-share_percent").first().zone
    certificates = Certification.objects.filter(zone=zone)
    assert certificates.filter(valid_to__lt=today).exists() and certificates.filter(valid_to__gte=today).exists()
    assert Certification.objects.filter(production_facility__isnull=False, number="HACCP-2024-0788").exists()


def test_one_failed_inspection_warns_the_pepper_lot_and_no_other(demo):
    failed = Inspection.objects.get(result=InspectionResult.FAIL)
    pepper = demo_lot("PEP-2603-01")
    assert failed.zone in [share.zone for share in pepper.zone_shares.all()]
    assert [warning.inspection for warning in inspection_warnings(pepper)] == [failed]
    warned = [lot.code for lot in Lot.objects.all() if inspection_warnings(lot)]
    assert warned == ["PEP-2603-01"]
    assert set(Inspection.objects.values_list("result", flat=True)) == set(InspectionResult.values)


def test_one_lot_is_recalled_with_its_reason_and_the_others_are_released(demo):
    recalled = Lot.objects.get(status=LotStatus.RECALLED)
    assert recalled.code == "HON-2603-01" and "độ ẩm" in recalled.recall_reason
    assert not Lot.objects.filter(status=LotStatus.OPEN).exists()


def test_stamp_runs_hold_stamps_in_every_state(demo):
    statuses = set(Stamp.objects.values_list("status", flat=True))
    assert statuses == set(StampStatus.values)
    revoked = Stamp.objects.filter(status=StampStatus.REVOKED)
    assert all(stamp.status_reason for stamp in revoked)
    assert Stamp.objects.filter(status=StampStatus.ACTIVE, scan_count=0).exists()
    assert Stamp.objects.filter(status=StampStatus.ACTIVE, scan_count__gte=3).exists()
    assert StampRun.objects.count() >= 8


def test_past_scans_are_in_the_scan_log_and_one_stamp_is_flagged_and_reported(demo):
    scanned = Stamp.objects.filter(scan_count__gt=0)
    for stamp in scanned:
        assert ScanEvent.objects.filter(stamp=stamp, is_counted=True).count() == stamp.scan_count
        assert stamp.first_scanned_at < timezone.now() - datetime.timedelta(days=7)
    assert set(ScanEvent.objects.values_list("user_agent_family", flat=True)) >= {"Zalo", "Chrome", "Safari"}
    flagged = Stamp.objects.get(is_flagged=True)
    assert flagged.flag_reason == FlagReason.IMPOSSIBLE_TRAVEL
    reports = CounterfeitReport.objects.all()
    assert reports.filter(stamp=flagged).exists() and reports.filter(stamp__isnull=True).exists()


def test_products_with_expired_and_revoked_ocop_ratings_have_stamped_lots(demo):
    assert current_ocop_status(demo_lot("HON-2505-01").product).state == "expired"
    assert current_ocop_status(demo_lot("DUR-2607-01").product).state == "revoked"
    assert current_ocop_status(demo_lot("CF-2603-01").product).state == "recognised"
    for code in ("HON-2505-01", "DUR-2607-01"):
        assert Stamp.objects.filter(lot=demo_lot(code), status=StampStatus.ACTIVE).exists()


def test_there_is_an_example_link_for_every_banner(links):
    assert set(links) == {"first-scan", "later-scan", "not-activated", "void", "revoked", "flagged", "recalled",
                          "failed-inspection", "ocop-expired", "ocop-revoked", "unknown"}
    assert "/01/" in links["first-scan"].url and "/10/CF-2603-01/21/" in links["first-scan"].url
    assert "/s/" in links["ocop-revoked"].url  # that product has no GTIN


@pytest.mark.parametrize(("state", "vietnamese", "english"), [
    ("first-scan", "bạn là người đầu tiên kiểm tra tem này", "you are the first to check this stamp"),
    ("later-scan", "Tem này được kiểm tra lần đầu vào", "This stamp was first checked on"),
    ("not-activated", "Nhà sản xuất chưa kích hoạt tem này", "The producer has not activated this stamp yet"),
    ("void", "Tem này đã bị nhà sản xuất hủy", "This stamp was voided by the producer"),
    ("revoked", "Tem này đã bị thu hồi", "This stamp has been revoked"),
    ("flagged", "Mã này được kiểm tra bất thường", "This code has been checked in an unusual way"),
    ("recalled", "Lô hàng này đã bị thu hồi", "This lot has been recalled"),
    ("failed-inspection", "phát hiện vấn đề trong chuỗi sản xuất", "found problems in this product's chain"),
    ("ocop-expired", "Giấy chứng nhận OCOP đã hết hạn ngày", "OCOP certificate expired on"),
    ("ocop-revoked", "Công nhận OCOP đã bị thu hồi ngày", "OCOP recognition revoked on"),
])
def test_each_example_link_opens_a_page_with_its_banner(client, links, state, vietnamese, english):
    vi_page = page(client, links[state])
    assert f'data-state="{state}"' in vi_page and vietnamese in vi_page
    assert 'data-chain="intact"' in vi_page
    again = {link.state: link for link in demo_links()}[state]  # the first-scan stamp has just been used
    assert english in page(client, again, language="en")


def test_the_later_scan_page_gives_the_past_first_check_and_the_count(client, links):
    stamp = Stamp.objects.get(serial=links["later-scan"].url.rsplit("/", 1)[1])
    first = timezone.localtime(stamp.first_scanned_at).strftime("%d/%m/%Y")
    html = page(client, links["later-scan"], language="en")
    assert f"first checked on {first}" in html and f"checked {stamp.scan_count + 1} times" in html


def test_the_first_scan_link_moves_on_once_it_was_used(client, links):
    page(client, links["first-scan"])
    assert demo_links()[0].url != links["first-scan"].url


def test_the_revoked_stamp_page_gives_the_reason(client, links):
    assert "thất lạc" in page(client, links["revoked"])


def test_the_unknown_link_is_a_404_page_with_the_report_form(client, links):
    html = page(client, links["unknown"], status=404)
    assert 'data-state="unknown"' in html and "sản phẩm có thể là hàng giả" in html
    assert 'name="message"' in html


def test_the_demo_links_command_prints_them_on_another_base(demo):
    output = StringIO()
    call_command("demo_links", "--base-url", "http://127.0.0.1:8123", stdout=output)
    lines = output.getvalue().splitlines()
    assert len(lines) == 11 and all("http://127.0.0.1:8123/" in line for line in lines)


def test_load_demo_prints_the_example_links_on_the_base_it_is_given(demo_loaded, db):
    messages = demo_loaded[1]
    start = next(index for index, message in enumerate(messages) if message.startswith("example stamp pages"))
    assert all("://" in message for message in messages[start + 1:start + 12])
    output = StringIO()
    call_command("load_demo", "--base-url", "http://127.0.0.1:8123", stdout=output)  # as ./ocop up runs it
    printed = [line for line in output.getvalue().splitlines() if "http://127.0.0.1:8123/" in line]
    assert len(printed) == 11
