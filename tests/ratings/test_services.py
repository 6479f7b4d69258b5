import datetime
from decimal import Decimal

import pytest

from apps.ratings.models import CouncilRule, OcopRating
from apps.ratings.services import RatingError, add_months, correct_rating, record_rating, revoke_rating
from apps.territory.models import AdministrativeUnit, Era, Level

pytestmark = pytest.mark.django_db

LEGACY = {"era": "legacy", "evaluation_date": datetime.date(2024, 5, 20), "decision_date": datetime.date(2024, 6, 15)}


def test_the_criteria_sets_are_seeded_as_data():
    from apps.ratings.models import CriteriaSet

    seeded = {s.code: s for s in CriteriaSet.objects.all()}
    old, new = seeded["1048/2019"], seeded["148/2023"]
    assert (old.max_part_a, old.max_part_b, old.max_part_c) == (35, 25, 40)
    assert (new.max_part_a, new.max_part_b, new.max_part_c) == (40, 25, 35)
    assert old.effective_from == datetime.date(2019, 8, 21) and new.effective_from == datetime.date(2023, 2, 24)
    assert "1048/QĐ-TTg" in old.decision and "148/QĐ-TTg" in new.decision
    for criteria in (old, new):
        assert (criteria.min_total_5_stars, criteria.min_total_4_stars, criteria.min_total_3_stars,
                criteria.min_total_2_stars) == (90, 70, 50, 30)
        assert (criteria.min_recognised_stars, criteria.validity_months) == (3, 36)


# (A, B, C) splits under each set's maxima that give the boundary totals.
BOUNDARIES_2023 = [
    ((Decimal("29.9"), 0, 0), 1, "not_recognised"),
    ((30, 0, 0), 2, "not_recognised"),
    ((Decimal("24.9"), 10, 15), 2, "not_recognised"),   # 49.9
    ((25, 10, 15), 3, "recognised"),                    # 50
    ((Decimal("34.9"), 15, 20), 3, "recognised"),       # 69.9
    ((35, 15, 20), 4, "recognised"),                    # 70
    ((40, 25, Decimal("24.9")), 4, "recognised"),       # 89.9
    ((40, 25, 25), 5, "recognised"),                    # 90
    ((40, 25, 35), 5, "recognised"),                    # 100
]
BOUNDARIES_2019 = [
    ((10, 9, Decimal("10.9")), 1, "not_recognised"),     # 29.9
    ((Decimal("14.9"), 10, 25), 2, "not_recognised"),   # 49.9
    ((15, 10, 25), 3, "recognised"),                    # 50
    ((Decimal("19.9"), 15, 35), 3, "recognised"),       # 69.9
    ((20, 15, 35), 4, "recognised"),                    # 70
    ((35, 25, Decimal("29.9")), 4, "recognised"),       # 89.9
    ((35, 25, 30), 5, "recognised"),                    # 90 (part C above 35 is allowed under 1048)
]


def _council_for(stars):
    return "national" if stars == 5 else "province"


@pytest.mark.parametrize(("scores", "stars", "status"), BOUNDARIES_2023)
def test_stars_at_the_boundaries_under_decision_148(rate, scores, stars, status):
    rating = rate(score_a=scores[0], score_b=scores[1], score_c=scores[2], council_level=_council_for(stars))
    rating.refresh_from_db()
    assert rating.total == sum(Decimal(str(score)) for score in scores)
    assert (rating.stars, rating.status) == (stars, status)


@pytest.mark.parametrize(("scores", "stars", "status"), BOUNDARIES_2019)
def test_stars_at_the_boundaries_under_decision_1048(rate, criteria_2019, scores, stars, status):
    rating = rate(criteria_set=criteria_2019, score_a=scores[0], score_b=scores[1], score_c=scores[2],
                  council_level=_council_for(stars), **LEGACY)
    rating.refresh_from_db()
    assert (rating.total, rating.stars, rating.status) == (sum(Decimal(str(s)) for s in scores), stars, status)


@pytest.mark.parametrize(("part", "value", "maximum", "set_code"), [
    ("a", Decimal("40.5"), "40", "148/2023"),
    ("c", 36, "35", "148/2023"),
    ("a", 36, "35", "1048/2019"),
    ("b", Decimal("25.01"), "25", "1048/2019"),
])
def test_a_part_over_its_maximum_is_refused_naming_the_part_and_its_maximum(rate, part, value, maximum, set_code):
    from apps.ratings.models import CriteriaSet

    extra = LEGACY if set_code == "1048/2019" else {}
    with pytest.raises(RatingError) as error:
        rate(criteria_set=CriteriaSet.objects.get(code=set_code), **{f"score_{part}": value}, **extra)
    assert error.value.code == "score_out_of_range"
    assert error.value.field == f"score_{part}"
    assert error.value.params["part"] == part.upper()
    assert error.value.params["maximum"] == Decimal(maximum)
    assert f" {part.upper()}" in error.value.message and f"0–{maximum}" in error.value.message
    assert not OcopRating.objects.exists()


def test_c_of_38_is_fine_under_1048_but_refused_under_148(rate, criteria_2019):
    assert rate(criteria_set=criteria_2019, score_a=22, score_b=10, score_c=38, **LEGACY).stars == 4
    with pytest.raises(RatingError) as error:
        rate(score_a=22, score_b=10, score_c=38)
    assert error.value.code == "score_out_of_range"


@pytest.mark.parametrize("value", [-1, "abc", "12.345"])
def test_negative_non_numeric_and_overly_precise_scores_are_refused(rate, value):
    with pytest.raises(RatingError) as error:
        rate(score_b=value)
    assert error.value.field == "score_b"


def test_a_recognised_rating_needs_a_decision_number_and_date(rate):
    with pytest.raises(RatingError) as error:
        rate(decision_number="")
    assert (error.value.code, error.value.field) == ("decision_required", "decision_number")
    with pytest.raises(RatingError) as error:
        rate(decision_date=None)
    assert (error.value.code, error.value.field) == ("decision_required", "decision_date")


def test_a_two_star_result_needs_no_decision_and_has_no_validity(rate):
    rating = rate(score_a=20, score_b=10, score_c=10, decision_number="", decision_date=None)
    rating.refresh_from_db()
    assert (rating.stars, rating.status, rating.valid_until) == (2, "not_recognised", None)


def test_validity_runs_36_months_from_the_decision(rate):
    rating = rate(decision_date=datetime.date(2025, 10, 1))
    rating.refresh_from_db()
    assert rating.valid_until == datetime.date(2028, 10, 1)


def test_month_arithmetic_clamps_to_the_end_of_the_month():
    assert add_months(datetime.date(2024, 2, 29), 36) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2023, 8, 31), 6) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2023, 1, 31), 1) == datetime.date(2023, 2, 28)
    assert add_months(datetime.date(2023, 12, 15), 1) == datetime.date(2024, 1, 15)
    assert add_months(datetime.date(2023, 3, 1), 36) == datetime.date(2026, 3, 1)


def test_the_decision_cannot_precede_the_evaluation(rate):
    with pytest.raises(RatingError) as error:
        rate(decision_date=datetime.date(2025, 9, 1))
    assert (error.value.code, error.value.field) == ("decision_before_evaluation", "decision_date")


@pytest.mark.parametrize(("era", "council", "scores", "code"), [
    ("2025", "district", (30, 20, 25), "council_level_not_in_era"),     # districts abolished
    ("2025", "commune", (30, 20, 25), "council_level_not_in_era"),      # the commune only proposes
    ("legacy", "commune", (30, 20, 25), "council_level_not_in_era"),
    ("2025", "province", (40, 25, 30), "stars_above_council_level"),    # 95 points: 5 stars need the Ministry
    ("legacy", "district", (30, 20, 25), "stars_above_council_level"),  # 75 points: 4 stars need the province
    ("2025", "national", (30, 20, 25), "stars_below_council_level"),    # the Ministry decides 5 stars only
])
def test_impossible_council_and_era_combinations_are_refused(rate, era, council, scores, code):
    dates = LEGACY if era == "legacy" else {}
    with pytest.raises(RatingError) as error:
        rate(council_level=council, score_a=scores[0], score_b=scores[1], score_c=scores[2], **{**dates, "era": era})
    assert (error.value.code, error.value.field) == (code, "council_level")


def test_council_rules_are_data_that_can_change(rate):
    CouncilRule.objects.filter(era="2025", council_level="province").update(max_stars=5)
    assert rate(score_a=40, score_b=25, score_c=30).stars == 5


@pytest.mark.parametrize(("era", "council", "stars"), [
    ("legacy", "district", 3), ("legacy", "province", 4), ("legacy", "national", 5),
    ("2025", "province", 3), ("2025", "province", 4), ("2025", "national", 5),
])
def test_possible_council_levels_are_accepted(rate, era, council, stars):
    scores = {3: (25, 15, 20), 4: (35, 20, 20), 5: (35, 25, 30)}[stars]
    dates = LEGACY if era == "legacy" else {}
    rating = rate(council_level=council, score_a=scores[0], score_b=scores[1], score_c=scores[2],
                  **{**dates, "era": era})
    assert (rating.stars, rating.council_level, rating.era) == (stars, council, era)


def test_the_era_must_match_the_evaluation_date(rate):
    with pytest.raises(RatingError) as error:
        rate(era="legacy")
    assert (error.value.code, error.value.field) == ("era_does_not_match_date", "era")


def test_a_criteria_set_cannot_judge_an_evaluation_before_it_took_effect(rate):
    with pytest.raises(RatingError) as error:
        rate(era="legacy", evaluation_date=datetime.date(2022, 11, 1), decision_date=datetime.date(2022, 12, 1))
    assert (error.value.code, error.value.field) == ("criteria_set_not_in_force", "criteria_set")


def test_the_issuing_unit_must_be_of_the_era_and_the_council_level(rate, dak_lak):
    legacy_province = AdministrativeUnit.objects.get(era=Era.LEGACY, level=Level.PROVINCE, code="66")
    assert rate(issuing_unit=dak_lak).issuing_unit == dak_lak
    with pytest.raises(RatingError) as error:
        rate(issuing_unit=legacy_province)
    assert error.value.code == "issuing_unit_wrong_era"
    commune = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).first()
    with pytest.raises(RatingError) as error:
        rate(issuing_unit=commune)
    assert error.value.code == "issuing_unit_wrong_level"


def test_revoking_needs_a_reason_and_records_it(rate):
    rating = rate()
    with pytest.raises(RatingError) as error:
        revoke_rating(rating=rating, reason="  ", revoked_on=datetime.date(2026, 1, 5))
    assert (error.value.code, error.value.field) == ("reason_required", "revocation_reason")
    rating.refresh_from_db()
    assert rating.status == "recognised"

    revoke_rating(rating=rating, reason="Vi phạm an toàn thực phẩm", revoked_on=datetime.date(2026, 1, 5))
    rating.refresh_from_db()
    assert (rating.status, rating.revoked_on, rating.revocation_reason) == (
        "revoked", datetime.date(2026, 1, 5), "Vi phạm an toàn thực phẩm")
    with pytest.raises(RatingError) as error:
        revoke_rating(rating=rating, reason="again", revoked_on=datetime.date(2026, 2, 1))
    assert error.value.code == "already_revoked"


def test_a_rating_that_was_never_recognised_cannot_be_revoked(rate):
    rating = rate(score_a=10, score_b=10, score_c=10, decision_number="", decision_date=None)
    with pytest.raises(RatingError) as error:
        revoke_rating(rating=rating, reason="x", revoked_on=datetime.date(2026, 1, 1))
    assert error.value.code == "not_recognised"


def test_revocation_cannot_precede_the_decision(rate):
    with pytest.raises(RatingError) as error:
        revoke_rating(rating=rate(), reason="x", revoked_on=datetime.date(2025, 9, 30))
    assert (error.value.code, error.value.field) == ("revoked_before_decision", "revoked_on")


def test_correcting_a_score_derives_total_stars_and_validity_again(rate):
    rating = rate(score_a=30, score_b=20, score_c=25)
    assert rating.stars == 4
    correct_rating(rating=rating, score_a=Decimal("20.5"), decision_date=datetime.date(2025, 11, 30))
    rating.refresh_from_db()
    assert (rating.total, rating.stars, rating.valid_until) == (Decimal("65.50"), 3, datetime.date(2028, 11, 30))
    revoke_rating(rating=rating, reason="x", revoked_on=datetime.date(2026, 1, 1))
    with pytest.raises(RatingError) as error:
        correct_rating(rating=rating, score_a=30)
    assert error.value.code == "rating_revoked"


def test_a_recorded_rating_is_saved_with_every_field(rate, product, criteria_2023):
    rating = record_rating(
        product=product, criteria_set=criteria_2023, council_level="national", era="2025",
        evaluation_date=datetime.date(2025, 11, 3), score_a="38.5", score_b="23", score_c="31,5",
        decision_number="99/QĐ-BNNMT", decision_date=datetime.date(2025, 12, 20),
        issuing_authority="Bộ Nông nghiệp và Môi trường", evaluation_round="2025 đợt 2",
    )
    rating.refresh_from_db()
    assert (rating.total, rating.stars, rating.status, rating.valid_until, rating.evaluation_round) == (
        Decimal("93.00"), 5, "recognised", datetime.date(2028, 12, 20), "2025 đợt 2")
