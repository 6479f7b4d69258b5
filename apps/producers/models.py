"""Producers — chủ thể OCOP: the cooperatives, enterprises, households and farms behind OCOP products."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel

TAX_CODE_VALIDATOR = RegexValidator(
    r"^\d{10}(-\d{3})?$",
    _("A tax / business registration number has 10 digits, or 10 digits, a dash and 3 digits for a branch."),
    code="invalid_tax_code",
)


class LegalForm(models.TextChoices):
    COOPERATIVE = "htx", _("Cooperative (HTX)")
    COOPERATIVE_GROUP = "tht", _("Cooperative group (THT)")
    ENTERPRISE = "dn", _("Enterprise")
    HOUSEHOLD = "hkd", _("Registered household business")
    FARM = "trang_trai", _("Farm")
    ASSOCIATION = "hiep_hoi", _("Association / operating centre (tourism)")


class Producer(TimeStampedModel):
    """An OCOP producer (chủ thể OCOP)."""

    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=12, choices=LegalForm.choices)
    tax_code = models.CharField(
        _("tax / business registration number"), max_length=14, unique=True, validators=[TAX_CODE_VALIDATOR]
    )
    representative = models.CharField(_("representative"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        "territory.AdministrativeUnit", verbose_name=_("commune (2025)"), on_delete=models.PROTECT,
        related_name="producers", limit_choices_to={"era": "2025", "level": "commune"},
    )
    legacy_commune = models.ForeignKey(
        "territory.AdministrativeUnit", verbose_name=_("legacy commune"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="legacy_producers",
        limit_choices_to={"era": "legacy", "level": "commune"},
    )
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    partners = models.ManyToManyField(
        "self", verbose_name=_("chain partners"), blank=True, symmetrical=False, related_name="partner_of",
        help_text=_("Other producers this producer supplies or works with in their value chains."),
    )
    is_open_to_visits = models.BooleanField(_("open to visits"), default=False)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
