"""State changes for QR stamps: issuing runs, bulk status changes, the scan log and counterfeit reports.

Issuing writes the stamps with PostgreSQL COPY, so 100,000 stamps take a few seconds; serials that collide with
existing ones (vanishingly rare with 65 random bits) are drawn again through a staging table.
"""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import psycopg
import psycopg.errors
from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import DEFAULT_DB_ALIAS, IntegrityError, OperationalError, connection, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import pq
from psycopg.errors import UniqueViolation

from apps.stamps import serials as serial_codes
from apps.stamps.errors import StampError
from apps.stamps.models import (
    MAX_RUN_SIZE,
    CounterfeitReport,
    FlagReason,
    ScanEvent,
    ScanKind,
    ScanOutcome,
    Stamp,
    StampRun,
    StampStatus,
    StampStatusChange,
)
from apps.stamps.rendering import layout_options
from apps.traceability.models import Lot, LotStatus

# Which statuses a stamp may leave for each target status. Void and revoked are final.
_ALLOWED_FROM = {
    StampStatus.ACTIVE: {StampStatus.ISSUED},
    StampStatus.VOID: {StampStatus.ISSUED, StampStatus.ACTIVE},
    StampStatus.REVOKED: {StampStatus.ISSUED, StampStatus.ACTIVE},
}
MAX_SERIAL_LIST = 100_000
COARSE_DECIMALS = 2  # about 1.1 km of latitude: enough for clone heuristics and maps, not a home address


# --- issuing ------------------------------------------------------------------------------------------------------

@transaction.atomic
def issue_stamp_run(*, lot: Lot, count: int, created_by=None, options: dict | None = None) -> StampRun:
    """Issue ``count`` (1 to 1,000,000) new stamps for ``lot``, status "issued", numbered 1..count.

    Codes: ``invalid_count``, ``lot_recalled`` (no new stamps for a recalled lot), and the print-option codes of
    :func:`apps.stamps.rendering.layout_options`.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RUN_SIZE:
        raise StampError("invalid_count",
                         _("Number of stamps: issue between 1 and %(max)s stamps.") % {"max": f"{MAX_RUN_SIZE:,}"},
                         field="count")
    if lot.status == LotStatus.RECALLED:
        raise StampError("lot_recalled", _("Lot: %(lot)s has been recalled; it gets no new stamps.") % {"lot": lot},
                         field="lot")
    run = StampRun.objects.create(lot=lot, count=count, created_by=created_by, options=layout_options(options))
    _insert_stamps(run, count)
    return run


def _copy_rows(cursor, table: str, columns: str, rows: str) -> None:
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for start in range(0, len(rows), 1 << 20):
            copy.write(rows[start:start + (1 << 20)])


def _insert_stamps(run: StampRun, count: int) -> None:
    """COPY the stamps straight into the table; if a serial collides, redo through a staging table that skips
    the collisions and draw new serials for the numbers they held."""
    table = Stamp._meta.db_table
    columns = "run_id, lot_id, sequence, serial, status, status_reason, scan_count, is_flagged, flag_reason"
    serials = serial_codes.new_serials(count)
    prefix, suffix = f"{run.pk}\t{run.lot_id}\t", f"\t{StampStatus.ISSUED}\t\t0\tf\t\n"
    rows = "".join(f"{prefix}{sequence}\t{serial}{suffix}" for sequence, serial in enumerate(serials, start=1))
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                _copy_rows(cursor, table, columns, rows)
            return
        except (IntegrityError, UniqueViolation):  # raw COPY raises psycopg's own error
            pass  # a serial is already taken somewhere on the platform: take the slow, careful path
        cursor.execute("CREATE TEMPORARY TABLE stamps_staging (sequence integer, serial varchar(14)) "
                       "ON COMMIT DROP")
        pending = list(range(1, count + 1))
        while pending:
            _copy_rows(cursor, "stamps_staging", "sequence, serial",
                       "".join(f"{sequence}\t{serial}\n" for sequence, serial in zip(pending, serials, strict=True)))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT %s, %s, sequence, serial, %s, '', 0, false, '' "  # noqa: S608
                "FROM stamps_staging ON CONFLICT (serial) DO NOTHING",
                [run.pk, run.lot_id, StampStatus.ISSUED],
            )
            if cursor.rowcount == len(pending):
                break
            cursor.execute(
                f"SELECT staging.sequence FROM stamps_staging staging LEFT JOIN {table} stamp "  # noqa: S608
                "ON stamp.run_id = %s AND stamp.sequence = staging.sequence WHERE stamp.id IS NULL",
                [run.pk],
            )
            pending = [row[0] for row in cursor.fetchall()]
            serials = serial_codes.new_serials(len(pending))
            cursor.execute("TRUNCATE stamps_staging")
        cursor.execute("DROP TABLE stamps_staging")


# --- status changes -----------------------------------------------------------------------------------------------

def _selection(run: StampRun | None, sequence_from: int | None, sequence_to: int | None,
               serials: Sequence[str] | None) -> tuple[Q, dict]:
    if serials:
        if len(serials) > MAX_SERIAL_LIST:
            raise StampError("too_many_serials", _("Serials: change at most %(max)s stamps by list; use a range.")
                             % {"max": f"{MAX_SERIAL_LIST:,}"}, field="serials")
        canonical = sorted({serial_codes.normalize(serial) for serial in serials})
        query = Q(serial__in=canonical)
        if run is not None:
            query &= Q(run=run)
        return query, {"serials": canonical}
    if run is None or sequence_from is None or sequence_to is None:
        raise StampError("empty_selection", _("Choose a run and a number range, or list serials."), field="serials")
    if not 1 <= sequence_from <= sequence_to <= run.count:
        raise StampError("invalid_range", _("Number range: choose numbers from 1 to %(count)s, the first not after "
                                            "the last.") % {"count": run.count}, field="sequence_from")
    return Q(run=run, sequence__gte=sequence_from, sequence__lte=sequence_to), {"from": sequence_from,
                                                                             "to": sequence_to}


def serial_range(*, first_serial: str, last_serial: str) -> tuple[StampRun, int, int]:
    """Turn a range given by its first and last serials (as printed) into a run and a number range."""
    stamps = {stamp.serial: stamp for stamp in Stamp.objects.filter(
        serial__in=[serial_codes.normalize(first_serial), serial_codes.normalize(last_serial)]).select_related("run")}
    first = stamps.get(serial_codes.normalize(first_serial))
    last = stamps.get(serial_codes.normalize(last_serial))
    if first is None or last is None:
        raise StampError("unknown_serial", _("Serials: both ends of the range must be stamps of the platform."),
                         field="serials")
    if first.run_id != last.run_id:
        raise StampError("range_across_runs", _("Serials: both ends of the range must belong to the same run."),
                         field="serials")
    return first.run, min(first.sequence, last.sequence), max(first.sequence, last.sequence)


@transaction.atomic
def change_stamp_status(
    *,
    to_status: str,
    run: StampRun | None = None,
    sequence_from: int | None = None,
    sequence_to: int | None = None,
    serials: Sequence[str] | None = None,
    reason: str = "",
    changed_by=None,
) -> StampStatusChange:
    """Move the selected stamps to ``to_status`` (active, void or revoked), all or none, and audit it.

    Select either a run and a number range (inclusive) or a list of serials (optionally within a run). Stamps
    already in ``to_status`` are left alone and counted as unchanged. Codes: ``invalid_status``,
    ``reason_required`` (revoking needs a reason), ``empty_selection``, ``invalid_range``, ``unknown_serial``
    (a listed serial is not a stamp), ``invalid_transition`` (e.g. activating a void stamp: nothing changes).
    """
    if to_status not in _ALLOWED_FROM:
        raise StampError("invalid_status", _("Status: choose active, void or revoked."), field="to_status")
    reason = (reason or "").strip()
    if to_status == StampStatus.REVOKED and not reason:
        raise StampError("reason_required", _("Reason: say why the stamps are revoked."), field="reason")
    query, selection = _selection(run, sequence_from, sequence_to, serials)
    selected = Stamp.objects.filter(query)
    if "serials" in selection:
        found = set(selected.values_list("serial", flat=True))
        missing = [serial for serial in selection["serials"] if serial not in found]
        if missing:
            raise StampError("unknown_serial", _("Serials: %(serials)s are not stamps of this selection.")
                             % {"serials": ", ".join(missing[:5])}, field="serials", missing=len(missing))
    blocked = selected.exclude(status=to_status).exclude(status__in=_ALLOWED_FROM[to_status])
    blocked_count = blocked.count()
    if blocked_count:
        example = blocked.order_by("sequence").first()
        raise StampError(
            "invalid_transition",
            _("Status: %(count)s selected stamps cannot become %(status)s (e.g. %(serial)s is %(current)s); "
              "nothing was changed.")
            % {"count": blocked_count, "status": StampStatus(to_status).label, "serial": example.serial,
               "current": example.get_status_display()},
            field="to_status", blocked=blocked_count,
        )
    now = timezone.now()
    unchanged = selected.filter(status=to_status).count()
    changed = selected.exclude(status=to_status).update(
        status=to_status, status_reason=reason, status_changed_at=now,
    )
    change_run = run
    if change_run is None and "serials" in selection:
        run_ids = set(selected.values_list("run_id", flat=True).distinct()[:2])
        change_run = StampRun.objects.get(pk=run_ids.pop()) if len(run_ids) == 1 else None
    return StampStatusChange.objects.create(run=change_run, to_status=to_status, reason=reason, selection=selection,
                                            changed_count=changed, unchanged_count=unchanged, changed_by=changed_by)


def activate_stamps(**selection) -> StampStatusChange:
    return change_stamp_status(to_status=StampStatus.ACTIVE, **selection)


def void_stamps(**selection) -> StampStatusChange:
    return change_stamp_status(to_status=StampStatus.VOID, **selection)


def revoke_stamps(*, reason: str, **selection) -> StampStatusChange:
    return change_stamp_status(to_status=StampStatus.REVOKED, reason=reason, **selection)


# --- scans --------------------------------------------------------------------------------------------------------

def coarse_point(lat: float | str | None, lon: float | str | None) -> Point | None:
    """A shared location rounded to about a kilometre, or None when absent or not a place on Earth."""
    if lat in (None, "") or lon in (None, ""):
        return None
    try:
        lat_value, lon_value = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat_value <= 90 and -180 <= lon_value <= 180):
        return None
    return Point(round(lon_value, COARSE_DECIMALS), round(lat_value, COARSE_DECIMALS), srid=4326)


_BOT_MARKERS = ("bot", "crawler", "spider", "facebookexternalhit", "zalo-link", "preview", "curl", "wget",
                "python-requests", "headless")


def user_agent_family(user_agent: str) -> str:
    """The browser family of a User-Agent header ("Zalo", "Facebook", "Chrome"…, "bot"); never the full string."""
    agent = (user_agent or "").lower()
    if not agent:
        return ""
    if any(marker in agent for marker in _BOT_MARKERS):
        return "bot"
    for marker, family in (("zalo", "Zalo"), ("fban", "Facebook"), ("fbav", "Facebook"), ("instagram", "Instagram"),
                           ("coc_coc", "Cốc Cốc"), ("edg/", "Edge"), ("opr/", "Opera"), ("samsungbrowser", "Samsung"),
                           ("firefox", "Firefox"), ("fxios", "Firefox"), ("crios", "Chrome"), ("chrome", "Chrome"),
                           ("safari", "Safari")):
        if marker in agent:
            return family
    return "other"


@dataclass(frozen=True)
class ScanResult:
    """What the consumer banner needs after a scan was recorded."""

    event_id: int  # the scan-log row
    scan_count: int
    first_scanned_at: datetime.datetime | None
    is_first_scan: bool
    is_flagged: bool


def record_scan(
    *,
    stamp: Stamp | None,
    serial: str,
    kind: str = ScanKind.PAGE,
    outcome: str | None = None,
    location: Point | None = None,
    user_agent: str = "",
    at: datetime.datetime | None = None,
) -> ScanResult:
    """Append a resolve to the scan log and update the stamp's counters and clone flags.

    A consumer check (``kind`` page, not a link-preview bot) increments the stamp's scan count; the first one
    sets "first checked on". A located scan is compared with the stamp's previous located scan: further apart
    than ``STAMPS_CLONE_MAX_SPEED_KMH`` allows (and at least ``STAMPS_CLONE_MIN_DISTANCE_KM``) flags the stamp;
    so does a count above ``STAMPS_CLONE_MAX_SCANS``. Flags are soft: the consumer sees a warning, an officer
    reviews. No IP address or full user agent is stored.
    """
    at = at or timezone.now()
    family = user_agent_family(user_agent)
    if kind == ScanKind.PAGE and family == "bot":
        kind = ScanKind.PREVIEW
    is_counted = stamp is not None and kind == ScanKind.PAGE
    if outcome is None:
        outcome = stamp.status if stamp is not None else ScanOutcome.UNKNOWN
    if location is not None or stamp is None or not is_counted:
        event = ScanEvent.objects.create(scanned_at=at, stamp=stamp, serial=serial[:40], kind=kind, outcome=outcome,
                                         is_counted=is_counted, location=location, user_agent_family=family)
        if stamp is None:
            return ScanResult(event.id, 0, None, False, False)
        if location is not None:
            return _record_located(stamp, event, at, location, is_counted)
        return ScanResult(event.id, stamp.scan_count, stamp.first_scanned_at, False, stamp.is_flagged)
    # A consumer check without a location (the product page itself goes through record_page_scan): the log row
    # and the counter go in one statement (one round trip, one transaction, no lock held in Python). The count
    # returned is for display; the database increments it atomically.
    event = ScanEvent(scanned_at=at, stamp=stamp, serial=serial[:40], kind=kind, outcome=outcome,
                      is_counted=True, user_agent_family=family)
    with connection.cursor() as cursor:
        cursor.execute(_COUNTED_SCAN_SQL, {"at": at, "stamp": stamp.pk, "serial": event.serial, "kind": kind,
                                           "outcome": outcome, "family": family})
        event.id = cursor.fetchone()[0]
    count = stamp.scan_count + 1
    first = stamp.first_scanned_at or at
    flagged = stamp.is_flagged
    if not flagged and count > settings.STAMPS_CLONE_MAX_SCANS:
        flagged = _flag(stamp.pk, FlagReason.TOO_MANY_SCANS, at)
    return ScanResult(event.id, count, first, count == 1, flagged)


_COUNTED_SCAN_SQL = """
WITH counted AS (
    UPDATE stamps_stamp SET scan_count = scan_count + 1, last_scanned_at = %(at)s,
        first_scanned_at = COALESCE(first_scanned_at, %(at)s)
    WHERE id = %(stamp)s
)
INSERT INTO stamps_scanevent (scanned_at, stamp_id, serial, kind, outcome, is_counted, location, user_agent_family)
VALUES (%(at)s, %(stamp)s, %(serial)s, %(kind)s, %(outcome)s, true, NULL, %(family)s)
RETURNING id
"""


@dataclass(frozen=True)
class PageScan:
    """A resolve of a stamp URL for its product page, as recorded: the stamp (None when unknown or mismatched)."""

    stamp: Stamp | None
    outcome: str
    scan: ScanResult
    page_version: int | None = None  # the lot's (apps.stamps.freshness), read with the scan


_PAGE_SCAN_STAMP_FIELDS = ("id", "lot_id", "serial", "status", "status_reason", "scan_count", "first_scanned_at",
                           "is_flagged")


def record_page_scan(
    *,
    serial: str,
    user_agent: str = "",
    gtin14: str | None = None,
    lot_code: str | None = None,
    at: datetime.datetime | None = None,
) -> PageScan:
    """Find the stamp with canonical ``serial``, log the resolve and count it, in one database round trip.

    The resolver's hot path (a GET of the product page), with :func:`record_scan`'s rules: a link-preview bot is
    logged as a preview and not counted; an unknown serial is logged with outcome "unknown"; a real serial under a
    Digital Link of another lot or GTIN (``gtin14`` and ``lot_code`` given) is logged as a "mismatch" and
    treated as unknown; a counted check past ``STAMPS_CLONE_MAX_SCANS`` flags the stamp. The work is done by the
    ``stamps_record_page_scan`` SQL function (migration 0003) as a single statement — one transaction, no lock
    held across round trips. The returned stamp carries the fields the page needs (others load on access).
    """
    return page_scan_from_row(serial, record_page_scan_row(serial=serial, user_agent=user_agent, gtin14=gtin14,
                                                           lot_code=lot_code, at=at))


class PageScanRow(NamedTuple):
    """What ``stamps_record_page_scan`` returns, and whether the check was a consumer's page view (not a bot's).

    ``stamp_id`` is None for an unknown or mismatched serial."""

    outcome: str
    stamp_id: int | None
    lot_id: int | None
    status: str | None
    status_reason: str | None
    scan_count: int | None
    first_scanned_at: datetime.datetime | None
    is_flagged: bool | None
    event_id: int
    page_version: int | None  # the lot's, for the cached page (apps.stamps.freshness)
    is_page: bool


def record_page_scan_row(*, serial: str, user_agent: str = "", gtin14: str | None = None,
                         lot_code: str | None = None, at: datetime.datetime | None = None) -> PageScanRow:
    """:func:`record_page_scan` without building objects (the WSGI fast path works on the row)."""
    family = user_agent_family(user_agent)
    kind = ScanKind.PREVIEW if family == "bot" else ScanKind.PAGE
    row = _page_scan_row((serial, at or timezone.now(), str(kind), family, gtin14, lot_code,
                          settings.STAMPS_CLONE_MAX_SCANS))
    return PageScanRow(*row, kind == ScanKind.PAGE)


def scan_result_from_row(row: PageScanRow) -> ScanResult:
    """The banner's view of a :func:`record_page_scan_row` row."""
    if row.stamp_id is None:
        return ScanResult(row.event_id, 0, None, False, False)
    return ScanResult(row.event_id, row.scan_count, row.first_scanned_at, row.is_page and row.scan_count == 1,
                      row.is_flagged)


def page_scan_from_row(serial: str, row: PageScanRow) -> PageScan:
    """A :func:`record_page_scan_row` row as a :class:`PageScan` (the stamp carries the fields the page needs)."""
    if row.stamp_id is None:
        return PageScan(None, row.outcome, scan_result_from_row(row))
    stamp = Stamp.from_db(connection.alias, _PAGE_SCAN_STAMP_FIELDS,
                          (row.stamp_id, row.lot_id, serial, row.status, row.status_reason, row.scan_count,
                           row.first_scanned_at, row.is_flagged))
    return PageScan(stamp, row.outcome, scan_result_from_row(row), row.page_version)


_PAGE_SCAN_SQL = ("SELECT * FROM stamps_record_page_scan(%s::text, %s::timestamptz, %s::text, %s::text, %s::text, "
                  "%s::text, %s::integer)")


def _page_scan_row(params: tuple) -> tuple:
    """Run the page-scan function: a server-side prepared statement, without Django's per-request health check.

    The health check costs a round trip (``SELECT 1``) on every request; instead, when the call fails because the
    persistent connection had died (the database restarted), it is retried once on a new connection, outside
    transactions only — what the health check would have achieved.
    """
    try:
        return _execute_page_scan(params)
    except OperationalError:
        if connection.in_atomic_block or connection.is_usable():
            raise
        connection.close()
        return _execute_page_scan(params)


def _execute_page_scan(params: tuple) -> tuple:
    database = connections[DEFAULT_DB_ALIAS]  # one thread-local look-up, not one per attribute through the proxy
    if database.connection is None:
        database.ensure_connection()
    database.validate_no_broken_transaction()
    raw = database.connection
    with database.wrap_database_errors:
        # In a transaction psycopg must BEGIN first, and timestamps read as ISO 8601 only under an ISO DateStyle:
        # otherwise psycopg's cursor.
        if raw.autocommit and (raw.pgconn.parameter_status(b"DateStyle") or b"").startswith(b"ISO"):
            return _exec_page_scan(raw, params)
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(_PAGE_SCAN_SQL, params, prepare=True)
            return cursor.fetchone()


# The resolver's statement through libpq directly (psycopg.pq, its documented wrapper): a scan is one statement in
# autocommit, and psycopg's cursor (query conversion, adapters, result objects) cost the resolver twice the client
# time of the call itself. Prepared once per connection under its own name; values are sent and read as text.
_PAGE_SCAN_NAME = b"ocop_stamps_record_page_scan"
_PAGE_SCAN_NUMBERED = (_PAGE_SCAN_SQL % tuple(f"${number}" for number in range(1, 8))).encode()
_PAGE_SCAN_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection → True once prepared
_STALE_STATEMENT = {"26000", "0A000"}  # gone (DISCARD ALL), or its result type changed (the function was replaced)


def _int(value: bytes) -> int:
    return int(value)


def _text(value: bytes) -> str:
    return value.decode()


def _timestamp(value: bytes) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.decode())


def _boolean(value: bytes) -> bool:
    return value == b"t"


# How each column of stamps_record_page_scan reads from its text (NULL stays None): the order of PageScanRow.
_PAGE_SCAN_COLUMNS = (_text, _int, _int, _text, _text, _int, _timestamp, _boolean, _int, _int)


def _exec_page_scan(raw: psycopg.Connection, params: tuple, *, is_retry: bool = False) -> tuple:
    pgconn = raw.pgconn
    if raw not in _PAGE_SCAN_PREPARED:
        _raise_for(pgconn.prepare(_PAGE_SCAN_NAME, _PAGE_SCAN_NUMBERED))
        _PAGE_SCAN_PREPARED[raw] = True
    values = [None if value is None else (value.isoformat() if isinstance(value, datetime.datetime)
                                          else str(value)).encode() for value in params]
    result = pgconn.exec_prepared(_PAGE_SCAN_NAME, values)
    try:
        _raise_for(result)
    except psycopg.DatabaseError as error:
        if is_retry or error.sqlstate not in _STALE_STATEMENT:
            raise
        del _PAGE_SCAN_PREPARED[raw]
        pgconn.exec_(b"DEALLOCATE " + _PAGE_SCAN_NAME)  # fails harmlessly when it is already gone
        return _exec_page_scan(raw, params, is_retry=True)
    return tuple(None if (value := result.get_value(0, column)) is None else read(value)
                 for column, read in enumerate(_PAGE_SCAN_COLUMNS))


def _raise_for(result) -> None:
    """Raise what psycopg would have raised for a failed libpq result (Django maps it as usual)."""
    if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        return
    sqlstate = (result.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
    message = (result.error_message or b"").decode(errors="replace").strip() or "the page-scan call failed"
    try:
        error_class = psycopg.errors.lookup(sqlstate) if sqlstate else psycopg.OperationalError
    except KeyError:
        error_class = psycopg.DatabaseError
    raise error_class(message)


@transaction.atomic
def _record_located(stamp: Stamp, event: ScanEvent, at: datetime.datetime, location: Point,
                    is_counted: bool) -> ScanResult:
    locked = (Stamp.objects.select_for_update().filter(pk=stamp.pk)
              .annotate(jump=Distance("last_location", location)).get())
    updates = {"last_location": location, "last_located_at": at}
    if is_counted:
        updates.update(scan_count=F("scan_count") + 1, last_scanned_at=at,
                       first_scanned_at=Coalesce(F("first_scanned_at"), at))
    Stamp.objects.filter(pk=stamp.pk).update(**updates)
    count = locked.scan_count + (1 if is_counted else 0)
    flagged = locked.is_flagged
    if not flagged and locked.last_located_at is not None and locked.jump is not None:
        kilometres = locked.jump.km
        hours = abs((at - locked.last_located_at).total_seconds()) / 3600
        if kilometres >= settings.STAMPS_CLONE_MIN_DISTANCE_KM and (
                hours == 0 or kilometres / hours > settings.STAMPS_CLONE_MAX_SPEED_KMH):
            flagged = _flag(stamp.pk, FlagReason.IMPOSSIBLE_TRAVEL, at)
    if not flagged and count > settings.STAMPS_CLONE_MAX_SCANS:
        flagged = _flag(stamp.pk, FlagReason.TOO_MANY_SCANS, at)
    first = locked.first_scanned_at or (at if is_counted else None)
    return ScanResult(event.id, count, first, is_counted and count == 1, flagged)


def _flag(stamp_id: int, reason: str, at: datetime.datetime) -> bool:
    Stamp.objects.filter(pk=stamp_id, is_flagged=False).update(is_flagged=True, flag_reason=reason, flagged_at=at)
    return True


@transaction.atomic
def clear_stamp_flag(*, stamp: Stamp) -> Stamp:
    """Clear a clone flag after an officer checked the stamp (the scan log keeps the history)."""
    stamp = Stamp.objects.select_for_update().get(pk=stamp.pk)
    stamp.is_flagged, stamp.flag_reason, stamp.flagged_at = False, "", None
    stamp.save(update_fields=["is_flagged", "flag_reason", "flagged_at"])
    return stamp


def ensure_scan_partitions(*, months_ahead: int = 3) -> int:
    """Create the monthly scan-log partitions from this month to ``months_ahead`` months on; return how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamps_ensure_scan_partitions(%s)", [months_ahead])
        return cursor.fetchone()[0]


# --- counterfeit reports ------------------------------------------------------------------------------------------

@transaction.atomic
def report_counterfeit(*, serial: str, message: str, place: str = "", contact: str = "",
                       location: Point | None = None) -> CounterfeitReport:
    """Record a consumer's counterfeit report; it lands in the officers' alert list.

    ``serial`` is kept as scanned (it may be garbage); it is linked to a stamp when it names one.
    Codes: ``message_required``.
    """
    message = (message or "").strip()
    if not message:
        raise StampError("message_required", _("What looks wrong: please describe the problem."), field="message")
    serial = (serial or "").strip()[:200]
    stamp = None
    if serial_codes.is_valid(serial):
        stamp = Stamp.objects.filter(serial=serial_codes.normalize(serial)).first()
    return CounterfeitReport.objects.create(serial=serial, stamp=stamp, message=message[:2000],
                                            place=(place or "").strip()[:255], contact=(contact or "").strip()[:120],
                                            location=location)


@transaction.atomic
def review_report(*, report: CounterfeitReport, reviewed_by) -> CounterfeitReport:
    report = CounterfeitReport.objects.select_for_update().get(pk=report.pk)
    report.is_reviewed, report.reviewed_by = True, reviewed_by
    report.save(update_fields=["is_reviewed", "reviewed_by"])
    return report


__all__ = [
    "PageScan", "PageScanRow", "ScanResult", "activate_stamps", "change_stamp_status", "clear_stamp_flag",
    "coarse_point", "ensure_scan_partitions", "issue_stamp_run", "page_scan_from_row", "record_page_scan",
    "record_page_scan_row", "record_scan", "report_counterfeit", "review_report", "revoke_stamps",
    "scan_result_from_row", "serial_range", "user_agent_family", "void_stamps",
]
