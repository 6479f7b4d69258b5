"""State changes for lots, the electronic logbook, product declarations and inspections.

Every function is atomic and raises a :class:`~apps.traceability.errors.TraceabilityError` subclass with a stable
``code`` when it refuses. Appending to a logbook locks the lot row so two writers cannot fork its hash chain.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from apps.common.geometry import POINT, normalize_geometry
from apps.facilities.models import PackingFacility, ProductionFacility
from apps.outlets.models import SalesPoint
from apps.producers.models import Producer
from apps.products.models import Product
from apps.traceability import selectors
from apps.traceability.chain import canonical_facts, chain_hash
from apps.traceability.errors import DeclarationError, InspectionError, LogbookError, LotError
from apps.traceability.models import (
    GENESIS_HASH,
    LOT_CODE_PATTERN,
    STEP_DEFAULTS,
    Action,
    BizStep,
    BusinessDocumentKind,
    Disposition,
    EventType,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    LocationSource,
    Lot,
    LotRole,
    LotSourceZone,
    LotStatus,
    ProductDeclaration,
    TraceEvent,
    TraceEventAttachment,
    TraceEventLot,
)
from apps.zones.models import GrowingAreaCode, RawMaterialZone

_LOT_CODE = re.compile(LOT_CODE_PATTERN)
_OFFSET = re.compile(r"^[+-](?:0\d|1[0-4]):[0-5]\d$")
_HUNDRED = Decimal("100")
# Clocks of phones in the field drift; an event may be dated a little in the future, not more.
_FUTURE_TOLERANCE = datetime.timedelta(minutes=10)


# --- lots ---------------------------------------------------------------------------------------------------------

def _decimal(value, *, field: str, error=LotError) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise error("not_a_number", _("%(field)s: %(value)s is not a number.") % {"field": field, "value": value},
                    field=field) from exc
    if not number.is_finite():
        raise error("not_a_number", _("%(field)s: %(value)s is not a number.") % {"field": field, "value": value},
                    field=field)
    return number


def check_zone_shares(zone_shares: Sequence[tuple[RawMaterialZone, Decimal | float | int | str]]) -> list:
    """Return ``zone_shares`` with shares as 2-decimal numbers, or refuse bad, repeated or > 100 % shares."""
    checked: list[tuple[RawMaterialZone, Decimal]] = []
    seen: set[int] = set()
    for zone, share in zone_shares:
        share_value = _decimal(share, field="zone_shares")
        if share_value is None or share_value <= 0 or share_value > _HUNDRED:
            raise LotError("invalid_share",
                           _("Source zones: the share from %(zone)s must be more than 0 and at most 100%%.")
                           % {"zone": zone}, field="zone_shares")
        if zone.pk in seen:
            raise LotError("duplicate_zone", _("Source zones: %(zone)s is listed twice.") % {"zone": zone},
                           field="zone_shares")
        seen.add(zone.pk)
        checked.append((zone, share_value.quantize(Decimal("0.01"))))
    total = sum((share for _zone, share in checked), Decimal("0"))
    if total > _HUNDRED:
        raise LotError("shares_exceed_100",
                       _("Source zones: the shares add up to %(total)s%%; they cannot exceed 100%%.")
                       % {"total": total}, field="zone_shares", total=total)
    return checked


def _check_lot_code(product: Product, code: str, *, exclude_pk: int | None = None) -> str:
    code = (code or "").strip()
    if not _LOT_CODE.match(code):
        raise LotError(
            "invalid_lot_code",
            _("Lot code %(code)s: 1 to 20 characters, letters A–Z, digits, dot, dash or underscore, starting with "
              "a letter or digit (GS1 AI 10).") % {"code": code or "∅"},
            field="code",
        )
    if Lot.objects.filter(product=product, code=code).exclude(pk=exclude_pk).exists():
        raise LotError("duplicate_lot_code",
                       _("Lot code %(code)s is already used for %(product)s.") % {"code": code, "product": product},
                       field="code")
    return code


@transaction.atomic
def create_lot(
    *,
    product: Product,
    code: str,
    production_date: datetime.date,
    expiry_date: datetime.date | None = None,
    quantity: Decimal | float | str | None = None,
    unit: str = "",
    zone_shares: Sequence[tuple[RawMaterialZone, Decimal | float | int | str]] = (),
    growing_area_codes: Iterable[GrowingAreaCode] | None = None,
    packing_facility: PackingFacility | None = None,
    production_facility: ProductionFacility | None = None,
    source_lots: Iterable[Lot] = (),
) -> Lot:
    """Create a lot (hồ sơ lô) with its source zones, growing-area codes and source lots.

    ``zone_shares`` is ``[(zone, share %), …]``; shares are > 0 and add up to at most 100 (the rest may come
    from source lots or outside suppliers). ``growing_area_codes=None`` snapshots the codes in force for the source
    zones on the production date; an explicit list must cover at least one source zone each.
    """
    code = _check_lot_code(product, code)
    if production_date is None:
        raise LotError("production_date_required", _("Production date: enter the production or harvest date."),
                       field="production_date")
    if expiry_date is not None and expiry_date < production_date:
        raise LotError("expiry_before_production",
                       _("Expiry date %(expiry)s is before the production date %(production)s.")
                       % {"expiry": expiry_date.isoformat(), "production": production_date.isoformat()},
                       field="expiry_date")
    quantity_value = _decimal(quantity, field="quantity")
    if quantity_value is not None and quantity_value < 0:
        raise LotError("negative_quantity", _("Quantity cannot be negative."), field="quantity")
    if quantity_value is not None and not unit:
        raise LotError("unit_required", _("Unit: say what the quantity counts (kg, box, bottle…)."), field="unit")
    shares = check_zone_shares(zone_shares)
    sources = list(source_lots)
    for source in sources:
        if source.production_date > production_date:
            raise LotError("source_lot_later",
                           _("Source lot %(lot)s was produced after this lot (%(date)s).")
                           % {"lot": source, "date": source.production_date.isoformat()}, field="source_lots")

    zones = [zone for zone, _share in shares]
    if growing_area_codes is None:
        codes = selectors.codes_in_force(zones, on=production_date)
    else:
        codes = list(growing_area_codes)
        zone_ids = {zone.pk for zone in zones}
        for growing_code in codes:
            if not zone_ids & set(growing_code.zones.values_list("pk", flat=True)):
                raise LotError("code_not_for_source_zone",
                               _("Growing-area code %(code)s covers none of the lot's source zones.")
                               % {"code": growing_code.code}, field="growing_area_codes")

    lot = Lot.objects.create(
        product=product, code=code, production_date=production_date, expiry_date=expiry_date,
        quantity=quantity_value, unit=unit or "", packing_facility=packing_facility,
        production_facility=production_facility,
    )
    LotSourceZone.objects.bulk_create([LotSourceZone(lot=lot, zone=zone, share_percent=share)
                                       for zone, share in shares])
    lot.growing_area_codes.set(codes)
    lot.source_lots.set(sources)
    return lot


_UPDATABLE_LOT_FIELDS = ("production_date", "expiry_date", "quantity", "unit", "packing_facility",
                         "production_facility")


@transaction.atomic
def update_lot(
    *,
    lot: Lot,
    growing_area_codes: Iterable[GrowingAreaCode] | None = None,
    source_lots: Iterable[Lot] | None = None,
    **changes,
) -> Lot:
    """Change an open lot's dates, quantity, facilities, codes or source lots; a released lot is frozen."""
    unknown = set(changes) - set(_UPDATABLE_LOT_FIELDS)
    if unknown:
        raise LotError("not_updatable", _("These fields cannot be changed: %(fields)s.")
                       % {"fields": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != LotStatus.OPEN:
        raise LotError("lot_not_open", _("Lot %(lot)s is %(status)s: it can no longer change.")
                       % {"lot": lot.code, "status": lot.get_status_display()}, field="status")
    for name, value in changes.items():
        setattr(lot, name, value)
    lot.quantity = _decimal(lot.quantity, field="quantity")
    if lot.expiry_date is not None and lot.expiry_date < lot.production_date:
        raise LotError("expiry_before_production",
                       _("Expiry date %(expiry)s is before the production date %(production)s.")
                       % {"expiry": lot.expiry_date.isoformat(), "production": lot.production_date.isoformat()},
                       field="expiry_date")
    if lot.quantity is not None and lot.quantity < 0:
        raise LotError("negative_quantity", _("Quantity cannot be negative."), field="quantity")
    lot.save()
    if growing_area_codes is not None:
        lot.growing_area_codes.set(list(growing_area_codes))
    if source_lots is not None:
        sources = list(source_lots)
        if any(source.pk == lot.pk for source in sources) or any(
                lot.pk in {item.pk for item in selectors.upstream_lots(source)} for source in sources):
            raise LotError("source_lot_cycle", _("Source lots: a lot cannot be made from itself or its own products."),
                           field="source_lots")
        lot.source_lots.set(sources)
    return lot


@transaction.atomic
def set_lot_zone_shares(*, lot: Lot, zone_shares: Sequence[tuple[RawMaterialZone, Decimal | float | int | str]]
                        ) -> Lot:
    """Replace the source zones of an open lot (shares checked as in :func:`create_lot`)."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != LotStatus.OPEN:
        raise LotError("lot_not_open", _("Lot %(lot)s is %(status)s: its sources can no longer change.")
                       % {"lot": lot.code, "status": lot.get_status_display()}, field="zone_shares")
    shares = check_zone_shares(zone_shares)
    lot.zone_shares.all().delete()
    LotSourceZone.objects.bulk_create([LotSourceZone(lot=lot, zone=zone, share_percent=share)
                                       for zone, share in shares])
    return lot


@transaction.atomic
def release_lot(*, lot: Lot) -> Lot:
    """Release an open lot to the market (open → released)."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != LotStatus.OPEN:
        raise LotError("lot_not_open", _("Lot %(lot)s is %(status)s: only an open lot can be released.")
                       % {"lot": lot.code, "status": lot.get_status_display()}, field="status")
    lot.status = LotStatus.RELEASED
    lot.released_at = timezone.now()
    lot.save(update_fields=["status", "released_at", "updated_at"])
    return lot


@transaction.atomic
def recall_lot(*, lot: Lot, reason: str) -> Lot:
    """Recall a lot (thu hồi); ``reason`` is required and shown to consumers."""
    reason = (reason or "").strip()
    if not reason:
        raise LotError("recall_reason_required", _("Recall reason: say why the lot is recalled."), field="reason")
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status == LotStatus.RECALLED:
        raise LotError("lot_already_recalled", _("Lot %(lot)s is already recalled.") % {"lot": lot.code},
                       field="status")
    lot.status = LotStatus.RECALLED
    lot.recalled_at = timezone.now()
    lot.recall_reason = reason
    lot.save(update_fields=["status", "recalled_at", "recall_reason", "updated_at"])
    return lot


# --- the logbook --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LotQuantity:
    """A lot taking part in an event, with an optional quantity."""

    lot: Lot
    quantity: Decimal | float | str | None = None
    unit: str = ""


def _as_quantities(items: Iterable[LotQuantity | Lot]) -> list[LotQuantity]:
    return [item if isinstance(item, LotQuantity) else LotQuantity(lot=item) for item in items]


def _check_documents(documents: Iterable[dict]) -> list[dict]:
    checked = []
    kinds = set(BusinessDocumentKind.values)
    for document in documents:
        kind, number = str(document.get("type", "")), str(document.get("number", "")).strip()
        if kind not in kinds:
            raise LogbookError("unknown_document_type",
                               _("Business documents: %(type)s is not a known document type.") % {"type": kind or "∅"},
                               field="business_documents")
        if not number:
            raise LogbookError("document_number_required",
                               _("Business documents: enter the number of each document."), field="business_documents")
        checked.append({"type": kind, "number": number})
    return checked


def _sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def record_event(
    *,
    lot: Lot,
    biz_step: str,
    event_time: datetime.datetime,
    recorded_by=None,
    event_type: str | None = None,
    action: str | None = None,
    disposition: str | None = None,
    event_time_zone_offset: str = "+07:00",
    zone: RawMaterialZone | None = None,
    packing_facility: PackingFacility | None = None,
    production_facility: ProductionFacility | None = None,
    sales_point: SalesPoint | None = None,
    location=None,
    objects: Iterable[LotQuantity | Lot] | None = None,
    inputs: Iterable[LotQuantity | Lot] = (),
    outputs: Iterable[LotQuantity | Lot] = (),
    business_documents: Iterable[dict] = (),
    input_product: str = "",
    pre_harvest_interval_days: int | None = None,
    parent_id: str = "",
    notes: str = "",
    corrects: TraceEvent | None = None,
    attachments: Iterable[tuple[UploadedFile, str]] = (),
) -> TraceEvent:
    """Append an event to ``lot``'s logbook and chain it to the previous event.

    ``event_type``, ``action`` and ``disposition`` default from the business step (DOMAIN.md: harvest = ObjectEvent
    ADD, processing = TransformationEvent, packing = AggregationEvent, shipping / receiving = ObjectEvent OBSERVE).
    ``objects`` (object, transaction events) and the packed ``objects`` (aggregation) default to the lot itself;
    a transformation needs ``inputs`` and ``outputs`` and the lot must be one of them. ``attachments`` is
    ``[(uploaded file, caption), …]``. ``corrects`` must be an event of the same logbook.
    """
    if biz_step not in BizStep.values:
        raise LogbookError("unknown_biz_step", _("Business step: %(step)s is not a known step.") % {"step": biz_step},
                           field="biz_step")
    default_type, default_action, default_disposition = STEP_DEFAULTS[biz_step]
    event_type = event_type or default_type
    if event_type not in EventType.values:
        raise LogbookError("unknown_event_type", _("Event type: %(type)s is not known.") % {"type": event_type},
                           field="event_type")
    if event_type == EventType.TRANSFORMATION:
        if action:
            raise LogbookError("action_not_allowed", _("Action: a transformation event has no action."),
                               field="action")
        action = ""
    else:
        action = action or (default_action if default_type == event_type else Action.OBSERVE)
        if action not in Action.values:
            raise LogbookError("unknown_action", _("Action: use ADD, OBSERVE or DELETE."), field="action")
    disposition = default_disposition if disposition is None else disposition
    if disposition and disposition not in Disposition.values:
        raise LogbookError("unknown_disposition", _("Disposition: %(value)s is not a CBV disposition.")
                           % {"value": disposition}, field="disposition")
    if event_time is None or timezone.is_naive(event_time):
        raise LogbookError("event_time_naive", _("Event time: give the date, time and time zone."),
                           field="event_time")
    now = timezone.now()
    if event_time > now + _FUTURE_TOLERANCE:
        raise LogbookError("event_in_future", _("Event time %(time)s is in the future.")
                           % {"time": event_time.isoformat()}, field="event_time")
    if not _OFFSET.match(event_time_zone_offset or ""):
        raise LogbookError("invalid_offset", _("Time-zone offset: write it like +07:00."),
                           field="event_time_zone_offset")
    if biz_step == BizStep.SPRAYING:
        if not (input_product or "").strip():
            raise LogbookError("input_product_required",
                               _("Spraying: name the plant-protection product and its dose."), field="input_product")
        if pre_harvest_interval_days is None:
            raise LogbookError("pre_harvest_interval_required",
                               _("Spraying: enter the pre-harvest interval in days (thời gian cách ly)."),
                               field="pre_harvest_interval_days")
    if location is not None:
        location = normalize_geometry(location, kind=POINT, field_name="location").geometry
        location.x, location.y = round(location.x, 7), round(location.y, 7)
    documents = _check_documents(business_documents)
    if event_type == EventType.TRANSACTION and not documents:
        raise LogbookError("document_required", _("A transaction event needs at least one business document."),
                           field="business_documents")

    links: list[tuple[str, LotQuantity]] = []
    if event_type == EventType.TRANSFORMATION:
        inputs_, outputs_ = _as_quantities(inputs), _as_quantities(outputs)
        if not inputs_ or not outputs_:
            raise LogbookError("transformation_needs_inputs_and_outputs",
                               _("A transformation needs at least one input lot and one output lot."), field="inputs")
        if lot.pk not in {item.lot.pk for item in inputs_ + outputs_}:
            raise LogbookError("lot_not_in_transformation",
                               _("Lot %(lot)s must be an input or an output of the transformation.")
                               % {"lot": lot.code}, field="outputs")
        links += [(LotRole.INPUT, item) for item in inputs_] + [(LotRole.OUTPUT, item) for item in outputs_]
    else:
        role = LotRole.CHILD if event_type == EventType.AGGREGATION else LotRole.OBJECT
        items = _as_quantities(objects) if objects is not None else [LotQuantity(lot=lot)]
        if not items:
            raise LogbookError("no_lots", _("Name at least one lot the event is about."), field="objects")
        links += [(role, item) for item in items]
    checked_links = []
    for role, item in links:
        quantity = _decimal(item.quantity, field="quantity", error=LogbookError)
        if quantity is not None and quantity < 0:
            raise LogbookError("negative_quantity", _("Quantity cannot be negative."), field="quantity")
        if quantity is not None:
            quantity = quantity.quantize(Decimal("0.001"))
        checked_links.append((role, item.lot, quantity, item.unit or ""))

    # Lock the logbook's lot: the sequence and previous hash are read and written under this lock.
    locked = Lot.objects.select_for_update().get(pk=lot.pk)
    if corrects is not None and corrects.lot_id != locked.pk:
        raise LogbookError("correction_other_lot", _("A correction must be recorded in the same lot's logbook."),
                           field="corrects")
    last = TraceEvent.objects.filter(lot=locked).order_by("-sequence").only("sequence", "hash").first()
    uploads = [(upload, caption or "", _sha256_of(upload)) for upload, caption in attachments]

    event = TraceEvent(
        lot=locked, sequence=(last.sequence + 1) if last else 1, event_type=event_type, action=action,
        biz_step=biz_step, disposition=disposition, event_time=event_time,
        event_time_zone_offset=event_time_zone_offset, recorded_at=now, zone=zone,
        packing_facility=packing_facility, production_facility=production_facility, sales_point=sales_point,
        location=location, input_product=(input_product or "").strip(),
        pre_harvest_interval_days=pre_harvest_interval_days, parent_id=(parent_id or "").strip(),
        business_documents=documents, notes=notes or "", corrects=corrects,
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
        previous_hash=last.hash if last else GENESIS_HASH,
    )
    facts = canonical_facts(
        event,
        lots=[(role, link_lot.pk, quantity, unit) for role, link_lot, quantity, unit in checked_links],
        attachments=[(sha, caption) for _upload, caption, sha in uploads],
        corrects_hash=corrects.hash if corrects is not None else None,
    )
    event.hash = chain_hash(event.previous_hash, facts)
    event.save()
    TraceEventLot.objects.bulk_create([
        TraceEventLot(event=event, lot=link_lot, role=role, quantity=quantity, unit=unit)
        for role, link_lot, quantity, unit in checked_links
    ])
    for upload, caption, sha in uploads:
        TraceEventAttachment(event=event, file=upload, caption=caption, sha256=sha).save()
    if event_type == EventType.TRANSFORMATION:
        _link_transformation(checked_links)
    return event


def _link_transformation(links: list[tuple[str, Lot, Decimal | None, str]]) -> None:
    """Record the transformation's inputs as source lots of each output lot (one step back)."""
    inputs = [lot for role, lot, _quantity, _unit in links if role == LotRole.INPUT]
    for role, output, _quantity, _unit in links:
        if role == LotRole.OUTPUT:
            output.source_lots.add(*[lot for lot in inputs if lot.pk != output.pk])


_CORRECTABLE = (
    "event_type", "action", "disposition", "event_time", "event_time_zone_offset", "zone", "packing_facility",
    "production_facility", "sales_point", "location", "business_documents", "input_product",
    "pre_harvest_interval_days", "parent_id", "notes",
)


@transaction.atomic
def correct_event(*, original: TraceEvent, recorded_by=None, reason: str, **changes) -> TraceEvent:
    """Append a correction of ``original``: a new event with its facts, ``changes`` applied and ``corrects`` set.

    The original stays in the logbook untouched; ``reason`` is required and becomes the correction's note.
    """
    reason = (reason or "").strip()
    if not reason:
        raise LogbookError("correction_reason_required", _("Correction: say what was wrong."), field="reason")
    unknown = set(changes) - set(_CORRECTABLE) - {"objects", "inputs", "outputs"}
    if unknown:
        raise LogbookError("not_correctable", _("These fields cannot be corrected: %(fields)s.")
                           % {"fields": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    facts = {name: getattr(original, name) for name in _CORRECTABLE}
    facts["notes"] = reason if "notes" not in changes else f"{reason}\n{changes.pop('notes')}"
    links = list(original.lot_links.select_related("lot"))
    by_role = {role: [LotQuantity(link.lot, link.quantity, link.unit) for link in links if link.role == role]
               for role in LotRole.values}
    if original.event_type == EventType.TRANSFORMATION:
        facts["inputs"], facts["outputs"] = by_role[LotRole.INPUT], by_role[LotRole.OUTPUT]
    else:
        facts["objects"] = by_role[LotRole.OBJECT] + by_role[LotRole.CHILD]
    facts.update(changes)
    return record_event(lot=original.lot, biz_step=original.biz_step, recorded_by=recorded_by, corrects=original,
                        **facts)


# --- declarations -------------------------------------------------------------------------------------------------

@transaction.atomic
def declare_product(
    *,
    product: Product,
    standard_applied: str,
    composition: str,
    net_quantity: str,
    shelf_life_days: int,
    effective_from: datetime.date,
    storage_conditions: str = "",
    producer: Producer | None = None,
    declaration_number: str = "",
    document=None,
) -> ProductDeclaration:
    """Record a new version of a product's declaration (hồ sơ công bố), in force from ``effective_from``.

    The version in force until then is closed the day before. A new version may not start on or before the start
    of the latest version (history is not rewritten).
    """
    producer = producer or product.producer
    for field, value in (("standard_applied", standard_applied), ("composition", composition),
                         ("net_quantity", net_quantity)):
        if not (value or "").strip():
            raise DeclarationError(f"{field}_required", _("%(field)s is required in a declaration.")
                                   % {"field": ProductDeclaration._meta.get_field(field).verbose_name}, field=field)
    if shelf_life_days is None or int(shelf_life_days) <= 0:
        raise DeclarationError("shelf_life_required", _("Shelf life: enter the number of days (more than 0)."),
                               field="shelf_life_days")
    Product.objects.select_for_update().get(pk=product.pk)
    latest = ProductDeclaration.objects.filter(product=product).order_by("-effective_from").first()
    if latest is not None:
        if effective_from <= latest.effective_from:
            raise DeclarationError(
                "declaration_out_of_order",
                _("In force from %(date)s: version %(version)s already starts on %(start)s; a new version must "
                  "start later.") % {"date": effective_from.isoformat(), "version": latest.version,
                                     "start": latest.effective_from.isoformat()},
                field="effective_from",
            )
        if latest.effective_to is None or latest.effective_to >= effective_from:
            latest.effective_to = effective_from - datetime.timedelta(days=1)
            latest.save(update_fields=["effective_to", "updated_at"])
    return ProductDeclaration.objects.create(
        product=product, version=(latest.version + 1) if latest else 1, declaration_number=declaration_number,
        standard_applied=standard_applied.strip(), composition=composition.strip(), net_quantity=net_quantity.strip(),
        shelf_life_days=int(shelf_life_days), storage_conditions=storage_conditions, producer=producer,
        producer_name=producer.name, producer_address=producer.address, effective_from=effective_from,
        document=document or "",
    )


@transaction.atomic
def withdraw_declaration(*, declaration: ProductDeclaration, effective_to: datetime.date) -> ProductDeclaration:
    """End a declaration on ``effective_to`` (last day in force) without a successor."""
    declaration = ProductDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if effective_to < declaration.effective_from:
        raise DeclarationError("end_before_start", _("In force until %(date)s is before the start %(start)s.")
                               % {"date": effective_to.isoformat(), "start": declaration.effective_from.isoformat()},
                               field="effective_to")
    declaration.effective_to = effective_to
    declaration.save(update_fields=["effective_to", "updated_at"])
    return declaration


# --- inspections --------------------------------------------------------------------------------------------------

# Image formats accepted as inspection photos (Pillow's names) → the extension the stored file gets. MPO is the JPEG
# variant some phone cameras write.
PHOTO_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PHOTOS = 20
_DEFAULT_PHOTO_MAX_BYTES = 15 * 1024 * 1024
_MEGABYTE = 1024 * 1024


def photo_max_bytes() -> int:
    """The largest accepted photo, in bytes (setting ``OCOP_INSPECTION_PHOTO_MAX_BYTES``, 15 MB by default)."""
    return int(getattr(settings, "OCOP_INSPECTION_PHOTO_MAX_BYTES", _DEFAULT_PHOTO_MAX_BYTES))


def check_inspection_photo(upload: UploadedFile, *, field: str = "photos") -> str:
    """Return the file extension of the photo's real format, or refuse an empty, too large or non-image file.

    The content is decoded (the name and the browser's content type prove nothing); the file is left at offset 0.
    """
    name = getattr(upload, "name", "") or "∅"
    size = upload.size or 0
    if size == 0:
        raise InspectionError("photo_empty", _("Photos: %(name)s is empty.") % {"name": name}, field=field)
    limit = photo_max_bytes()
    if size > limit:
        raise InspectionError(
            "photo_too_large",
            _("Photos: %(name)s is %(size)s MB; a photo may be at most %(limit)s MB.")
            % {"name": name, "size": f"{size / _MEGABYTE:.1f}", "limit": f"{limit / _MEGABYTE:.0f}"},
            field=field, size=size, limit=limit,
        )
    image_format = None
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        image_format = None
    finally:
        upload.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise InspectionError("photo_not_image", _("Photos: %(name)s is not a photo (JPEG, PNG or WebP).")
                              % {"name": name}, field=field)
    return PHOTO_FORMATS[image_format]


def _as_photo(item: UploadedFile | tuple[UploadedFile, str]) -> tuple[UploadedFile, str]:
    return (item[0], item[1] or "") if isinstance(item, tuple) else (item, "")


def _check_accuracy(value) -> Decimal | None:
    accuracy = _decimal(value, field="location_accuracy_m", error=InspectionError)
    if accuracy is None:
        return None
    if accuracy < 0 or accuracy >= Decimal("10000000"):
        raise InspectionError("invalid_accuracy", _("Location accuracy: %(value)s m is not a possible accuracy.")
                              % {"value": value}, field="location_accuracy_m")
    return accuracy.quantize(Decimal("0.1"))


def _store_photos(inspection: Inspection, photos: list[tuple[UploadedFile, str, str]]) -> None:
    """Save the checked photos under random names with their real extension; remove the files if one fails."""
    saved: list[InspectionPhoto] = []
    try:
        for upload, caption, extension in photos:
            photo = InspectionPhoto(inspection=inspection, caption=caption[:200])
            photo.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=True)
            saved.append(photo)
    except Exception:
        for photo in saved:  # the rows roll back with the transaction; the files would not
            photo.image.delete(save=False)
        raise


@transaction.atomic
def record_inspection(
    *,
    inspector_name: str,
    organisation: str,
    inspected_on: datetime.date,
    result: str,
    target,
    findings: str = "",
    location=None,
    location_accuracy_m: Decimal | float | str | None = None,
    location_source: str = "",
    photos: Iterable[UploadedFile | tuple[UploadedFile, str]] = (),
    recorded_by=None,
    submission_key: uuid.UUID | str | None = None,
) -> Inspection:
    """Record a third-party inspection of ``target`` (a zone, facility, producer or lot) with its photos.

    A failed inspection, and one with observations, must say what was found. ``photos`` is ``[file, …]`` or
    ``[(file, caption), …]``: every file is checked (:func:`check_inspection_photo`) before anything is saved, and
    the inspection and its photos are saved together or not at all. ``location_source`` says where the point came
    from (:class:`~apps.traceability.models.LocationSource`). Sending the same ``submission_key`` again (a form sent
    twice, an offline draft re-sent) returns the inspection already recorded by the same user instead of a copy.
    """
    key = _submission_key(submission_key)
    if key is not None:
        existing = Inspection.objects.filter(submission_key=key).first()
        if existing is not None:
            return _replayed(existing, recorded_by)
    if not (inspector_name or "").strip():
        raise InspectionError("inspector_required", _("Inspector: enter the inspector's name."),
                              field="inspector_name")
    if not (organisation or "").strip():
        raise InspectionError("organisation_required", _("Organisation: enter the inspecting organisation."),
                              field="organisation")
    if result not in InspectionResult.values:
        raise InspectionError("unknown_result", _("Result: choose pass, observations or fail."), field="result")
    if result != InspectionResult.PASS and not (findings or "").strip():
        raise InspectionError("findings_required", _("Findings: describe what was found."), field="findings")
    if inspected_on is None:
        raise InspectionError("inspection_date_required", _("Inspection date: enter the date of the visit."),
                              field="inspected_on")
    if inspected_on > timezone.localdate():
        raise InspectionError("inspection_in_future", _("Inspection date %(date)s is in the future.")
                              % {"date": inspected_on.isoformat()}, field="inspected_on")
    field = next((name for name, model in Inspection.target_models().items() if type(target) is model), None)
    if field is None:
        raise InspectionError("unknown_target",
                              _("What was inspected: choose a zone, a facility, a producer or a lot."),
                              field="target")
    accuracy = None
    if location is not None:
        location = normalize_geometry(location, kind=POINT, field_name="location").geometry
        location.x, location.y = round(location.x, 7), round(location.y, 7)
        accuracy = _check_accuracy(location_accuracy_m)
        if location_source and location_source not in LocationSource.values:
            raise InspectionError("unknown_location_source", _("Location source: %(value)s is not known.")
                                  % {"value": location_source}, field="location_source")
    else:
        location_source = ""
    checked_photos = [_as_photo(item) for item in photos]
    if len(checked_photos) > MAX_PHOTOS:
        raise InspectionError("too_many_photos", _("Photos: at most %(limit)s photos per inspection.")
                              % {"limit": MAX_PHOTOS}, field="photos")
    extensions = [check_inspection_photo(upload) for upload, _caption in checked_photos]

    inspection = Inspection(
        inspector_name=inspector_name.strip(), organisation=organisation.strip(), inspected_on=inspected_on,
        result=result, findings=(findings or "").strip(), location=location, location_accuracy_m=accuracy,
        location_source=location_source or "", submission_key=key,
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None, **{field: target},
    )
    if key is not None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent copy of the same submission loses the race here
                inspection.save()
        except IntegrityError:
            return _replayed(Inspection.objects.get(submission_key=key), recorded_by)
    else:
        inspection.save()
    _store_photos(inspection, [(upload, caption, extension)
                               for (upload, caption), extension in zip(checked_photos, extensions, strict=True)])
    return inspection


def _submission_key(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise InspectionError("invalid_submission_key", _("The form is damaged: reload the page and send it again."),
                              field="submission_key") from exc


def _replayed(existing: Inspection, recorded_by) -> Inspection:
    if existing.recorded_by_id is None or existing.recorded_by_id != getattr(recorded_by, "pk", None):
        raise InspectionError("submission_key_taken", _("The form is damaged: reload the page and send it again."),
                              field="submission_key")
    return existing


@transaction.atomic
def resolve_inspection(*, inspection: Inspection, resolved_on: datetime.date, note: str) -> Inspection:
    """Mark a failed inspection as resolved on ``resolved_on`` (a follow-up found the problem fixed)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.result != InspectionResult.FAIL:
        raise InspectionError("not_failed", _("Only a failed inspection can be resolved."), field="result")
    if inspection.resolved_on is not None:
        raise InspectionError("already_resolved", _("This inspection was already resolved on %(date)s.")
                              % {"date": inspection.resolved_on.isoformat()}, field="resolved_on")
    if resolved_on < inspection.inspected_on:
        raise InspectionError("resolved_before_inspection",
                              _("Resolved on %(date)s is before the inspection date.")
                              % {"date": resolved_on.isoformat()}, field="resolved_on")
    if not (note or "").strip():
        raise InspectionError("resolution_note_required", _("Resolution: say how the problem was fixed."),
                              field="note")
    inspection.resolved_on = resolved_on
    inspection.resolution_note = note.strip()
    inspection.save(update_fields=["resolved_on", "resolution_note", "updated_at"])
    return inspection
