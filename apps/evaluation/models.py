"""The OCOP evaluation cycle: candidacies, their history, council scores, deadlines and expiry reminders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel
from apps.evaluation.workflow import Action, State


class CandidacyKind(models.TextChoices):
    NEW = "new", _("New product")
    RE_EVALUATION = "re_evaluation", _("Re-evaluation")


class Candidacy(TimeStampedModel):
    """One product's way through one OCOP cycle (hồ sơ tham gia chu trình OCOP), from idea to decision.

    The state only changes through apps.evaluation.services, following ``workflow.TRANSITIONS``. The council's
    result (``score_a/b/c``, ``total``) is the average of the members' scores, filled when the evaluation closes;
    the decision itself is an :class:`apps.ratings.models.OcopRating` (``rating``), which derives stars and
    validity.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=CandidacyKind.choices, default=CandidacyKind.NEW)
    product = models.ForeignKey("products.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="ocop_candidacies")
    producer = models.ForeignKey("producers.Producer", verbose_name=_("producer"), on_delete=models.PROTECT,
                                 related_name="ocop_candidacies")
    commune = models.ForeignKey("territory.AdministrativeUnit", verbose_name=_("commune"), on_delete=models.PROTECT,
                                related_name="ocop_candidacies")
    cycle_year = models.PositiveSmallIntegerField(_("cycle year"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, editable=False)
    state_since = models.DateField(_("in this state since"), editable=False)
    previous_rating = models.ForeignKey("ratings.OcopRating", verbose_name=_("rating re-evaluated"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="re_evaluations")

    idea_description = models.TextField(_("product idea"), blank=True)
    plan_summary = models.TextField(_("business plan"), blank=True)
    plan_document = models.FileField(_("business plan document"), upload_to="evaluation/plans/%Y/", blank=True)
    review_note = models.TextField(_("latest review note"), blank=True)

    samples_received_on = models.DateField(_("product samples received on"), null=True, blank=True)
    local_labour_share = models.DecimalField(_("local labour share (%)"), max_digits=5, decimal_places=2, null=True,
                                             blank=True)
    local_material_share = models.DecimalField(_("local raw-material share (%)"), max_digits=5, decimal_places=2,
                                               null=True, blank=True)
    dossier_confirmed_on = models.DateField(_("dossier confirmed by the commune on"), null=True, blank=True)

    criteria_set = models.ForeignKey("ratings.CriteriaSet", verbose_name=_("criteria set"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="candidacies")
    council_level = models.CharField(_("evaluating council level"), max_length=10, blank=True)
    evaluation_round = models.CharField(_("evaluation round"), max_length=30, blank=True)
    evaluated_on = models.DateField(_("evaluated on"), null=True, blank=True)
    score_a = models.DecimalField(_("council part A score"), max_digits=5, decimal_places=2, null=True, blank=True)
    score_b = models.DecimalField(_("council part B score"), max_digits=5, decimal_places=2, null=True, blank=True)
    score_c = models.DecimalField(_("council part C score"), max_digits=5, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(_("council total"), max_digits=5, decimal_places=2, null=True, blank=True)

    rating = models.OneToOneField("ratings.OcopRating", verbose_name=_("decision"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="candidacy")
    published_at = models.DateTimeField(_("result published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("OCOP candidacy")
        verbose_name_plural = _("OCOP candidacies")
        ordering = ["-cycle_year", "-created_at"]
        indexes = [models.Index(fields=["state", "commune"])]

    def __str__(self) -> str:
        return f"{self.product} — {self.cycle_year} ({self.get_state_display()})"


class CandidacyEvent(models.Model):
    """One step of a candidacy (audit trail): who did what, when, from which state to which, and why."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_state = models.CharField(_("from state"), max_length=20, blank=True)
    to_state = models.CharField(_("to state"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(_("role"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("candidacy event")
        verbose_name_plural = _("candidacy events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.from_state or '∅'} → {self.to_state}"


class DossierDocument(models.Model):
    """A document of the dossier (hồ sơ): plan, quality test report, product declaration, photos, …"""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="evaluation/dossiers/%Y/", blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    """One scoring criterion of a criteria set (optional detail under parts A/B/C), with its maximum.

    When a set has criteria, a council member may score criterion by criterion: the part's score is then the sum
    of its criteria.
    """

    criteria_set = models.ForeignKey("ratings.CriteriaSet", verbose_name=_("criteria set"), on_delete=models.CASCADE,
                                     related_name="criteria")
    part = models.CharField(_("part"), max_length=1, choices=[("a", "A"), ("b", "B"), ("c", "C")])
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    max_score = models.DecimalField(_("maximum score"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["criteria_set", "part", "code"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="evaluation_criterion_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CouncilAssignment(models.Model):
    """A council member assigned to score one candidacy."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="assignments")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("council member"), on_delete=models.PROTECT,
                               related_name="ocop_assignments")

    class Meta:
        verbose_name = _("council assignment")
        verbose_name_plural = _("council assignments")
        constraints = [models.UniqueConstraint(fields=["candidacy", "member"], name="evaluation_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.member} → {self.candidacy}"


class MemberScore(models.Model):
    """One council member's scores of parts A, B and C (and optionally criterion by criterion)."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="member_scores")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("council member"), on_delete=models.PROTECT,
                               related_name="ocop_scores")
    score_a = models.DecimalField(_("part A score"), max_digits=5, decimal_places=2)
    score_b = models.DecimalField(_("part B score"), max_digits=5, decimal_places=2)
    score_c = models.DecimalField(_("part C score"), max_digits=5, decimal_places=2)
    criterion_scores = models.JSONField(_("scores by criterion"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(_("scored at"), auto_now=True)

    class Meta:
        verbose_name = _("member score")
        verbose_name_plural = _("member scores")
        constraints = [models.UniqueConstraint(fields=["candidacy", "member"], name="evaluation_member_score_unique")]

    def __str__(self) -> str:
        return f"{self.member}: {self.score_a}/{self.score_b}/{self.score_c}"

    @property
    def total(self):
        return self.score_a + self.score_b + self.score_c


class StepDeadline(models.Model):
    """How many days a candidacy may stay in a state before the boards show it as late (configurable data)."""

    state = models.CharField(_("state"), max_length=20, choices=State.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days allowed"))

    class Meta:
        verbose_name = _("step deadline")
        verbose_name_plural = _("step deadlines")
        ordering = ["state"]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.days}"


class ExpiryReminder(models.Model):
    """A reminder that a certificate expires soon, recorded once per rating and lead time (90 / 30 days)."""

    rating = models.ForeignKey("ratings.OcopRating", verbose_name=_("rating"), on_delete=models.CASCADE,
                               related_name="expiry_reminders")
    days_ahead = models.PositiveSmallIntegerField(_("days ahead"))
    valid_until = models.DateField(_("certificate valid until"))
    sent_on = models.DateField(_("sent on"))
    recipients = models.TextField(_("recipients"), blank=True)

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        ordering = ["valid_until", "-days_ahead"]
        constraints = [models.UniqueConstraint(fields=["rating", "days_ahead"], name="evaluation_reminder_unique")]

    def __str__(self) -> str:
        return f"{self.rating} — {self.days_ahead}"
