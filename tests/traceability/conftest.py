"""Small composable fixtures for traceability tests (plain ORM, Đắk Lắk communes from the session fixture)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from apps.common.geometry import point


def square(lon: float, lat: float, size: float = 0.01) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lon, lat, lon + size, lat + size)), srid=4326)


@pytest.fixture
def commune(db):
    from apps.territory.models import AdministrativeUnit, Era, Level

    return AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("code").first()


@pytest.fixture
def make_producer(commune):
    from apps.producers.models import LegalForm, Producer

    def make(name: str = "HTX Cà phê Ea Tu", tax_code: str = "6001234567") -> Producer:
        return Producer.objects.create(name=name, legal_form=LegalForm.COOPERATIVE, tax_code=tax_code,
                                       commune=commune, address="Xã Ea Tu, Đắk Lắk", slug=tax_code)

    return make


@pytest.fixture
def producer(make_producer):
    return make_producer()


@pytest.fixture
def category(db):
    from apps.products.models import ClassificationLevel, ProductCategory

    return ProductCategory.objects.create(scheme="test", code="T-COFFEE", name="Cà phê (thử)",
                                          level=ClassificationLevel.INDUSTRY)


@pytest.fixture
def make_product(producer, category):
    from apps.products.models import Product

    def make(name: str = "Cà phê rang xay Ea Tu", gtin: str = "8930000000019", owner=None, **extra) -> Product:
        slug = name.lower().replace(" ", "-").encode("ascii", "ignore").decode() + str(Product.objects.count())
        return Product.objects.create(name=name, category=category, producer=owner or producer, gtin=gtin, slug=slug,
                                      **extra)

    return make


@pytest.fixture
def product(make_product):
    return make_product(declared_standard="TCCS 01:2024/HTX", shelf_life_days=365)


@pytest.fixture
def crop(db):
    from apps.zones.models import Crop

    return Crop.objects.create(slug="test-coffee", name="Cà phê (thử)")


@pytest.fixture
def make_zone(crop):
    from apps.zones.models import RawMaterialZone, ZoneKind, ZoneStatus

    def make(name: str = "Vùng cà phê Ea Tu", lon: float = 108.10, lat: float = 12.70) -> RawMaterialZone:
        return RawMaterialZone.objects.create(name=name, kind=ZoneKind.CULTIVATION, crop=crop,
                                              geometry=square(lon, lat), area_ha=120, status=ZoneStatus.ACTIVE)

    return make


@pytest.fixture
def zone(make_zone):
    return make_zone()


@pytest.fixture
def growing_code(zone, crop):
    from apps.zones.models import CodeType, GrowingAreaCode

    code = GrowingAreaCode.objects.create(code="VN-DLOR-0042", code_type=CodeType.EXPORT, province_letters="DL",
                                          sequence=42, crop=crop, issuing_authority="Cục Bảo vệ thực vật",
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
def sales_point(db):
    from apps.outlets.models import SalesPoint, SalesPointKind

    return SalesPoint.objects.create(name="Trung tâm OCOP tỉnh", kind=SalesPointKind.CENTRE_PROVINCE,
                                     location=point(108.04, 12.66))


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user(username="officer", password="x-long-password-1")


@pytest.fixture
def lot(product, zone, growing_code, packing_facility, production_facility):
    from apps.traceability.services import create_lot

    return create_lot(product=product, code="L2024-001", production_date=datetime.date(2024, 3, 1),
                      expiry_date=datetime.date(2025, 2, 28), quantity="500", unit="kg", zone_shares=[(zone, 80)],
                      packing_facility=packing_facility, production_facility=production_facility)


def at(day: datetime.date, hour: int = 8) -> datetime.datetime:
    """An aware datetime in Vietnam's time zone."""
    from zoneinfo import ZoneInfo

    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


# --- inspection visits (accounts, zones in communes, photos) ---------------------------------------------------------

@pytest.fixture
def other_commune(commune):
    from apps.territory.models import AdministrativeUnit, Era, Level

    return (AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).exclude(pk=commune.pk)
            .order_by("code").first())


@pytest.fixture
def make_account(django_user_model):
    """A user with a role (apps.accounts), its communes, producer and organisation; ``role=None``: the public."""
    from apps.accounts.models import OfficerProfile

    def make(username: str, role: str | None, *, communes=(), producer=None, organisation: str = "",
             full_name: str = ""):
        first, _space, last = full_name.partition(" ")
        user = django_user_model.objects.create_user(username=username, password="x-long-password-1",
                                                     first_name=first, last_name=last)
        if role is not None:
            profile = OfficerProfile.objects.create(user=user, role=role, producer=producer,
                                                    organisation=organisation)
            profile.communes.set(communes)
        return user

    return make


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT; the path is returned to look at what was stored."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def png(name: str = "photo.png", colour: str = "green", size: tuple[int, int] = (4, 3)):
    """A small real PNG upload."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


from tests.live import live_database  # noqa: E402, F401 - the live-server tests' fixture
from tests.maps.test_browser import browser  # noqa: E402, F401 - headless Chromium, shared with the map tests
