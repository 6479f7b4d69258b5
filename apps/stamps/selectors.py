"""Reads for QR stamps: resolving a serial, what the public product page shows, where to buy, officer lists."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Distance, GeoFunc
from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.certifications.models import Certification
from apps.outlets.models import SalesPoint
from apps.products.models import Product
from apps.ratings.selectors import OcopStatus, current_ocop_status
from apps.stamps import localcache
from apps.stamps.models import CounterfeitReport, Stamp, StampRun
from apps.stamps.rendering import url_prefix
from apps.traceability import selectors as trace
from apps.traceability.models import Inspection, InspectionResult, Lot, ProductDeclaration, TraceEvent
from apps.zones.models import RawMaterialZone

ZONE_SIMPLIFY_TOLERANCE = 0.00005  # display only (about 5 m): keeps the page light, never used to measure


class SimplifyPreserveTopology(GeoFunc):
    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField(srid=4326)


def stamp_by_serial(serial: str) -> Stamp | None:
    """The stamp with this canonical serial, its lot and product attached, or None.

    The stamp is one indexed row; its lot (with the product) comes from the per-process cache (a recall or a GTIN
    change shows within ``STAMPS_PAGE_CACHE_SECONDS``; the product page's own path checks the lot's version).
    """
    stamp = _stamp_row(serial)
    if stamp is not None:
        stamp.lot = lot_with_product(stamp.lot_id)
    return stamp


def _stamp_row(serial: str) -> Stamp | None:
    try:
        return Stamp.objects.get(serial=serial)
    except Stamp.DoesNotExist:
        return None


def province_today() -> datetime.date:
    """Today in the platform's time zone: the day the resolver's cached pages are kept for (nothing on them is per
    visitor; the default time zone is read without the per-request look-up of the active one)."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def lot_with_product(lot_id: int, version: int | None = None) -> Lot:
    """A lot with its product, cached per lot for ``STAMPS_PAGE_CACHE_SECONDS`` or until the lot's ``page_version``
    differs from ``version`` when given (shared: treat as read-only)."""
    return localcache.get_or_set(lot_cache_key(lot_id), lambda: Lot.objects.select_related("product").get(pk=lot_id),
                                 settings.STAMPS_PAGE_CACHE_SECONDS, version=version)


def lot_cache_key(lot_id: int) -> tuple:
    return ("lot-row", lot_id)


def run_items(run: StampRun) -> Iterator[tuple[int, str, str]]:
    """(sequence, serial, status) of every stamp of a run in order, read in chunks (memory stays flat)."""
    return (Stamp.objects.filter(run=run).order_by("sequence")
            .values_list("sequence", "serial", "status").iterator(chunk_size=5000))


def run_prefix(run: StampRun) -> str:
    lot = run.lot
    return url_prefix(gtin=lot.product.gtin, lot_code=lot.code)


@dataclass
class CertificationView:
    certification: Certification
    subject_label: str
    is_expired: bool
    is_current: bool


@dataclass
class LotPage:
    """Everything the public page shows about a lot (not about one stamp): cacheable per lot and language."""

    lot: Lot
    product: Product
    photo_url: str
    ocop: OcopStatus
    declaration: ProductDeclaration | None
    standards: list[str]
    consistency: list
    events: list[TraceEvent]
    chain_is_intact: bool
    chain_message: str
    certifications: list[CertificationView]
    inspections: list[Inspection]
    failed_inspections: list
    zones: list
    growing_area_codes: list
    map_features: dict
    links: list
    sales_points: list[SalesPoint]
    epcis_url: str
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def stars_text(self) -> str:
        return "★" * (self.ocop.stars or 0)


def _feature(geometry_json: str, **properties) -> dict:
    return {"type": "Feature", "geometry": json.loads(geometry_json), "properties": properties}


def _map_features(lot: Lot, zone_ids: list[int], codes_by_zone: dict[int, list[str]]) -> dict:
    features = []
    zones = (RawMaterialZone.objects.filter(pk__in=zone_ids)
             .annotate(shape=AsGeoJSON(SimplifyPreserveTopology("geometry", ZONE_SIMPLIFY_TOLERANCE), precision=5))
             .values("pk", "name", "shape"))
    for zone in zones:
        features.append(_feature(zone["shape"], kind="zone", name=zone["name"],
                                 codes=", ".join(codes_by_zone.get(zone["pk"], []))))
    for facility, kind in ((lot.packing_facility, "packing"), (lot.production_facility, "production")):
        if facility is not None and facility.location is not None:
            label = f"{facility.code} — {facility.name}" if kind == "packing" else facility.name
            features.append({"type": "Feature", "properties": {"kind": kind, "name": label},
                             "geometry": {"type": "Point", "coordinates": [round(facility.location.x, 5),
                                                                           round(facility.location.y, 5)]}})
    return {"type": "FeatureCollection", "features": features}


def _certifications(lot: Lot, zone_ids: list[int], today: datetime.date) -> list[CertificationView]:
    scope = Q(product_id=lot.product_id) | Q(producer_id=lot.product.producer_id)
    if zone_ids:
        scope |= Q(zone_id__in=zone_ids)
    if lot.packing_facility_id:
        scope |= Q(packing_facility_id=lot.packing_facility_id)
    if lot.production_facility_id:
        scope |= Q(production_facility_id=lot.production_facility_id)
    views = []
    for certification in (Certification.objects.filter(scope)
                          .select_related("zone", "packing_facility", "production_facility", "producer", "product")
                          .order_by("-valid_from")[:30]):
        is_expired = certification.valid_to is not None and certification.valid_to < today
        is_current = certification.valid_from <= today and not is_expired
        views.append(CertificationView(certification, str(certification.subject), is_expired, is_current))
    return views


def _inspections(lot: Lot, zone_ids: list[int]) -> list[Inspection]:
    targets = Q(lot=lot) | Q(producer_id=lot.product.producer_id)
    if zone_ids:
        targets |= Q(zone_id__in=zone_ids)
    if lot.packing_facility_id:
        targets |= Q(packing_facility_id=lot.packing_facility_id)
    if lot.production_facility_id:
        targets |= Q(production_facility_id=lot.production_facility_id)
    return list(Inspection.objects.filter(targets).order_by("-inspected_on", "-pk")[:20])


def epcis_url(lot: Lot) -> str:
    try:
        return reverse("api-lot-epcis", kwargs={"pk": lot.pk})
    except NoReverseMatch:
        return ""


def lot_page(lot_id: int) -> LotPage:
    """Assemble the lot part of the public product page (Circular 02/2024 minimum data and more)."""
    lot = (Lot.objects.select_related("product__producer__commune", "packing_facility", "production_facility")
           .get(pk=lot_id))
    product = lot.product
    today = timezone.localdate()
    inputs = trace.lot_inputs(lot)
    zone_ids = [share.zone.pk for share in inputs.zones]
    codes_by_zone = {share.zone.pk: [code.code for code in share.growing_area_codes] for share in inputs.zones}
    declaration = trace.lot_declaration(lot)
    standards = [standard for standard in [declaration.standard_applied if declaration else "",
                                           product.declared_standard] if standard]
    photo = product.photos.first()
    chain = trace.verify_chain(lot)
    return LotPage(
        lot=lot,
        product=product,
        photo_url=photo.image.url if photo is not None and photo.image else "",
        ocop=current_ocop_status(product, on=today),
        declaration=declaration,
        standards=list(dict.fromkeys(standards)),
        consistency=trace.consistency_issues(lot),
        events=list(trace.logbook(lot)),
        chain_is_intact=chain.is_intact,
        chain_message=chain.message,
        certifications=_certifications(lot, zone_ids, today),
        inspections=_inspections(lot, zone_ids),
        failed_inspections=[warning for warning in trace.inspection_warnings(lot)
                            if warning.inspection.result == InspectionResult.FAIL],
        zones=inputs.zones,
        growing_area_codes=inputs.growing_area_codes,
        map_features=_map_features(lot, zone_ids, codes_by_zone),
        links=list(product.links.all()),
        sales_points=list(sales_points_for(product)),
        epcis_url=epcis_url(lot),
        today=today,
    )


def sales_points_for(product: Product, *, near: Point | None = None, limit: int = 10) -> QuerySet[SalesPoint]:
    """Sales points carrying ``product``: nearest first (distance on the spheroid) when ``near`` is given."""
    points = SalesPoint.objects.filter(products=product).only("id", "name", "kind", "address", "location",
                                                               "opening_hours", "phone")
    if near is None:
        return points.order_by("name")[:limit]
    return points.annotate(distance=Distance("location", near, spheroid=True)).order_by("distance", "name")[:limit]


def flagged_stamps() -> QuerySet[Stamp]:
    """Stamps flagged as possible clones, latest first, for the officers' alert list."""
    return (Stamp.objects.filter(is_flagged=True).select_related("lot__product").order_by("-flagged_at"))


def open_reports() -> QuerySet[CounterfeitReport]:
    return CounterfeitReport.objects.filter(is_reviewed=False).select_related("stamp__lot__product")


__all__ = ["LotPage", "flagged_stamps", "lot_page", "open_reports", "run_items", "run_prefix", "sales_points_for",
           "stamp_by_serial"]
