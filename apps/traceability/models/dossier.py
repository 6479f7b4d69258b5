"""Declared dossier (hồ sơ công bố sản phẩm): the versioned facts a producer declared for a product."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class DateRange(Func):
    function = "daterange"
    output_field = DateRangeField()


class ProductDeclaration(TimeStampedModel):
    """One version of a product's declaration (bản tự công bố), in force from ``effective_from`` to ``effective_to``.

    ``effective_to`` is the last day in force (inclusive); empty means still in force. Versions of one product never
    overlap (exclusion constraint). The producer identity is a snapshot of who declared, so a later change of the
    product's producer shows up as a disagreement.
    """

    product = models.ForeignKey("products.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="declarations")
    version = models.PositiveIntegerField(_("version"), editable=False)
    declaration_number = models.CharField(_("declaration number"), max_length=80, blank=True,
                                          help_text=_("Number of the self-declaration or registration receipt."))
    standard_applied = models.CharField(_("standard applied"), max_length=120,
                                        help_text=_("e.g. TCCS 01:2024/HTX, TCVN 4193:2014"))
    composition = models.TextField(_("ingredients / composition"))
    net_quantity = models.CharField(_("net quantity"), max_length=60, help_text=_("e.g. 500 g, 330 ml"))
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"))
    storage_conditions = models.TextField(_("storage conditions"), blank=True)
    producer = models.ForeignKey("producers.Producer", verbose_name=_("declaring producer"),
                                 on_delete=models.PROTECT, related_name="declarations")
    producer_name = models.CharField(_("producer name as declared"), max_length=200)
    producer_address = models.CharField(_("producer address as declared"), max_length=255, blank=True)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    document = models.FileField(_("document"), upload_to="declarations/%Y/", blank=True)

    class Meta:
        verbose_name = _("product declaration")
        verbose_name_plural = _("product declarations")
        ordering = ["product", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="traceability_declaration_version"),
            models.CheckConstraint(name="traceability_declaration_dates",
                                   condition=Q(effective_to__isnull=True)
                                   | Q(effective_to__gte=models.F("effective_from"))),
            ExclusionConstraint(
                name="traceability_declaration_no_overlap",
                expressions=[
                    ("product", RangeOperators.EQUAL),
                    (DateRange("effective_from", "effective_to", RangeBoundary(inclusive_lower=True,
                                                                               inclusive_upper=True)),
                     RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} v{self.version} ({self.effective_from})"
