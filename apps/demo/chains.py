"""Demo traceability: lots with planting-to-retail logbooks, declarations, certifications, inspections and QR stamps.

Read from ``fixtures/demo/traceability.json`` and applied through the traceability, certification and stamp
services on top of the demo registry (:mod:`apps.demo.services`), so every hash chain, counter and status is
what the platform itself would have written. Lot codes are the natural keys: a lot that exists is left alone with
everything hanging from it (logbook, stamp runs, scans, recall), which makes a second load create nothing.

Stamp serials are random by design (they are the anti-counterfeit secret), so they differ between databases; the
example links are looked up afresh each time (:mod:`apps.demo.links`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Case, Value, When

from apps.certifications.models import Certification
from apps.certifications.services import add_certification
from apps.demo.plan import ProductPlan
from apps.demo.seedfiles import seed_file
from apps.facilities.models import FacilityStatus, PackingFacility, ProductionFacility
from apps.outlets.models import SalesPoint, SalesPointKind
from apps.products.models import Product
from apps.ratings.selectors import current_ocop_status
from apps.stamps import services as stamp_services
from apps.stamps.models import CounterfeitReport, ScanKind, Stamp, StampRun
from apps.traceability import services as trace
from apps.traceability.models import Inspection, Lot, ProductDeclaration
from apps.zones.models import RawMaterialZone, ZoneStatus

SEED = "traceability"
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # the logbook's events happen in Đắk Lắk (+07:00)


class DemoSeedError(Exception):
    """The traceability seed asks for something the demo registry does not have."""


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _local(day: datetime.date, clock: str) -> datetime.datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LOCAL_TIME)


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=LOCAL_TIME)


@dataclass
class DemoLot:
    """A seeded lot with the places its logbook refers to."""

    spec: dict
    lot: Lot
    zones: list[RawMaterialZone]
    sales_point: SalesPoint | None
    is_new: bool


class ChainLoader:
    """Apply the traceability seed on top of a loaded demo registry (see the module docstring)."""

    def __init__(self, *, product_plans: list[ProductPlan], products: dict[tuple[str, str], Product],
                 crop_slugs: dict[str, str], created: Callable[[str], None]):
        self.seed = seed_file(SEED)
        self.templates = seed_file("product_templates")["templates"]
        self.product_plans = product_plans
        self.products = products
        self.crop_slugs = crop_slugs
        self.created = created
        self.specs = {spec["code"]: spec for spec in self.seed["lots"]}
        self.chosen: dict[str, Product] = {}
        self.lots: dict[str, DemoLot] = {}
        self.warnings: list[str] = []

    def run(self) -> None:
        for spec in self.seed["lots"]:
            self.load_lot(spec)
        self.load_declarations()
        self.load_certifications()
        self.load_inspections()
        for demo_lot in self.lots.values():
            if demo_lot.is_new:
                self.load_logbook(demo_lot)
                self.load_stamps(demo_lot)
                self.finish(demo_lot)
        self.load_reports()

    # --- which product a lot is of ----------------------------------------------------------------------------

    def crop_of(self, template: str) -> str | None:
        return self.crop_slugs.get(self.templates[template].get("crop") or "")

    def _zones(self, product: Product, crop_slug: str | None) -> list[RawMaterialZone]:
        if crop_slug is None:
            return []
        # Active zones (those that can hold a growing-area code) first, then proposed ones.
        is_active = Case(When(status=ZoneStatus.ACTIVE, then=Value(0)), default=Value(1))
        return list(RawMaterialZone.objects.filter(producers=product.producer, crop__slug=crop_slug,
                                                   status__in=[ZoneStatus.ACTIVE, ZoneStatus.PROPOSED])
                    .order_by(is_active, "name"))

    def _candidates(self, selector: dict) -> list[tuple[ProductPlan, Product]]:
        templates = selector["templates"]
        plans = sorted((plan for plan in self.product_plans if plan.template in templates),
                       key=lambda plan: templates.index(plan.template))
        return [(plan, self.products[(plan.producer_tax_code, plan.name)]) for plan in plans]

    def product_for(self, code: str) -> Product:
        """The registry product the seed's lot ``code`` is of, chosen once (see the seed's comment)."""
        if code in self.chosen:
            return self.chosen[code]
        selector = self.specs[code]["product"]
        if "same_product_as" in selector:
            product = self.product_for(selector["same_product_as"])
        else:
            candidates = self._candidates(selector)
            existing = Lot.objects.filter(code=code, product__in=[product for _plan, product in candidates]).first()
            product = existing.product if existing is not None else self._choose(code, selector, candidates)
        self.chosen[code] = product
        return product

    def _choose(self, code: str, selector: dict, candidates: list[tuple[ProductPlan, Product]]) -> Product:
        taken = {product.pk for product in self.chosen.values()}
        fitting = [(plan, product) for plan, product in candidates if product.pk not in taken
                   and self._zones(product, self.crop_of(plan.template))]
        if selector.get("gtin"):
            fitting = [(plan, product) for plan, product in fitting if product.gtin] or fitting
        if "same_producer_as" in selector:
            producer_id = self.product_for(selector["same_producer_as"]).producer_id
            fitting = [(plan, product) for plan, product in fitting if product.producer_id == producer_id]
        wanted = selector.get("ocop")
        if wanted:
            matching = [(plan, product) for plan, product in fitting if current_ocop_status(product).state == wanted]
            if not matching:
                self.warnings.append(f"lot {code}: no {'/'.join(selector['templates'])} product with OCOP state "
                                     f"{wanted}; its page will not show that banner")
            fitting = matching or fitting
        if not fitting:
            raise DemoSeedError(f"lot {code}: the demo registry has no product of {selector['templates']} "
                                f"with a zone of its crop")
        return fitting[0][1]

    # --- lots -------------------------------------------------------------------------------------------------

    def _packing_facility(self, product: Product, zones: list[RawMaterialZone]) -> PackingFacility | None:
        facilities = PackingFacility.objects.filter(status=FacilityStatus.ACTIVE)
        own = facilities.filter(operator=product.producer).order_by("code").first()
        if own is not None or not zones:
            return own
        anchor = zones[0].geometry.point_on_surface
        return (facilities.annotate(distance=Distance("location", anchor, spheroid=True))
                .order_by("distance", "code").first())

    @staticmethod
    def _production_facility(product: Product) -> ProductionFacility | None:
        facilities = ProductionFacility.objects.filter(producer=product.producer).order_by("name")
        return facilities.filter(products=product).first() or facilities.first()

    @staticmethod
    def _sales_point(product: Product) -> SalesPoint | None:
        carrying = SalesPoint.objects.filter(products=product).order_by("name").first()
        return carrying or SalesPoint.objects.filter(kind=SalesPointKind.CENTRE_PROVINCE).order_by("name").first()

    def production_date(self, spec: dict) -> datetime.date:
        return _day(spec["anchor"]) + datetime.timedelta(days=spec["production_day"])

    def load_lot(self, spec: dict) -> None:
        code = spec["code"]
        product = self.product_for(code)
        template = next(plan.template for plan in self.product_plans
                        if self.products.get((plan.producer_tax_code, plan.name)) == product)
        lot = Lot.objects.filter(product=product, code=code).first()
        is_new = lot is None
        if is_new:
            zones = self._zones(product, self.crop_of(template))[:len(spec["zone_shares"])]
            made_on = self.production_date(spec)
            shelf_life = self._shelf_life(code, product)
            shares = spec["zone_shares"][:len(zones)]
            if len(zones) == 1:
                shares = [min(100, sum(spec["zone_shares"]))]
            lot = trace.create_lot(
                product=product, code=code, production_date=made_on,
                expiry_date=made_on + datetime.timedelta(days=shelf_life) if shelf_life else None,
                quantity=Decimal(str(spec["quantity"][0])), unit=spec["quantity"][1],
                zone_shares=list(zip(zones, shares, strict=True)),
                packing_facility=self._packing_facility(product, zones) if spec["packing_facility"] else None,
                production_facility=self._production_facility(product) if spec["production_facility"] else None,
            )
            self.created("lots")
        zones = [share.zone for share in lot.zone_shares.select_related("zone").order_by("-share_percent", "id")]
        self.lots[code] = DemoLot(spec=spec, lot=lot, zones=zones, sales_point=self._sales_point(product),
                                  is_new=is_new)

    def _declared_versions(self, code: str) -> list[dict]:
        return next((item["versions"] for item in self.seed["declarations"] if item["lot"] == code), [])

    def _shelf_life(self, code: str, product: Product) -> int | None:
        declared = [version.get("shelf_life_days") for version in self._declared_versions(code)]
        return product.shelf_life_days or next((days for days in reversed(declared) if days), None)

    # --- declarations, certifications, inspections --------------------------------------------------------------

    def load_declarations(self) -> None:
        for item in self.seed["declarations"]:
            product = self.lots[item["lot"]].lot.product
            if ProductDeclaration.objects.filter(product=product).exists():
                continue
            for version in item["versions"]:
                trace.declare_product(
                    product=product, standard_applied=version.get("standard") or product.declared_standard,
                    composition=version["composition"], net_quantity=version["net_quantity"],
                    shelf_life_days=version.get("shelf_life_days") or product.shelf_life_days,
                    effective_from=_day(version["from"]), storage_conditions=version.get("storage", ""),
                    declaration_number=version.get("number", ""),
                )
                self.created("declarations")

    def subject(self, code: str, kind: str):
        """The lot ``code`` itself or one of its places: ``zone``, ``packing_facility``, ``production_facility``,
        ``producer``."""
        demo_lot = self.lots[code]
        subject = {
            "lot": demo_lot.lot, "zone": demo_lot.zones[0] if demo_lot.zones else None,
            "packing_facility": demo_lot.lot.packing_facility,
            "production_facility": demo_lot.lot.production_facility, "producer": demo_lot.lot.product.producer,
        }[kind]
        if subject is None:
            raise DemoSeedError(f"lot {code} has no {kind}")
        return subject

    def load_certifications(self) -> None:
        for item in self.seed["certifications"]:
            if Certification.objects.filter(scheme=item["scheme"], number=item["number"]).exists():
                continue
            add_certification(scheme=item["scheme"], certifying_body=item["body"], number=item["number"],
                              valid_from=_day(item["from"]), valid_to=_day(item["to"]) if item.get("to") else None,
                              subject=self.subject(item["lot"], item["of"]))
            self.created("certifications")

    def load_inspections(self) -> None:
        for item in self.seed["inspections"]:
            target = self.subject(item["lot"], item["of"])
            if Inspection.objects.filter(inspected_on=_day(item["on"]), organisation=item["organisation"],
                                         **{item["of"]: target}).exists():
                continue
            location = target.location if item["of"] in ("packing_facility", "production_facility") else None
            if item["of"] == "zone":
                location = target.geometry.point_on_surface
            trace.record_inspection(inspector_name=item["inspector"], organisation=item["organisation"],
                                    inspected_on=_day(item["on"]), result=item["result"], target=target,
                                    findings=item.get("findings", ""), location=location)
            self.created("inspections")

    # --- the logbook --------------------------------------------------------------------------------------------

    def _place(self, demo_lot: DemoLot, where: str | None) -> dict:
        """Service arguments saying where an event happened (EPCIS readPoint / bizLocation)."""
        lot = demo_lot.lot
        if where == "zone" and demo_lot.zones:
            zone = demo_lot.zones[0]
            spot = zone.geometry.point_on_surface
            return {"zone": zone, "location": Point(round(spot.x, 6), round(spot.y, 6), srid=4326)}
        if where == "sales_point" and demo_lot.sales_point is not None:
            return {"sales_point": demo_lot.sales_point}
        facilities = [("production_facility", lot.production_facility), ("packing_facility", lot.packing_facility)]
        if where == "packing":
            facilities.reverse()
        for name, facility in facilities:
            if facility is not None:
                return {name: facility}
        # A household without a registered facility works at home: record the producer's place.
        location = lot.product.producer.location
        return {"location": location} if location is not None else {}

    def _text(self, template: str, demo_lot: DemoLot) -> str:
        source = demo_lot.spec.get("source")
        return template.format(code=demo_lot.lot.code, source=source or "",
                               sales_point=demo_lot.sales_point.name if demo_lot.sales_point else "điểm bán")

    def load_logbook(self, demo_lot: DemoLot) -> None:
        spec, lot = demo_lot.spec, demo_lot.lot
        anchor, made_on = _day(spec["anchor"]), lot.production_date
        steps = []
        for step in self.seed["chains"][spec["chain"]]:
            day = made_on + datetime.timedelta(days=step["pday"]) if "pday" in step else \
                anchor + datetime.timedelta(days=step["day"])
            steps.append((_local(day, step["time"]), step))
        steps.sort(key=lambda item: item[0])  # stable: the seed's order breaks ties
        for event_time, step in steps:
            arguments = {
                "lot": lot, "biz_step": step["step"], "event_time": event_time,
                "input_product": step.get("input_product", ""), "pre_harvest_interval_days": step.get("phi"),
                "notes": self._text(step.get("notes", ""), demo_lot),
                "business_documents": [{"type": kind, "number": self._text(number, demo_lot)}
                                       for kind, number in step.get("documents", [])],
                "parent_id": self._text(step.get("parent", ""), demo_lot),
                **self._place(demo_lot, step.get("at")),
            }
            if "type" in step:
                arguments["event_type"] = step["type"]
            if "disposition" in step:
                arguments["disposition"] = step["disposition"]
            if "transform" in step:
                source = self.lots[spec["source"]].lot
                (in_quantity, in_unit), (out_quantity, out_unit) = step["transform"]["input"], \
                    step["transform"]["output"]
                arguments["inputs"] = [trace.LotQuantity(source, Decimal(str(in_quantity)), in_unit)]
                arguments["outputs"] = [trace.LotQuantity(lot, Decimal(str(out_quantity)), out_unit)]
            elif "qty" in step:
                arguments["objects"] = [trace.LotQuantity(lot, Decimal(str(step["qty"][0])), step["qty"][1])]
            trace.record_event(**arguments)
            self.created("trace_events")

    # --- stamps and scans ---------------------------------------------------------------------------------------

    def load_stamps(self, demo_lot: DemoLot) -> None:
        lot = demo_lot.lot
        runs = []
        for run_spec in demo_lot.spec.get("stamp_runs", []):
            run = stamp_services.issue_stamp_run(lot=lot, count=run_spec["count"])
            self.created("stamp_runs")
            if "activate" in run_spec:
                first, last = run_spec["activate"]
                stamp_services.activate_stamps(run=run, sequence_from=first, sequence_to=last)
            if "void" in run_spec:
                first, last = run_spec["void"]
                stamp_services.void_stamps(run=run, sequence_from=first, sequence_to=last)
            if "revoke" in run_spec:
                first, last = run_spec["revoke"]
                stamp_services.revoke_stamps(run=run, sequence_from=first, sequence_to=last,
                                             reason=run_spec["reason"])
            runs.append(run)
        agents = self.seed["user_agents"]
        for scan in demo_lot.spec.get("scans", []):
            serial = Stamp.objects.values_list("serial", flat=True).get(run=runs[scan["run"] - 1],
                                                                        sequence=scan["sequence"])
            for when in scan["times"]:
                # As the resolver records them: the page view, then (when the visitor shared where they are, to
                # find the nearest sales point) a located scan, which feeds the travel-speed clone heuristic.
                at, user_agent = _moment(when), agents[scan["agent"]]
                stamp_services.record_page_scan(serial=serial, user_agent=user_agent, at=at)
                self.created("scans")
                if scan.get("where"):
                    lon, lat = scan["where"]
                    stamp_services.record_scan(
                        stamp=Stamp.objects.get(serial=serial), serial=serial, kind=ScanKind.LOCATED,
                        location=stamp_services.coarse_point(lat, lon), user_agent=user_agent,
                        at=at + datetime.timedelta(seconds=40),
                    )
                    self.created("scans")

    def finish(self, demo_lot: DemoLot) -> None:
        lot = trace.release_lot(lot=demo_lot.lot)
        if demo_lot.spec.get("recall"):
            lot = trace.recall_lot(lot=lot, reason=demo_lot.spec["recall"])
        demo_lot.lot = lot

    def load_reports(self) -> None:
        for item in self.seed["reports"]:
            if item.get("unknown"):
                serial = unknown_serial()
            else:
                serial = stamp_of(item["lot"], item["run"], item["sequence"]).serial
            if CounterfeitReport.objects.filter(serial=serial, message=item["message"]).exists():
                continue
            where = item.get("where")
            stamp_services.report_counterfeit(
                serial=serial, message=item["message"], place=item.get("place", ""),
                location=stamp_services.coarse_point(where[1], where[0]) if where else None,
            )
            self.created("counterfeit_reports")


def demo_lot(code: str) -> Lot | None:
    """The demo lot with this seed code (codes of the seed are unique across the demo)."""
    return Lot.objects.filter(code=code).select_related("product").order_by("pk").first()


def demo_run(code: str, number: int) -> StampRun | None:
    """The ``number``-th stamp run (1-based, in issue order) of the demo lot ``code``."""
    lot = demo_lot(code)
    if lot is None:
        return None
    return StampRun.objects.filter(lot=lot).order_by("pk")[number - 1:number].first()


def stamp_of(code: str, run_number: int, sequence: int) -> Stamp:
    return Stamp.objects.get(run=demo_run(code, run_number), sequence=sequence)


def unknown_serial() -> str:
    """A well-formed serial that no stamp has (the demo's "unknown code"), the same on every load."""
    from apps.stamps import serials

    value = seed_file(SEED)["unknown_serial_value"]
    while True:
        serial = serials.encode(value % (1 << serials.RANDOM_BITS))
        if serial[-1] not in "~$" and not Stamp.objects.filter(serial=serial).exists():
            return serial
        value += 1

