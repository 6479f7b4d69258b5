"""Export a lot's logbook as a GS1 EPCIS 2.0 JSON-LD document (EPCIS/CBV 2.0, ratified 2022).

Conventions of this export:

- ``bizStep`` and ``disposition`` are bare CBV 2.0 terms ("commissioning", "in_transit"…), which the EPCIS
  JSON-LD context expands to ``https://ref.gs1.org/cbv/BizStep-…`` / ``Disp-…``. Steps CBV has no term for
  (planting, fertilising, spraying) are full URIs in the platform's vocabulary ``{PUBLIC_BASE_URL}/voc/``,
  which the document's context also binds to the prefix ``ocop:`` for extension fields.
- Lots are class-level identifiers: the GS1 Digital Link URI ``https://id.gs1.org/01/{gtin14}/10/{lot}`` when the
  product has a valid GTIN, else ``{PUBLIC_BASE_URL}/lots/{id}``.
- ``readPoint`` / ``bizLocation`` come from the place's code: a growing-area code for a zone, the packing-facility
  code, or the platform URI of a production facility or sales point; a bare GPS point becomes a ``geo:`` URI.
  Shipping and retail selling carry no ``bizLocation`` (the goods leave the place).
- Corrected events carry an ``errorDeclaration`` naming their corrective events; each event carries its chain
  hash as ``ocop:hash``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from apps.products.gtin import GtinError, to_gtin14
from apps.traceability.models import (
    CBV_BIZ_STEPS,
    EPCIS_EVENT_TYPES,
    BizStep,
    EventType,
    Lot,
    LotRole,
    TraceEvent,
)
from apps.traceability.selectors import logbook

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
GS1_RESOLVER = "https://id.gs1.org"
# UN/ECE Recommendation 20 codes for the units officers type; other units (box, bottle…) are counts.
UNIT_CODES = {
    "kg": "KGM", "kilogram": "KGM", "g": "GRM", "gram": "GRM", "t": "TNE", "tấn": "TNE", "tonne": "TNE",
    "l": "LTR", "lít": "LTR", "litre": "LTR", "liter": "LTR", "ml": "MLT",
}
_NO_BIZ_LOCATION = {BizStep.SHIPPING, BizStep.RETAIL_SELLING}


def base_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def vocabulary_url() -> str:
    return f"{base_url()}/voc/"


def lot_uri(lot: Lot) -> str:
    """The class-level URI of a lot: GS1 Digital Link when the product has a valid GTIN, else the platform's URI."""
    gtin = lot.product.gtin
    if gtin:
        try:
            return f"{GS1_RESOLVER}/01/{to_gtin14(gtin)}/10/{quote(lot.code, safe='')}"
        except GtinError:
            pass
    return f"{base_url()}/lots/{lot.pk}"


def event_uri(event: TraceEvent) -> str:
    return f"{base_url()}/events/{event.hash}"


def biz_step_value(biz_step: str) -> str:
    term = CBV_BIZ_STEPS.get(biz_step)
    return term if term else f"{vocabulary_url()}BizStep-{biz_step}"


def _place_id(event: TraceEvent) -> str | None:
    base = base_url()
    if event.zone_id:
        codes = [code for code in event.lot.growing_area_codes.all()
                 if any(zone.pk == event.zone_id for zone in code.zones.all())]
        if not codes:
            codes = list(event.zone.growing_area_codes.filter(status="active").order_by("code"))
        if codes:
            return f"{base}/places/growing-area/{quote(codes[0].code, safe='')}"
        return f"{base}/places/zone/{event.zone_id}"
    if event.packing_facility_id:
        return f"{base}/places/packing-facility/{quote(event.packing_facility.code, safe='')}"
    if event.production_facility_id:
        return f"{base}/places/production-facility/{event.production_facility_id}"
    if event.sales_point_id:
        return f"{base}/places/sales-point/{event.sales_point_id}"
    return None


def _geo_uri(event: TraceEvent) -> str | None:
    if event.location is None:
        return None
    return f"geo:{event.location.y:.6f},{event.location.x:.6f}"


def _quantity_element(link) -> dict:
    element: dict = {"epcClass": lot_uri(link.lot)}
    if link.quantity is not None:
        quantity = Decimal(link.quantity)
        element["quantity"] = int(quantity) if quantity == quantity.to_integral_value() else float(quantity)
        code = UNIT_CODES.get((link.unit or "").strip().lower())
        if code:
            element["uom"] = code
    return element


def _iso(value: datetime.datetime, offset: str) -> str:
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = (int(part) for part in offset[1:].split(":"))
    zone = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
    return value.astimezone(zone).isoformat(timespec="milliseconds")


def _utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_to_epcis(event: TraceEvent) -> dict:
    """Return one EPCIS 2.0 event (JSON-LD object) for a logbook event."""
    data: dict = {
        "type": EPCIS_EVENT_TYPES[event.event_type],
        "eventID": event_uri(event),
        "eventTime": _iso(event.event_time, event.event_time_zone_offset),
        "eventTimeZoneOffset": event.event_time_zone_offset,
        "recordTime": _utc(event.recorded_at),
    }
    links = list(event.lot_links.all())
    if event.event_type == EventType.TRANSFORMATION:
        data["inputQuantityList"] = [_quantity_element(link) for link in links if link.role == LotRole.INPUT]
        data["outputQuantityList"] = [_quantity_element(link) for link in links if link.role == LotRole.OUTPUT]
    else:
        data["action"] = event.action
        if event.event_type == EventType.AGGREGATION:
            data["parentID"] = event.parent_id or lot_uri(event.lot)
            data["childQuantityList"] = [_quantity_element(link) for link in links if link.role == LotRole.CHILD]
        else:
            if event.event_type == EventType.TRANSACTION and event.parent_id:
                data["parentID"] = event.parent_id
            data["quantityList"] = [_quantity_element(link) for link in links if link.role == LotRole.OBJECT]
    data["bizStep"] = biz_step_value(event.biz_step)
    if event.disposition:
        data["disposition"] = event.disposition
    place, geo = _place_id(event), _geo_uri(event)
    read_point = place or geo
    if read_point:
        data["readPoint"] = {"id": read_point}
    if place and event.biz_step not in _NO_BIZ_LOCATION:
        data["bizLocation"] = {"id": place}
    if event.business_documents:
        data["bizTransactionList"] = [
            {"type": document["type"],
             "bizTransaction": f"{base_url()}/documents/{document['type']}/{quote(document['number'], safe='')}"}
            for document in event.business_documents
        ]
    corrections = sorted(event.corrections.all(), key=lambda item: item.sequence)
    if corrections:
        data["errorDeclaration"] = {
            "declarationTime": _utc(corrections[0].recorded_at),
            "reason": "incorrect_data",
            "correctiveEventIDs": [event_uri(item) for item in corrections],
        }
    data["ocop:logbookStep"] = event.biz_step
    data["ocop:sequence"] = event.sequence
    data["ocop:hash"] = event.hash
    data["ocop:previousHash"] = event.previous_hash
    if event.corrects_id:
        data["ocop:corrects"] = event_uri(event.corrects)
    if place and geo:
        data["ocop:geo"] = geo
    if event.input_product:
        data["ocop:inputProduct"] = event.input_product
    if event.pre_harvest_interval_days is not None:
        data["ocop:preHarvestIntervalDays"] = event.pre_harvest_interval_days
    if event.notes:
        data["ocop:notes"] = event.notes
    return data


def epcis_document(lot: Lot) -> dict:
    """Return ``lot``'s logbook as an EPCIS 2.0 JSON-LD ``EPCISDocument``."""
    events = logbook(lot).prefetch_related("lot__growing_area_codes__zones", "lot_links__lot__product")
    return {
        "@context": [EPCIS_CONTEXT, {"ocop": vocabulary_url()}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _utc(timezone.now()),
        "epcisBody": {"eventList": [event_to_epcis(event) for event in events]},
    }
