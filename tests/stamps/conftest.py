"""Fixtures for stamp tests: a coffee lot with a GTIN, its zone, facilities, a sales point, stamps and helpers."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from apps.common.geometry import point
from tests.live import live_database  # noqa: F401 — for the transactional page-refresh test


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """No page cache, fresh per-process caches and rate-limit counters in every test.

    (The test client always comes from 127.0.0.1.)
    """
    from django.core.cache import cache

    from apps.stamps import localcache

    settings.STAMPS_PAGE_CACHE_SECONDS = 0
    settings.PUBLIC_BASE_URL = "https://truyxuat.example.vn"
    settings.LANGUAGE_CODE = "vi"
    cache.clear()
    localcache.clear()
    yield
    cache.clear()
    localcache.clear()


@pytest.fixture
def commune(db):
    from apps.territory.models import AdministrativeUnit, Era, Level

    return AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("code").first()


@pytest.fixture
def producer(commune):
    from apps.producers.models import LegalForm, Producer

    return Producer.objects.create(name="HTX Cà phê Ea Tu", legal_form=LegalForm.COOPERATIVE, tax_code="6001234567",
                                   commune=commune, address="Thôn 3, xã Ea Tu, Đắk Lắk", slug="htx-ea-tu")


@pytest.fixture
def category(db):
    from apps.products.models import ClassificationLevel, ProductCategory

    return ProductCategory.objects.create(scheme="test", code="T-COFFEE", name="Cà phê (thử)",
                                          level=ClassificationLevel.INDUSTRY)


@pytest.fixture
def make_product(producer, category):
    from apps.products.models import Product

    def make(name: str = "Cà phê rang xay Ea Tu", gtin: str = "8930000000019", **extra) -> Product:
        slug = f"product-{Product.objects.count()}"
        return Product.objects.create(name=name, category=category, producer=producer, gtin=gtin, slug=slug,
                                      **extra)

    return make


@pytest.fixture
def product(make_product):
    return make_product(declared_standard="TCCS 01:2024/HTX", story="Cà phê trồng dưới tán sầu riêng.",
                        video_url="https://video.example.com/ea-tu")


@pytest.fixture
def zone(db):
    from apps.zones.models import Crop, RawMaterialZone, ZoneKind, ZoneStatus

    crop = Crop.objects.create(slug="test-coffee", name="Cà phê (thử)")
    shape = MultiPolygon(Polygon.from_bbox((108.10, 12.70, 108.11, 12.71)), srid=4326)
    return RawMaterialZone.objects.create(name="Vùng cà phê Ea Tu", kind=ZoneKind.CULTIVATION, crop=crop,
                                          geometry=shape, area_ha=120, status=ZoneStatus.ACTIVE)


@pytest.fixture
def growing_code(zone):
    from apps.zones.models import CodeType, GrowingAreaCode

    code = GrowingAreaCode.objects.create(code="VN-DLOR-0042", code_type=CodeType.EXPORT, province_letters="DL",
                                          sequence=42, crop=zone.crop, issuing_authority="Cục Bảo vệ thực vật",
                                          issue_date=datetime.date(2023, 1, 10))
    code.zones.add(zone)
    return code


@pytest.fixture
def packing_facility(producer):
    from apps.facilities.models import PackingFacility

    return PackingFacility.objects.create(name="Nhà đóng gói Ea Tu", code="VN-DLPH-0007", operator=producer,
                                          location=point(108.05, 12.68))


@pytest.fixture
def production_facility(producer):
    from apps.facilities.models import ProductionFacility

    return ProductionFacility.objects.create(name="Xưởng rang Ea Tu", producer=producer,
                                             location=point(108.04, 12.67))


@pytest.fixture
def lot(product, zone, growing_code, packing_facility, production_facility):
    from apps.traceability.services import create_lot

    return create_lot(product=product, code="L2026-001", production_date=datetime.date(2026, 3, 1),
                      expiry_date=datetime.date(2027, 2, 28), quantity="500", unit="kg", zone_shares=[(zone, 80)],
                      packing_facility=packing_facility, production_facility=production_facility)


@pytest.fixture
def run(lot):
    from apps.stamps.services import issue_stamp_run

    return issue_stamp_run(lot=lot, count=20)


@pytest.fixture
def stamp(run):
    from apps.stamps.models import Stamp
    from apps.stamps.services import activate_stamps

    activate_stamps(run=run, sequence_from=1, sequence_to=run.count)
    return Stamp.objects.select_related("lot__product").get(run=run, sequence=1)


@pytest.fixture
def staff(django_user_model):
    from apps.accounts.models import OfficerProfile, Role

    user = django_user_model.objects.create_user(username="officer", password="x-long-password-1", is_staff=True)
    OfficerProfile.objects.create(user=user, role=Role.PROVINCIAL_OFFICE)  # stamps are the OCOP office's work
    return user


@pytest.fixture
def consumer_user(django_user_model):
    return django_user_model.objects.create_user(username="consumer", password="x-long-password-1")


def path_of(url: str) -> str:
    """The path of a stamp URL on the test server (drops PUBLIC_BASE_URL)."""
    from django.conf import settings

    assert url.startswith(settings.PUBLIC_BASE_URL)
    return url[len(settings.PUBLIC_BASE_URL):]
