"""Officer and producer accounts: the role and the administrative scope of each user.

A user without an :class:`OfficerProfile` (and anonymous visitors) is the public: read-only published pages.
Superusers are provincial administrators whatever their profile says.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCIAL_ADMIN = "provincial_admin", _("Provincial administrator")
    PROVINCIAL_OFFICE = "provincial_office", _("Provincial OCOP office")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    LEGACY_DISTRICT_OFFICER = "legacy_district_officer", _("Legacy district officer (read-only)")
    INSPECTOR = "inspector", _("Inspector / certifying body")
    COUNCIL_MEMBER = "council_member", _("Evaluation-council member")
    PRODUCER = "producer", _("Producer account")
    PUBLIC = "public", _("Public (read-only)")


class OfficerProfile(models.Model):
    """The role of one user (vai trò) and what it is scoped to: communes, a legacy district, a producer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="officer_profile")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    communes = models.ManyToManyField(
        "territory.AdministrativeUnit", verbose_name=_("communes (2025)"), blank=True, related_name="officers",
        limit_choices_to={"era": "2025", "level": "commune"},
        help_text=_("The current communes a commune officer works for."),
    )
    legacy_district = models.ForeignKey(
        "territory.AdministrativeUnit", verbose_name=_("legacy district"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="legacy_officers",
        limit_choices_to={"era": "legacy", "level": "district"},
        help_text=_("The district (before 1 July 2025) whose records a legacy district officer reads."),
    )
    producer = models.ForeignKey(
        "producers.Producer", verbose_name=_("producer"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="accounts", help_text=_("The producer a producer account acts for."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True,
                                    help_text=_("Inspection or certifying body of an inspector."))

    class Meta:
        verbose_name = _("officer profile")
        verbose_name_plural = _("officer profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
