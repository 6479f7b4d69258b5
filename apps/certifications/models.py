"""Third-party certifications (VietGAP, GlobalGAP, Organic, HACCP, ISO 22000…) of zones, facilities,
producers or products."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel, exactly_one_of


class Scheme(models.TextChoices):
    VIETGAP = "vietgap", "VietGAP"
    GLOBALGAP = "globalgap", "GlobalG.A.P."
    ORGANIC = "organic", _("Organic")
    RAINFOREST = "rainforest", "Rainforest Alliance"
    FOUR_C = "4c", "4C"
    HACCP = "haccp", "HACCP"
    GMP = "gmp", "GMP"
    ISO_22000 = "iso22000", "ISO 22000"
    FAIRTRADE = "fairtrade", "Fairtrade"
    OCOP = "ocop", _("OCOP certificate")
    OTHER = "other", _("Other")


SCOPE_FIELDS = ("zone", "packing_facility", "production_facility", "producer", "product")


class Certification(TimeStampedModel):
    """A certificate held by exactly one zone, packing facility, production facility, producer or product."""

    scheme = models.CharField(_("scheme"), max_length=12, choices=Scheme.choices)
    certifying_body = models.CharField(_("certifying body"), max_length=200)
    number = models.CharField(_("certificate number"), max_length=80)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    document = models.FileField(_("document"), upload_to="certificates/%Y/", blank=True)
    zone = models.ForeignKey("zones.RawMaterialZone", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="certifications", verbose_name=_("zone"))
    packing_facility = models.ForeignKey("facilities.PackingFacility", null=True, blank=True,
                                         on_delete=models.CASCADE, related_name="certifications",
                                         verbose_name=_("packing facility"))
    production_facility = models.ForeignKey("facilities.ProductionFacility", null=True, blank=True,
                                            on_delete=models.CASCADE, related_name="certifications",
                                            verbose_name=_("production facility"))
    producer = models.ForeignKey("producers.Producer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="certifications", verbose_name=_("producer"))
    product = models.ForeignKey("products.Product", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="certifications", verbose_name=_("product"))

    SCOPE_FIELDS = SCOPE_FIELDS

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                name="certifications_exactly_one_scope",
                condition=exactly_one_of(*SCOPE_FIELDS),
            ),
            models.CheckConstraint(name="certifications_valid_range",
                                   condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from"))),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.number}"

    @property
    def subject(self):
        for name in self.SCOPE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                return value
        return None
