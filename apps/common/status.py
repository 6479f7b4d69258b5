"""Dated status changes with legal transitions, shared by records that keep a status history."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext as _

from apps.common.errors import DomainError


def apply_status_change(
    *,
    record: models.Model,
    history: models.Manager,
    transitions: Mapping[str, frozenset[str] | set[str] | tuple[str, ...]],
    labels: Mapping[str, str],
    to_status: str,
    effective_date: datetime.date,
    reason: str = "",
    user=None,
    error_class: type[DomainError] = DomainError,
) -> models.Model:
    """Move ``record`` to ``to_status`` and write the dated history entry; return the history entry.

    Refuses with ``unknown_status``, ``illegal_transition`` (a move the transition table does not
    allow, including a move to the same status and any move out of a final status) or
    ``effective_date_out_of_order`` (dated before the latest recorded change). The caller locks
    ``record`` and runs inside its transaction.
    """
    if to_status not in labels:
        raise error_class("unknown_status", _("Unknown status %(status)s.") % {"status": to_status},
                          field="to_status")
    from_status = record.status
    if to_status not in transitions.get(from_status, ()):
        allowed = ", ".join(str(labels[status]) for status in sorted(transitions.get(from_status, ()))) or "—"
        raise error_class(
            "illegal_transition",
            _("The status cannot change from “%(from)s” to “%(to)s” (allowed: %(allowed)s).")
            % {"from": labels.get(from_status, from_status), "to": labels[to_status], "allowed": allowed},
            field="to_status",
            from_status=from_status,
            to_status=to_status,
        )
    latest = history.order_by("-effective_date", "-recorded_at").first()
    if latest is not None and effective_date < latest.effective_date:
        raise error_class(
            "effective_date_out_of_order",
            _("The effective date %(date)s is before the latest status change (%(latest)s).")
            % {"date": effective_date.isoformat(), "latest": latest.effective_date.isoformat()},
            field="effective_date",
        )
    entry = history.create(from_status=from_status, to_status=to_status, effective_date=effective_date,
                           reason=reason or "", changed_by=user if getattr(user, "pk", None) else None)
    record.status = to_status
    record.save(update_fields=["status", "updated_at"] if hasattr(record, "updated_at") else ["status"])
    return entry


def record_initial_status(*, record: models.Model, history: models.Manager, effective_date: datetime.date,
                          reason: str = "", user=None) -> models.Model:
    """Write the first history entry (∅ → the record's current status)."""
    return history.create(from_status="", to_status=record.status, effective_date=effective_date, reason=reason,
                          changed_by=user if getattr(user, "pk", None) else None)
