"""Fixtures for the map pages: a small registry around Buôn Ma Thuột, built through the registry services."""

from __future__ import annotations

import datetime
import math

import pytest
from django.contrib.gis.geos import Point

from tests.live import live_database  # noqa: F401 - the live-server tests' fixture

# Buôn Ma Thuột; offsets below are computed from here on the WGS 84 ellipsoid.
ORIGIN = (108.0500, 12.6800)
WGS84_A = 6_378_137.0
WGS84_E2 = 0.006_694_379_990_14


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Length of one degree of longitude and of latitude at ``lat`` on the WGS 84 ellipsoid (by hand).

    Parallel: N·cos φ·π/180 with N = a / √(1 − e² sin² φ); meridian: M·π/180 with
    M = a (1 − e²) / (1 − e² sin² φ)^(3/2).
    """
    phi = math.radians(lat)
    w = 1 - WGS84_E2 * math.sin(phi) ** 2
    east = WGS84_A / math.sqrt(w) * math.cos(phi) * math.pi / 180
    north = WGS84_A * (1 - WGS84_E2) / w**1.5 * math.pi / 180
    return east, north


def point_at(*, east_m: float = 0.0, north_m: float = 0.0, origin: tuple[float, float] = ORIGIN) -> Point:
    """A point due east or due north of ``origin`` at that ellipsoidal distance (one axis at a time)."""
    lon, lat = origin
    if north_m:
        _east, _north = metres_per_degree(lat + north_m / 2 / 110_600)  # mid-latitude of the arc
        return Point(lon, lat + north_m / _north, srid=4326)
    east, _north = metres_per_degree(lat)
    return Point(lon + east_m / east, lat, srid=4326)


@pytest.fixture
def coffee(db):
    from apps.zones.models import Crop

    return Crop.objects.get(slug="ca-phe")


@pytest.fixture
def commune(db):
    """The 2025 commune whose centroid is nearest to the origin (the test data has no boundaries)."""
    from apps.territory.selectors import commune_containing

    return commune_containing(Point(*ORIGIN, srid=4326)).commune


@pytest.fixture
def food(db):
    from apps.products.models import ProductCategory

    return ProductCategory.objects.get(scheme="148/2023", code="food.preprocessed.honey")


@pytest.fixture
def beverages(db):
    from apps.products.models import ProductCategory

    return (ProductCategory.objects.filter(scheme="148/2023", code__startswith="beverages.", children__isnull=True)
            .order_by("code").first())


@pytest.fixture
def make_producer(commune):
    from apps.producers.services import register_producer

    counter = iter(range(1000, 9999))

    def make(name: str = "HTX Cà phê Ea Tu", *, location: Point | None = None, is_open_to_visits: bool = False,
             **extra):
        return register_producer(name=name, legal_form="htx", tax_code=f"600{next(counter):07d}", commune=commune,
                                 location=location, is_open_to_visits=is_open_to_visits, **extra)

    return make


@pytest.fixture
def make_product(food):
    from apps.products.services import register_product

    def make(name: str, producer, *, category=None):
        return register_product(name=name, category=category or food, producer=producer)

    return make


# Part scores (A, B, C; maxima 40, 25, 35 in the 2023 criteria) giving each star level.
SCORES = {3: (20, 15, 20), 4: (30, 20, 25), 5: (38, 22, 32)}


@pytest.fixture
def rate(db):
    from apps.ratings.models import CriteriaSet
    from apps.ratings.services import record_rating

    criteria = CriteriaSet.objects.get(code="148/2023")

    def rate(product, stars: int, *, decision_date: datetime.date | None = None):
        decided = decision_date or datetime.date.today() - datetime.timedelta(days=30)
        score_a, score_b, score_c = SCORES[stars]
        return record_rating(
            product=product, criteria_set=criteria, council_level="national" if stars == 5 else "province",
            era="2025" if decided >= datetime.date(2025, 7, 1) else "legacy", evaluation_date=decided,
            score_a=score_a, score_b=score_b, score_c=score_c,
            decision_number=f"{product.pk}/QĐ-UBND", decision_date=decided, issuing_authority="UBND tỉnh Đắk Lắk",
        )

    return rate


@pytest.fixture
def make_sales_point(db):
    from apps.outlets.services import create_sales_point

    def make(name: str, location: Point, *, kind: str = "supermarket_booth", hours: dict | None = None,
             products=(), **extra):
        return create_sales_point(name=name, kind=kind, location=location, opening_hours=hours, products=products,
                                  **extra)

    return make


@pytest.fixture
def make_site(db):
    from apps.tourism.services import create_tourism_site

    def make(name: str, location: Point, *, kind: str = "community", hours: dict | None = None, **extra):
        return create_tourism_site(name=name, kind=kind, location=location, visiting_hours=hours, **extra)

    return make


@pytest.fixture
def make_zone(coffee):
    from apps.zones.services import change_zone_status, create_zone
    from tests.common.geo import square

    def make(name: str = "Vùng cà phê Ea Tu", *, side_m: float = 500, dx_m: float = 0, dy_m: float = 0,
             kind: str = "cultivation", status: str = "active", producers=()):
        zone = create_zone(name=name, kind=kind, crop=coffee, geometry=square(*ORIGIN, side_m, dx_m=dx_m, dy_m=dy_m),
                           producers=producers)
        if status != "proposed":
            zone = change_zone_status(zone=zone, to_status="active", effective_date=datetime.date.today())
        if status not in ("proposed", "active"):
            zone = change_zone_status(zone=zone, to_status=status, effective_date=datetime.date.today())
        return zone

    return make


@pytest.fixture
def issue_code(coffee):
    from apps.zones.services import issue_growing_area_code

    def issue(zones, code: str | None = None):
        return issue_growing_area_code(
            code=code, code_type="export", crop=coffee, province_letters="DL",
            issuing_authority="Chi cục Trồng trọt và BVTV Đắk Lắk", issue_date=datetime.date(2025, 9, 1),
            target_markets=["CN"], zones=zones,
        )

    return issue


@pytest.fixture
def make_packing_facility(db):
    from apps.facilities.services import register_packing_facility

    def make(name: str = "Cơ sở đóng gói sầu riêng Krông Pắc", code: str = "VN-DLPH-0007", *,
             location: Point | None = None):
        return register_packing_facility(name=name, code=code, location=location or point_at(east_m=3000),
                                         issue_date=datetime.date(2025, 8, 1),
                                         issuing_authority="Cục Bảo vệ thực vật",
                                         operator_name="Công ty TNHH Trái cây Krông Pắc")

    return make
