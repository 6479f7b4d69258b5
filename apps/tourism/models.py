"""Community-tourism sites and tour routes (du lịch cộng đồng) — the plan's "lines"."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class SiteKind(models.TextChoices):
    COMMUNITY = "community", _("Community tourism")
    ECO = "eco", _("Eco-tourism")
    TOURIST_SITE = "tourist_site", _("Tourist site")
    FARM_VISIT = "farm_visit", _("Farm visit / experience")


class TourismSite(TimeStampedModel):
    """A place to visit. ``location`` is always set (the site's point); ``area`` is its optional outline."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=14, choices=SiteKind.choices)
    location = models.PointField(_("location"), srid=4326)
    area = models.PolygonField(_("area"), srid=4326, null=True, blank=True)
    product = models.ForeignKey("products.Product", verbose_name=_("OCOP tourism product"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="tourism_sites")
    producer = models.ForeignKey("producers.Producer", verbose_name=_("operator"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="tourism_sites")
    commune = models.ForeignKey("territory.AdministrativeUnit", verbose_name=_("commune"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="tourism_sites")
    description = models.TextField(_("description"), blank=True)
    visiting_hours = models.JSONField(_("visiting hours"), default=dict, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("tourism site")
        verbose_name_plural = _("tourism sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TourRoute(TimeStampedModel):
    """A tour or experience route linking sites."""

    name = models.CharField(_("name"), max_length=200)
    path = models.LineStringField(_("path"), srid=4326)
    length_km = models.DecimalField(_("length (km)"), max_digits=8, decimal_places=2, editable=False)
    sites = models.ManyToManyField(TourismSite, verbose_name=_("sites"), through="RouteStop", related_name="routes")
    description = models.TextField(_("description"), blank=True)
    duration_hours = models.DecimalField(_("duration (hours)"), max_digits=5, decimal_places=1, null=True, blank=True)
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("tour route")
        verbose_name_plural = _("tour routes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RouteStop(models.Model):
    route = models.ForeignKey(TourRoute, on_delete=models.CASCADE, related_name="stops")
    site = models.ForeignKey(TourismSite, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["route", "position"]
        constraints = [models.UniqueConstraint(fields=["route", "position"], name="tourism_stop_position")]
