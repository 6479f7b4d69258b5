"""The electronic logbook (nhật ký điện tử): append-only trace events shaped like GS1 EPCIS 2.0.

Each event belongs to one lot's logbook (``lot``) and is chained to the previous event of that logbook by
SHA-256 (see :mod:`apps.traceability.chain`). Events, their lot links and attachments can be inserted but never
updated or deleted: the database refuses it (trigger ``traceability_append_only``, migration 0003) and so does
Python (:class:`AppendOnlyQuerySet`, :meth:`AppendOnlyModel.save`). A correction is a new event whose
``corrects`` points to the event it corrects.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from apps.common.errors import DomainError

GENESIS_HASH = "0" * 64
TIME_ZONE_OFFSET_VALIDATOR = RegexValidator(
    r"^[+-](?:0\d|1[0-4]):[0-5]\d$", _("A time-zone offset looks like +07:00."), code="invalid_offset",
)


class AppendOnlyError(DomainError):
    default_code = "append_only"


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses bulk updates and deletes (the logbook is append-only)."""

    def update(self, **kwargs):
        raise AppendOnlyError("append_only", _("The logbook is append-only: record a correction instead."))

    def delete(self):
        raise AppendOnlyError("append_only", _("The logbook is append-only: record a correction instead."))


class AppendOnlyModel(models.Model):
    """A model whose rows can be inserted but never changed or removed."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("append_only", _("The logbook is append-only: record a correction instead."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("append_only", _("The logbook is append-only: record a correction instead."))


class EventType(models.TextChoices):
    """EPCIS 2.0 event types used by the logbook."""

    OBJECT = "object", _("Object event")
    AGGREGATION = "aggregation", _("Aggregation event")
    TRANSFORMATION = "transformation", _("Transformation event")
    TRANSACTION = "transaction", _("Transaction event")


EPCIS_EVENT_TYPES = {
    EventType.OBJECT: "ObjectEvent",
    EventType.AGGREGATION: "AggregationEvent",
    EventType.TRANSFORMATION: "TransformationEvent",
    EventType.TRANSACTION: "TransactionEvent",
}


class Action(models.TextChoices):
    """EPCIS action; a transformation event has none."""

    ADD = "ADD", "ADD"
    OBSERVE = "OBSERVE", "OBSERVE"
    DELETE = "DELETE", "DELETE"


class BizStep(models.TextChoices):
    """The logbook's business steps (công đoạn). :data:`CBV_BIZ_STEPS` maps each to its EPCIS value."""

    PLANTING = "planting", _("Planting")
    FERTILISING = "fertilising", _("Fertilising")
    SPRAYING = "spraying", _("Spraying (plant protection)")
    HARVESTING = "harvesting", _("Harvesting")
    RECEIVING = "receiving", _("Receiving")
    PROCESSING = "processing", _("Processing")
    PACKING = "packing", _("Packing")
    INSPECTING = "inspecting", _("Inspecting")
    SHIPPING = "shipping", _("Shipping")
    RETAIL_SELLING = "retail_selling", _("Retail selling")


# The EPCIS bizStep of each logbook step. Strings are bare CBV 2.0 terms (they expand through the EPCIS
# JSON-LD context to https://ref.gs1.org/cbv/BizStep-<term>); ``None`` means CBV has no term for the step and
# the export uses the platform's own vocabulary URI ({PUBLIC_BASE_URL}/voc/BizStep-<step>) instead.
CBV_BIZ_STEPS: dict[str, str | None] = {
    BizStep.PLANTING: None,
    BizStep.FERTILISING: None,
    BizStep.SPRAYING: None,
    BizStep.HARVESTING: "commissioning",  # a harvest brings the lot into existence
    BizStep.RECEIVING: "receiving",
    BizStep.PROCESSING: "creating_class_instance",  # a new lot (class-level identifier) is produced
    BizStep.PACKING: "packing",
    BizStep.INSPECTING: "inspecting",
    BizStep.SHIPPING: "shipping",
    BizStep.RETAIL_SELLING: "retail_selling",
}

# Default (event type, action, disposition) of each step, following DOMAIN.md §Traceability.
STEP_DEFAULTS: dict[str, tuple[str, str, str]] = {
    BizStep.PLANTING: (EventType.OBJECT, Action.OBSERVE, "active"),
    BizStep.FERTILISING: (EventType.OBJECT, Action.OBSERVE, "active"),
    BizStep.SPRAYING: (EventType.OBJECT, Action.OBSERVE, "active"),
    BizStep.HARVESTING: (EventType.OBJECT, Action.ADD, "active"),
    BizStep.RECEIVING: (EventType.OBJECT, Action.OBSERVE, "in_progress"),
    BizStep.PROCESSING: (EventType.TRANSFORMATION, "", "in_progress"),
    BizStep.PACKING: (EventType.AGGREGATION, Action.ADD, "in_progress"),
    BizStep.INSPECTING: (EventType.OBJECT, Action.OBSERVE, ""),
    BizStep.SHIPPING: (EventType.OBJECT, Action.OBSERVE, "in_transit"),
    BizStep.RETAIL_SELLING: (EventType.OBJECT, Action.OBSERVE, "retail_sold"),
}


class Disposition(models.TextChoices):
    """CBV 2.0 dispositions (the business state of the goods after the event)."""

    ACTIVE = "active", _("Active")
    IN_PROGRESS = "in_progress", _("In progress")
    IN_TRANSIT = "in_transit", _("In transit")
    SELLABLE_ACCESSIBLE = "sellable_accessible", _("Sellable, accessible")
    SELLABLE_NOT_ACCESSIBLE = "sellable_not_accessible", _("Sellable, not accessible")
    NON_SELLABLE_OTHER = "non_sellable_other", _("Not sellable")
    RETAIL_SOLD = "retail_sold", _("Sold at retail")
    CONFORMANT = "conformant", _("Conformant")
    NON_CONFORMANT = "non_conformant", _("Non-conformant")
    DAMAGED = "damaged", _("Damaged")
    DESTROYED = "destroyed", _("Destroyed")
    EXPIRED = "expired", _("Expired")
    RECALLED = "recalled", _("Recalled")
    RETURNED = "returned", _("Returned")


class BusinessDocumentKind(models.TextChoices):
    """CBV business transaction types the logbook records (invoice, delivery note…)."""

    INVOICE = "inv", _("Invoice")
    DELIVERY_NOTE = "desadv", _("Delivery note")
    PURCHASE_ORDER = "po", _("Purchase order")
    BILL_OF_LADING = "bol", _("Bill of lading")
    RECEIVING_ADVICE = "recadv", _("Receiving advice")


class TraceEvent(AppendOnlyModel):
    """One logbook entry (bản ghi nhật ký) — what happened to which lots, when, where and why.

    ``business_documents`` is a list of ``{"type": <BusinessDocumentKind>, "number": str}``. ``hash`` is
    SHA-256 over ``previous_hash`` and the canonical serialisation in :func:`apps.traceability.chain.canonical_facts`.
    """

    lot = models.ForeignKey("traceability.Lot", verbose_name=_("logbook of lot"), on_delete=models.PROTECT,
                            related_name="events")
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    event_type = models.CharField(_("event type"), max_length=16, choices=EventType.choices)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices, blank=True)
    biz_step = models.CharField(_("business step"), max_length=16, choices=BizStep.choices)
    disposition = models.CharField(_("disposition"), max_length=24, choices=Disposition.choices, blank=True)
    event_time = models.DateTimeField(_("event time"))
    event_time_zone_offset = models.CharField(_("time-zone offset"), max_length=6, default="+07:00",
                                              validators=[TIME_ZONE_OFFSET_VALIDATOR])
    recorded_at = models.DateTimeField(_("recorded at"), editable=False)
    zone = models.ForeignKey("zones.RawMaterialZone", verbose_name=_("zone"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="trace_events")
    packing_facility = models.ForeignKey("facilities.PackingFacility", verbose_name=_("packing facility"),
                                         null=True, blank=True, on_delete=models.PROTECT, related_name="trace_events")
    production_facility = models.ForeignKey("facilities.ProductionFacility", verbose_name=_("production facility"),
                                            null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="trace_events")
    sales_point = models.ForeignKey("outlets.SalesPoint", verbose_name=_("sales point"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="trace_events")
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    input_product = models.CharField(_("input product"), max_length=200, blank=True,
                                     help_text=_("Fertiliser or plant-protection product applied, with its dose."))
    pre_harvest_interval_days = models.PositiveSmallIntegerField(
        _("pre-harvest interval (days)"), null=True, blank=True,
        help_text=_("Days that must pass between spraying and harvest (thời gian cách ly)."),
    )
    parent_id = models.CharField(_("parent container"), max_length=200, blank=True,
                                 help_text=_("For packing: the pallet, carton or container identifier (SSCC URI…)."))
    business_documents = models.JSONField(_("business documents"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="trace_events")
    previous_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("logbook event")
        verbose_name_plural = _("logbook events")
        ordering = ["lot", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "sequence"], name="traceability_event_sequence_per_lot"),
            models.CheckConstraint(
                name="traceability_event_action_by_type",
                condition=(models.Q(event_type="transformation", action="")
                           | (~models.Q(event_type="transformation") & ~models.Q(action=""))),
            ),
        ]
        indexes = [models.Index(fields=["biz_step", "event_time"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_biz_step_display()} ({self.event_time:%Y-%m-%d})"


class LotRole(models.TextChoices):
    """How a lot takes part in an event (EPCIS what-dimension)."""

    OBJECT = "object", _("Object")
    CHILD = "child", _("Packed (child)")
    INPUT = "input", _("Input")
    OUTPUT = "output", _("Output")


class TraceEventLot(AppendOnlyModel):
    """A lot in an event, with its role and quantity (EPCIS quantityList / inputQuantityList / outputQuantityList)."""

    event = models.ForeignKey(TraceEvent, verbose_name=_("event"), on_delete=models.PROTECT, related_name="lot_links")
    lot = models.ForeignKey("traceability.Lot", verbose_name=_("lot"), on_delete=models.PROTECT,
                            related_name="event_links")
    role = models.CharField(_("role"), max_length=8, choices=LotRole.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("lot in an event")
        verbose_name_plural = _("lots in an event")
        ordering = ["role", "lot_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "lot", "role"], name="traceability_event_lot_role_unique"),
            models.CheckConstraint(name="traceability_event_lot_quantity_positive",
                                   condition=models.Q(quantity__isnull=True) | models.Q(quantity__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.lot_id} {self.quantity or ''} {self.unit}".strip()


class TraceEventAttachment(AppendOnlyModel):
    """A photo or document attached to an event; ``sha256`` of the content is part of the event's hash."""

    event = models.ForeignKey(TraceEvent, verbose_name=_("event"), on_delete=models.PROTECT,
                              related_name="attachments")
    file = models.FileField(_("file"), upload_to="logbook/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("event attachment")
        verbose_name_plural = _("event attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or self.file.name
