"""Packing facilities (cơ sở đóng gói, TCCS 775:2020/BVTV) and production facilities (cơ sở sản xuất)."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from apps.common.models import StatusChange, TimeStampedModel


class FacilityStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class PackingFacility(TimeStampedModel):
    """A packing facility with its official code (mã số cơ sở đóng gói)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, unique=True)
    code_type = models.CharField(_("code type"), max_length=10,
                                 choices=[("domestic", _("Domestic")), ("export", _("Export"))], default="export")
    province_letters = models.CharField(_("province letters"), max_length=4, blank=True)
    sequence = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    operator = models.ForeignKey("producers.Producer", verbose_name=_("operator"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="packing_facilities")
    operator_name = models.CharField(_("operator name"), max_length=200, blank=True,
                                     help_text=_("When the operator is not an OCOP producer."))
    location = models.PointField(_("location"), srid=4326)
    footprint = models.PolygonField(_("footprint"), srid=4326, null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey("territory.AdministrativeUnit", verbose_name=_("commune"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="packing_facilities")
    target_markets = ArrayField(models.CharField(max_length=2), verbose_name=_("target markets"), default=list,
                                blank=True)
    capacity_tonnes_per_day = models.DecimalField(_("capacity (tonnes/day)"), max_digits=8, decimal_places=2,
                                                  null=True, blank=True)
    issuing_authority = models.CharField(_("issuing authority"), max_length=200, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=FacilityStatus.choices,
                              default=FacilityStatus.ACTIVE, editable=False)
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("packing facility")
        verbose_name_plural = _("packing facilities")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class PackingFacilityStatusChange(StatusChange):
    facility = models.ForeignKey(PackingFacility, on_delete=models.CASCADE, related_name="status_history")

    class Meta(StatusChange.Meta):
        verbose_name = _("packing facility status change")
        verbose_name_plural = _("packing facility status history")


class ProductionFacility(TimeStampedModel):
    """A production facility or workshop (cơ sở sản xuất / nhà xưởng) of a producer."""

    name = models.CharField(_("name"), max_length=200)
    producer = models.ForeignKey("producers.Producer", verbose_name=_("producer"), on_delete=models.PROTECT,
                                 related_name="production_facilities")
    location = models.PointField(_("location"), srid=4326)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey("territory.AdministrativeUnit", verbose_name=_("commune"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="production_facilities")
    makes = models.CharField(_("what it makes"), max_length=255, blank=True)
    products = models.ManyToManyField("products.Product", verbose_name=_("products"), blank=True,
                                      related_name="production_facilities")
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("production facility")
        verbose_name_plural = _("production facilities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
