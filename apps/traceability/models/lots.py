"""Lots (hồ sơ lô — batch records): what was made, when, from where and through which facilities."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel

# GS1 AI (10) accepts up to 20 characters of the GS1 AI encodable character set 82; we keep to the
# subset that needs no percent-encoding in a GS1 Digital Link path and reads unambiguously on a label.
LOT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"
LOT_CODE_VALIDATOR = RegexValidator(
    LOT_CODE_PATTERN,
    _("A lot code has 1 to 20 characters: letters A–Z, digits, dot, dash or underscore, starting with a letter "
      "or digit (GS1 AI 10)."),
    code="invalid_lot_code",
)


class LotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RELEASED = "released", _("Released")
    RECALLED = "recalled", _("Recalled")


class Lot(TimeStampedModel):
    """A lot or batch of one product (lô hàng) with its origin, facilities and source lots.

    ``growing_area_codes`` is a snapshot: the codes in force for the source zones at harvest, kept even if a
    code is later suspended or revoked. ``source_lots`` are the lots transformed into this one.
    """

    product = models.ForeignKey("products.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="lots")
    code = models.CharField(_("lot code"), max_length=20, validators=[LOT_CODE_VALIDATOR])
    production_date = models.DateField(_("production / harvest date"))
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, null=True, blank=True,
                                   validators=[MinValueValidator(Decimal("0"))])
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("e.g. kg, box, bottle"))
    source_zones = models.ManyToManyField("zones.RawMaterialZone", verbose_name=_("source zones"), blank=True,
                                          through="LotSourceZone", related_name="lots")
    growing_area_codes = models.ManyToManyField(
        "zones.GrowingAreaCode", verbose_name=_("growing-area codes at harvest"), blank=True, related_name="lots",
    )
    packing_facility = models.ForeignKey("facilities.PackingFacility", verbose_name=_("packing facility"),
                                         null=True, blank=True, on_delete=models.PROTECT, related_name="lots")
    production_facility = models.ForeignKey("facilities.ProductionFacility", verbose_name=_("production facility"),
                                            null=True, blank=True, on_delete=models.PROTECT, related_name="lots")
    source_lots = models.ManyToManyField("self", verbose_name=_("source lots"), blank=True, symmetrical=False,
                                         related_name="derived_lots")
    status = models.CharField(_("status"), max_length=10, choices=LotStatus.choices, default=LotStatus.OPEN,
                              editable=False)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True, editable=False)
    recall_reason = models.TextField(_("recall reason"), blank=True, editable=False)
    # Set from a sequence (never reused) whenever something the lot's public page shows changes, in the same
    # transaction as the change (apps.stamps.freshness): the resolver's cached page is current while this matches.
    page_version = models.BigIntegerField(_("public page version"), default=0, editable=False)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["-production_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="traceability_lot_code_per_product"),
            models.CheckConstraint(name="traceability_lot_expiry_after_production",
                                   condition=Q(expiry_date__isnull=True)
                                   | Q(expiry_date__gte=models.F("production_date"))),
            models.CheckConstraint(name="traceability_lot_recall_has_reason",
                                   condition=~Q(status="recalled") | ~Q(recall_reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.product} — {self.code}"


class LotSourceZone(models.Model):
    """The share of a lot's raw material that came from one zone (tỷ lệ nguyên liệu từ vùng)."""

    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="zone_shares")
    zone = models.ForeignKey("zones.RawMaterialZone", verbose_name=_("zone"), on_delete=models.PROTECT,
                             related_name="lot_shares")
    share_percent = models.DecimalField(
        _("share (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("source zone of a lot")
        verbose_name_plural = _("source zones of a lot")
        ordering = ["-share_percent", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "zone"], name="traceability_lot_zone_unique"),
            models.CheckConstraint(name="traceability_lot_zone_share_range",
                                   condition=Q(share_percent__gt=0) & Q(share_percent__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.zone} ({self.share_percent}%)"
