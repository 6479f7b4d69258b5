"""Third-party inspections (kiểm tra, đánh giá) of zones, facilities, producers and lots."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel, exactly_one_of


class InspectionResult(models.TextChoices):
    PASS = "pass", _("Pass")
    OBSERVATIONS = "observations", _("Pass with observations")
    FAIL = "fail", _("Fail")


class LocationSource(models.TextChoices):
    """Where an inspection's point came from: a GPS fix of the phone, a tap on the map, or typed coordinates."""

    GPS = "gps", _("GPS of the device")
    MAP = "map", _("Picked on the map")
    MANUAL = "manual", _("Typed in")


class Inspection(TimeStampedModel):
    """One inspection by a third party of exactly one zone, facility, producer or lot.

    A failed inspection stays a warning on dependent lots until ``resolved_on`` (the date a follow-up found the
    problem fixed); see :func:`apps.traceability.selectors.inspection_warnings` for the rule.
    """

    TARGET_FIELDS = ("zone", "packing_facility", "production_facility", "producer", "lot")

    inspector_name = models.CharField(_("inspector"), max_length=120)
    organisation = models.CharField(_("organisation"), max_length=200)
    inspected_on = models.DateField(_("inspection date"))
    zone = models.ForeignKey("zones.RawMaterialZone", verbose_name=_("zone"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="inspections")
    packing_facility = models.ForeignKey("facilities.PackingFacility", verbose_name=_("packing facility"),
                                         null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    production_facility = models.ForeignKey("facilities.ProductionFacility", verbose_name=_("production facility"),
                                            null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="inspections")
    producer = models.ForeignKey("producers.Producer", verbose_name=_("producer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="inspections")
    lot = models.ForeignKey("traceability.Lot", verbose_name=_("lot"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="inspections")
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    location_accuracy_m = models.DecimalField(_("location accuracy (m)"), max_digits=8, decimal_places=1, null=True,
                                              blank=True, help_text=_("Accuracy the device reported for its GPS fix."))
    location_source = models.CharField(_("location source"), max_length=6, choices=LocationSource.choices,
                                       blank=True)
    result = models.CharField(_("result"), max_length=12, choices=InspectionResult.choices)
    findings = models.TextField(_("findings"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True, editable=False,
                                   help_text=_("Date a follow-up found the failure fixed."))
    resolution_note = models.TextField(_("resolution"), blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="recorded_inspections", editable=False)
    # Set by the form (and by an offline draft) so that sending the same visit twice records it once.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="traceability_inspection_exactly_one_target",
                condition=exactly_one_of("zone", "packing_facility", "production_facility", "producer", "lot"),
            ),
            models.CheckConstraint(name="traceability_inspection_resolved_after",
                                   condition=Q(resolved_on__isnull=True)
                                   | Q(resolved_on__gte=models.F("inspected_on"))),
        ]
        indexes = [models.Index(fields=["result", "inspected_on"])]

    def __str__(self) -> str:
        return f"{self.organisation} {self.inspected_on} — {self.get_result_display()}"

    @classmethod
    def target_models(cls) -> dict[str, type[models.Model]]:
        """The models an inspection can be about, by the name of the field that points at them."""
        return {name: cls._meta.get_field(name).related_model for name in cls.TARGET_FIELDS}

    @property
    def target(self):
        for name in self.TARGET_FIELDS:
            value = getattr(self, name)
            if value is not None:
                return value
        return None


class InspectionPhoto(models.Model):
    """A photo taken during an inspection; checked (JPEG, PNG or WebP, size limit) by ``record_inspection``."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE,
                                   related_name="photos")
    image = models.ImageField(_("image"), upload_to="inspections/%Y/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or self.image.name
