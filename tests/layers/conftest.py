"""A small registry around Buôn Ma Thuột, built with plain ORM calls (no services), for the layer tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon

from tests.live import live_database  # noqa: F401 - the live-server tests' fixture

# Phường Buôn Ma Thuột's neighbourhood; every test geometry is placed from here.
ORIGIN_LON, ORIGIN_LAT = 108.05, 12.67


def square(lon: float, lat: float, size: float = 0.01) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lon, lat, lon + size, lat + size)), srid=4326)


def here(dlon: float = 0.0, dlat: float = 0.0) -> Point:
    return Point(ORIGIN_LON + dlon, ORIGIN_LAT + dlat, srid=4326)


@pytest.fixture(autouse=True)
def layer_urls(settings):
    """Serve only the URLs these tests use (the full URL configuration also loads other apps' pages)."""
    settings.ROOT_URLCONF = "tests.layers.urls"


@pytest.fixture
def communes(db):
    from apps.territory.models import AdministrativeUnit, Era, Level

    units = list(AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent__code="66")
                 .order_by("code")[:2])
    return SimpleNamespace(first=units[0], second=units[1])


@pytest.fixture
def crop(db):
    from apps.zones.models import Crop

    return Crop.objects.create(slug="test-coffee", name="Cà phê thử", name_en="Test coffee")


@pytest.fixture
def categories(db):
    from apps.products.models import ProductCategory

    food = ProductCategory.objects.create(scheme="test", code="test-food", name="Thực phẩm", level="industry")
    coffee = ProductCategory.objects.create(scheme="test", code="test-coffee", name="Cà phê", level="group",
                                            parent=food)
    crafts = ProductCategory.objects.create(scheme="test", code="test-crafts", name="Thủ công", level="industry")
    return SimpleNamespace(food=food, coffee=coffee, crafts=crafts)


@pytest.fixture
def producer(communes):
    from apps.producers.models import Producer

    return Producer.objects.create(name="HTX Cà phê Thử", legal_form="htx", tax_code="6000000001",
                                   commune=communes.first, location=here(0.02, 0.02), slug="htx-ca-phe-thu",
                                   is_open_to_visits=True)


@pytest.fixture
def products(producer, categories):
    from apps.products.models import Product

    coffee = Product.objects.create(name="Cà phê rang xay", category=categories.coffee, producer=producer,
                                    slug="ca-phe-rang-xay")
    basket = Product.objects.create(name="Giỏ mây", category=categories.crafts, producer=producer, slug="gio-may")
    return SimpleNamespace(coffee=coffee, basket=basket)


@pytest.fixture
def ratings(products):
    from apps.ratings.models import CriteriaSet, OcopRating

    criteria = CriteriaSet.objects.create(code="test/2023", decision="Test decision", effective_from="2023-01-01",
                                          max_part_a=40, max_part_b=25, max_part_c=35)
    common = dict(criteria_set=criteria, council_level="province", era="2025", evaluation_date="2025-09-01",
                  score_a=30, score_b=20, score_c=25, total=75)
    four = OcopRating.objects.create(product=products.coffee, stars=4, status="recognised",
                                     valid_until=datetime.date.today() + datetime.timedelta(days=365), **common)
    # An expired 5-star certificate must not count as the product's current level.
    OcopRating.objects.create(product=products.basket, stars=5, status="recognised",
                              valid_until=datetime.date.today() - datetime.timedelta(days=1), **common)
    return SimpleNamespace(four=four)


@pytest.fixture
def zones(crop, communes, producer):
    from apps.zones.models import RawMaterialZone

    def zone(name, dlon, kind="cultivation", status="active"):
        created = RawMaterialZone.objects.create(
            name=name, kind=kind, crop=crop, status=status, area_ha=Decimal("120.5"),
            geometry=square(ORIGIN_LON + dlon, ORIGIN_LAT),
        )
        created.communes.add(communes.first)
        return created

    active = zone("Vùng cà phê A", 0.0)
    suspended = zone("Vùng cà phê B", 0.02, status="suspended")
    revoked = zone("Vùng mật ong", 0.04, kind="harvesting", status="revoked")
    proposed = zone("Vùng dự kiến", 0.06, status="proposed")
    far = zone("Vùng xa", 1.0)
    active.producers.add(producer)
    return SimpleNamespace(active=active, suspended=suspended, revoked=revoked, proposed=proposed, far=far)


@pytest.fixture
def codes(zones, crop):
    from apps.zones.models import GrowingAreaCode

    first = GrowingAreaCode.objects.create(code="VN-DLOR-0001", code_type="export", crop=crop,
                                           issuing_authority="Cục Bảo vệ thực vật", issue_date="2023-05-10",
                                           target_markets=["CN"])
    first.zones.add(zones.active, zones.suspended)
    revoked = GrowingAreaCode.objects.create(code="VN-DLOR-0002", code_type="export", crop=crop, status="revoked",
                                             issuing_authority="Cục Bảo vệ thực vật", issue_date="2024-08-01",
                                             target_markets=["US"])
    revoked.zones.add(zones.revoked)
    GrowingAreaCode.objects.create(code="VN-DLOR-0003", code_type="domestic", crop=crop,
                                   issuing_authority="Sở NN", issue_date="2024-01-01")  # no zone: nothing to draw
    return SimpleNamespace(first=first, revoked=revoked)


@pytest.fixture
def sales_points(communes, products, ratings):
    from apps.outlets.models import SalesPoint

    centre = SalesPoint.objects.create(name="Trung tâm OCOP tỉnh", kind="centre_province", location=here(),
                                       commune=communes.first)
    centre.products.add(products.coffee)
    booth = SalesPoint.objects.create(name="Gian hàng siêu thị", kind="supermarket_booth",
                                      location=here(0.005, 0.0), commune=communes.second)
    booth.products.add(products.basket)
    return SimpleNamespace(centre=centre, booth=booth)


@pytest.fixture
def registry_data(zones, codes, sales_points, producer, products, communes):
    """One or more rows in every layer."""
    from apps.facilities.models import PackingFacility, ProductionFacility
    from apps.indications.models import GeographicalIndication
    from apps.tourism.models import RouteStop, TourismSite, TourRoute

    packing = PackingFacility.objects.create(name="Nhà đóng gói sầu riêng", code="VN-DLPH-0001",
                                             location=here(0.01, -0.01), commune=communes.first,
                                             issue_date="2024-03-01", target_markets=["CN"])
    workshop = ProductionFacility.objects.create(name="Xưởng rang", producer=producer, location=here(0.021, 0.02),
                                                 commune=communes.first, makes="Cà phê rang")
    workshop.products.add(products.coffee)
    site = TourismSite.objects.create(name="Buôn Akô Dhông", kind="community", location=here(0.03, 0.03),
                                      commune=communes.first, product=products.coffee)
    other_site = TourismSite.objects.create(name="Thác Dray Nur", kind="eco", location=here(0.2, -0.2))
    route = TourRoute.objects.create(name="Hành trình cà phê", length_km=Decimal("35.2"),
                                     path=LineString(here(0.03, 0.03), here(0.2, -0.2), srid=4326))
    RouteStop.objects.create(route=route, site=site, position=1)
    RouteStop.objects.create(route=route, site=other_site, position=2)
    indication = GeographicalIndication.objects.create(
        name="Cà phê Buôn Ma Thuột", kind="gi", registration_number="00005", holder="UBND tỉnh Đắk Lắk",
        registered_on="2005-10-14", protected_area=square(ORIGIN_LON - 0.5, ORIGIN_LAT - 0.5, 1.0),
        area_ha=Decimal("1200000"),
    )
    indication.products.add(products.coffee)
    return SimpleNamespace(zones=zones, codes=codes, sales_points=sales_points, packing=packing, workshop=workshop,
                           site=site, route=route, indication=indication, producer=producer, products=products)
