import datetime
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from apps.common.geometry import point
from apps.stamps import services
from apps.stamps.models import CounterfeitReport, ScanEvent, ScanKind
from apps.stamps.rendering import stamp_url
from tests.stamps.conftest import path_of


def page_of(client, stamp, **extra) -> str:
    response = client.get(path_of(stamp_url(stamp)), **extra)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_first_scan_says_so(english, stamp):
    page = page_of(english, stamp)
    assert 'data-state="first-scan"' in page
    assert "you are the first to check this stamp" in page


def test_later_scans_show_the_first_check_date_and_the_count(english, stamp):
    page_of(english, stamp)
    page = page_of(english, stamp)
    stamp.refresh_from_db()
    first = timezone.localtime(stamp.first_scanned_at).strftime("%d/%m/%Y")
    assert 'data-state="later-scan"' in page and 'data-state="first-scan"' not in page
    assert f"first checked on {first}" in page and "checked 2 times" in page


def test_the_page_is_vietnamese_by_default(client, stamp):
    page = page_of(client, stamp)
    assert '<html lang="vi">' in page
    assert "bạn là người đầu tiên kiểm tra tem này" in page


def test_a_revoked_stamp_shows_the_revocation_and_its_reason(client, stamp):
    services.revoke_stamps(serials=[stamp.serial], reason="Cuộn tem bị mất cắp")
    page = page_of(client, stamp)
    assert 'data-state="revoked"' in page and "Cuộn tem bị mất cắp" in page
    assert 'data-state="first-scan"' not in page


def test_a_void_stamp_is_shown_plainly(client, stamp):
    services.void_stamps(serials=[stamp.serial])
    page = page_of(client, stamp)
    assert 'data-state="void"' in page and 'data-state="first-scan"' not in page


def test_a_flagged_stamp_shows_a_soft_warning(client, stamp, settings):
    settings.STAMPS_CLONE_MAX_SCANS = 1
    page_of(client, stamp)
    assert 'data-state="flagged"' in page_of(client, stamp)


def test_the_page_carries_the_circular_02_minimum_and_the_origin(english, stamp, sales_point_with_product):
    page = page_of(english, stamp)
    for expected in ("Cà phê rang xay Ea Tu", "HTX Cà phê Ea Tu", "Thôn 3, xã Ea Tu", "L2026-001", "01/03/2026",
                     "28/02/2027", "TCCS 01:2024/HTX", "VN-DLOR-0042", "VN-DLPH-0007", "Xưởng rang Ea Tu",
                     "Cà phê trồng dưới tán sầu riêng", "https://video.example.com/ea-tu", "Trung tâm OCOP tỉnh",
                     'id="origin-features"', 'property="og:title"', 'data-chain="intact"'):
        assert expected in page, expected


def test_a_recognised_ocop_product_shows_stars_certificate_and_validity(client, stamp, rate):
    rate(decision_date=timezone.localdate() - datetime.timedelta(days=30))
    page = page_of(client, stamp)
    assert "★★★★ OCOP" in page and "1234/QĐ-UBND" in page


def test_an_expired_ocop_certificate_shows_its_expiry_date(english, stamp, rate_legacy):
    rating = rate_legacy()
    page = page_of(english, stamp)
    assert 'data-state="ocop-expired"' in page
    assert f"expired on {rating.valid_until:%d/%m/%Y}" in page
    assert "★" not in page.split('data-state="ocop-expired"')[1].split("</article>")[0]


def test_a_revoked_ocop_recognition_is_shown(english, stamp, rate):
    from apps.ratings.services import revoke_rating

    rating = rate(decision_date=timezone.localdate() - datetime.timedelta(days=60))
    revoke_rating(rating=rating, reason="Vi phạm an toàn thực phẩm",
                  revoked_on=timezone.localdate() - datetime.timedelta(days=5))
    page = page_of(english, stamp)
    assert 'data-state="ocop-revoked"' in page and "Vi phạm an toàn thực phẩm" in page


def test_expired_certifications_are_shown_expired_never_valid(english, stamp):
    from apps.certifications.models import Certification, Scheme

    Certification.objects.create(scheme=Scheme.VIETGAP, certifying_body="Trung tâm Chứng nhận", number="VG-01",
                                 valid_from=datetime.date(2020, 1, 1), valid_to=datetime.date(2023, 1, 1),
                                 zone=stamp.lot.zone_shares.get().zone)
    Certification.objects.create(scheme=Scheme.ORGANIC, certifying_body="Control Union", number="ORG-7",
                                 valid_from=datetime.date(2025, 1, 1), valid_to=datetime.date(2099, 1, 1),
                                 product=stamp.lot.product)
    page = page_of(english, stamp)
    expired = re.search(r'data-certification="(\w+)">VietGAP VG-01.*?</li>', page, re.S)
    assert expired.group(1) == "expired" and "expired on 01/01/2023" in expired.group(0)
    assert re.search(r'data-certification="valid">[^<]*ORG-7', page)


def test_a_failed_inspection_of_the_packing_facility_warns_the_consumer(client, stamp):
    from apps.traceability.services import record_inspection

    record_inspection(inspector_name="Nguyễn Văn A", organisation="Chi cục Quản lý chất lượng",
                      inspected_on=datetime.date(2026, 4, 2), result="fail", findings="Kho bảo quản ẩm mốc",
                      target=stamp.lot.packing_facility)
    page = page_of(client, stamp)
    assert 'data-state="failed-inspection"' in page and "Kho bảo quản ẩm mốc" in page
    assert 'data-inspection="fail"' in page


def test_a_recalled_lot_is_announced(client, stamp):
    from apps.traceability.services import recall_lot

    recall_lot(lot=stamp.lot, reason="Nhiễm nấm mốc")
    assert 'data-state="recalled"' in page_of(client, stamp)


def test_the_page_references_no_third_party_host(client, stamp, settings):
    page = page_of(client, stamp)
    tile_host = re.match(r"https?://[^/]+", settings.BASEMAP_TILE_URL).group(0)
    for tag, url in re.findall(r'<(script|link|img|iframe)\b[^>]*?(?:src|href)="([^"]+)"', page):
        assert not url.startswith(("http://", "https://", "//")), (tag, url)
    external = set(re.findall(r'(?:src|href)="(https?://[^/"]+)', page))
    opened_by_visitor = {"https://video.example.com"}
    assert external <= opened_by_visitor, external
    assert page.count(tile_host) == 1 and 'data-tiles="' in page  # only the configured base map, for Leaflet


def test_the_page_weighs_under_200_kb_without_photos(client, stamp):
    page = page_of(client, stamp)
    total = len(page.encode())
    for url in re.findall(r'<(?:script|link)\b[^>]*?(?:src|href)="(/static/[^"]+)"', page):
        found = finders.find(url.removeprefix("/static/"))
        assert found, url
        total += Path(found).stat().st_size
    assert total <= 200 * 1024, total


def test_where_to_buy_lists_the_nearest_first_and_logs_a_coarse_location(client, stamp, sales_point_with_product,
                                                                          far_sales_point):
    url = f"/s/{stamp.serial}/where-to-buy"
    response = client.get(url, {"lat": "10.7769", "lon": "106.7009"})
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index(far_sales_point.name) < text.index(sales_point_with_product.name)
    event = ScanEvent.objects.get(stamp=stamp, kind=ScanKind.LOCATED)
    assert (event.location.y, event.location.x) == (10.78, 106.70) and not event.is_counted


def test_a_consumer_report_lands_in_the_officers_alert_list(client, stamp, staff):
    response = client.post("/s/report", {"serial": stamp.serial, "message": "Tem bị dán đè", "place": "Chợ Ea Kar"})
    assert response.status_code == 200
    report = CounterfeitReport.objects.get()
    assert report.stamp == stamp and report.place == "Chợ Ea Kar"
    client.force_login(staff)
    alerts = client.get("/stamps/officer/alerts/").content.decode()
    assert f'data-report="{report.pk}"' in alerts and "Tem bị dán đè" in alerts


def test_an_empty_report_is_refused(client, db):
    response = client.post("/s/report", {"serial": "X", "message": " "})
    assert response.status_code == 400
    assert not CounterfeitReport.objects.exists()


@pytest.fixture
def sales_point_with_product(stamp):
    from apps.outlets.models import SalesPoint, SalesPointKind

    place = SalesPoint.objects.create(name="Trung tâm OCOP tỉnh", kind=SalesPointKind.CENTRE_PROVINCE,
                                      location=point(108.04, 12.66))
    place.products.add(stamp.lot.product)
    return place


@pytest.fixture
def far_sales_point(stamp):
    from apps.outlets.models import SalesPoint, SalesPointKind

    place = SalesPoint.objects.create(name="Điểm trưng bày TP.HCM", kind=SalesPointKind.SHOWCASE_OUTSIDE,
                                      location=point(106.70, 10.78))
    place.products.add(stamp.lot.product)
    return place


@pytest.fixture
def rate(stamp):
    from apps.ratings.models import CriteriaSet
    from apps.ratings.services import record_rating

    def make(**overrides):
        values = {"product": stamp.lot.product, "criteria_set": CriteriaSet.objects.get(code="148/2023"),
                  "council_level": "province", "era": "2025", "evaluation_date": datetime.date(2025, 9, 10),
                  "score_a": 30, "score_b": 20, "score_c": 25, "decision_number": "1234/QĐ-UBND",
                  "decision_date": datetime.date(2025, 10, 1), "issuing_authority": "UBND tỉnh Đắk Lắk"}
        values.update(overrides)
        values["evaluation_date"] = min(values["evaluation_date"], values["decision_date"])
        return record_rating(**values)

    return make


@pytest.fixture
def rate_legacy(stamp):
    from apps.ratings.models import CriteriaSet
    from apps.ratings.services import record_rating

    def make():
        return record_rating(product=stamp.lot.product, criteria_set=CriteriaSet.objects.get(code="1048/2019"),
                             council_level="province", era="legacy", evaluation_date=datetime.date(2020, 9, 1),
                             score_a=30, score_b=20, score_c=25, decision_number="88/QĐ-UBND",
                             decision_date=datetime.date(2020, 10, 1), issuing_authority="UBND tỉnh Đắk Lắk")

    return make


def test_the_cached_page_still_shows_each_stamp_its_own_serial_banner_and_a_working_form(stamp, settings):
    from django.test import Client

    from apps.stamps.models import Stamp

    settings.STAMPS_PAGE_CACHE_SECONDS = 60
    other = Stamp.objects.get(run=stamp.run, sequence=2)
    visitor = Client(enforce_csrf_checks=True)
    page_of(visitor, stamp)  # fills the cache and uses the first check of ``stamp``
    again = page_of(visitor, stamp)
    fresh = page_of(visitor, other)
    assert 'data-state="later-scan"' in again and stamp.serial in again
    assert 'data-state="first-scan"' in fresh and other.serial in fresh and stamp.serial not in fresh
    assert "@@STAMP" not in fresh
    assert "csrfmiddlewaretoken" not in fresh  # nothing per visitor in the cached page
    response = visitor.post("/s/report", {"serial": other.serial,
                                          "message": "Tem có dấu hiệu bóc dán"})
    assert response.status_code == 200
    assert CounterfeitReport.objects.get().stamp == other
