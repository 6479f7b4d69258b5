"""``{% eudr_link user record as url %}``: the EUDR page of a lot, shipment or producer, when the user may see it."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()

_TARGETS = {"traceability.lot": "lots", "traceability.traceevent": "shipments", "producers.producer": "producers"}


@register.simple_tag
def eudr_link(user, record) -> str:
    """The URL of the record's EUDR page, or "" (not a lot / shipment / producer, or not the user's to export)."""
    from apps.accounts.permissions import can
    from apps.transfer.eudr import shipment_is_shipping
    from apps.transfer.permissions import EXPORT_EUDR

    target = _TARGETS.get(getattr(getattr(record, "_meta", None), "label_lower", ""))
    if target is None or record.pk is None:
        return ""
    if target == "shipments" and not shipment_is_shipping(record):
        return ""
    if not can(user, EXPORT_EUDR, record):
        return ""
    return reverse("transfer:eudr-report", args=[target, record.pk])
