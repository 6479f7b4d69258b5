import datetime
from io import StringIO

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.core.management import call_command
from django.db.models import Count

from apps.certifications.models import Certification
from apps.demo.services import demo_counts
from apps.facilities.models import FacilityStatus, PackingFacility
from apps.indications.models import GeographicalIndication
from apps.outlets.models import SalesPoint, SalesPointKind
from apps.producers.models import LegalForm, Producer
from apps.products.models import Product, ProductCategory
from apps.ratings.models import CouncilLevel, OcopRating, RatingStatus
from apps.stamps.models import CounterfeitReport, Stamp, StampRun
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.tourism.models import TourismSite, TourRoute
from apps.traceability.models import Inspection, Lot, ProductDeclaration, TraceEvent
from apps.zones.models import CodeStatus, CodeType, GrowingAreaCode, RawMaterialZone, ZoneKind, ZoneStatus

# The provincial plan's allocation of 161 in-province sales points by 2020 district population
# (largest remainder), worked out by hand from DOMAIN.md.
EXPECTED_ALLOCATION = {
    "643": 32, "644": 8, "645": 12, "646": 6, "647": 6, "648": 15, "649": 6, "650": 11, "651": 12, "652": 6,
    "653": 8, "654": 17, "655": 7, "656": 6, "657": 9,
}
NON_CENTRE_IN_PROVINCE = [SalesPointKind.SUPERMARKET_BOOTH, SalesPointKind.MARKET_BOOTH, SalesPointKind.TOURIST_SITE,
                          SalesPointKind.HOTEL_RESTAURANT, SalesPointKind.ADMIN_COUNTER]


def test_it_stores_the_2020_populations_of_the_15_legacy_districts(demo):
    districts = AdministrativeUnit.objects.filter(era=Era.LEGACY, level=Level.DISTRICT, parent__code="66")
    assert districts.get(code="643").population == 380_755
    assert districts.get(code="647").population == 64_913
    assert sorted(districts.filter(population__isnull=False).values_list("code", flat=True)) == sorted(
        EXPECTED_ALLOCATION)
    assert sum(districts.values_list("population", flat=True)) == 1_886_757


def test_it_registers_at_least_40_producers_of_every_legal_form(demo):
    assert Producer.objects.count() >= 40
    assert set(Producer.objects.values_list("legal_form", flat=True)) == set(LegalForm.values)
    producer = Producer.objects.order_by("tax_code").first()
    assert producer.slug and producer.search_name == producer.search_name.lower()
    assert producer.commune.era == Era.CURRENT and producer.legacy_commune.era == Era.LEGACY
    assert producer.email.endswith(".example.vn")


def test_it_registers_at_least_80_products_covering_every_2023_industry(demo):
    assert Product.objects.count() >= 80
    industries = set(ProductCategory.objects.filter(scheme="148/2023", level="industry").values_list("code",
                                                                                                       flat=True))
    covered = {code.split(".")[0] for code in Product.objects.filter(category__scheme="148/2023")
               .values_list("category__code", flat=True)}
    assert industries == covered
    assert {"food", "beverages", "herbal", "handicrafts", "ornamental", "tourism"} <= covered
    assert Product.objects.filter(category__scheme="1048/2019").exists()
    assert Product.objects.filter(kind="service").exists()


def test_ratings_cover_every_star_level_both_criteria_sets_and_both_eras(demo):
    ratings = OcopRating.objects.all()
    assert set(ratings.values_list("stars", flat=True)) == {1, 2, 3, 4, 5}
    assert set(ratings.values_list("criteria_set__code", flat=True)) == {"1048/2019", "148/2023"}
    assert ratings.filter(era=Era.LEGACY, council_level=CouncilLevel.DISTRICT, stars=3).exists()
    assert ratings.filter(era=Era.CURRENT, council_level=CouncilLevel.PROVINCE).exists()
    assert ratings.filter(council_level=CouncilLevel.NATIONAL, stars=5).exists()
    district_rating = ratings.filter(council_level=CouncilLevel.DISTRICT).first()
    assert district_rating.issuing_unit.level == Level.DISTRICT
    assert district_rating.issuing_authority.startswith("UBND ")
    assert ratings.filter(stars__lte=2, status=RatingStatus.NOT_RECOGNISED, decision_number="").exists()


def test_some_certificates_have_expired_and_some_were_revoked(demo):
    today = datetime.date.today()
    expired = OcopRating.objects.filter(status=RatingStatus.RECOGNISED, valid_until__lt=today)
    assert expired.count() >= 5
    revoked = OcopRating.objects.filter(status=RatingStatus.REVOKED)
    assert revoked.count() >= 3
    assert all(rating.revocation_reason and rating.revoked_on >= rating.decision_date for rating in revoked)
    assert OcopRating.objects.filter(status=RatingStatus.RECOGNISED, valid_until__gte=today).count() >= 30


def test_zones_are_at_least_150_plausible_plots_near_the_province_communes(demo):
    zones = RawMaterialZone.objects.exclude(name__startswith="SYN-")
    assert zones.count() >= 150
    cultivation = sorted(zones.filter(kind=ZoneKind.CULTIVATION).values_list("area_ha", flat=True))
    median = cultivation[len(cultivation) // 2]
    assert 0.5 <= median <= 30
    honey = zones.filter(kind=ZoneKind.HARVESTING)
    assert honey.exists() and min(honey.values_list("area_ha", flat=True)) > 300
    assert all(zone.geometry.valid and zone.geometry.num_coords >= 8 for zone in zones)
    assert not zones.filter(communes__isnull=True).exists()
    assert set(zones.values_list("communes__parent__code", flat=True)) == {"66"}
    assert zones.filter(status=ZoneStatus.ACTIVE).exists() and zones.filter(status=ZoneStatus.PROPOSED).exists()


def test_zones_of_active_codes_do_not_overlap_other_zones(demo):
    coded = RawMaterialZone.objects.filter(growing_area_codes__status=CodeStatus.ACTIVE).distinct()
    assert coded.count() >= 15
    for zone in coded:
        assert not RawMaterialZone.objects.filter(geometry__intersects=zone.geometry).exclude(pk=zone.pk).exists(), \
            zone.name


def test_growing_area_codes_include_export_domestic_troubled_and_phu_yen_codes(demo):
    codes = GrowingAreaCode.objects.all()
    assert codes.count() >= 20
    exports = codes.filter(code_type=CodeType.EXPORT, province_letters="DL")
    assert exports.count() >= 10 and all(code.code.startswith("VN-DLOR-") for code in exports)
    assert codes.filter(code_type=CodeType.DOMESTIC).exists()
    assert codes.filter(status=CodeStatus.SUSPENDED).exists() and codes.filter(status=CodeStatus.REVOKED).exists()
    phu_yen = codes.filter(province_letters="PY")
    assert phu_yen.count() >= 2
    assert all(code.issue_date < datetime.date(2025, 7, 1) for code in phu_yen)
    assert set(phu_yen.values_list("zones__communes__code", flat=True)) <= set(
        AdministrativeUnit.objects.filter(era=Era.CURRENT, code__startswith="22").values_list("code", flat=True))
    revoked = codes.filter(status=CodeStatus.REVOKED).first()
    assert [change.to_status for change in revoked.status_history.order_by("effective_date")] == [
        "active", "suspended", "revoked"]


def test_packing_facilities_carry_codes(demo):
    facilities = PackingFacility.objects.all()
    assert facilities.count() >= 6
    assert all(facility.code and facility.sequence for facility in facilities)
    assert facilities.filter(code__startswith="VN-DLPH-").count() >= 4
    assert facilities.filter(province_letters="PY").exists()
    assert facilities.filter(status=FacilityStatus.SUSPENDED).exists()


def test_one_provincial_and_fifteen_district_ocop_centres(demo):
    assert SalesPoint.objects.filter(kind=SalesPointKind.CENTRE_PROVINCE).count() == 1
    district_centres = SalesPoint.objects.filter(kind=SalesPointKind.CENTRE_DISTRICT)
    assert district_centres.count() == 15
    assert sorted(district_centres.values_list("legacy_district__code", flat=True)) == sorted(EXPECTED_ALLOCATION)


def test_161_in_province_points_are_allocated_by_2020_population(demo):
    points = SalesPoint.objects.filter(kind__in=NON_CENTRE_IN_PROVINCE).exclude(name__startswith="SYN-")
    assert points.count() == 161
    assert not points.filter(is_outside_province=True).exists()
    per_district = dict(points.values_list("legacy_district__code").annotate(count=Count("id")))
    assert per_district == EXPECTED_ALLOCATION
    assert demo.allocation == EXPECTED_ALLOCATION


def test_each_in_province_point_lies_near_a_commune_of_its_district(demo):
    points = SalesPoint.objects.filter(kind__in=NON_CENTRE_IN_PROVINCE).exclude(name__startswith="SYN-")
    for point in points.select_related("legacy_district")[:40]:
        nearest = (AdministrativeUnit.objects.filter(parent=point.legacy_district, level=Level.COMMUNE)
                   .annotate(distance=Distance("centroid", point.location)).order_by("distance").first())
        assert nearest.distance <= D(km=1.5), point.name


def test_24_showcases_outside_the_province_in_the_three_big_cities(demo):
    showcases = SalesPoint.objects.filter(kind=SalesPointKind.SHOWCASE_OUTSIDE)
    assert showcases.count() == 24
    assert all(point.is_outside_province for point in showcases)
    assert {"Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng"} == {point.address.split(", ")[-1] for point in showcases}


def test_sales_points_have_valid_hours_some_past_midnight_and_carry_products(demo):
    from apps.common.hours import validate_opening_hours

    points = SalesPoint.objects.exclude(name__startswith="SYN-")
    for point in points:
        validate_opening_hours(point.opening_hours)
    past_midnight = [point for point in points if any(
        closes <= opens and closes != "24:00" for ranges in point.opening_hours.values() for opens, closes in ranges)]
    assert past_midnight
    assert not points.annotate(n=Count("products")).filter(n=0).exists()


def test_tourism_sites_routes_indication_and_certifications(demo):
    assert TourismSite.objects.count() >= 10
    routes = TourRoute.objects.all()
    assert routes.count() == 2
    assert all(route.length_km > 50 and route.stops.count() >= 5 for route in routes)
    indication = GeographicalIndication.objects.get(registration_number="00001")
    assert indication.name == "Cà phê Buôn Ma Thuột" and "Đắk Lắk" in indication.holder
    buon_ma_thuot = AdministrativeUnit.objects.get(era=Era.LEGACY, code="643")
    assert indication.protected_area.contains(buon_ma_thuot.centroid)
    assert indication.area_ha > 100_000
    assert indication.products.exists()
    certifications = Certification.objects.all()
    assert {"vietgap", "4c", "haccp"} <= set(certifications.values_list("scheme", flat=True))
    assert certifications.filter(valid_to__lt=datetime.date.today()).exists()
    assert certifications.filter(valid_to__gte=datetime.date.today()).exists()


def test_loading_twice_creates_nothing_and_keeps_every_id(demo):
    models = [Producer, Product, OcopRating, RawMaterialZone, GrowingAreaCode, PackingFacility, SalesPoint,
              TourismSite, TourRoute, GeographicalIndication, Certification, Lot, TraceEvent, ProductDeclaration,
              Inspection, StampRun, Stamp, CounterfeitReport]
    before_counts = demo_counts()
    before_ids = {model.__name__: list(model.objects.order_by("pk").values_list("pk", flat=True)) for model in models}
    output = StringIO()
    call_command("load_demo", stdout=output)
    assert "population 2020: 0 district(s) updated" in output.getvalue()
    assert "demo registry: created nothing new" in output.getvalue()
    assert demo_counts() == before_counts
    assert {model.__name__: list(model.objects.order_by("pk").values_list("pk", flat=True))
            for model in models} == before_ids
