"""Vietnam's administrative units in both eras: legacy (3 tiers, before 1 July 2025) and 2025 (2 tiers)."""

from __future__ import annotations

import datetime

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

REFORM_DATE = datetime.date(2025, 7, 1)


class Era(models.TextChoices):
    LEGACY = "legacy", _("Before 1 July 2025 (province / district / commune)")
    CURRENT = "2025", _("From 1 July 2025 (province / commune)")


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class UnitType(models.TextChoices):
    PROVINCE = "tinh", _("Province (tỉnh)")
    CITY = "thanh_pho", _("City (thành phố)")
    DISTRICT = "huyen", _("District (huyện)")
    TOWN = "thi_xa", _("Town (thị xã)")
    URBAN_DISTRICT = "quan", _("Urban district (quận)")
    COMMUNE = "xa", _("Commune (xã)")
    WARD = "phuong", _("Ward (phường)")
    TOWNSHIP = "thi_tran", _("Township (thị trấn)")
    SPECIAL_ZONE = "dac_khu", _("Special zone (đặc khu)")


class AdministrativeUnit(models.Model):
    """A province, district or commune of one era (đơn vị hành chính)."""

    code = models.CharField(_("official code"), max_length=10)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=120)
    unit_type = models.CharField(_("unit type"), max_length=12, choices=UnitType.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    era = models.CharField(_("era"), max_length=8, choices=Era.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    centroid = models.PointField(_("centroid"), srid=4326, null=True, blank=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326, null=True, blank=True)
    bounds = models.PolygonField(_("bounding box"), srid=4326, null=True, blank=True)
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    slug = models.SlugField(_("slug"), max_length=140)
    search_name = models.CharField(_("name without diacritics"), max_length=120, editable=False, db_index=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["era", "level", "code"]
        constraints = [models.UniqueConstraint(fields=["code", "era"], name="territory_unit_code_era_unique")]
        indexes = [models.Index(fields=["era", "level"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from apps.common.text import fold

        self.search_name = fold(self.name)
        super().save(*args, **kwargs)


class LegacyMapping(models.Model):
    """Which current (2025) commune absorbed a legacy commune.

    A legacy commune split between several new communes maps to each of them; ``is_primary`` marks the
    one that took its name or its seat (the package's "default new ward").
    """

    legacy = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="current_mappings", verbose_name=_("legacy unit")
    )
    current = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="legacy_mappings", verbose_name=_("current unit")
    )
    is_primary = models.BooleanField(_("primary successor"), default=True)

    class Meta:
        verbose_name = _("legacy → current mapping")
        verbose_name_plural = _("legacy → current mappings")
        constraints = [
            models.UniqueConstraint(fields=["legacy", "current"], name="territory_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.legacy} → {self.current}"
