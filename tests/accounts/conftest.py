"""A small two-commune world for the permission tests: one record of every kind in commune A (owned by producer
A) and in commune B (owned by producer B), and one user per role scoped to commune A / producer A."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

ROLES = ["provincial_admin", "provincial_office", "commune_officer", "legacy_district_officer", "inspector",
         "council_member", "producer", "public"]
INSPECTOR_ORGANISATION = "Chi cục Trồng trọt và BVTV (thử)"


def near(commune, *, dx: float = 0.0, dy: float = 0.0) -> Point:
    return Point(commune.centroid.x + dx, commune.centroid.y + dy, srid=4326)


def square_at(commune, *, size: float = 0.002, dx: float = 0.0) -> MultiPolygon:
    x, y = commune.centroid.x + dx, commune.centroid.y
    return MultiPolygon(Polygon.from_bbox((x, y, x + size, y + size)), srid=4326)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hash test passwords cheaply (eight accounts per test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Side:
    """The records of one commune (A: in scope of the test users, B: outside)."""

    commune: object
    records: dict = field(default_factory=dict)


@pytest.fixture
def communes(db):
    """Commune A (absorbed a commune of a legacy district D) and commune B (not from D), far apart."""
    from apps.territory.models import AdministrativeUnit, Era, LegacyMapping, Level

    mapping = (LegacyMapping.objects.filter(legacy__parent__level=Level.DISTRICT, current__centroid__isnull=False)
               .select_related("current", "legacy__parent").order_by("current__code").first())
    commune_a, district = mapping.current, mapping.legacy.parent
    from_district = LegacyMapping.objects.filter(legacy__parent=district).values_list("current_id", flat=True)
    candidates = (AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, centroid__isnull=False)
                  .exclude(pk__in=from_district).order_by("code"))
    commune_b = next(unit for unit in candidates if unit.centroid.distance(commune_a.centroid) > 0.2)
    return commune_a, commune_b, district


def _build_side(commune, suffix: str, tax_code: str, *, category, crop, criteria_set) -> Side:
    from apps.certifications.models import Certification
    from apps.facilities.models import PackingFacility, ProductionFacility
    from apps.outlets.models import SalesPoint
    from apps.producers.models import LegalForm, Producer
    from apps.products.models import Product
    from apps.ratings.models import OcopRating, RatingStatus
    from apps.stamps.services import issue_stamp_run
    from apps.tourism.models import TourismSite
    from apps.traceability.models import Inspection, Lot
    from apps.traceability.services import record_event
    from apps.zones.models import GrowingAreaCode, RawMaterialZone, ZoneStatus

    side = Side(commune)
    producer = Producer.objects.create(name=f"HTX {suffix}", legal_form=LegalForm.COOPERATIVE, tax_code=tax_code,
                                       commune=commune, slug=f"htx-{suffix}", search_name=f"htx {suffix}")
    product = Product.objects.create(name=f"Cà phê {suffix}", category=category, producer=producer,
                                     slug=f"ca-phe-{suffix}")
    rating = OcopRating.objects.create(
        product=product, criteria_set=criteria_set, council_level="province", era="2025",
        evaluation_date=datetime.date(2025, 9, 1), score_a=30, score_b=20, score_c=25, total=75, stars=4,
        status=RatingStatus.RECOGNISED, decision_date=datetime.date(2025, 9, 10),
        valid_until=datetime.date(2028, 9, 10))
    zones = {}
    for status, dx in ((ZoneStatus.PROPOSED, 0.0), (ZoneStatus.ACTIVE, 0.01)):
        zone = RawMaterialZone.objects.create(name=f"Vùng {suffix} {status}", kind="cultivation", crop=crop,
                                              geometry=square_at(commune, dx=dx), area_ha=4, status=status)
        zone.communes.set([commune])
        zone.producers.set([producer])
        zones[status] = zone
    code = GrowingAreaCode.objects.create(code=f"VN-TEST-{suffix}", code_type="domestic", crop=crop,
                                          issuing_authority="Chi cục (thử)", issue_date=datetime.date(2025, 8, 1))
    code.zones.set([zones[ZoneStatus.ACTIVE]])
    packing = PackingFacility.objects.create(name=f"Đóng gói {suffix}", code=f"VN-PH-{suffix}", operator=producer,
                                             location=near(commune), commune=commune)
    production = ProductionFacility.objects.create(name=f"Xưởng {suffix}", producer=producer, location=near(commune),
                                                   commune=commune)
    sales_point = SalesPoint.objects.create(name=f"Điểm bán {suffix}", kind="market_booth", location=near(commune),
                                            commune=commune, operator=producer)
    site = TourismSite.objects.create(name=f"Điểm du lịch {suffix}", kind="farm_visit", location=near(commune),
                                      commune=commune, producer=producer)
    certification = Certification.objects.create(scheme="vietgap", certifying_body="Tổ chức chứng nhận (thử)",
                                                 number=f"VG-{suffix}", valid_from=datetime.date(2025, 1, 1),
                                                 producer=producer)
    lot = Lot.objects.create(product=product, code=f"L{suffix.upper()}1", production_date=datetime.date(2025, 9, 1))
    inspection = Inspection.objects.create(inspector_name="Nguyễn Văn Kiểm", organisation=INSPECTOR_ORGANISATION,
                                           inspected_on=datetime.date(2025, 9, 5), producer=producer, result="pass")
    event = record_event(lot=lot, biz_step="harvesting", event_time=timezone.now() - datetime.timedelta(days=1))
    run = issue_stamp_run(lot=lot, count=2)
    side.records = {
        "producer": producer, "product": product, "rating": rating, "zone": zones[ZoneStatus.PROPOSED],
        "active_zone": zones[ZoneStatus.ACTIVE], "growing_area_code": code, "packing_facility": packing,
        "production_facility": production, "sales_point": sales_point, "tourism_site": site,
        "certification": certification, "inspection": inspection, "lot": lot, "trace_event": event,
        "stamp_run": run,
    }
    return side


@pytest.fixture
def world(communes):
    from apps.products.models import ClassificationLevel, ProductCategory
    from apps.ratings.models import CriteriaSet
    from apps.zones.models import Crop

    commune_a, commune_b, district = communes
    category = ProductCategory.objects.create(scheme="test", code="T-COFFEE", name="Cà phê (thử)",
                                              level=ClassificationLevel.INDUSTRY)
    crop = Crop.objects.create(slug="test-coffee", name="Cà phê (thử)")
    criteria_set = CriteriaSet.objects.order_by("-pk").first()
    a = _build_side(commune_a, "a", "6000000001", category=category, crop=crop, criteria_set=criteria_set)
    b = _build_side(commune_b, "b", "6000000002", category=category, crop=crop, criteria_set=criteria_set)
    return {"a": a, "b": b, "district": district, "category": category, "crop": crop}


@pytest.fixture
def users(world):
    """One user per role, scoped to commune A, its legacy district, producer A; the public has no profile."""
    from django.contrib.auth import get_user_model

    from apps.accounts.services import set_up_account

    a = world["a"]
    scopes = {
        "commune_officer": {"communes": [a.commune.code]},
        "legacy_district_officer": {"legacy_district": world["district"].code},
        "inspector": {"organisation": INSPECTOR_ORGANISATION},
        "producer": {"producer": a.records["producer"].tax_code},
    }
    accounts = {}
    for role in ROLES[:-1]:
        accounts[role] = set_up_account(username=f"user_{role}", role=role, password="a-long-Password-2025",
                                        **scopes.get(role, {})).user
    accounts["public"] = get_user_model().objects.create_user(username="user_public",
                                                              password="a-long-Password-2025")
    return accounts
