"""The logbook hash chain: canonical serialisation of an event and its SHA-256 link to the previous event.

``hash = sha256(previous_hash + canonical_json).hexdigest()`` where ``previous_hash`` is the hex hash of the
previous event of the same lot's logbook (64 zeros for the first event) and ``canonical_json`` is
``json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as UTF-8, with ``facts``:

- ``v``: serialisation version (1);
- ``lot``: logbook lot id; ``sequence``: position in the logbook (1, 2, …);
- ``event_type``, ``action``, ``biz_step``, ``disposition``: the stored codes ("" when empty);
- ``event_time``, ``recorded_at``: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; ``event_time_zone_offset``: "+07:00";
- ``zone``, ``packing_facility``, ``production_facility``, ``sales_point``: ids or null;
- ``location``: ``[lon, lat]`` rounded to 7 decimals, or null;
- ``input_product``, ``pre_harvest_interval_days``, ``parent_id``, ``notes``;
- ``business_documents``: ``[[type, number], …]`` sorted;
- ``corrects``: the corrected event's hash, or null; ``recorded_by``: user id or null;
- ``lots``: ``[[role, lot id, quantity as a 3-decimal string or null, unit], …]`` sorted;
- ``attachments``: ``[[sha256 of the content, caption], …]`` sorted.

Anything else (ids, database timestamps of attachments, file paths) is outside the hash.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal

from apps.traceability.models import GENESIS_HASH, TraceEvent

SERIALISATION_VERSION = 1
_QUANTUM = Decimal("0.001")


def _utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _quantity(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).quantize(_QUANTUM), "f")


def canonical_facts(
    event: TraceEvent,
    *,
    lots: Iterable[tuple[str, int, Decimal | None, str]],
    attachments: Iterable[tuple[str, str]],
    corrects_hash: str | None,
) -> dict:
    """Return the facts of ``event`` that the hash covers (see the module docstring)."""
    location = None
    if event.location is not None:
        location = [round(event.location.x, 7), round(event.location.y, 7)]
    return {
        "v": SERIALISATION_VERSION,
        "lot": event.lot_id,
        "sequence": event.sequence,
        "event_type": event.event_type,
        "action": event.action or "",
        "biz_step": event.biz_step,
        "disposition": event.disposition or "",
        "event_time": _utc(event.event_time),
        "event_time_zone_offset": event.event_time_zone_offset,
        "recorded_at": _utc(event.recorded_at),
        "zone": event.zone_id,
        "packing_facility": event.packing_facility_id,
        "production_facility": event.production_facility_id,
        "sales_point": event.sales_point_id,
        "location": location,
        "input_product": event.input_product or "",
        "pre_harvest_interval_days": event.pre_harvest_interval_days,
        "parent_id": event.parent_id or "",
        "notes": event.notes or "",
        "business_documents": sorted([str(doc["type"]), str(doc["number"])] for doc in event.business_documents or []),
        "corrects": corrects_hash,
        "recorded_by": event.recorded_by_id,
        "lots": sorted([role, lot_id, _quantity(quantity), unit or ""] for role, lot_id, quantity, unit in lots),
        "attachments": sorted([sha, caption or ""] for sha, caption in attachments),
    }


def canonical_json(facts: dict) -> str:
    return json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(previous_hash: str, facts: dict) -> str:
    """Return the hex SHA-256 of ``previous_hash`` followed by the canonical JSON of ``facts``."""
    return hashlib.sha256((previous_hash + canonical_json(facts)).encode("utf-8")).hexdigest()


def stored_facts(event: TraceEvent) -> dict:
    """Return the canonical facts of a saved event, read back from the database."""
    lots = [(link.role, link.lot_id, link.quantity, link.unit) for link in event.lot_links.all()]
    attachments = [(item.sha256, item.caption) for item in event.attachments.all()]
    corrects_hash = event.corrects.hash if event.corrects_id else None
    return canonical_facts(event, lots=lots, attachments=attachments, corrects_hash=corrects_hash)


__all__ = ["GENESIS_HASH", "canonical_facts", "canonical_json", "chain_hash", "stored_facts"]
