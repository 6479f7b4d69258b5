"""Reads for traceability: logbooks and their chain, one step back / one step forward, declarations,
consistency checks and inspection warnings."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apps.common.spatial import KnnDistance, geography, geometry_value
from apps.common.text import fold
from apps.facilities.selectors import search_packing_facilities, search_production_facilities
from apps.producers.selectors import producers as search_producers
from apps.traceability.chain import chain_hash, stored_facts
from apps.traceability.models import (
    GENESIS_HASH,
    BizStep,
    Inspection,
    InspectionResult,
    Lot,
    LotRole,
    ProductDeclaration,
    TraceEvent,
    TraceEventLot,
)
from apps.zones.models import CodeStatus, GrowingAreaCode, RawMaterialZone
from apps.zones.selectors import search_zones

MAX_TRACE_DEPTH = 5


# --- growing-area codes -------------------------------------------------------------------------------------------

def code_status_on(code: GrowingAreaCode, on: datetime.date) -> str | None:
    """Return the status ``code`` had on ``on`` (from its dated history), or None if not yet issued."""
    if code.issue_date > on:
        return None
    latest = code.status_history.filter(effective_date__lte=on).order_by("-effective_date", "-recorded_at").first()
    if latest is not None:
        return latest.to_status
    first = code.status_history.order_by("effective_date", "recorded_at").first()
    if first is None:  # no history: the status has not changed since issue
        return code.status
    return first.from_status or first.to_status  # every recorded change is later than ``on``


def codes_in_force(zones: Iterable[RawMaterialZone], *, on: datetime.date) -> list[GrowingAreaCode]:
    """Growing-area codes covering any of ``zones`` that were active on ``on``."""
    zone_ids = [zone.pk for zone in zones]
    if not zone_ids:
        return []
    candidates = GrowingAreaCode.objects.filter(zones__in=zone_ids, issue_date__lte=on).distinct()
    return [code for code in candidates if code_status_on(code, on) == CodeStatus.ACTIVE]


# --- logbook ------------------------------------------------------------------------------------------------------

def logbook(lot: Lot) -> QuerySet[TraceEvent]:
    """The events of ``lot``'s logbook in chain order, with their lots, attachments and corrections."""
    return (
        TraceEvent.objects.filter(lot=lot)
        .select_related("zone", "packing_facility", "production_facility", "sales_point", "corrects", "recorded_by")
        .prefetch_related(Prefetch("lot_links", queryset=TraceEventLot.objects.select_related("lot__product")),
                          "attachments", "corrections")
        .order_by("sequence")
    )


@dataclass
class ChainVerification:
    """The result of checking one lot's hash chain."""

    lot: Lot
    is_intact: bool
    event_count: int
    first_bad_event: TraceEvent | None = None
    problem: str = ""  # "hash_mismatch", "broken_link" or "sequence_gap"

    @property
    def message(self) -> str:
        if self.is_intact:
            return _("intact (%(count)d events)") % {"count": self.event_count}
        return _("BROKEN at event #%(sequence)d (%(problem)s)") % {"sequence": self.first_bad_event.sequence,
                                                                  "problem": self.problem}


def verify_chain(lot: Lot) -> ChainVerification:
    """Recompute ``lot``'s hash chain from the stored rows; report the first event that does not match.

    ``hash_mismatch``: the event's facts changed after it was recorded; ``broken_link``: its ``previous_hash`` is
    not the previous event's hash; ``sequence_gap``: an event is missing.
    """
    previous_hash = GENESIS_HASH
    count = 0
    for expected_sequence, event in enumerate(logbook(lot), start=1):
        count += 1
        problem = ""
        if event.sequence != expected_sequence:
            problem = "sequence_gap"
        elif event.previous_hash != previous_hash:
            problem = "broken_link"
        elif chain_hash(event.previous_hash, stored_facts(event)) != event.hash:
            problem = "hash_mismatch"
        if problem:
            return ChainVerification(lot=lot, is_intact=False, event_count=count, first_bad_event=event,
                                     problem=problem)
        previous_hash = event.hash
    return ChainVerification(lot=lot, is_intact=True, event_count=count)


# --- one step back, one step forward ------------------------------------------------------------------------------

@dataclass
class ZoneShare:
    zone: RawMaterialZone
    share_percent: Decimal
    growing_area_codes: list[GrowingAreaCode]


@dataclass
class LotInputs:
    """Where a lot came from: its zones (with shares), growing-area codes and source lots (each traced back)."""

    lot: Lot
    zones: list[ZoneShare] = field(default_factory=list)
    growing_area_codes: list[GrowingAreaCode] = field(default_factory=list)
    source_lots: list[LotInputs] = field(default_factory=list)
    is_truncated: bool = False  # depth limit reached here: source lots exist but were not followed


@dataclass
class LotOutputs:
    """Where a lot went: lots derived from it (each traced forward) and its shipments (shipping events)."""

    lot: Lot
    derived_lots: list[LotOutputs] = field(default_factory=list)
    shipments: list[TraceEvent] = field(default_factory=list)
    is_truncated: bool = False


def _clamp(depth: int) -> int:
    return max(1, min(int(depth), MAX_TRACE_DEPTH))


def lot_inputs(lot: Lot, *, depth: int = 1) -> LotInputs:
    """One step back from ``lot`` (``depth`` steps, at most :data:`MAX_TRACE_DEPTH`; cycles are not followed)."""
    return _inputs(lot, _clamp(depth), seen={lot.pk})


def _inputs(lot: Lot, depth: int, *, seen: set[int]) -> LotInputs:
    codes = list(lot.growing_area_codes.prefetch_related("zones").order_by("code"))
    zones = []
    for share in lot.zone_shares.select_related("zone__crop").order_by("-share_percent", "zone__name"):
        zone_codes = [code for code in codes if any(z.pk == share.zone_id for z in code.zones.all())]
        zones.append(ZoneShare(zone=share.zone, share_percent=share.share_percent, growing_area_codes=zone_codes))
    result = LotInputs(lot=lot, zones=zones, growing_area_codes=codes)
    sources = [source for source in lot.source_lots.select_related("product").order_by("production_date", "code")
               if source.pk not in seen]
    if depth <= 0:  # the lot's own origin is shown; lots further back are not followed
        result.is_truncated = bool(sources)
        return result
    result.source_lots = [_inputs(source, depth - 1, seen=seen | {source.pk}) for source in sources]
    return result


def shipments_of(lot: Lot) -> QuerySet[TraceEvent]:
    """Shipping events that moved ``lot`` (recorded in its logbook or naming it)."""
    return (
        TraceEvent.objects.filter(biz_step=BizStep.SHIPPING)
        .filter(Q(lot=lot) | Q(lot_links__lot=lot, lot_links__role__in=[LotRole.OBJECT, LotRole.CHILD]))
        .distinct()
        .select_related("lot", "sales_point", "packing_facility", "production_facility")
        .order_by("event_time", "id")
    )


def lot_outputs(lot: Lot, *, depth: int = 1) -> LotOutputs:
    """One step forward from ``lot`` (``depth`` steps, at most :data:`MAX_TRACE_DEPTH`)."""
    return _outputs(lot, _clamp(depth), seen={lot.pk})


def _outputs(lot: Lot, depth: int, *, seen: set[int]) -> LotOutputs:
    result = LotOutputs(lot=lot, shipments=list(shipments_of(lot)))
    derived = [item for item in lot.derived_lots.select_related("product").order_by("production_date", "code")
               if item.pk not in seen]
    if depth <= 0:  # the lot's own shipments are shown; lots further forward are not followed
        result.is_truncated = bool(derived)
        return result
    result.derived_lots = [_outputs(item, depth - 1, seen=seen | {item.pk}) for item in derived]
    return result


def upstream_lots(lot: Lot, *, depth: int = MAX_TRACE_DEPTH) -> list[Lot]:
    """``lot`` and every lot it was made from, up to ``depth`` steps back."""
    found: dict[int, Lot] = {lot.pk: lot}
    frontier = [lot]
    for _step in range(_clamp(depth)):
        next_frontier = []
        for current in frontier:
            for source in current.source_lots.all():
                if source.pk not in found:
                    found[source.pk] = source
                    next_frontier.append(source)
        frontier = next_frontier
        if not frontier:
            break
    return list(found.values())


# --- declared dossier ---------------------------------------------------------------------------------------------

def declaration_in_force(product, *, on: datetime.date) -> ProductDeclaration | None:
    """The version of ``product``'s declaration in force on ``on`` (bounds inclusive), or None."""
    return (
        ProductDeclaration.objects.filter(product=product, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("producer")
        .order_by("-effective_from")
        .first()
    )


def lot_declaration(lot: Lot) -> ProductDeclaration | None:
    """The declaration version a lot shows: the one in force on its production date."""
    return declaration_in_force(lot.product, on=lot.production_date)


@dataclass(frozen=True)
class ConsistencyIssue:
    """A disagreement between a lot (or its label data) and the declaration in force."""

    code: str
    message: str
    field: str = ""


def _normalised(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def consistency_issues(lot: Lot) -> list[ConsistencyIssue]:
    """List where ``lot`` and its product's label data disagree with the declaration in force on its production date.

    Codes: ``no_declaration``, ``expiry_missing``, ``expiry_beyond_shelf_life``, ``shelf_life_differs``,
    ``standard_differs``, ``producer_differs``, ``pre_harvest_interval_not_respected``.
    """
    product = lot.product
    issues: list[ConsistencyIssue] = []
    declaration = lot_declaration(lot)
    if declaration is None:
        issues.append(ConsistencyIssue(
            "no_declaration",
            _("No product declaration was in force on the production date %(date)s.")
            % {"date": lot.production_date.strftime("%d/%m/%Y")}, "production_date"))
    else:
        latest_expiry = lot.production_date + datetime.timedelta(days=declaration.shelf_life_days)
        if lot.expiry_date is None:
            issues.append(ConsistencyIssue(
                "expiry_missing", _("The lot has no expiry date although the declaration gives a shelf life of "
                                    "%(days)d days.") % {"days": declaration.shelf_life_days}, "expiry_date"))
        elif lot.expiry_date > latest_expiry:
            issues.append(ConsistencyIssue(
                "expiry_beyond_shelf_life",
                _("Expiry date %(expiry)s is beyond the declared shelf life of %(days)d days (at most %(latest)s).")
                % {"expiry": lot.expiry_date.strftime("%d/%m/%Y"), "days": declaration.shelf_life_days,
                   "latest": latest_expiry.strftime("%d/%m/%Y")}, "expiry_date"))
        if product.shelf_life_days and product.shelf_life_days != declaration.shelf_life_days:
            issues.append(ConsistencyIssue(
                "shelf_life_differs",
                _("The product page gives a shelf life of %(product)d days; the declaration says %(declared)d.")
                % {"product": product.shelf_life_days, "declared": declaration.shelf_life_days}, "shelf_life_days"))
        if product.declared_standard and _normalised(product.declared_standard) != _normalised(
                declaration.standard_applied):
            issues.append(ConsistencyIssue(
                "standard_differs",
                _("The product page gives the standard %(product)s; the declaration applies %(declared)s.")
                % {"product": product.declared_standard, "declared": declaration.standard_applied},
                "declared_standard"))
        if declaration.producer_id != product.producer_id:
            issues.append(ConsistencyIssue(
                "producer_differs",
                _("The declaration was made by %(declared)s but the product belongs to %(producer)s.")
                % {"declared": declaration.producer_name, "producer": product.producer}, "producer"))
    issues.extend(_pre_harvest_interval_issues(lot))
    return issues


def _pre_harvest_interval_issues(lot: Lot) -> list[ConsistencyIssue]:
    events = list(TraceEvent.objects.filter(lot=lot, biz_step__in=[BizStep.SPRAYING, BizStep.HARVESTING])
                  .order_by("event_time"))
    corrected = {event.corrects_id for event in events if event.corrects_id}
    sprayings = [e for e in events if e.biz_step == BizStep.SPRAYING and e.pk not in corrected]
    issues = []
    for harvest in (e for e in events if e.biz_step == BizStep.HARVESTING and e.pk not in corrected):
        for spraying in sprayings:
            if spraying.event_time >= harvest.event_time or spraying.pre_harvest_interval_days is None:
                continue
            safe_from = spraying.event_time + datetime.timedelta(days=spraying.pre_harvest_interval_days)
            if harvest.event_time < safe_from:
                issues.append(ConsistencyIssue(
                    "pre_harvest_interval_not_respected",
                    _("Harvested on %(harvest)s, only %(days)d days after spraying %(product)s (pre-harvest interval "
                      "%(interval)d days).")
                    % {"harvest": harvest.event_time.date().strftime("%d/%m/%Y"),
                       "days": (harvest.event_time - spraying.event_time).days, "product": spraying.input_product,
                       "interval": spraying.pre_harvest_interval_days}, "event_time"))
    return issues


# --- inspections --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InspectionWarning:
    """A failed inspection that concerns a lot, and the lot through which it does (the lot itself or a source)."""

    inspection: Inspection
    via_lot: Lot


def _unresolved_on(day: datetime.date) -> Q:
    return Q(resolved_on__isnull=True) | Q(resolved_on__gt=day)


def inspection_warnings(lot: Lot, *, depth: int = MAX_TRACE_DEPTH) -> list[InspectionWarning]:
    """Failed inspections that concern ``lot``, newest first.

    Rule: a FAILED inspection of the lot, its producer, one of its source zones, its packing facility or its
    production facility — or of those of a lot it was made from (up to ``depth`` steps back) — concerns the lot when

    - it was dated on or before the lot's production date and not yet resolved on that date (the lot was made
      while the failure stood); or
    - it was dated after the production date and no later than the lot's expiry date (the lot may still be on
      sale; without an expiry date, any later date counts).

    A failure resolved before the production date, or found after the lot expired, does not concern it.
    """
    warnings: list[InspectionWarning] = []
    seen: set[int] = set()
    for current in upstream_lots(lot, depth=depth):
        made_on = current.production_date
        targets = Q(lot=current) | Q(producer_id=current.product.producer_id)
        zone_ids = list(current.zone_shares.values_list("zone_id", flat=True))
        if zone_ids:
            targets |= Q(zone_id__in=zone_ids)
        if current.packing_facility_id:
            targets |= Q(packing_facility_id=current.packing_facility_id)
        if current.production_facility_id:
            targets |= Q(production_facility_id=current.production_facility_id)
        when = Q(inspected_on__lte=made_on) & _unresolved_on(made_on)
        later = Q(inspected_on__gt=made_on)
        if current.expiry_date is not None:
            later &= Q(inspected_on__lte=current.expiry_date)
        found = (Inspection.objects.filter(result=InspectionResult.FAIL).filter(targets).filter(when | later)
                 .select_related("zone", "packing_facility", "production_facility", "producer", "lot"))
        for inspection in found:
            if inspection.pk not in seen:
                seen.add(inspection.pk)
                warnings.append(InspectionWarning(inspection=inspection, via_lot=current))
    warnings.sort(key=lambda item: (item.inspection.inspected_on, item.inspection.pk), reverse=True)
    return warnings


# --- inspection visits --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InspectionTarget:
    """Something an inspector may pick: its kind (the inspection's field name), the record, how far it is."""

    kind: str
    record: Model
    distance_m: float | None = None

    @property
    def value(self) -> str:
        """The form value naming this target, ``kind:pk``."""
        return f"{self.kind}:{self.record.pk}"


def search_lots(query: str) -> QuerySet[Lot]:
    """Lots whose code contains ``query`` or whose product's name does (diacritics and case ignored)."""
    return (Lot.objects.filter(Q(code__icontains=(query or "").strip()) | Q(product__search_name__contains=fold(query)))
            .select_related("product"))


_SEARCHES = {
    "zone": search_zones,
    "packing_facility": search_packing_facilities,
    "production_facility": lambda query: search_production_facilities(query).select_related("producer"),
    "producer": lambda query: search_producers(query=query),
    "lot": search_lots,
}
# What a target's description needs beside the row itself.
_RELATED = {"zone": ("crop",), "production_facility": ("producer",), "lot": ("product",)}
# Where each kind of target is on the map; lots have no place of their own.
_LOCATED = {"zone": "geometry", "packing_facility": "location", "production_facility": "location",
            "producer": "location"}


def search_inspection_targets(query: str, *, within: dict[str, QuerySet], limit: int = 10) -> list[InspectionTarget]:
    """Targets whose name (diacritics ignored) or code contains ``query``, at most ``limit`` of each kind.

    ``within`` maps each kind to search (``zone``, ``packing_facility``, ``production_facility``, ``producer``,
    ``lot``) to the rows that may be offered (the caller's role and scope); kinds not in it are not searched.
    """
    if not fold(query):
        return []
    found: list[InspectionTarget] = []
    for kind, allowed in within.items():
        rows = _SEARCHES[kind](query).filter(pk__in=allowed.values("pk"))[:limit]
        found.extend(InspectionTarget(kind, row) for row in rows)
    return found


def nearest_inspection_targets(location: Point, *, within: dict[str, QuerySet], limit: int = 10
                               ) -> list[InspectionTarget]:
    """The ``limit`` targets nearest ``location`` over the kinds in ``within``, nearest first.

    Each kind is ordered by the index-assisted KNN distance; the distances shown are measured on the ellipsoid
    (0 inside a zone). Lots, which have no place, are never near.
    """
    found: list[InspectionTarget] = []
    for kind, allowed in within.items():
        field_name = _LOCATED.get(kind)
        if field_name is None:
            continue
        rows = (allowed.model._default_manager.filter(pk__in=allowed.values("pk"), **{f"{field_name}__isnull": False})
                .select_related(*_RELATED.get(kind, ()))
                .order_by(KnnDistance(field_name, location), "pk")
                .annotate(distance_m=Distance(geography(field_name), geography(geometry_value(location))))[:limit])
        found.extend(InspectionTarget(kind, row, row.distance_m.m) for row in rows)
    found.sort(key=lambda target: target.distance_m)
    return found[:limit]
