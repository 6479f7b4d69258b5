"""Shared set-up of the stamp benchmarks: a throwaway database with a small, realistic product chain."""

from __future__ import annotations

import datetime

from _django import ROOT, start_django  # noqa: F401 - re-exported for the stamp benchmarks


def make_lots(count: int):
    """``count`` lots of one coffee product (GTIN, zone, facilities, a short logbook); reused when present."""
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from django.utils import timezone

    from apps.facilities.models import PackingFacility, ProductionFacility
    from apps.outlets.models import SalesPoint, SalesPointKind
    from apps.producers.models import LegalForm, Producer
    from apps.products.models import ClassificationLevel, Product, ProductCategory
    from apps.territory.models import AdministrativeUnit, Era, Level
    from apps.territory.services import load_admin_units
    from apps.traceability.models import Lot
    from apps.traceability.services import create_lot, record_event
    from apps.zones.models import Crop, RawMaterialZone, ZoneKind, ZoneStatus

    existing = list(Lot.objects.filter(code__startswith="BENCH-").order_by("id"))
    if len(existing) >= count:
        return existing[:count]
    if not AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).exists():
        load_admin_units(province_code="66")
    commune = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("code").first()
    producer = Producer.objects.create(name="HTX Cà phê Bench", legal_form=LegalForm.COOPERATIVE,
                                       tax_code="6009999999", commune=commune, address="Xã Ea Tu, Đắk Lắk",
                                       slug="bench-producer")
    category = ProductCategory.objects.create(scheme="bench", code="B", name="Cà phê",
                                              level=ClassificationLevel.INDUSTRY)
    product = Product.objects.create(name="Cà phê rang xay Bench", category=category, producer=producer,
                                     gtin="8930000000019", slug="bench-coffee", declared_standard="TCCS 01:2024/HTX",
                                     story="Cà phê Robusta trồng xen sầu riêng. " * 10)
    crop = Crop.objects.create(slug="bench-coffee", name="Cà phê")
    zone = RawMaterialZone.objects.create(name="Vùng cà phê Bench", kind=ZoneKind.CULTIVATION, crop=crop,
                                          geometry=MultiPolygon(Polygon.from_bbox((108.1, 12.7, 108.12, 12.72)),
                                                                srid=4326), area_ha=400, status=ZoneStatus.ACTIVE)
    packing = PackingFacility.objects.create(name="Nhà đóng gói Bench", code="VN-DLPH-0999", operator=producer,
                                             location=Point(108.05, 12.68, srid=4326))
    production = ProductionFacility.objects.create(name="Xưởng rang Bench", producer=producer,
                                                   location=Point(108.04, 12.67, srid=4326))
    for index in range(12):
        SalesPoint.objects.create(name=f"Điểm bán {index}", kind=SalesPointKind.MARKET_BOOTH,
                                  location=Point(108.0 + index / 50, 12.6, srid=4326)).products.add(product)
    lots = []
    for index in range(count):
        lot = create_lot(product=product, code=f"BENCH-{index:03d}", production_date=datetime.date(2026, 3, 1),
                         expiry_date=datetime.date(2027, 3, 1), zone_shares=[(zone, 100)], packing_facility=packing,
                         production_facility=production)
        start = timezone.now() - datetime.timedelta(days=200)
        for step, days in (("planting", 0), ("fertilising", 40), ("harvesting", 150), ("processing", 160),
                           ("packing", 170)):
            extra = {}
            if step == "processing":
                extra = {"inputs": [lot], "outputs": [lot]}
            record_event(lot=lot, biz_step=step, event_time=start + datetime.timedelta(days=days), zone=zone,
                         notes=f"{step} bench", **extra)
        lots.append(lot)
    return lots
