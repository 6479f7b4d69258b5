"""State changes for OCOP ratings (kết quả đánh giá, phân hạng): record, correct, revoke.

Totals, stars, status and certificate validity are derived here from the scores and the criteria set
(versioned data), never typed in.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.products.models import Product
from apps.ratings.models import CouncilLevel, CouncilRule, CriteriaSet, OcopRating, RatingStatus
from apps.territory.models import REFORM_DATE, AdministrativeUnit, Era

PARTS = ("a", "b", "c")
_TWO_PLACES = Decimal("0.01")


class RatingError(DomainError):
    default_code = "invalid_rating"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return ``day`` plus ``months`` calendar months, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _plain_number(value: Decimal) -> str:
    """40.00 → "40", 24.50 → "24.5" (no exponent, no trailing zeros)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _score(value: Any, part: str, criteria_set: CriteriaSet) -> Decimal:
    field = f"score_{part}"
    label = part.upper()
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise RatingError("invalid_score", _("Part %(part)s: %(value)s is not a number.")
                          % {"part": label, "value": value}, field=field) from exc
    if not score.is_finite() or score.quantize(_TWO_PLACES) != score:
        raise RatingError("invalid_score", _("Part %(part)s: %(value)s must be a number with at most two decimals.")
                          % {"part": label, "value": value}, field=field)
    maximum = criteria_set.part_maximum(part)
    if score < 0 or score > maximum:
        raise RatingError(
            "score_out_of_range",
            _("Part %(part)s: %(score)s is outside 0–%(maximum)s, the maximum of part %(part)s under %(set)s.")
            % {"part": label, "score": _plain_number(score), "maximum": _plain_number(maximum),
               "set": criteria_set.code},
            field=field, part=label, maximum=maximum,
        )
    return score


def _check_council(criteria_set: CriteriaSet, council_level: str, era: str, stars: int,
                   evaluation_date: datetime.date, issuing_unit: AdministrativeUnit | None) -> None:
    if era not in Era.values:
        raise RatingError("unknown_era", _("Era: %(era)s is unknown.") % {"era": era}, field="era")
    if council_level not in CouncilLevel.values:
        raise RatingError("unknown_council_level", _("Council level: %(level)s is unknown.") % {"level": council_level},
                          field="council_level")
    expected_era = Era.LEGACY if evaluation_date < REFORM_DATE else Era.CURRENT
    if era != expected_era:
        raise RatingError(
            "era_does_not_match_date",
            _("Era: an evaluation on %(date)s belongs to the %(era)s administrative era.")
            % {"date": evaluation_date.strftime("%d/%m/%Y"), "era": Era(expected_era).label},
            field="era",
        )
    if evaluation_date < criteria_set.effective_from:
        raise RatingError(
            "criteria_set_not_in_force",
            _("Criteria set: %(set)s applies from %(date)s, after the evaluation date.")
            % {"set": criteria_set.code, "date": criteria_set.effective_from.strftime("%d/%m/%Y")},
            field="criteria_set",
        )
    rule = CouncilRule.objects.filter(era=era, council_level=council_level).first()
    council = CouncilLevel(council_level).label
    if rule is None:
        raise RatingError(
            "council_level_not_in_era",
            _("Council level: a %(council)s council does not rate OCOP products in the %(era)s era "
              "(from 1 July 2025 the commune only proposes; districts no longer exist).")
            % {"council": str(council).lower(), "era": Era(era).label},
            field="council_level",
        )
    if stars > rule.max_stars:
        raise RatingError(
            "stars_above_council_level",
            _("Council level: a %(council)s council decides at most %(max)d stars; a %(stars)d-star result "
              "goes to a higher council.") % {"council": str(council).lower(), "max": rule.max_stars, "stars": stars},
            field="council_level", max_stars=rule.max_stars,
        )
    if stars < rule.min_stars:
        raise RatingError(
            "stars_below_council_level",
            _("Council level: a %(council)s council decides %(min)d-star ratings only; this result has %(stars)d.")
            % {"council": str(council).lower(), "min": rule.min_stars, "stars": stars},
            field="council_level", min_stars=rule.min_stars,
        )
    if issuing_unit is not None:
        if issuing_unit.era != era:
            raise RatingError("issuing_unit_wrong_era",
                              _("Issuing unit: %(unit)s is not a unit of the %(era)s era.")
                              % {"unit": issuing_unit, "era": Era(era).label}, field="issuing_unit")
        if council_level == CouncilLevel.NATIONAL or issuing_unit.level != council_level:
            raise RatingError("issuing_unit_wrong_level",
                              _("Issuing unit: %(unit)s does not match a %(council)s council.")
                              % {"unit": issuing_unit, "council": str(council).lower()}, field="issuing_unit")


def _fill(rating: OcopRating, values: dict[str, Any]) -> OcopRating:
    criteria_set: CriteriaSet = values["criteria_set"]
    scores = {part: _score(values[f"score_{part}"], part, criteria_set) for part in PARTS}
    total = sum(scores.values(), Decimal(0))
    stars = criteria_set.stars_for(total)
    evaluation_date: datetime.date = values["evaluation_date"]
    if evaluation_date is None:
        raise RatingError("evaluation_date_required", _("Evaluation date: required."), field="evaluation_date")
    _check_council(criteria_set, values["council_level"], values["era"], stars, evaluation_date,
                   values.get("issuing_unit"))
    decision_number = (values.get("decision_number") or "").strip()
    decision_date: datetime.date | None = values.get("decision_date")
    is_recognised = stars >= criteria_set.min_recognised_stars
    if is_recognised and not decision_number:
        raise RatingError("decision_required",
                          _("Decision number: a %(stars)d-star result is recognised by a decision; enter its number.")
                          % {"stars": stars}, field="decision_number")
    if is_recognised and decision_date is None:
        raise RatingError("decision_required",
                          _("Decision date: a %(stars)d-star result is recognised by a decision; enter its date.")
                          % {"stars": stars}, field="decision_date")
    if decision_date is not None and decision_date < evaluation_date:
        raise RatingError("decision_before_evaluation",
                          _("Decision date: %(decision)s is before the evaluation date %(evaluation)s.")
                          % {"decision": decision_date.strftime("%d/%m/%Y"),
                             "evaluation": evaluation_date.strftime("%d/%m/%Y")}, field="decision_date")
    product = values["product"]
    if not isinstance(product, Product):
        raise RatingError("product_required", _("Product: choose the rated product."), field="product")

    rating.product = product
    rating.criteria_set = criteria_set
    rating.council_level = values["council_level"]
    rating.era = values["era"]
    rating.evaluation_round = (values.get("evaluation_round") or "").strip()
    rating.evaluation_date = evaluation_date
    rating.score_a, rating.score_b, rating.score_c = scores["a"], scores["b"], scores["c"]
    rating.total = total
    rating.stars = stars
    rating.decision_number = decision_number
    rating.decision_date = decision_date
    rating.issuing_authority = (values.get("issuing_authority") or "").strip()
    rating.issuing_unit = values.get("issuing_unit")
    rating.status = RatingStatus.RECOGNISED if is_recognised else RatingStatus.NOT_RECOGNISED
    rating.valid_until = add_months(decision_date, criteria_set.validity_months) if is_recognised else None
    rating.save()
    return rating


@transaction.atomic
def record_rating(
    *,
    product: Product,
    criteria_set: CriteriaSet,
    council_level: str,
    era: str,
    evaluation_date: datetime.date,
    score_a: Decimal | int | float | str,
    score_b: Decimal | int | float | str,
    score_c: Decimal | int | float | str,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
    issuing_authority: str = "",
    evaluation_round: str = "",
    issuing_unit: AdministrativeUnit | None = None,
) -> OcopRating:
    """Record an evaluation result; derive total, stars, status and the certificate's validity.

    Each part must lie within 0 and its maximum in ``criteria_set`` (``score_out_of_range`` names the part and
    maximum). Stars follow the set's thresholds; a result at or above the lowest recognised level is
    ``recognised`` and needs a decision number and date; ``valid_until`` is the decision date plus the set's
    validity months. The council level must fit the era and the star level (see :class:`CouncilRule`).
    """
    return _fill(OcopRating(), {
        "product": product, "criteria_set": criteria_set, "council_level": council_level, "era": era,
        "evaluation_date": evaluation_date, "score_a": score_a, "score_b": score_b, "score_c": score_c,
        "decision_number": decision_number, "decision_date": decision_date, "issuing_authority": issuing_authority,
        "evaluation_round": evaluation_round, "issuing_unit": issuing_unit,
    })


_CORRECTABLE = ("product", "criteria_set", "council_level", "era", "evaluation_date", "score_a", "score_b", "score_c",
                "decision_number", "decision_date", "issuing_authority", "evaluation_round", "issuing_unit")


@transaction.atomic
def correct_rating(*, rating: OcopRating, **changes: Any) -> OcopRating:
    """Correct a recorded rating (a typing error in a score or a decision) and derive everything again.

    A revoked rating cannot be corrected (``rating_revoked``).
    """
    unknown = set(changes) - set(_CORRECTABLE)
    if unknown:
        raise RatingError("unknown_field", _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    rating = OcopRating.objects.select_for_update().get(pk=rating.pk)
    if rating.status == RatingStatus.REVOKED:
        raise RatingError("rating_revoked", _("This rating was revoked on %(date)s and can no longer be changed.")
                          % {"date": rating.revoked_on.strftime("%d/%m/%Y")})
    values = {name: getattr(rating, name) for name in _CORRECTABLE}
    values.update(changes)
    return _fill(rating, values)


@transaction.atomic
def revoke_rating(*, rating: OcopRating, reason: str, revoked_on: datetime.date) -> OcopRating:
    """Revoke a recognised rating (thu hồi) from ``revoked_on``, e.g. after a food-safety finding.

    Refuses an empty reason (``reason_required``), a rating that was never recognised (``not_recognised``),
    one already revoked (``already_revoked``) and a date before the decision (``revoked_before_decision``).
    """
    rating = OcopRating.objects.select_for_update().get(pk=rating.pk)
    reason = (reason or "").strip()
    if not reason:
        raise RatingError("reason_required", _("Reason: say why the recognition is revoked."),
                          field="revocation_reason")
    if revoked_on is None:
        raise RatingError("revoked_on_required", _("Revoked on: enter the date of the revocation."),
                          field="revoked_on")
    if rating.status == RatingStatus.REVOKED:
        raise RatingError("already_revoked", _("This rating was already revoked on %(date)s.")
                          % {"date": rating.revoked_on.strftime("%d/%m/%Y")})
    if rating.status != RatingStatus.RECOGNISED:
        raise RatingError("not_recognised", _("Only a recognised rating can be revoked; this one has %(stars)d stars.")
                          % {"stars": rating.stars})
    if rating.decision_date and revoked_on < rating.decision_date:
        raise RatingError("revoked_before_decision",
                          _("Revoked on: %(date)s is before the recognition decision of %(decision)s.")
                          % {"date": revoked_on.strftime("%d/%m/%Y"),
                             "decision": rating.decision_date.strftime("%d/%m/%Y")}, field="revoked_on")
    rating.status = RatingStatus.REVOKED
    rating.revoked_on = revoked_on
    rating.revocation_reason = reason
    rating.save(update_fields=["status", "revoked_on", "revocation_reason", "updated_at"])
    return rating
