"""A hand-built province for the report tests: two communes A and B of Đắk Lắk (2025) whose predecessor communes
came mostly from two different legacy districts, with products, ratings, zones, codes, facilities, sales points and
inspections around the third quarter of 2026 (1 July – 30 September), and a few planted data-quality problems.

What each record should contribute is said in a comment next to it; the tests spell out the figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

YEAR, QUARTER = 2026, 3
BEFORE_QUARTER_END = timezone.make_aware(datetime.datetime(2026, 6, 1, 9, 0))
QUALITY_DAY = datetime.date(2026, 11, 1)


def box(commune, x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    """A rectangle given in degrees east and north of the commune's centre."""
    x, y = commune.centroid.x, commune.centroid.y
    return MultiPolygon(Polygon.from_bbox((x + x0, y + y0, x + x1, y + y1)), srid=4326)


def near(commune, dx: float = 0.0, dy: float = 0.0) -> Point:
    return Point(commune.centroid.x + dx, commune.centroid.y + dy, srid=4326)


@dataclass
class World:
    a: object
    b: object
    district_a: object
    district_b: object
    records: dict = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.records[name]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def communes(db):
    """Communes A and B of the province, far apart, attributed to different legacy districts."""
    from apps.maps.figures import legacy_district_by_commune
    from apps.territory.models import AdministrativeUnit, Era, Level

    province_communes = list(AdministrativeUnit.objects.filter(
        era=Era.CURRENT, level=Level.COMMUNE, parent__code="66", centroid__isnull=False).order_by("code"))
    district_of = legacy_district_by_commune(province_communes)
    a = next(commune for commune in province_communes if commune.pk in district_of)
    b = next(commune for commune in province_communes
             if district_of.get(commune.pk) not in (None, district_of[a.pk])
             and commune.centroid.distance(a.centroid) > 0.2)
    units = AdministrativeUnit.objects.in_bulk([district_of[a.pk], district_of[b.pk]])
    return a, b, units[district_of[a.pk]], units[district_of[b.pk]]


def _rating(product, criteria_set, *, stars: int, decided: datetime.date | None, valid_until=None,
            status="recognised", revoked_on=None):
    from apps.ratings.models import OcopRating

    total = {1: 20, 2: 40, 3: 60, 4: 75, 5: 92}[stars]
    return OcopRating.objects.create(
        product=product, criteria_set=criteria_set, council_level="province", era="2025",
        evaluation_date=(decided or datetime.date(2026, 1, 1)) - datetime.timedelta(days=10), score_a=total / 2,
        score_b=total / 4, score_c=total / 4, total=total, stars=stars, status=status, decision_date=decided,
        valid_until=valid_until, revoked_on=revoked_on, decision_number=f"{product.slug}/QĐ")


@pytest.fixture
def world(communes):
    from apps.facilities.models import PackingFacility, PackingFacilityStatusChange, ProductionFacility
    from apps.outlets.models import SalesPoint
    from apps.producers.models import Producer
    from apps.products.models import ClassificationLevel, Product, ProductCategory, ProductPhoto
    from apps.ratings.models import CriteriaSet
    from apps.territory.models import AdministrativeUnit
    from apps.traceability.models import Inspection, Lot
    from apps.zones.models import CodeStatusChange, Crop, GrowingAreaCode, RawMaterialZone

    a, b, district_a, district_b = communes
    world = World(a, b, district_a, district_b)
    records = world.records
    criteria = CriteriaSet.objects.order_by("-effective_from").first()

    food = ProductCategory.objects.create(scheme="test", code="T-FOOD", name="Thực phẩm (thử)",
                                          level=ClassificationLevel.INDUSTRY)
    drinks = ProductCategory.objects.create(scheme="test", code="T-DRINK", name="Đồ uống (thử)",
                                            level=ClassificationLevel.INDUSTRY)
    drinks_group = ProductCategory.objects.create(scheme="test", code="T-DRINK-1", name="Không cồn (thử)",
                                                  level=ClassificationLevel.GROUP, parent=drinks)
    juices = ProductCategory.objects.create(scheme="test", code="T-DRINK-1-1", name="Nước ép (thử)",
                                            level=ClassificationLevel.SUBGROUP, parent=drinks_group)
    records.update(food=food, drinks=drinks)

    # Producers: PB has no phone (a planted problem); PX lives in A but was registered in B's legacy district.
    legacy_of_b = AdministrativeUnit.objects.filter(parent=district_b).order_by("code").first()
    producers = {
        "pa": Producer.objects.create(name="HTX Suối Đá (thử)", legal_form="htx", tax_code="6300000001", commune=a,
                                      slug="htx-suoi-da", address="Thôn 1", phone="0262 000 001", location=near(a)),
        "pb": Producer.objects.create(name="HTX Bến Tre (thử)", legal_form="htx", tax_code="6300000002", commune=b,
                                      slug="htx-ben-tre", address="Thôn 2", phone="", location=near(b)),
        "px": Producer.objects.create(name="Hộ Ea Nuôl (thử)", legal_form="hkd", tax_code="6300000003", commune=a,
                                      legacy_commune=legacy_of_b, slug="ho-ea-nuol", address="Thôn 3",
                                      phone="0262 000 003", location=near(a, 0.001)),
    }
    records.update(producers)

    def product(key: str, producer: str, category, *, photo: bool = True, description: str = "Ngon."):
        item = Product.objects.create(name=f"Sản phẩm {key}", category=category, producer=producers[producer],
                                      slug=f"san-pham-{key}", short_description=description)
        if photo:
            ProductPhoto.objects.create(product=item, image=f"products/2026/{key}.jpg")
        records[key] = item
        return item

    # Commune A.
    _rating(product("p1", "pa", food), criteria, stars=4, decided=datetime.date(2026, 8, 15),
            valid_until=datetime.date(2029, 8, 15))  # new in the quarter, recognised at its end
    _rating(product("p2", "pa", food), criteria, stars=3, decided=datetime.date(2023, 9, 1),
            valid_until=datetime.date(2026, 8, 31))  # expired in the quarter
    _rating(product("p3", "pa", food), criteria, stars=5, decided=datetime.date(2025, 1, 10),
            valid_until=datetime.date(2028, 1, 10), status="revoked",
            revoked_on=datetime.date(2026, 9, 5))  # revoked in the quarter
    _rating(product("p4", "pa", juices), criteria, stars=3, decided=datetime.date(2024, 5, 1),
            valid_until=datetime.date(2027, 5, 1))  # recognised all along; a sub-group of drinks
    _rating(product("p5", "pa", food, photo=False), criteria, stars=2, decided=datetime.date(2026, 8, 1),
            status="not_recognised")  # 2 stars: never recognised; no photo (planted)
    _rating(product("p6", "pa", food), criteria, stars=4, decided=datetime.date(2026, 10, 5),
            valid_until=datetime.date(2029, 10, 5))  # decided after the quarter
    _rating(product("x1", "px", food), criteria, stars=5, decided=datetime.date(2025, 3, 1),
            valid_until=datetime.date(2028, 3, 1))  # in A, but counts in B's legacy district
    # Commune B.
    _rating(product("q1", "pb", drinks), criteria, stars=4, decided=datetime.date(2026, 7, 2),
            valid_until=datetime.date(2029, 7, 2))
    _rating(product("q2", "pb", food), criteria, stars=3, decided=datetime.date(2023, 6, 30),
            valid_until=datetime.date(2026, 6, 30))  # last valid day 30 June: expires on 1 July, in the quarter
    _rating(product("q3", "pb", food, description=""), criteria, stars=3, decided=datetime.date(2023, 6, 29),
            valid_until=datetime.date(2026, 6, 29))  # expired on 30 June, before the quarter; no description
    q4 = product("q4", "pb", food)
    _rating(q4, criteria, stars=4, decided=datetime.date(2023, 8, 1), valid_until=datetime.date(2026, 8, 1))
    _rating(q4, criteria, stars=3, decided=datetime.date(2026, 9, 1),
            valid_until=datetime.date(2029, 9, 1))  # expired in the quarter but renewed: new, not expired

    # Zones and growing-area codes (areas as the zone services store them).
    coffee = Crop.objects.create(slug="test-coffee", name="Cà phê (thử)")
    durian = Crop.objects.create(slug="test-durian", name="Sầu riêng (thử)")
    records.update(coffee=coffee, durian=durian)

    def zone(key: str, crop, geometry, area: str, communes_of_zone, *, status="active", kind="cultivation"):
        item = RawMaterialZone.objects.create(name=f"Vùng {key}", kind=kind, crop=crop, geometry=geometry,
                                              area_ha=Decimal(area), status=status)
        item.communes.set(communes_of_zone)
        records[key] = item
        return item

    def code(key: str, crop, zones, *, issued: datetime.date, status="active", history=()):
        item = GrowingAreaCode.objects.create(code=f"VN-TEST-{key.upper()}", code_type="export", crop=crop,
                                              issuing_authority="Chi cục (thử)", issue_date=issued, status=status)
        item.zones.set(zones)
        for effective, from_status, to_status in history:
            CodeStatusChange.objects.create(growing_area_code=item, effective_date=effective,
                                            from_status=from_status, to_status=to_status)
        records[key] = item
        return item

    za1 = zone("za1", coffee, box(a, 0.010, 0, 0.012, 0.002), "10.5", [a])
    zab = zone("zab", coffee, box(a, 0, 0, 0.002, 0.002), "1.0", [a, b])  # across A and B, inside A's centre
    za2 = zone("za2", coffee, box(a, 0.020, 0, 0.022, 0.002), "2.25", [a])
    za3 = zone("za3", durian, box(a, 0.030, 0, 0.032, 0.002), "4", [a])
    zb1 = zone("zb1", durian, box(b, 0.010, 0, 0.012, 0.002), "7.75", [b])
    zb2 = zone("zb2", coffee, box(b, 0.020, 0, 0.022, 0.002), "3", [b])
    code("c1", coffee, [za1, zab], issued=datetime.date(2025, 1, 1))
    code("c2", coffee, [za2], issued=datetime.date(2025, 1, 1), status="suspended",
         history=[(datetime.date(2025, 1, 1), "", "active"), (datetime.date(2026, 8, 1), "active", "suspended")])
    code("c3", durian, [za3], issued=datetime.date(2025, 1, 1), status="revoked",
         history=[(datetime.date(2025, 1, 1), "", "active"), (datetime.date(2026, 10, 15), "active", "revoked")])
    code("c4", durian, [zb1], issued=datetime.date(2026, 11, 1))  # issued after the quarter
    code("c5", coffee, [zb2], issued=datetime.date(2025, 2, 1))
    code("c6", coffee, [zb2], issued=datetime.date(2024, 2, 1), status="revoked")
    code("c7", coffee, [], issued=datetime.date(2025, 3, 1))  # planted: a code without zones
    code("c8", coffee, [], issued=datetime.date(2025, 3, 1), status="revoked")  # revoked: not a problem

    # Data-quality zones: one active cultivation zone without a code (planted), others that are not problems.
    zone("zn", coffee, box(a, 0.040, 0, 0.042, 0.002), "1.5", [a])
    zone("zn_proposed", coffee, box(a, 0.050, 0, 0.052, 0.002), "1.5", [a], status="proposed")
    zone("zn_livestock", coffee, box(a, 0.060, 0, 0.062, 0.002), "1.5", [a], kind="livestock")
    # Overlaps among active (gathering) zones: one real overlap in A, a touching pair and a sliver in B.
    zone("ov1", coffee, box(a, 0.070, 0, 0.072, 0.002), "4.9", [a], kind="harvesting")
    zone("ov2", coffee, box(a, 0.071, 0, 0.073, 0.002), "4.9", [a], kind="harvesting")
    zone("touch1", coffee, box(b, 0.070, 0, 0.072, 0.002), "4.9", [b], kind="harvesting")
    zone("touch2", coffee, box(b, 0.072, 0, 0.074, 0.002), "4.9", [b], kind="harvesting")
    zone("sliver1", coffee, box(b, 0.080, 0, 0.082, 0.002), "4.9", [b], kind="harvesting")
    zone("sliver2", coffee, box(b, 0.08198, 0.00198, 0.084, 0.004), "4.9", [b], kind="harvesting")

    # Packing facilities.
    def facility(key: str, commune, *, status="active", capacity=None, issued=datetime.date(2025, 5, 1),
                 history=(), address="Khu công nghiệp"):
        item = PackingFacility.objects.create(
            name=f"Đóng gói {key}", code=f"VN-TESTPH-{key}", location=near(commune or a, 0.1), commune=commune,
            address=address, capacity_tonnes_per_day=capacity, issue_date=issued, status=status)
        for effective, from_status, to_status in history:
            PackingFacilityStatusChange.objects.create(facility=item, effective_date=effective,
                                                       from_status=from_status, to_status=to_status)
        records[key] = item
        return item

    facility("f1", a, capacity=Decimal("12.5"))
    facility("f2", a, status="suspended", capacity=Decimal("8"),
             history=[(datetime.date(2025, 5, 1), "", "active"), (datetime.date(2026, 8, 10), "active", "suspended")])
    facility("f3", b, issued=datetime.date(2026, 10, 20))  # registered after the quarter
    facility("f4", a, status="revoked", capacity=Decimal("5"),
             history=[(datetime.date(2025, 5, 1), "", "active"), (datetime.date(2026, 10, 1), "active", "revoked")])
    facility("f5", None, address="")  # planted: no commune, no address
    ProductionFacility.objects.create(name="Xưởng A", producer=producers["pa"], location=near(a), commune=a,
                                      address="Thôn 1")

    # Sales points (recorded before the quarter's end).
    def sales_point(key: str, kind: str, commune, products=(), *, address="Chợ", **extra):
        item = SalesPoint.objects.create(name=f"Điểm bán {key}", kind=kind, location=near(commune or b, 0.2),
                                         commune=commune, address=address, **extra)
        item.products.set(products)
        records[key] = item
        return item

    sales_point("s1", "centre_province", a, [records["p2"]])  # carries an expired product
    sales_point("s2", "market_booth", a, address="")  # planted: no products, no address
    sales_point("s3", "showcase_outside", None, [records["q1"]], legacy_district=district_b,
                is_outside_province=True)
    sales_point("s4", "supermarket_booth", b, [records["p3"], records["q1"]])  # carries a revoked product
    SalesPoint.objects.update(created_at=BEFORE_QUARTER_END)
    PackingFacility.objects.update(created_at=BEFORE_QUARTER_END)

    # Inspections.
    lot = Lot.objects.create(product=records["p1"], code="LA1", production_date=datetime.date(2026, 7, 1))

    def inspection(key: str, day: datetime.date, result: str, **target):
        records[key] = Inspection.objects.create(inspector_name="Nguyễn Văn Kiểm", organisation="Chi cục (thử)",
                                                 inspected_on=day, result=result, findings="", **target)

    inspection("i1", datetime.date(2026, 7, 10), "pass", zone=za1)
    inspection("i2", datetime.date(2026, 8, 20), "fail", producer=producers["pb"])
    inspection("i3", datetime.date(2026, 9, 30), "observations", packing_facility=records["f1"])
    inspection("i4", datetime.date(2026, 10, 1), "pass", zone=za1)  # after the quarter
    inspection("i5", datetime.date(2026, 7, 15), "pass", lot=lot)
    inspection("i6", datetime.date(2026, 7, 20), "pass", zone=zab)  # the zone counts in A
    return world


@pytest.fixture
def officers(world):
    """A commune officer of A, a legacy district officer of B's district, a provincial officer, a producer."""
    from django.contrib.auth import get_user_model

    from apps.accounts.services import set_up_account

    password = "a-long-Password-2026"
    accounts = {
        "commune_officer": set_up_account(username="officer_a", role="commune_officer", communes=[world.a.code],
                                          password=password).user,
        "district_officer": set_up_account(username="officer_d", role="legacy_district_officer",
                                           legacy_district=world.district_b.code, password=password).user,
        "office": set_up_account(username="office", role="provincial_office", password=password).user,
        "producer": set_up_account(username="producer_a", role="producer", producer=world["pa"].tax_code,
                                   password=password).user,
    }
    accounts["public"] = get_user_model().objects.create_user(username="someone", password=password)
    return accounts
