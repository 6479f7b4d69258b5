"""Keeps the resolver's cached product pages true: a change shows on the next scan.

Each worker caches a lot's rendered page, its lot row and its ``Link`` header (:mod:`apps.stamps.localcache`).
Rather than let them expire every minute and render them again (~0.1 s of a worker's time per lot and language,
the resolver's worst latencies under load), every save or delete of something a lot's public page shows sets the
``page_version`` of the lots that show it to a new value from a sequence, in the same transaction as the change.
The scan reads the lot's ``page_version`` with the stamp (``stamps_record_page_scan``, the lot row it already
joins) and the cached entries are used only under the version they were rendered for. Values are never reused, so
a stale model instance saved back with an old value is corrected by the signal that follows its save.

What the page shows, and so what is tracked here (:data:`_LOTS_SHOWING`): the lot, its source zones and codes,
its logbook, the product with photos, links, declarations and OCOP ratings, the producer, certifications and
inspections of any of those, the facilities and the sales points carrying the product. Saves, deletes and
many-to-many changes made through the ORM are seen; ``QuerySet.update()`` and SQL by hand are not — for those the
cache's own lifetime (``STAMPS_PAGE_CACHE_SECONDS``) is the bound.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save

_SEQUENCE = "traceability_lot_page_version_seq"


# Where a certification or an inspection points (its field) → the lots whose page shows it (a lookup on Lot).
_SUBJECTS = (("lot_id", "pk"), ("product_id", "product_id"), ("producer_id", "product__producer_id"),
             ("zone_id", "zone_shares__zone_id"), ("packing_facility_id", "packing_facility_id"),
             ("production_facility_id", "production_facility_id"))


def _of_subject(record) -> Q:
    """The lots showing a certification or inspection: those of whatever it is about."""
    scope = Q()
    for field, lookup in _SUBJECTS:
        value = getattr(record, field, None)
        if value is not None:
            scope |= Q(**{lookup: value})
    return scope


# Model label → the lots whose page shows an instance (a filter on Lot).
_LOTS_SHOWING: dict[str, Callable[[models.Model], Q]] = {
    "traceability.Lot": lambda lot: Q(pk=lot.pk) | Q(source_lots=lot.pk),
    "traceability.LotSourceZone": lambda share: Q(pk=share.lot_id),
    "traceability.TraceEvent": lambda event: Q(pk=event.lot_id),
    "traceability.TraceEventLot": lambda link: Q(pk=link.lot_id),
    "traceability.TraceEventAttachment": lambda attachment: Q(events=attachment.event_id),
    "traceability.Inspection": _of_subject,
    "traceability.InspectionPhoto": lambda photo: _of_subject(photo.inspection),
    "traceability.ProductDeclaration": lambda declaration: Q(product_id=declaration.product_id),
    "products.Product": lambda product: Q(product_id=product.pk),
    "products.ProductPhoto": lambda photo: Q(product_id=photo.product_id),
    "products.ProductLink": lambda link: Q(product_id=link.product_id),
    "ratings.OcopRating": lambda rating: Q(product_id=rating.product_id),
    "producers.Producer": lambda producer: Q(product__producer_id=producer.pk),
    "certifications.Certification": _of_subject,
    "zones.RawMaterialZone": lambda zone: Q(zone_shares__zone_id=zone.pk),
    "zones.GrowingAreaCode": lambda code: (Q(growing_area_codes=code.pk)
                                           | Q(zone_shares__zone__growing_area_codes=code.pk)),
    "facilities.PackingFacility": lambda facility: Q(packing_facility_id=facility.pk),
    "facilities.ProductionFacility": lambda facility: Q(production_facility_id=facility.pk),
    "outlets.SalesPoint": lambda point: Q(product__sales_points=point.pk),
}


def lots_showing(instances: Iterable[models.Model]) -> Q | None:
    """The filter on Lot for the lots whose public page shows any of ``instances`` (None: none is tracked)."""
    scope = None
    for instance in instances:
        showing = _LOTS_SHOWING.get(instance._meta.label)
        if showing is not None:
            found = showing(instance)
            if found:  # an empty Q (an inspection of nothing tracked) would match every lot
                scope = found if scope is None else scope | found
    return scope


def touch(instances: Iterable[models.Model]) -> int:
    """Give the lots whose page shows any of ``instances`` a new ``page_version``; how many lots were touched."""
    scope = lots_showing(instances)
    if scope is None:
        return 0
    lot = apps.get_model("traceability", "Lot")
    # QuerySet.update sends no signal (nothing to loop on) and filters joined lookups by the lots' ids.
    return lot.objects.filter(scope).update(page_version=RawSQL("nextval(%s::regclass)", (_SEQUENCE,)))


def _saved_or_deleted(sender, instance, **kwargs) -> None:
    touch([instance])


def _links_changed(sender, instance, action, model, pk_set, **kwargs) -> None:
    """A many-to-many change: both sides' lots (before a clear, while the links still exist; after an add or a
    remove, the removed side's own lots are still found from the other side's ids)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    changed = [instance]
    if pk_set and model._meta.label in _LOTS_SHOWING:
        changed += list(model._default_manager.filter(pk__in=pk_set))
    touch(changed)


@functools.cache
def connect() -> None:
    """Connect the receivers (once; :meth:`apps.stamps.apps.StampsConfig.ready`)."""
    for label in _LOTS_SHOWING:
        model = apps.get_model(label)
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=f"stamps.freshness.save.{label}")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=f"stamps.freshness.delete.{label}")
    m2m_changed.connect(_links_changed, dispatch_uid="stamps.freshness.m2m")
