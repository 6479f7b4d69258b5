"""Geographical indications (chỉ dẫn địa lý) and collective / certification marks."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class MarkKind(models.TextChoices):
    GEOGRAPHICAL_INDICATION = "gi", _("Geographical indication")
    COLLECTIVE_MARK = "collective", _("Collective mark")
    CERTIFICATION_MARK = "certification", _("Certification mark")


class GeographicalIndication(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=14, choices=MarkKind.choices)
    registration_number = models.CharField(_("registration number"), max_length=40, unique=True)
    holder = models.CharField(_("holder"), max_length=200)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    protected_area = models.MultiPolygonField(_("protected area"), srid=4326)
    area_ha = models.DecimalField(_("area (ha)"), max_digits=14, decimal_places=2, editable=False)
    products = models.ManyToManyField("products.Product", verbose_name=_("products covered"), blank=True,
                                      related_name="geographical_indications")
    description = models.TextField(_("description"), blank=True)
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("geographical indication or mark")
        verbose_name_plural = _("geographical indications and marks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
