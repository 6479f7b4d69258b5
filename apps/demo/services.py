"""Demo data for Đắk Lắk: deterministic, idempotent, clearly fictional names.

:func:`load_demo` builds the plan of :mod:`apps.demo.plan` from the seed files in ``fixtures/`` and applies
it through the domain services (so every derived field and rule holds), skipping whatever already exists
by natural key (tax code, code, registration number, name). Running it twice changes nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon, Point
from django.db import transaction
from django.utils import timezone

from apps.accounts.demo import load_demo_accounts
from apps.certifications.models import Certification
from apps.certifications.services import add_certification
from apps.codes.selectors import format_in_force
from apps.demo.chains import ChainLoader
from apps.demo.links import log_demo_links
from apps.demo.plan import DemoPlan, Reference, Territory, Unit, build_plan
from apps.demo.seedfiles import population_rows, seed_file
from apps.facilities.models import FacilityStatus, PackingFacility, ProductionFacility
from apps.facilities.services import (
    change_packing_facility_status,
    register_packing_facility,
    register_production_facility,
)
from apps.indications.models import GeographicalIndication
from apps.indications.services import register_indication
from apps.outlets.models import SalesPoint
from apps.outlets.services import create_sales_point
from apps.producers.models import Producer
from apps.producers.services import register_producer
from apps.products.models import Product, ProductCategory, ProductLink
from apps.products.services import add_product_link, register_product
from apps.ratings.models import CriteriaSet, OcopRating, RatingStatus
from apps.ratings.services import record_rating, revoke_rating
from apps.stamps.models import CounterfeitReport, ScanEvent, Stamp, StampRun
from apps.territory.models import AdministrativeUnit, Era, LegacyMapping, Level
from apps.territory.services import load_admin_units
from apps.tourism.models import TourismSite, TourRoute
from apps.tourism.services import create_tour_route, create_tourism_site
from apps.traceability.models import Inspection, Lot, ProductDeclaration, TraceEvent
from apps.zones.models import Crop, GrowingAreaCode, RawMaterialZone, ZoneStatus
from apps.zones.services import change_code_status, change_zone_status, create_zone, issue_growing_area_code

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "ocop-demo-2026"  # noqa: S105 - demo account, created only with DEBUG on
PROVINCE_CODE = "66"
LEGACY_PROVINCE_CODES = ("66", "54")  # old Đắk Lắk and old Phú Yên, merged into province 66 in 2025


@dataclass
class DemoResult:
    """What a load created (by kind) and the totals afterwards."""

    created: Counter = field(default_factory=Counter)
    population_updates: int = 0
    allocation: dict[str, int] = field(default_factory=dict)


# --- population (versioned seed data) ---------------------------------------------------------------------------


@transaction.atomic
def load_population(*, path: Path | None = None) -> int:
    """Store the populations of ``fixtures/population_2020.csv`` in ``AdministrativeUnit.population``.

    Rows name the era and official code of each unit; a unit that is not loaded is skipped. Returns how
    many units changed (0 on a second run).
    """
    changed = 0
    for row in population_rows(path):
        changed += (
            AdministrativeUnit.objects.filter(era=row.era, code=row.code)
            .exclude(population=row.population)
            .update(population=row.population)
        )
    return changed


# --- snapshot of the map and of the reference data ----------------------------------------------------------------


def _unit(unit: AdministrativeUnit) -> Unit:
    return Unit(id=unit.pk, code=unit.code, name=unit.name, short_name=unit.short_name, unit_type=unit.unit_type,
                lon=round(unit.centroid.x, 6), lat=round(unit.centroid.y, 6),
                area_km2=float(unit.area_km2) if unit.area_km2 is not None else None)


def _territory() -> Territory:
    units = AdministrativeUnit.objects
    province = units.get(era=Era.CURRENT, level=Level.PROVINCE, code=PROVINCE_CODE)
    legacy_provinces = {unit.code: _unit(unit) for unit in units.filter(
        era=Era.LEGACY, level=Level.PROVINCE, code__in=LEGACY_PROVINCE_CODES)}
    districts = list(units.filter(era=Era.LEGACY, level=Level.DISTRICT, parent__code__in=LEGACY_PROVINCE_CODES,
                                  parent__era=Era.LEGACY).select_related("parent").order_by("code"))
    communes = (units.filter(era=Era.LEGACY, level=Level.COMMUNE, parent__in=districts, centroid__isnull=False)
                .select_related("parent").order_by("code"))
    by_district: dict[str, list[Unit]] = defaultdict(list)
    legacy_ids = []
    for commune in communes:
        by_district[commune.parent.code].append(_unit(commune))
        legacy_ids.append(commune.pk)
    current = list(units.filter(era=Era.CURRENT, level=Level.COMMUNE, parent=province, centroid__isnull=False)
                   .order_by("code"))
    current_by_id = {unit.pk: _unit(unit) for unit in current}
    successor: dict[int, Unit] = {}
    sources: dict[int, Counter] = defaultdict(Counter)
    district_of_legacy = {unit.id: code for code, items in by_district.items() for unit in items}
    for mapping in (LegacyMapping.objects.filter(legacy_id__in=legacy_ids, current_id__in=current_by_id)
                    .order_by("-is_primary", "current__code", "legacy__code")):
        successor.setdefault(mapping.legacy_id, current_by_id[mapping.current_id])
        sources[mapping.current_id][district_of_legacy[mapping.legacy_id]] += 1
    # A legacy commune without a mapping (should not happen) takes the nearest 2025 commune.
    for items in by_district.values():
        for unit in items:
            if unit.id not in successor:
                successor[unit.id] = min(current_by_id.values(),
                                         key=lambda other, u=unit: (other.lon - u.lon) ** 2 + (other.lat - u.lat) ** 2)
    return Territory(
        province_2025=_unit(province), legacy_provinces=legacy_provinces,
        districts={district.code: _unit(district) for district in districts},
        district_province={district.code: district.parent.code for district in districts},
        legacy_communes=dict(by_district), successor=successor,
        current_communes=[current_by_id[unit.pk] for unit in current],
        current_district={pk: counter.most_common(1)[0][0] for pk, counter in sources.items()},
    )


def _reference() -> Reference:
    present = set(Crop.objects.values_list("slug", flat=True))
    crop_slugs = {}
    for key, spec in seed_file("crops").items():
        slug = next((slug for slug in spec["slugs"] if slug in present), None)
        if slug:
            crop_slugs[key] = slug
    criteria = {
        item.code: {name: getattr(item, name) for name in (
            "max_part_a", "max_part_b", "max_part_c", "min_total_5_stars", "min_total_4_stars", "min_total_3_stars",
            "min_total_2_stars")}
        for item in CriteriaSet.objects.all()
    }
    return Reference(crop_slugs=crop_slugs, criteria=criteria,
                     category_codes=set(ProductCategory.objects.values_list("scheme", "code")))


def _populations() -> dict[str, int]:
    return dict(
        AdministrativeUnit.objects.filter(era=Era.LEGACY, level=Level.DISTRICT, parent__code="66",
                                          parent__era=Era.LEGACY, population__isnull=False)
        .values_list("code", "population")
    )


def demo_plan() -> DemoPlan:
    """The demo plan for the administrative units and reference data in the database."""
    return build_plan(_territory(), _reference(), _populations())


# --- applying the plan ------------------------------------------------------------------------------------------


def _point(lon: float, lat: float) -> Point:
    return Point(lon, lat, srid=4326)


def _geometry(shape) -> GEOSGeometry:
    return GEOSGeometry(shape.wkt, srid=4326)


class _Loader:
    def __init__(self, plan: DemoPlan, result: DemoResult):
        self.plan = plan
        self.result = result
        self.producers: dict[str, Producer] = {}
        self.products: dict[tuple[str, str], Product] = {}
        self.zones: dict[str, RawMaterialZone] = {}
        self.units = {unit.pk: unit for unit in AdministrativeUnit.objects.filter(
            pk__in=self._unit_ids())}
        self.crops = {crop.slug: crop for crop in Crop.objects.all()}
        self.crop_slugs = _reference().crop_slugs
        self.criteria = {item.code: item for item in CriteriaSet.objects.all()}
        self.categories = {(c.scheme, c.code): c for c in ProductCategory.objects.all()}

    def _unit_ids(self) -> set[int]:
        ids = set()
        for producer in self.plan.producers:
            ids |= {producer.commune.id, producer.legacy_commune.id}
        for product in self.plan.products:
            ids |= set(product.origin_communes)
            ids |= {rating.issuing_unit for rating in product.ratings if rating.issuing_unit}
        ids |= {point.legacy_district for point in self.plan.sales_points if point.legacy_district}
        return ids

    def created(self, kind: str) -> None:
        self.result.created[kind] += 1

    def run(self) -> None:
        self.load_producers()
        self.load_products()
        self.load_zones()
        self.load_codes()
        self.load_packing()
        self.load_production()
        self.load_certifications()
        self.load_sales_points()
        self.load_tourism()
        self.load_indication()

    def load_producers(self) -> None:
        existing = {p.tax_code: p for p in Producer.objects.filter(
            tax_code__in=[plan.tax_code for plan in self.plan.producers])}
        for plan in self.plan.producers:
            producer = existing.get(plan.tax_code)
            if producer is None:
                producer = register_producer(
                    name=plan.name, legal_form=plan.legal_form, tax_code=plan.tax_code,
                    commune=self.units[plan.commune.id], legacy_commune=self.units[plan.legacy_commune.id],
                    representative=plan.representative, phone=plan.phone, email=plan.email, website=plan.website,
                    address=plan.address, location=_point(plan.lon, plan.lat),
                    is_open_to_visits=plan.is_open_to_visits,
                )
                self.created("producers")
            self.producers[plan.tax_code] = producer

    def load_products(self) -> None:
        existing = {(p.producer.tax_code, p.name): p for p in Product.objects.filter(
            producer__in=self.producers.values()).select_related("producer")}
        for plan in self.plan.products:
            key = (plan.producer_tax_code, plan.name)
            product = existing.get(key)
            if product is None:
                product = register_product(
                    name=plan.name, name_en=plan.name_en, category=self.categories[(plan.scheme, plan.category_code)],
                    producer=self.producers[plan.producer_tax_code],
                    origin_communes=[self.units[pk] for pk in plan.origin_communes], gtin=plan.gtin,
                    short_description=plan.short_description, story=plan.story,
                    declared_standard=plan.declared_standard, shelf_life_days=plan.shelf_life_days, tags=plan.tags,
                )
                self.created("products")
                if plan.website and not ProductLink.objects.filter(product=product, url=plan.website).exists():
                    add_product_link(product=product, kind="website", url=plan.website)
                for rating_plan in plan.ratings:
                    rating = record_rating(
                        product=product, criteria_set=self.criteria[rating_plan.criteria_set],
                        council_level=rating_plan.council_level, era=rating_plan.era,
                        evaluation_date=rating_plan.evaluation_date, score_a=rating_plan.scores[0],
                        score_b=rating_plan.scores[1], score_c=rating_plan.scores[2],
                        decision_number=rating_plan.decision_number, decision_date=rating_plan.decision_date,
                        issuing_authority=rating_plan.issuing_authority, evaluation_round=rating_plan.evaluation_round,
                        issuing_unit=self.units.get(rating_plan.issuing_unit) if rating_plan.issuing_unit else None,
                    )
                    self.created("ratings")
                    if rating_plan.revoke and rating.status == RatingStatus.RECOGNISED:
                        revoke_rating(rating=rating, revoked_on=rating_plan.revoke[0], reason=rating_plan.revoke[1])
            self.products[key] = product

    def load_zones(self) -> None:
        existing = {zone.name: zone for zone in RawMaterialZone.objects.filter(
            name__in=[plan.name for plan in self.plan.zones])}
        for plan in self.plan.zones:
            zone = existing.get(plan.name)
            if zone is None:
                zone = create_zone(
                    name=plan.name, kind=plan.kind, crop=self.crops[self.crop_slugs[plan.crop]],
                    geometry=_geometry(plan.polygon),
                    producers=[self.producers[tax_code] for tax_code in plan.producer_tax_codes], notes=plan.notes,
                    proposed_on=plan.proposed_on,
                )
                self.created("zones")
                if plan.status == ZoneStatus.ACTIVE:
                    zone = change_zone_status(zone=zone, to_status=ZoneStatus.ACTIVE, effective_date=plan.activated_on,
                                              reason="Đã khảo sát, xác nhận ranh giới vùng (dữ liệu demo).")
            self.zones[plan.name] = zone

    def load_codes(self) -> None:
        for plan in self.plan.codes:
            code_format = format_in_force(f"growing_area_{plan.code_type}", plan.issue_date)
            code = code_format.template.format(letters=plan.letters, sequence=plan.sequence)
            if GrowingAreaCode.objects.filter(code=code).exists():
                continue
            issued = issue_growing_area_code(
                code=code, code_type=plan.code_type, crop=self.crops[self.crop_slugs[plan.crop]],
                province_letters=plan.letters, issuing_authority=plan.issuing_authority, issue_date=plan.issue_date,
                target_markets=plan.markets, zones=[self.zones[name] for name in plan.zone_names],
            )
            self.created("growing_area_codes")
            for to_status, when, reason in plan.status_changes:
                issued = change_code_status(code=issued, to_status=to_status, effective_date=when, reason=reason)

    def load_packing(self) -> None:
        self.packing: dict[str, PackingFacility] = {}
        for plan in self.plan.packing:
            code_format = format_in_force(f"packing_{plan.code_type}", plan.issue_date)
            code = code_format.template.format(letters=plan.letters, sequence=plan.sequence)
            facility = PackingFacility.objects.filter(code=code).first()
            if facility is None:
                facility = register_packing_facility(
                    name=plan.name, code=code, code_type=plan.code_type, location=_point(plan.lon, plan.lat),
                    footprint=_geometry(plan.footprint),
                    operator=self.producers.get(plan.operator_tax_code) if plan.operator_tax_code else None,
                    operator_name=plan.operator_name, address=plan.address, target_markets=plan.markets,
                    capacity_tonnes_per_day=plan.capacity, issuing_authority=plan.issuing_authority,
                    issue_date=plan.issue_date,
                )
                self.created("packing_facilities")
                if plan.suspended_on and facility.status == FacilityStatus.ACTIVE:
                    facility = change_packing_facility_status(
                        facility=facility, to_status=FacilityStatus.SUSPENDED, effective_date=plan.suspended_on,
                        reason="Tạm dừng mã số: hồ sơ truy xuất lô hàng chưa đầy đủ khi kiểm tra định kỳ.",
                    )
            self.packing[plan.name] = facility

    def load_production(self) -> None:
        self.production: dict[str, ProductionFacility] = {}
        for plan in self.plan.production:
            producer = self.producers[plan.producer_tax_code]
            facility = ProductionFacility.objects.filter(producer=producer, name=plan.name).first()
            if facility is None:
                facility = register_production_facility(
                    name=plan.name, producer=producer, location=_point(plan.lon, plan.lat), address=plan.address,
                    makes=plan.makes,
                    products=[self.products[(plan.producer_tax_code, name)] for name in plan.product_names],
                )
                self.created("production_facilities")
            self.production[plan.name] = facility

    def load_certifications(self) -> None:
        existing = set(Certification.objects.values_list("scheme", "number"))
        subjects = {
            "zone": self.zones, "packing_facility": self.packing, "production_facility": self.production,
            "producer": self.producers,
        }
        for plan in self.plan.certifications:
            if (plan.scheme, plan.number) in existing:
                continue
            add_certification(scheme=plan.scheme, certifying_body=plan.body, number=plan.number,
                              valid_from=plan.valid_from, valid_to=plan.valid_to,
                              subject=subjects[plan.subject_kind][plan.subject_key])
            self.created("certifications")

    def load_sales_points(self) -> None:
        existing = set(SalesPoint.objects.filter(name__in=[p.name for p in self.plan.sales_points])
                       .values_list("name", flat=True))
        for plan in self.plan.sales_points:
            if plan.name in existing:
                continue
            create_sales_point(
                name=plan.name, kind=plan.kind, location=_point(plan.lon, plan.lat), opening_hours=plan.hours,
                products=[self.products[key] for key in plan.product_keys], address=plan.address, phone=plan.phone,
                operator=self.producers.get(plan.operator_tax_code) if plan.operator_tax_code else None,
                legacy_district=self.units[plan.legacy_district] if plan.legacy_district else None,
            )
            self.created("sales_points")

    def load_tourism(self) -> None:
        sites: dict[str, TourismSite] = {}
        for plan in self.plan.sites:
            site = TourismSite.objects.filter(name=plan.name).first()
            if site is None:
                site = create_tourism_site(
                    name=plan.name, kind=plan.kind, location=_point(plan.lon, plan.lat),
                    area=_geometry(plan.area) if plan.area is not None else None,
                    product=self.products[plan.product_key] if plan.product_key else None,
                    producer=self.producers.get(plan.producer_tax_code) if plan.producer_tax_code else None,
                    description=plan.description, visiting_hours=plan.hours,
                )
                self.created("tourism_sites")
            sites[plan.name] = site
        for plan in self.plan.routes:
            if TourRoute.objects.filter(name=plan.name).exists():
                continue
            create_tour_route(name=plan.name, sites=[sites[name] for name in plan.stops],
                              path=LineString(plan.path, srid=4326), description=plan.description,
                              duration_hours=plan.duration_hours)
            self.created("tour_routes")

    def load_indication(self) -> None:
        plan = self.plan.indication
        if plan is None or GeographicalIndication.objects.filter(
                registration_number=plan.registration_number).exists():
            return
        area = MultiPolygon([_geometry(polygon) for polygon in plan.polygons], srid=4326)
        register_indication(name=plan.name, kind=plan.kind, registration_number=plan.registration_number,
                            holder=plan.holder, protected_area=area, registered_on=plan.registered_on,
                            products=[self.products[key] for key in plan.product_keys], description=plan.description)
        self.created("geographical_indications")


@transaction.atomic
def load_demo(*, log: Callable[[str], None] = print, links_base_url: str | None = None) -> DemoResult:
    """Load the demo province (both eras), its 2020 district populations, the demo registry and its traceability
    (lots, logbooks, inspections, stamps: :mod:`apps.demo.chains`), then log example stamp URLs.

    Running it twice changes nothing: every record is looked up by its natural key first. The example URLs are on
    ``links_base_url`` when given (e.g. the port ``./ocop up`` serves on), else on ``PUBLIC_BASE_URL``.
    """
    started = timezone.now()
    units = load_admin_units(province_code=PROVINCE_CODE)
    log(f"administrative units: {units.totals} ({units.mappings} legacy→current mappings)")
    result = DemoResult()
    result.population_updates = load_population()
    log(f"population 2020: {result.population_updates} district(s) updated")
    if settings.DEBUG:
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=DEMO_ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_ADMIN_PASSWORD)
            user.save()
            log(f"demo administrator created: {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}")
    plan = demo_plan()
    result.allocation = plan.allocation
    loader = _Loader(plan, result)
    loader.run()
    chains = ChainLoader(product_plans=plan.products, products=loader.products, crop_slugs=loader.crop_slugs,
                         created=loader.created)
    chains.run()
    for warning in chains.warnings:
        log(f"warning: {warning}")
    load_demo_accounts(log=log)
    created = ", ".join(f"{kind} {count}" for kind, count in sorted(result.created.items())) or "nothing new"
    seconds = (timezone.now() - started).total_seconds()
    log(f"demo registry: created {created} in {seconds:.1f} s")
    log(f"sales points per legacy district (2020 population, largest remainder): {plan.allocation}")
    log_demo_links(log, base_url=links_base_url)
    return result


def demo_counts() -> dict[str, int]:
    """Totals of the demo registry, for the command's summary and the tests."""
    return {
        "producers": Producer.objects.count(),
        "products": Product.objects.count(),
        "ratings": OcopRating.objects.count(),
        "zones": RawMaterialZone.objects.exclude(name__startswith="SYN-").count(),
        "growing_area_codes": GrowingAreaCode.objects.count(),
        "packing_facilities": PackingFacility.objects.count(),
        "production_facilities": ProductionFacility.objects.count(),
        "certifications": Certification.objects.count(),
        "sales_points": SalesPoint.objects.exclude(name__startswith="SYN-").count(),
        "tourism_sites": TourismSite.objects.count(),
        "tour_routes": TourRoute.objects.count(),
        "geographical_indications": GeographicalIndication.objects.count(),
        "lots": Lot.objects.count(),
        "trace_events": TraceEvent.objects.count(),
        "declarations": ProductDeclaration.objects.count(),
        "inspections": Inspection.objects.count(),
        "stamp_runs": StampRun.objects.count(),
        "stamps": Stamp.objects.count(),
        "scans": ScanEvent.objects.count(),
        "counterfeit_reports": CounterfeitReport.objects.count(),
    }

