"""Sales points: OCOP centres, booths, sales points at tourist sites, counters and showcases (điểm bán)."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class SalesPointKind(models.TextChoices):
    CENTRE_PROVINCE = "centre_province", _("OCOP centre (province)")
    CENTRE_DISTRICT = "centre_district", _("OCOP centre (district)")
    CENTRE_REGION = "centre_region", _("OCOP centre (region)")
    SUPERMARKET_BOOTH = "supermarket_booth", _("Booth in a supermarket")
    MARKET_BOOTH = "market_booth", _("Booth in a market")
    TOURIST_SITE = "tourist_site", _("Sales point at a tourist site")
    HOTEL_RESTAURANT = "hotel_restaurant", _("Sales point at a hotel or restaurant")
    ADMIN_COUNTER = "admin_counter", _("Counter at an administrative centre")
    SHOWCASE_OUTSIDE = "showcase_outside", _("Showcase point outside the province")


CENTRE_KINDS = (SalesPointKind.CENTRE_PROVINCE, SalesPointKind.CENTRE_DISTRICT, SalesPointKind.CENTRE_REGION)


class SalesPoint(TimeStampedModel):
    """A physical place that sells or shows OCOP products (online-only shops are product links, not points)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=SalesPointKind.choices)
    location = models.PointField(_("location"), srid=4326)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey("territory.AdministrativeUnit", verbose_name=_("commune (2025)"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="sales_points")
    legacy_district = models.ForeignKey(
        "territory.AdministrativeUnit", verbose_name=_("legacy district"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="legacy_sales_points",
        help_text=_("The district the provincial plan allocated this point to (before the 2025 reform)."),
    )
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True,
                                     help_text=_('e.g. {"mon": [["07:00", "21:00"]], "sat": [["18:00", "02:00"]]}'))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    operator = models.ForeignKey("producers.Producer", verbose_name=_("operator"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="operated_sales_points")
    products = models.ManyToManyField("products.Product", verbose_name=_("products carried"), blank=True,
                                      related_name="sales_points")
    is_outside_province = models.BooleanField(_("outside the province"), default=False, editable=False)
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("sales point")
        verbose_name_plural = _("sales points")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name
