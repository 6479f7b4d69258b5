"""State changes of the OCOP evaluation cycle. Each step checks the actor against ``workflow.TRANSITIONS``
(role + scope), locks the candidacy, moves it and writes a :class:`CandidacyEvent`.

The decision itself is recorded through apps.ratings.services.record_rating, so stars, status and validity are
derived in one place.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.common.uploads import check_document
from apps.evaluation.models import (
    Candidacy,
    CandidacyEvent,
    CandidacyKind,
    CouncilAssignment,
    Criterion,
    DossierDocument,
    ExpiryReminder,
    MemberScore,
)
from apps.evaluation.permissions import Actor, EvaluationError, check_allowed
from apps.evaluation.workflow import DECIDED_STATES, TRANSITIONS, Action, State
from apps.producers.models import Producer
from apps.products.models import Product, ProductCategory
from apps.ratings.models import CouncilLevel, CouncilRule, CriteriaSet, OcopRating, RatingStatus
from apps.ratings.services import record_rating, revoke_rating
from apps.territory.models import REFORM_DATE, Era

logger = logging.getLogger(__name__)

PARTS = ("a", "b", "c")
_TWO_PLACES = Decimal("0.01")
DEFAULT_REMINDER_DAYS = (90, 30)


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _required_text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise EvaluationError(f"{field}_required", message, field=field)
    return text


def _lock(candidacy: Candidacy) -> Candidacy:
    return Candidacy.objects.select_for_update().select_related("commune", "producer", "product").get(
        pk=candidacy.pk)


def _check_state(candidacy: Candidacy, action: str) -> None:
    rule = TRANSITIONS[action]
    if candidacy.state not in rule.sources:
        allowed = ", ".join(str(State(state).label) for state in rule.sources if state)
        raise EvaluationError(
            "illegal_transition",
            _("“%(action)s” is not possible while the candidacy is “%(state)s” (only from: %(allowed)s).")
            % {"action": Action(action).label, "state": State(candidacy.state).label, "allowed": allowed},
            field="state", state=candidacy.state, action=action,
        )


def _begin(actor: Actor, candidacy: Candidacy, action: str) -> Candidacy:
    """Lock ``candidacy`` and refuse ``action`` for the wrong role or scope, then for the wrong state."""
    candidacy = _lock(candidacy)
    check_allowed(actor, action, producer=candidacy.producer, commune=candidacy.commune, candidacy=candidacy)
    _check_state(candidacy, action)
    return candidacy


def _move(candidacy: Candidacy, action: str, actor: Actor, *, to_state: str | None = None, note: str = "",
          data: Mapping[str, Any] | None = None, today: datetime.date | None = None,
          update_fields: Iterable[str] = ()) -> Candidacy:
    from_state = candidacy.state
    to_state = to_state or TRANSITIONS[action].target or from_state
    fields = set(update_fields) | {"updated_at"}
    if to_state != from_state:
        candidacy.state = to_state
        candidacy.state_since = _today(today)
        fields |= {"state", "state_since"}
    candidacy.save(update_fields=sorted(fields))
    CandidacyEvent.objects.create(candidacy=candidacy, action=action, from_state=from_state, to_state=to_state,
                                  actor=actor.user if actor.user_id else None, actor_role=actor.role, note=note,
                                  data=dict(data or {}))
    return candidacy


def _check_no_open_candidacy(product: Product) -> None:
    open_candidacy = product.ocop_candidacies.exclude(state__in=DECIDED_STATES).first()
    if open_candidacy is not None:
        raise EvaluationError(
            "candidacy_open",
            _("Product: %(product)s is already in the cycle (%(state)s, %(year)s).")
            % {"product": product, "state": open_candidacy.get_state_display(), "year": open_candidacy.cycle_year},
            field="product",
        )


# --- Idea, business plan, implementation ----------------------------------------------------------------------


@transaction.atomic
def register_idea(*, actor: Actor, producer: Producer, idea_description: str, product: Product | None = None,
                  product_name: str = "", category: ProductCategory | None = None, cycle_year: int | None = None,
                  today: datetime.date | None = None) -> Candidacy:
    """Register a product idea (đăng ký ý tưởng sản phẩm) for ``producer``; a producer or a commune officer may.

    Give an existing ``product`` of the producer, or ``product_name`` and ``category`` to register the product
    in the registry now (it has no OCOP status until a decision). A product already in the cycle is refused
    (``candidacy_open``).
    """
    today = _today(today)
    check_allowed(actor, Action.REGISTER_IDEA, producer=producer, commune=producer.commune)
    idea_description = _required_text(idea_description, "idea_description",
                                      _("Product idea: describe the product you want to develop."))
    if product is None:
        from apps.products.services import register_product

        name = _required_text(product_name, "product_name", _("Product name: enter the product's name."))
        if category is None:
            raise EvaluationError("category_required", _("Classification: choose the product's group."),
                                  field="category")
        product = register_product(name=name, category=category, producer=producer)
    elif product.producer_id != producer.pk:
        raise EvaluationError("product_of_another_producer",
                              _("Product: %(product)s belongs to another producer.") % {"product": product},
                              field="product")
    _check_no_open_candidacy(product)
    candidacy = Candidacy.objects.create(
        product=product, producer=producer, commune=producer.commune, cycle_year=cycle_year or today.year,
        state=State.IDEA_SUBMITTED, state_since=today, idea_description=idea_description,
    )
    CandidacyEvent.objects.create(candidacy=candidacy, action=Action.REGISTER_IDEA, from_state="",
                                  to_state=State.IDEA_SUBMITTED, actor=actor.user if actor.user_id else None,
                                  actor_role=actor.role)
    return candidacy


def _review(actor: Actor, candidacy: Candidacy, action: Action, note: str, today: datetime.date | None, *,
            required_reason: str | None = None) -> Candidacy:
    """A commune review step: record the note (required, with ``required_reason``, when rejecting) and move."""
    candidacy = _begin(actor, candidacy, action)
    candidacy.review_note = (_required_text(note, "note", required_reason) if required_reason
                             else (note or "").strip())
    return _move(candidacy, action, actor, note=candidacy.review_note, today=today, update_fields=["review_note"])


@transaction.atomic
def accept_idea(*, actor: Actor, candidacy: Candidacy, note: str = "", today: datetime.date | None = None
                ) -> Candidacy:
    """The commune accepts the idea after review (xã xem xét, chấp thuận ý tưởng)."""
    return _review(actor, candidacy, Action.ACCEPT_IDEA, note, today)


@transaction.atomic
def reject_idea(*, actor: Actor, candidacy: Candidacy, note: str, today: datetime.date | None = None) -> Candidacy:
    """The commune rejects the idea, saying why; the producer may improve and resubmit it."""
    return _review(actor, candidacy, Action.REJECT_IDEA, note, today,
                   required_reason=_("Reason: say why the idea is rejected."))


@transaction.atomic
def resubmit_idea(*, actor: Actor, candidacy: Candidacy, idea_description: str = "",
                  today: datetime.date | None = None) -> Candidacy:
    """Resubmit a rejected idea, optionally with a revised description."""
    candidacy = _begin(actor, candidacy, Action.RESUBMIT_IDEA)
    if (idea_description or "").strip():
        candidacy.idea_description = idea_description.strip()
    return _move(candidacy, Action.RESUBMIT_IDEA, actor, today=today, update_fields=["idea_description"])


def _apply_plan(candidacy: Candidacy, plan_summary: str, plan_document: File | None, *, required: bool) -> None:
    """Check everything first, then store the file: a refused plan leaves no file behind."""
    if (plan_summary or "").strip():
        candidacy.plan_summary = plan_summary.strip()
    if required and not candidacy.plan_summary:
        raise EvaluationError("plan_summary_required",
                              _("Business plan: summarise the plan (market, production, investment, schedule)."),
                              field="plan_summary")
    if plan_document is not None:
        check_document(plan_document, field="plan_document", label=_("Business plan document"))
        candidacy.plan_document.save(plan_document.name, plan_document, save=False)


@transaction.atomic
def submit_plan(*, actor: Actor, candidacy: Candidacy, plan_summary: str, plan_document: File | None = None,
                today: datetime.date | None = None) -> Candidacy:
    """Submit the business plan (phương án / kế hoạch kinh doanh) of an accepted idea."""
    candidacy = _begin(actor, candidacy, Action.SUBMIT_PLAN)
    _apply_plan(candidacy, plan_summary, plan_document, required=True)
    return _move(candidacy, Action.SUBMIT_PLAN, actor, today=today, update_fields=["plan_summary", "plan_document"])


@transaction.atomic
def approve_plan(*, actor: Actor, candidacy: Candidacy, note: str = "", today: datetime.date | None = None
                 ) -> Candidacy:
    """The commune approves the plan; implementation starts."""
    return _review(actor, candidacy, Action.APPROVE_PLAN, note, today)


@transaction.atomic
def reject_plan(*, actor: Actor, candidacy: Candidacy, note: str, today: datetime.date | None = None) -> Candidacy:
    """The commune rejects the plan, saying why; it may be revised and resubmitted."""
    return _review(actor, candidacy, Action.REJECT_PLAN, note, today,
                   required_reason=_("Reason: say why the business plan is rejected."))


@transaction.atomic
def resubmit_plan(*, actor: Actor, candidacy: Candidacy, plan_summary: str = "", plan_document: File | None = None,
                  today: datetime.date | None = None) -> Candidacy:
    """Resubmit a rejected business plan, optionally revised."""
    candidacy = _begin(actor, candidacy, Action.RESUBMIT_PLAN)
    _apply_plan(candidacy, plan_summary, plan_document, required=True)
    return _move(candidacy, Action.RESUBMIT_PLAN, actor, today=today, update_fields=["plan_summary", "plan_document"])


@transaction.atomic
def report_progress(*, actor: Actor, candidacy: Candidacy, note: str, percent_done: int | None = None,
                    today: datetime.date | None = None) -> Candidacy:
    """Record implementation progress (theo dõi triển khai); the candidacy stays in implementation."""
    candidacy = _begin(actor, candidacy, Action.REPORT_PROGRESS)
    note = _required_text(note, "note", _("Progress: describe what was done."))
    data = {}
    if percent_done is not None:
        if not 0 <= int(percent_done) <= 100:
            raise EvaluationError("invalid_percent", _("Progress: the share done must be between 0 and 100 %."),
                                  field="percent_done")
        data["percent_done"] = int(percent_done)
    return _move(candidacy, Action.REPORT_PROGRESS, actor, note=note, data=data, today=today)


# --- Dossier ----------------------------------------------------------------------------------------------------


@transaction.atomic
def submit_dossier(*, actor: Actor, candidacy: Candidacy, documents: Sequence[tuple[str, File | None]] = (),
                   today: datetime.date | None = None) -> Candidacy:
    """Submit the evaluation dossier (nộp hồ sơ đánh giá) with its documents as (title, file) pairs.

    A dossier needs at least one document, given now or earlier (``documents_required``).
    """
    candidacy = _begin(actor, candidacy, Action.SUBMIT_DOSSIER)
    checked = []
    for title, upload in documents:  # every check before anything is stored: a refusal leaves no file behind
        title = _required_text(title, "documents", _("Documents: every document needs a title."))
        if upload is not None:
            check_document(upload, field="documents", label=_("Documents"))
        checked.append((title, upload))
    if not checked and not candidacy.documents.exists():
        raise EvaluationError("documents_required",
                              _("Documents: attach the dossier's documents (product declaration, quality test "
                                "report, business plan, …)."), field="documents")
    for title, upload in checked:
        document = DossierDocument(candidacy=candidacy, title=title)
        if upload is not None:
            document.file.save(upload.name, upload, save=False)
        document.save()
    return _move(candidacy, Action.SUBMIT_DOSSIER, actor, today=today,
                 data={"documents": [title for title, _upload in documents]})


@transaction.atomic
def return_dossier(*, actor: Actor, candidacy: Candidacy, note: str, today: datetime.date | None = None
                   ) -> Candidacy:
    """The commune returns an incomplete dossier to the producer, saying what is missing."""
    candidacy = _begin(actor, candidacy, Action.RETURN_DOSSIER)
    candidacy.review_note = _required_text(note, "note", _("Reason: say what the dossier is missing."))
    return _move(candidacy, Action.RETURN_DOSSIER, actor, note=candidacy.review_note, today=today,
                 update_fields=["review_note"])


def _share(value: Any, field: str, label: str) -> Decimal:
    if value is None or str(value).strip() == "":
        raise EvaluationError("share_required", _("%(label)s: enter the share confirmed by the commune.")
                              % {"label": label}, field=field)
    try:
        share = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise EvaluationError("invalid_share", _("%(label)s: %(value)s is not a number.")
                              % {"label": label, "value": value}, field=field) from exc
    if not share.is_finite() or not 0 <= share <= 100:
        raise EvaluationError("invalid_share", _("%(label)s: a share lies between 0 and 100 %%.") % {"label": label},
                              field=field)
    return share.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


@transaction.atomic
def confirm_dossier(*, actor: Actor, candidacy: Candidacy, samples_received_on: datetime.date | None,
                    local_labour_share: Any, local_material_share: Any, note: str = "",
                    today: datetime.date | None = None) -> Candidacy:
    """The commune confirms the dossier and proposes the product for evaluation (xã xác nhận, đề xuất).

    It records when the product samples were received and confirms the shares of local labour and local raw
    material (0-100 %).
    """
    today = _today(today)
    candidacy = _begin(actor, candidacy, Action.CONFIRM_DOSSIER)
    if samples_received_on is None:
        raise EvaluationError("samples_required", _("Product samples: enter the date the samples were received."),
                              field="samples_received_on")
    if samples_received_on > today:
        raise EvaluationError("samples_in_future", _("Product samples: the date of receipt is in the future."),
                              field="samples_received_on")
    candidacy.local_labour_share = _share(local_labour_share, "local_labour_share", _("Local labour share"))
    candidacy.local_material_share = _share(local_material_share, "local_material_share",
                                            _("Local raw-material share"))
    candidacy.samples_received_on = samples_received_on
    candidacy.dossier_confirmed_on = today
    return _move(candidacy, Action.CONFIRM_DOSSIER, actor, note=(note or "").strip(), today=today,
                 update_fields=["local_labour_share", "local_material_share", "samples_received_on",
                                "dossier_confirmed_on"])


# --- Council evaluation -----------------------------------------------------------------------------------------


def era_on(day: datetime.date) -> str:
    return Era.LEGACY if day < REFORM_DATE else Era.CURRENT


def criteria_set_on(day: datetime.date) -> CriteriaSet:
    """The criteria set in force on ``day`` (the latest that took effect on or before it)."""
    criteria_set = CriteriaSet.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if criteria_set is None:
        raise EvaluationError("no_criteria_set", _("Criteria set: none is in force on %(date)s.")
                              % {"date": day.strftime("%d/%m/%Y")}, field="criteria_set")
    return criteria_set


@transaction.atomic
def open_evaluation(*, actor: Actor, candidacy: Candidacy, members: Iterable, criteria_set: CriteriaSet | None = None,
                    council_level: str = CouncilLevel.PROVINCE, evaluation_round: str = "",
                    today: datetime.date | None = None) -> Candidacy:
    """Open the council evaluation: assign the members who score, the criteria set and the council level.

    The criteria set defaults to the one in force today. The council level must evaluate in today's era
    (``council_level_not_in_era``, e.g. a district council after 1 July 2025).
    """
    today = _today(today)
    candidacy = _begin(actor, candidacy, Action.OPEN_EVALUATION)
    members = list(dict.fromkeys(members))
    if not members:
        raise EvaluationError("members_required", _("Council: assign at least one member to score the product."),
                              field="members")
    era = era_on(today)
    if not CouncilRule.objects.filter(era=era, council_level=council_level).exists():
        raise EvaluationError("council_level_not_in_era",
                              _("Council level: a %(level)s council does not evaluate OCOP products in this era.")
                              % {"level": str(CouncilLevel(council_level).label).lower()
                                 if council_level in CouncilLevel.values else council_level},
                              field="council_level")
    candidacy.criteria_set = criteria_set or criteria_set_on(today)
    candidacy.council_level = council_level
    candidacy.evaluation_round = (evaluation_round or "").strip()
    for member in members:
        CouncilAssignment.objects.get_or_create(candidacy=candidacy, member=member)
    return _move(candidacy, Action.OPEN_EVALUATION, actor, today=today,
                 data={"members": [member.pk for member in members]},
                 update_fields=["criteria_set", "council_level", "evaluation_round"])


def plain_number(value: Decimal) -> str:
    """40.00 → "40", 24.50 → "24.5": a score as people write it (no exponent, no trailing zeros)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: Any, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise EvaluationError("invalid_score", _("%(label)s: %(value)s is not a number.")
                              % {"label": label, "value": value}, field=field) from exc
    if not number.is_finite() or number < 0 or number.quantize(_TWO_PLACES) != number:
        raise EvaluationError("invalid_score",
                              _("%(label)s: %(value)s must be a positive number with at most two decimals.")
                              % {"label": label, "value": value}, field=field)
    return number


def _check_maximum(score: Decimal, maximum: Decimal, field: str, label: str, criteria_set: CriteriaSet, **params
                   ) -> None:
    if score > maximum:
        raise EvaluationError(
            "score_above_maximum",
            _("%(label)s: %(score)s is above %(maximum)s, the maximum under %(set)s.")
            % {"label": label, "score": plain_number(score), "maximum": plain_number(maximum),
               "set": criteria_set.code},
            field=field, maximum=maximum, **params,
        )


def _member_parts(criteria_set: CriteriaSet, parts: Mapping[str, Any], criterion_scores: Mapping[str, Any] | None
                  ) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Validate a member's scores; return the part scores and the criterion scores as plain strings."""
    by_part: dict[str, Decimal] = {}
    detail: dict[str, str] = {}
    if criterion_scores:
        criteria = {criterion.code: criterion for criterion in Criterion.objects.filter(criteria_set=criteria_set)}
        for code, value in criterion_scores.items():
            criterion = criteria.get(code)
            if criterion is None:
                raise EvaluationError("unknown_criterion", _("Criterion %(code)s is not part of %(set)s.")
                                      % {"code": code, "set": criteria_set.code}, field="criterion_scores")
            label = _("Criterion %(code)s") % {"code": code}
            score = _number(value, "criterion_scores", label)
            _check_maximum(score, criterion.max_score, "criterion_scores", label, criteria_set, criterion=code)
            by_part[criterion.part] = by_part.get(criterion.part, Decimal(0)) + score
            detail[code] = plain_number(score)
    scores: dict[str, Decimal] = {}
    for part in PARTS:
        label = _("Part %(part)s") % {"part": part.upper()}
        field = f"score_{part}"
        given = parts.get(part)
        if given is not None and str(given).strip() != "":
            score = _number(given, field, label)
            if part in by_part and by_part[part] != score:
                raise EvaluationError("part_does_not_match_criteria",
                                      _("%(label)s: %(score)s differs from the sum of its criteria, %(sum)s.")
                                      % {"label": label, "score": plain_number(score),
                                         "sum": plain_number(by_part[part])},
                                      field=field, part=part.upper())
        elif part in by_part:
            score = by_part[part]
        else:
            raise EvaluationError("missing_scores", _("%(label)s: enter the score.") % {"label": label},
                                  field=field, part=part.upper())
        _check_maximum(score, criteria_set.part_maximum(part), field, label, criteria_set, part=part.upper())
        scores[part] = score
    return scores, detail


@transaction.atomic
def submit_scores(*, actor: Actor, candidacy: Candidacy, score_a: Any = None, score_b: Any = None,
                  score_c: Any = None, criterion_scores: Mapping[str, Any] | None = None, comment: str = "",
                  today: datetime.date | None = None) -> MemberScore:
    """An assigned council member scores parts A, B and C (or criterion by criterion); a later call revises them.

    Each part must lie within its maximum in the candidacy's criteria set (``score_above_maximum`` names the part
    and the maximum); a criterion within its own maximum.
    """
    candidacy = _begin(actor, candidacy, Action.SCORE)
    scores, detail = _member_parts(candidacy.criteria_set, {"a": score_a, "b": score_b, "c": score_c},
                                   criterion_scores)
    member_score, _created = MemberScore.objects.update_or_create(
        candidacy=candidacy, member=actor.user,
        defaults={"score_a": scores["a"], "score_b": scores["b"], "score_c": scores["c"],
                  "criterion_scores": detail, "comment": (comment or "").strip()},
    )
    _move(candidacy, Action.SCORE, actor, today=today,
          data={f"score_{part}": plain_number(scores[part]) for part in PARTS})
    return member_score


def average_scores(scores: Sequence[MemberScore]) -> dict[str, Decimal]:
    """The council's result: the mean of the members' part scores, each rounded half up to two decimals."""
    count = Decimal(len(scores))
    return {part: (sum((getattr(score, f"score_{part}") for score in scores), Decimal(0)) / count)
            .quantize(_TWO_PLACES, rounding=ROUND_HALF_UP) for part in PARTS}


@transaction.atomic
def close_evaluation(*, actor: Actor, candidacy: Candidacy, today: datetime.date | None = None) -> Candidacy:
    """Close the evaluation once every assigned member has scored; the council's result is their average.

    Refuses with ``missing_scores`` naming the members who have not scored.
    """
    today = _today(today)
    candidacy = _begin(actor, candidacy, Action.CLOSE_EVALUATION)
    scores = list(candidacy.member_scores.all())
    scored = {score.member_id for score in scores}
    missing = [assignment.member for assignment in candidacy.assignments.select_related("member")
               if assignment.member_id not in scored]
    if missing or not scores:
        names = ", ".join((member.get_full_name() or member.get_username()) for member in missing)
        raise EvaluationError("missing_scores", _("Council scores: still missing from %(members)s.")
                              % {"members": names or "—"}, field="member_scores",
                              members=",".join(str(member.pk) for member in missing))
    average = average_scores(scores)
    candidacy.score_a, candidacy.score_b, candidacy.score_c = average["a"], average["b"], average["c"]
    candidacy.total = sum(average.values(), Decimal(0))
    candidacy.evaluated_on = today
    return _move(candidacy, Action.CLOSE_EVALUATION, actor, today=today,
                 data={"members": len(scores), "total": plain_number(candidacy.total)},
                 update_fields=["score_a", "score_b", "score_c", "total", "evaluated_on"])


def decision_level(*, era: str, stars: int, council_level: str) -> str:
    """The level that recognises a ``stars`` result in ``era``: the evaluating council when its rule covers the
    stars, else the council whose rule does (e.g. the Ministry for 5 stars)."""
    rules = list(CouncilRule.objects.filter(era=era).order_by("max_stars"))
    for rule in rules:
        if rule.council_level == council_level and rule.min_stars <= stars <= rule.max_stars:
            return council_level
    for rule in rules:
        if rule.min_stars <= stars <= rule.max_stars:
            return rule.council_level
    raise EvaluationError("no_council_for_stars", _("No council recognises %(stars)d-star products in this era.")
                          % {"stars": stars}, field="council_level")


@transaction.atomic
def issue_decision(*, actor: Actor, candidacy: Candidacy, decision_number: str, decision_date: datetime.date,
                   issuing_authority: str = "", today: datetime.date | None = None) -> Candidacy:
    """Record the decision (quyết định công nhận) on the council's result as an OCOP rating.

    The issuer level follows the era's council rules: after 1 July 2025 the province recognises 3-4 stars and a
    5-star result is the Ministry's decision. Stars, status and validity come from record_rating; the candidacy
    becomes ``recognised`` or ``not_recognised`` accordingly.
    """
    candidacy = _begin(actor, candidacy, Action.ISSUE_DECISION)
    criteria_set = candidacy.criteria_set
    era = era_on(candidacy.evaluated_on)
    stars = criteria_set.stars_for(candidacy.total)
    level = decision_level(era=era, stars=stars, council_level=candidacy.council_level)
    issuing_unit = candidacy.commune.parent if level == CouncilLevel.PROVINCE and era == Era.CURRENT else None
    if not (issuing_authority or "").strip() and issuing_unit is not None:
        issuing_authority = _("People's Committee of %(province)s") % {"province": issuing_unit.name}
    rating = record_rating(
        product=candidacy.product, criteria_set=criteria_set, council_level=level, era=era,
        evaluation_date=candidacy.evaluated_on, score_a=candidacy.score_a, score_b=candidacy.score_b,
        score_c=candidacy.score_c, decision_number=decision_number, decision_date=decision_date,
        issuing_authority=issuing_authority, evaluation_round=candidacy.evaluation_round, issuing_unit=issuing_unit,
    )
    candidacy.rating = rating
    to_state = State.RECOGNISED if rating.status == RatingStatus.RECOGNISED else State.NOT_RECOGNISED
    return _move(candidacy, Action.ISSUE_DECISION, actor, to_state=to_state, today=today,
                 data={"rating": rating.pk, "stars": rating.stars, "level": level}, update_fields=["rating"])


@transaction.atomic
def publish_result(*, actor: Actor, candidacy: Candidacy, today: datetime.date | None = None) -> Candidacy:
    """Publish a decided result on the public transparency page (công bố kết quả); only once."""
    candidacy = _begin(actor, candidacy, Action.PUBLISH_RESULT)
    if candidacy.published_at is not None:
        raise EvaluationError("already_published", _("This result was already published on %(date)s.")
                              % {"date": timezone.localtime(candidacy.published_at).strftime("%d/%m/%Y")})
    candidacy.published_at = timezone.now()
    return _move(candidacy, Action.PUBLISH_RESULT, actor, today=today, update_fields=["published_at"])


@transaction.atomic
def revoke_recognition(*, actor: Actor, candidacy: Candidacy, reason: str, revoked_on: datetime.date,
                       today: datetime.date | None = None) -> Candidacy:
    """Revoke the recognition (thu hồi) of a recognised product, e.g. after a quality or food-safety finding."""
    candidacy = _begin(actor, candidacy, Action.REVOKE_RECOGNITION)
    revoke_rating(rating=candidacy.rating, reason=reason, revoked_on=revoked_on)
    return _move(candidacy, Action.REVOKE_RECOGNITION, actor, note=reason.strip(), today=today)


@transaction.atomic
def start_re_evaluation(*, actor: Actor, rating: OcopRating, today: datetime.date | None = None) -> Candidacy:
    """Start the re-evaluation of a recognised product (đánh giá lại), usually when its certificate nears expiry.

    The new candidacy goes straight to dossier preparation (``implementing``). Refuses a rating that is not
    recognised or was revoked (``not_recognised``), one superseded by a later decision (``superseded``) and a
    product already in the cycle (``candidacy_open``).
    """
    today = _today(today)
    rating = OcopRating.objects.select_related("product__producer__commune").get(pk=rating.pk)
    product = rating.product
    producer = product.producer
    check_allowed(actor, Action.START_RE_EVALUATION, producer=producer, commune=producer.commune)
    if rating.status != RatingStatus.RECOGNISED:
        raise EvaluationError("not_recognised",
                              _("Only a recognised product is re-evaluated; this rating is %(status)s.")
                              % {"status": rating.get_status_display().lower()}, field="rating")
    later = product.ratings.filter(status__in=[RatingStatus.RECOGNISED, RatingStatus.REVOKED],
                                   decision_date__gt=rating.decision_date)
    if later.exists():
        raise EvaluationError("superseded", _("A later decision replaced this rating."), field="rating")
    _check_no_open_candidacy(product)
    candidacy = Candidacy.objects.create(
        kind=CandidacyKind.RE_EVALUATION, product=product, producer=producer, commune=producer.commune,
        cycle_year=today.year, state=State.IMPLEMENTING, state_since=today, previous_rating=rating,
    )
    CandidacyEvent.objects.create(candidacy=candidacy, action=Action.START_RE_EVALUATION, from_state="",
                                  to_state=State.IMPLEMENTING, actor=actor.user if actor.user_id else None,
                                  actor_role=actor.role, data={"previous_rating": rating.pk})
    return candidacy


# --- Expiry reminders -------------------------------------------------------------------------------------------


def reminder_days() -> tuple[int, ...]:
    """Lead times of the expiry reminders, largest first (setting OCOP_EXPIRY_REMINDER_DAYS, default 90 and 30)."""
    days = getattr(settings, "OCOP_EXPIRY_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)
    return tuple(sorted({int(day) for day in days}, reverse=True))


def current_recognitions(on: datetime.date):
    """Recognised ratings still valid on ``on`` and not superseded by a later decision for the same product."""
    later = OcopRating.objects.filter(product=OuterRef("product"), decision_date__gt=OuterRef("decision_date"),
                                      status__in=[RatingStatus.RECOGNISED, RatingStatus.REVOKED])
    return OcopRating.objects.filter(status=RatingStatus.RECOGNISED, valid_until__gte=on).exclude(Exists(later))


def _recipients(rating: OcopRating) -> list[str]:
    emails = [rating.product.producer.email] if rating.product.producer.email else []
    emails += list(getattr(settings, "OCOP_EVALUATION_NOTIFY_EMAILS", []))
    return list(dict.fromkeys(emails))


def _send_reminder(rating: OcopRating, days_ahead: int, recipients: list[str]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("OCOP certificate of %(product)s expires on %(date)s") % {
            "product": rating.product.name, "date": rating.valid_until.strftime("%d/%m/%Y")}
        body = _("The OCOP certificate of %(product)s (%(stars)d stars, decision %(decision)s) is valid until "
                 "%(date)s, in %(days)d days or less. Prepare the dossier for re-evaluation in time.") % {
            "product": rating.product.name, "stars": rating.stars, "decision": rating.decision_number,
            "date": rating.valid_until.strftime("%d/%m/%Y"), "days": days_ahead}
    send_mail(subject, body, None, recipients)


def send_expiry_reminders(*, today: datetime.date | None = None) -> list[ExpiryReminder]:
    """Record (and e-mail) a reminder for every current certificate that expires within a lead time (90 / 30 days).

    Idempotent: a rating gets at most one reminder per lead time, and only the shortest lead time that applies
    (a certificate first seen 20 days before expiry gets the 30-day reminder, not a late 90-day one). A reminder
    whose e-mail fails is not recorded, so the next run tries again. Returns the reminders recorded now.
    """
    today = _today(today)
    lead_times = reminder_days()
    if not lead_times:
        return []
    horizon = today + datetime.timedelta(days=lead_times[0])
    created: list[ExpiryReminder] = []
    ratings = current_recognitions(today).filter(valid_until__lte=horizon).select_related("product__producer")
    for rating in ratings.order_by("valid_until", "pk"):
        days_left = (rating.valid_until - today).days
        days_ahead = min(day for day in lead_times if days_left <= day)
        if rating.expiry_reminders.filter(days_ahead__lte=days_ahead).exists():
            continue
        recipients = _recipients(rating)
        try:
            with transaction.atomic():
                reminder = ExpiryReminder.objects.create(rating=rating, days_ahead=days_ahead,
                                                         valid_until=rating.valid_until, sent_on=today,
                                                         recipients=", ".join(recipients))
                if recipients:
                    _send_reminder(rating, days_ahead, recipients)
        except OSError:
            logger.exception("Expiry reminder for rating %s could not be sent; it will be retried.", rating.pk)
            continue
        created.append(reminder)
    return created
