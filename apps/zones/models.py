"""Raw-material zones (vùng nguyên liệu) and growing-area codes (mã số vùng trồng, TCCS 774:2020/BVTV)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from apps.common.models import StatusChange, TimeStampedModel


class Crop(models.Model):
    """A crop or species grown, gathered or raised in zones (versioned reference data)."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    is_eudr_commodity = models.BooleanField(_("EUDR commodity"), default=False,
                                            help_text=_("Coffee, cocoa…: plots need geolocation for EU exports."))
    max_plausible_ha = models.DecimalField(_("largest plausible zone (ha)"), max_digits=10, decimal_places=2,
                                           null=True, blank=True)

    class Meta:
        verbose_name = _("crop or species")
        verbose_name_plural = _("crops and species")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ZoneKind(models.TextChoices):
    CULTIVATION = "cultivation", _("Cultivation area")
    HARVESTING = "harvesting", _("Harvesting / gathering area")
    LIVESTOCK = "livestock", _("Livestock area")
    AQUACULTURE = "aquaculture", _("Aquaculture area")
    FOREST_PRODUCT = "forest_product", _("Forest-product area")


class ZoneStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class RawMaterialZone(TimeStampedModel):
    """A raw-material zone (vùng nguyên liệu). ``area_ha`` and ``communes`` are computed from the geometry."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ZoneKind.choices)
    crop = models.ForeignKey(Crop, verbose_name=_("crop or species"), on_delete=models.PROTECT, related_name="zones")
    geometry = models.MultiPolygonField(_("geometry"), srid=4326)
    area_ha = models.DecimalField(_("area (ha)"), max_digits=12, decimal_places=4, editable=False)
    producers = models.ManyToManyField("producers.Producer", verbose_name=_("producers"), blank=True,
                                       related_name="zones")
    communes = models.ManyToManyField("territory.AdministrativeUnit", verbose_name=_("communes"), blank=True,
                                      related_name="zones", editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ZoneStatus.choices, default=ZoneStatus.PROPOSED,
                              editable=False)
    notes = models.TextField(_("notes"), blank=True)
    search_name = models.CharField(max_length=200, editable=False, default="")

    class Meta:
        verbose_name = _("raw-material zone")
        verbose_name_plural = _("raw-material zones")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "status"]),
            # Equality only (duplicates by name): searches use ``contains``, which no B-tree serves, so the
            # ``varchar_pattern_ops`` twin that ``db_index=True`` adds would only be upkeep on every insert.
            models.Index(fields=["search_name"], name="zones_zone_search_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ZoneStatusChange(StatusChange):
    zone = models.ForeignKey(RawMaterialZone, on_delete=models.CASCADE, related_name="status_history")

    class Meta(StatusChange.Meta):
        verbose_name = _("zone status change")
        verbose_name_plural = _("zone status history")


class CodeType(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic")
    EXPORT = "export", _("Export")


class CodeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class GrowingAreaCode(TimeStampedModel):
    """A growing-area code (mã số vùng trồng). The code keeps the province letters it was issued with."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    code_type = models.CharField(_("type"), max_length=10, choices=CodeType.choices)
    province_letters = models.CharField(_("province letters"), max_length=4, blank=True)
    sequence = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    target_markets = ArrayField(models.CharField(max_length=2), verbose_name=_("target markets"), default=list,
                                blank=True, help_text=_("ISO country codes, e.g. CN, US, EU."))
    crop = models.ForeignKey(Crop, verbose_name=_("crop"), on_delete=models.PROTECT, related_name="growing_area_codes")
    issuing_authority = models.CharField(_("issuing authority"), max_length=200)
    issue_date = models.DateField(_("issue date"))
    status = models.CharField(_("status"), max_length=10, choices=CodeStatus.choices, default=CodeStatus.ACTIVE,
                              editable=False)
    zones = models.ManyToManyField(RawMaterialZone, verbose_name=_("zones covered"), blank=True,
                                   related_name="growing_area_codes")

    class Meta:
        verbose_name = _("growing-area code")
        verbose_name_plural = _("growing-area codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CodeStatusChange(StatusChange):
    growing_area_code = models.ForeignKey(GrowingAreaCode, on_delete=models.CASCADE, related_name="status_history")

    class Meta(StatusChange.Meta):
        verbose_name = _("code status change")
        verbose_name_plural = _("code status history")


class ZoneVersionAction(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    RESTORED = "restored", _("Restored from an earlier version")
    BASELINE = "baseline", _("State when versioning started")


class ZoneVersion(models.Model):
    """One version of a raw-material zone (phiên bản vùng nguyên liệu): the zone as it was after a change.

    Written by ``apps.zones.services`` on every change of geometry or attributes, so the admin, the API
    and the officers' pages all leave the same trail: who, when, what changed (``changes`` holds the
    attribute diff as ``{field: {"before": …, "after": …}}``; the geometry is compared apart, with the
    area before and after) and why (``comment``). Versions are never edited or deleted: a restore is a
    new version. Status changes have their own dated history (``ZoneStatusChange``).
    """

    # No index of its own: the unique (zone, number) constraint's index starts with the zone.
    zone = models.ForeignKey(RawMaterialZone, verbose_name=_("zone"), on_delete=models.PROTECT,
                             related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=10, choices=ZoneVersionAction.choices)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ZoneKind.choices)
    crop = models.ForeignKey(Crop, verbose_name=_("crop or species"), on_delete=models.PROTECT, related_name="+")
    # No spatial index: versions are read by zone and number, never searched by place.
    geometry = models.MultiPolygonField(_("geometry"), srid=4326, spatial_index=False)
    area_ha = models.DecimalField(_("area (ha)"), max_digits=12, decimal_places=4)
    notes = models.TextField(_("notes"), blank=True)
    producer_ids = ArrayField(models.BigIntegerField(), verbose_name=_("producers"), default=list, blank=True)
    changes = models.JSONField(_("changed attributes"), default=dict, blank=True)
    is_geometry_changed = models.BooleanField(_("geometry changed"), default=False)
    area_before_ha = models.DecimalField(_("area before (ha)"), max_digits=12, decimal_places=4, null=True,
                                         blank=True)
    restored_from = models.ForeignKey("self", verbose_name=_("restored from"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+", db_index=False)
    comment = models.TextField(_("comment"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("zone version")
        verbose_name_plural = _("zone versions")
        ordering = ["zone", "number"]
        get_latest_by = "number"
        constraints = [models.UniqueConstraint(fields=["zone", "number"], name="zones_version_number_unique")]
        # Only restores point to a version: the index holds those, not a NULL for every other version.
        indexes = [models.Index(fields=["restored_from"], name="zones_version_restored_idx",
                                condition=models.Q(restored_from__isnull=False))]

    def __str__(self) -> str:
        return f"{self.zone_id} v{self.number}"
