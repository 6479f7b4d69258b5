"""OCOP evaluation results and the decree-driven rules they are judged by (versioned data)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class CriteriaSet(models.Model):
    """A version of the OCOP criteria: part maxima, star thresholds and certificate validity.

    Seeded for Decision 1048/QĐ-TTg (2019: A 35, B 25, C 40) and 148/QĐ-TTg (2023: A 40, B 25, C 35), with
    the thresholds 90/70/50/30 and 36 months of validity; all editable as data when a decree changes them.
    """

    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_('e.g. "148/2023"'))
    decision = models.CharField(_("decision"), max_length=120)
    effective_from = models.DateField(_("effective from"))
    max_part_a = models.DecimalField(_("maximum of part A"), max_digits=5, decimal_places=2)
    max_part_b = models.DecimalField(_("maximum of part B"), max_digits=5, decimal_places=2)
    max_part_c = models.DecimalField(_("maximum of part C"), max_digits=5, decimal_places=2)
    min_total_5_stars = models.DecimalField(_("minimum total for 5 stars"), max_digits=5, decimal_places=2, default=90)
    min_total_4_stars = models.DecimalField(_("minimum total for 4 stars"), max_digits=5, decimal_places=2, default=70)
    min_total_3_stars = models.DecimalField(_("minimum total for 3 stars"), max_digits=5, decimal_places=2, default=50)
    min_total_2_stars = models.DecimalField(_("minimum total for 2 stars"), max_digits=5, decimal_places=2, default=30)
    min_recognised_stars = models.PositiveSmallIntegerField(_("lowest recognised star level"), default=3)
    validity_months = models.PositiveSmallIntegerField(_("certificate validity (months)"), default=36)

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        ordering = ["effective_from"]

    def __str__(self) -> str:
        return self.decision

    def clean(self) -> None:
        parts = [self.max_part_a, self.max_part_b, self.max_part_c]
        if all(part is not None for part in parts) and sum(parts) != 100:
            raise ValidationError(_("The maxima of parts A, B and C must add up to 100."))
        thresholds = [self.min_total_5_stars, self.min_total_4_stars, self.min_total_3_stars, self.min_total_2_stars]
        if all(value is not None for value in thresholds) and not all(
            higher > lower for higher, lower in zip(thresholds, thresholds[1:], strict=False)
        ):
            raise ValidationError(_("Star thresholds must decrease from 5 stars to 2 stars."))

    def part_maximum(self, part: str) -> Decimal:
        """Maximum score of ``part`` ("a", "b" or "c")."""
        return getattr(self, f"max_part_{part}")

    def stars_for(self, total: Decimal) -> int:
        """Star level (1-5) of a total score under this set's thresholds (a total below the 2-star one is 1)."""
        for stars in (5, 4, 3, 2):
            if total >= getattr(self, f"min_total_{stars}_stars"):
                return stars
        return 1


class CouncilLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province")
    NATIONAL = "national", _("National (Ministry)")


class CouncilRule(models.Model):
    """Which star levels a council level may decide in an administrative era (versioned data, by decree).

    Before 1 July 2025: district councils up to 3 stars, province up to 4, the Ministry 5. From then on the
    commune only proposes; the province council up to 4 stars, the Ministry 5. A council level absent for an
    era cannot rate in it.
    """

    era = models.CharField(_("administrative era"), max_length=8,
                           choices=[("legacy", _("Legacy")), ("2025", _("2025"))])
    council_level = models.CharField(_("council level"), max_length=10, choices=CouncilLevel.choices)
    min_stars = models.PositiveSmallIntegerField(_("lowest star level it decides"), default=1)
    max_stars = models.PositiveSmallIntegerField(_("highest star level it decides"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("council rule")
        verbose_name_plural = _("council rules")
        ordering = ["era", "max_stars"]
        constraints = [
            models.UniqueConstraint(fields=["era", "council_level"], name="ratings_council_rule_unique"),
            models.CheckConstraint(condition=models.Q(min_stars__gte=1, max_stars__lte=5,
                                                      min_stars__lte=models.F("max_stars")),
                                   name="ratings_council_rule_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_era_display()} — {self.get_council_level_display()}: {self.min_stars}–{self.max_stars}★"


class RatingStatus(models.TextChoices):
    RECOGNISED = "recognised", _("Recognised")
    NOT_RECOGNISED = "not_recognised", _("Not recognised (1–2 stars)")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class OcopRating(TimeStampedModel):
    """One OCOP evaluation result of a product (kết quả đánh giá, phân hạng).

    ``total``, ``stars`` and ``valid_until`` are derived by the service from the parts and the criteria set;
    ``status`` stores recognised / not recognised / revoked; expiry is derived from ``valid_until``.
    """

    product = models.ForeignKey("products.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="ratings")
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name=_("criteria set"), on_delete=models.PROTECT,
                                     related_name="ratings")
    council_level = models.CharField(_("council level"), max_length=10, choices=CouncilLevel.choices)
    era = models.CharField(_("administrative era"), max_length=8, choices=[("legacy", _("Legacy")),
                                                                             ("2025", _("2025"))])
    evaluation_round = models.CharField(_("evaluation round"), max_length=30, blank=True,
                                        help_text=_('e.g. "2024 round 2"'))
    evaluation_date = models.DateField(_("evaluation date"))
    score_a = models.DecimalField(_("part A score"), max_digits=5, decimal_places=2)
    score_b = models.DecimalField(_("part B score"), max_digits=5, decimal_places=2)
    score_c = models.DecimalField(_("part C score"), max_digits=5, decimal_places=2)
    total = models.DecimalField(_("total score"), max_digits=5, decimal_places=2, editable=False)
    stars = models.PositiveSmallIntegerField(_("stars"), editable=False)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    issuing_authority = models.CharField(_("issuing authority"), max_length=200, blank=True)
    issuing_unit = models.ForeignKey(
        "territory.AdministrativeUnit", verbose_name=_("issuing administrative unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="ocop_decisions",
    )
    valid_until = models.DateField(_("certificate valid until"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=RatingStatus.choices, editable=False)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True, editable=False)
    revocation_reason = models.TextField(_("revocation reason"), blank=True, editable=False)

    class Meta:
        verbose_name = _("OCOP rating")
        verbose_name_plural = _("OCOP ratings")
        ordering = ["-decision_date", "-evaluation_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0, total__lte=100), name="ratings_total_0_100"),
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="ratings_stars_1_5"),
        ]
        indexes = [models.Index(fields=["product", "status", "decision_date"])]

    def __str__(self) -> str:
        return f"{self.product} — {self.stars}★ ({self.decision_number or self.evaluation_date})"
