import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.common.errors import DomainError
from apps.evaluation import services
from apps.evaluation.models import Candidacy, CandidacyEvent, Criterion, MemberScore
from apps.evaluation.workflow import TRANSITIONS, Action, State
from apps.ratings.models import OcopRating, RatingStatus
from apps.ratings.selectors import current_ocop_status
from apps.ratings.services import RatingError
from tests.evaluation.conftest import TODAY


def refused(code, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_a_producer_registers_an_idea_and_the_product_enters_the_registry(idea, producer):
    idea.refresh_from_db()
    assert idea.state == State.IDEA_SUBMITTED and idea.state_since == TODAY
    assert idea.product.producer == producer and idea.product.name == "Cà phê rang xay Ea Tu"
    assert idea.commune == producer.commune and idea.cycle_year == 2026
    assert list(idea.events.values_list("action", "to_state")) == [("register_idea", "idea_submitted")]


def test_a_commune_officer_registers_an_idea_for_a_producer_of_its_commune(producer, commune_actor, coffee):
    candidacy = services.register_idea(actor=commune_actor, producer=producer, product_name="Mật ong",
                                       category=coffee, idea_description="Mật ong hoa cà phê", today=TODAY)
    assert candidacy.state == State.IDEA_SUBMITTED
    assert candidacy.events.get().actor_role == "commune_officer"


def test_nobody_registers_an_idea_for_a_producer_outside_their_scope(producer, other_producer_actor,
                                                                     other_commune_actor, office_actor, coffee):
    for actor in (other_producer_actor, other_commune_actor):
        refused("outside_scope", services.register_idea, actor=actor, producer=producer, product_name="X",
                category=coffee, idea_description="Y", today=TODAY)
    refused("not_allowed_for_role", services.register_idea, actor=office_actor, producer=producer, product_name="X",
            category=coffee, idea_description="Y", today=TODAY)
    assert not Candidacy.objects.exists()


def test_an_idea_needs_a_description(producer, producer_actor, coffee):
    error = refused("idea_description_required", services.register_idea, actor=producer_actor, producer=producer,
                    product_name="X", category=coffee, idea_description="  ", today=TODAY)
    assert error.field == "idea_description"


def test_a_product_already_in_the_cycle_cannot_register_a_second_idea(idea, producer, producer_actor):
    refused("candidacy_open", services.register_idea, actor=producer_actor, producer=producer, product=idea.product,
            idea_description="again", today=TODAY)


def test_the_commune_accepts_an_idea(idea, commune_actor):
    services.accept_idea(actor=commune_actor, candidacy=idea, note="Phù hợp", today=TODAY)
    idea.refresh_from_db()
    assert idea.state == State.IDEA_ACCEPTED and idea.review_note == "Phù hợp"


def test_a_producer_cannot_review_its_own_idea(idea, producer_actor):
    error = refused("not_allowed_for_role", services.accept_idea, actor=producer_actor, candidacy=idea)
    assert "commune officer" in error.message.lower() or "cán bộ xã" in error.message.lower()
    idea.refresh_from_db()
    assert idea.state == State.IDEA_SUBMITTED


def test_an_officer_of_another_commune_cannot_review_the_idea(idea, other_commune_actor):
    refused("outside_scope", services.accept_idea, actor=other_commune_actor, candidacy=idea)


def test_a_rejected_idea_is_resubmitted_and_accepted(idea, producer_actor, commune_actor):
    refused("note_required", services.reject_idea, actor=commune_actor, candidacy=idea, note="")
    services.reject_idea(actor=commune_actor, candidacy=idea, note="Chưa rõ nguồn nguyên liệu", today=TODAY)
    idea.refresh_from_db()
    assert idea.state == State.IDEA_REJECTED
    services.resubmit_idea(actor=producer_actor, candidacy=idea, idea_description="Nguyên liệu từ 12 ha của HTX",
                           today=TODAY)
    idea.refresh_from_db()
    assert idea.state == State.IDEA_SUBMITTED and idea.idea_description == "Nguyên liệu từ 12 ha của HTX"
    services.accept_idea(actor=commune_actor, candidacy=idea, today=TODAY)
    idea.refresh_from_db()
    assert idea.state == State.IDEA_ACCEPTED
    assert list(idea.events.values_list("action", flat=True)) == [
        "register_idea", "reject_idea", "resubmit_idea", "accept_idea"]


def test_an_idea_not_rejected_cannot_be_resubmitted(idea, producer_actor):
    error = refused("illegal_transition", services.resubmit_idea, actor=producer_actor, candidacy=idea)
    assert error.params["state"] == State.IDEA_SUBMITTED


def test_a_plan_cannot_be_submitted_before_the_idea_is_accepted(idea, producer_actor):
    refused("illegal_transition", services.submit_plan, actor=producer_actor, candidacy=idea, plan_summary="P")


def test_a_rejected_plan_is_revised_and_resubmitted(idea, producer_actor, commune_actor):
    services.accept_idea(actor=commune_actor, candidacy=idea, today=TODAY)
    refused("plan_summary_required", services.submit_plan, actor=producer_actor, candidacy=idea, plan_summary="")
    services.submit_plan(actor=producer_actor, candidacy=idea, plan_summary="Bản 1", today=TODAY)
    refused("not_allowed_for_role", services.reject_plan, actor=producer_actor, candidacy=idea, note="x")
    services.reject_plan(actor=commune_actor, candidacy=idea, note="Thiếu phân tích thị trường", today=TODAY)
    idea.refresh_from_db()
    assert idea.state == State.PLAN_REJECTED and idea.review_note == "Thiếu phân tích thị trường"
    refused("illegal_transition", services.approve_plan, actor=commune_actor, candidacy=idea)
    services.resubmit_plan(actor=producer_actor, candidacy=idea, plan_summary="Bản 2", today=TODAY)
    services.approve_plan(actor=commune_actor, candidacy=idea, today=TODAY)
    idea.refresh_from_db()
    assert idea.state == State.IMPLEMENTING and idea.plan_summary == "Bản 2"


def test_progress_reports_keep_the_candidacy_in_implementation(implementing, producer_actor):
    services.report_progress(actor=producer_actor, candidacy=implementing, note="Đã có bao bì", percent_done=60,
                             today=TODAY)
    implementing.refresh_from_db()
    assert implementing.state == State.IMPLEMENTING
    event = implementing.events.get(action="report_progress")
    assert event.note == "Đã có bao bì" and event.data == {"percent_done": 60}
    refused("invalid_percent", services.report_progress, actor=producer_actor, candidacy=implementing, note="x",
            percent_done=120)


def test_a_dossier_needs_documents(implementing, producer_actor):
    refused("documents_required", services.submit_dossier, actor=producer_actor, candidacy=implementing)
    implementing.refresh_from_db()
    assert implementing.state == State.IMPLEMENTING


def test_the_commune_returns_an_incomplete_dossier(implementing, producer_actor, commune_actor):
    services.submit_dossier(actor=producer_actor, candidacy=implementing, documents=[("Phiếu kiểm nghiệm", None)],
                            today=TODAY)
    services.return_dossier(actor=commune_actor, candidacy=implementing, note="Thiếu ảnh sản phẩm", today=TODAY)
    implementing.refresh_from_db()
    assert implementing.state == State.IMPLEMENTING and implementing.documents.count() == 1


def test_the_commune_confirms_samples_and_local_shares(proposed):
    proposed.refresh_from_db()
    assert proposed.state == State.PROPOSED
    assert proposed.samples_received_on == TODAY and proposed.dossier_confirmed_on == TODAY
    assert proposed.local_labour_share == Decimal("80.00") and proposed.local_material_share == Decimal("95.00")
    assert list(proposed.documents.values_list("title", flat=True)) == ["Phiếu kiểm nghiệm", "Bản tự công bố sản phẩm"]


@pytest.mark.parametrize(("values", "code", "field"), [
    ({"samples_received_on": None}, "samples_required", "samples_received_on"),
    ({"local_labour_share": ""}, "share_required", "local_labour_share"),
    ({"local_material_share": "120"}, "invalid_share", "local_material_share"),
    ({"local_material_share": "abc"}, "invalid_share", "local_material_share"),
])
def test_confirming_a_dossier_checks_samples_and_shares(implementing, producer_actor, commune_actor, values, code,
                                                          field):
    services.submit_dossier(actor=producer_actor, candidacy=implementing, documents=[("Hồ sơ", None)], today=TODAY)
    arguments = {"samples_received_on": TODAY, "local_labour_share": 70, "local_material_share": 60, **values}
    error = refused(code, services.confirm_dossier, actor=commune_actor, candidacy=implementing, today=TODAY,
                    **arguments)
    assert error.field == field
    implementing.refresh_from_db()
    assert implementing.state == State.DOSSIER_SUBMITTED


def test_a_producer_cannot_confirm_its_own_dossier(implementing, producer_actor):
    services.submit_dossier(actor=producer_actor, candidacy=implementing, documents=[("Hồ sơ", None)], today=TODAY)
    refused("not_allowed_for_role", services.confirm_dossier, actor=producer_actor, candidacy=implementing,
            samples_received_on=TODAY, local_labour_share=70, local_material_share=60)


def test_only_the_province_opens_the_evaluation(proposed, commune_actor, office_actor, members, criteria_2023):
    refused("not_allowed_for_role", services.open_evaluation, actor=commune_actor, candidacy=proposed,
            members=members)
    refused("members_required", services.open_evaluation, actor=office_actor, candidacy=proposed, members=[])
    refused("council_level_not_in_era", services.open_evaluation, actor=office_actor, candidacy=proposed,
            members=members, council_level="district", today=TODAY)
    services.open_evaluation(actor=office_actor, candidacy=proposed, members=members, today=TODAY)
    proposed.refresh_from_db()
    assert proposed.state == State.UNDER_EVALUATION and proposed.criteria_set == criteria_2023
    assert proposed.council_level == "province"
    assert set(proposed.assignments.values_list("member_id", flat=True)) == {member.pk for member in members}


def test_an_assigned_member_scores_and_may_revise(under_evaluation, member_actors):
    services.submit_scores(actor=member_actors[0], candidacy=under_evaluation, score_a=30, score_b="20,5",
                           score_c=25)
    services.submit_scores(actor=member_actors[0], candidacy=under_evaluation, score_a=31, score_b=20, score_c=25)
    score = MemberScore.objects.get(candidacy=under_evaluation, member=member_actors[0].user)
    assert (score.score_a, score.score_b, score.score_c) == (Decimal(31), Decimal(20), Decimal(25))


def test_a_council_member_not_assigned_cannot_score(under_evaluation, outsider_member_actor, commune_actor):
    refused("outside_scope", services.submit_scores, actor=outsider_member_actor, candidacy=under_evaluation,
            score_a=30, score_b=20, score_c=25)
    refused("not_allowed_for_role", services.submit_scores, actor=commune_actor, candidacy=under_evaluation,
            score_a=30, score_b=20, score_c=25)
    assert not MemberScore.objects.exists()


def test_scores_cannot_be_given_before_the_evaluation_opens(proposed, office_actor, members, member_actors):
    refused("outside_scope", services.submit_scores, actor=member_actors[0], candidacy=proposed, score_a=1,
            score_b=1, score_c=1)


@pytest.mark.parametrize(("scores", "part", "maximum"), [
    ({"score_a": "40.5", "score_b": 20, "score_c": 30}, "A", "40"),
    ({"score_a": 30, "score_b": 26, "score_c": 30}, "B", "25"),
    ({"score_a": 30, "score_b": 20, "score_c": 36}, "C", "35"),
])
def test_a_part_above_its_maximum_is_refused_naming_part_and_maximum(under_evaluation, member_actors, scores, part,
                                                                     maximum):
    error = refused("score_above_maximum", services.submit_scores, actor=member_actors[0],
                    candidacy=under_evaluation, **scores)
    assert error.params["part"] == part and str(error.params["maximum"]).rstrip("0").rstrip(".") == maximum
    assert f"{part}" in error.message and maximum in error.message and "148/2023" in error.message
    assert not MemberScore.objects.exists()


def test_a_missing_part_is_refused(under_evaluation, member_actors):
    error = refused("missing_scores", services.submit_scores, actor=member_actors[0], candidacy=under_evaluation,
                    score_a=30, score_b=20)
    assert error.field == "score_c"


def test_scores_criterion_by_criterion_add_up_within_their_maxima(under_evaluation, member_actors, criteria_2023):
    Criterion.objects.create(criteria_set=criteria_2023, part="a", code="A1", name="Nguyên liệu", max_score=5)
    Criterion.objects.create(criteria_set=criteria_2023, part="a", code="A2", name="Sử dụng lao động", max_score=3)
    error = refused("score_above_maximum", services.submit_scores, actor=member_actors[0],
                    candidacy=under_evaluation, criterion_scores={"A1": 6}, score_b=20, score_c=30)
    assert error.params["criterion"] == "A1" and "A1" in error.message
    refused("unknown_criterion", services.submit_scores, actor=member_actors[0], candidacy=under_evaluation,
            criterion_scores={"Z9": 1}, score_b=20, score_c=30)
    refused("part_does_not_match_criteria", services.submit_scores, actor=member_actors[0],
            candidacy=under_evaluation, criterion_scores={"A1": 4, "A2": 3}, score_a=8, score_b=20, score_c=30)
    score = services.submit_scores(actor=member_actors[0], candidacy=under_evaluation,
                                   criterion_scores={"A1": 4, "A2": "2.5"}, score_b=20, score_c=30)
    score.refresh_from_db()
    assert score.score_a == Decimal("6.5") and score.criterion_scores == {"A1": "4", "A2": "2.5"}


def test_the_evaluation_cannot_close_with_missing_member_scores(under_evaluation, member_actors, office_actor):
    services.submit_scores(actor=member_actors[0], candidacy=under_evaluation, score_a=30, score_b=20, score_c=25)
    error = refused("missing_scores", services.close_evaluation, actor=office_actor, candidacy=under_evaluation)
    assert "Member2" in error.message and "Member3" in error.message and "Member1" not in error.message
    under_evaluation.refresh_from_db()
    assert under_evaluation.state == State.UNDER_EVALUATION and under_evaluation.total is None


def test_the_council_result_is_the_average_of_the_members(evaluated):
    evaluated.refresh_from_db()
    assert evaluated.state == State.EVALUATED and evaluated.evaluated_on == TODAY
    assert (evaluated.score_a, evaluated.score_b, evaluated.score_c) == (Decimal(31), Decimal(20), Decimal(27))
    assert evaluated.total == Decimal(78)


def test_averages_round_half_up_to_two_decimals(score_all, office_actor):
    candidacy = score_all([(30, 20, 25), (30, 20, 25), (31, "20.01", 26)])
    services.close_evaluation(actor=office_actor, candidacy=candidacy, today=TODAY)
    candidacy.refresh_from_db()
    # A: 91/3 = 30.333… → 30.33; B: 60.01/3 = 20.00333… → 20.00; C: 76/3 = 25.333… → 25.33
    assert (candidacy.score_a, candidacy.score_b, candidacy.score_c) == (
        Decimal("30.33"), Decimal("20.00"), Decimal("25.33"))
    assert candidacy.total == Decimal("75.66")


def test_a_decision_cannot_be_issued_before_the_evaluation_closes(under_evaluation, office_actor):
    refused("illegal_transition", services.issue_decision, actor=office_actor, candidacy=under_evaluation,
            decision_number="1/QĐ-UBND", decision_date=datetime.date(2026, 4, 1))
    assert not OcopRating.objects.exists()


def test_the_decision_creates_the_rating_with_stars_and_validity(recognised):
    recognised.refresh_from_db()
    rating = recognised.rating
    assert recognised.state == State.RECOGNISED
    assert rating.stars == 4 and rating.total == Decimal(78) and rating.status == RatingStatus.RECOGNISED
    assert rating.valid_until == datetime.date(2029, 3, 20)  # 36 months from the decision
    assert rating.council_level == "province" and rating.era == "2025"
    assert rating.issuing_unit.code == "66" and "Đắk Lắk" in rating.issuing_authority
    assert rating.decision_number == "215/QĐ-UBND" and rating.evaluation_round == "2026 đợt 1"
    status = current_ocop_status(recognised.product, on=datetime.date(2026, 4, 1))
    assert status.is_recognised and status.stars == 4


def test_a_result_of_90_or_more_is_the_ministrys_5_star_decision(score_all, office_actor):
    candidacy = score_all([(38, 24, 33), (37, 23, 32), (36, 24, 31)])
    services.close_evaluation(actor=office_actor, candidacy=candidacy, today=TODAY)
    services.issue_decision(actor=office_actor, candidacy=candidacy, decision_number="88/QĐ-BNNMT",
                            decision_date=datetime.date(2026, 5, 1), issuing_authority="Bộ Nông nghiệp và Môi trường")
    candidacy.refresh_from_db()
    assert candidacy.rating.stars == 5 and candidacy.rating.council_level == "national"
    assert candidacy.rating.issuing_unit is None


def test_a_low_result_is_not_recognised_and_has_no_validity(score_all, office_actor):
    candidacy = score_all([(20, 10, 15), (18, 10, 14), (19, 11, 13)])
    services.close_evaluation(actor=office_actor, candidacy=candidacy, today=TODAY)
    services.issue_decision(actor=office_actor, candidacy=candidacy, decision_number="",
                            decision_date=None)
    candidacy.refresh_from_db()
    assert candidacy.state == State.NOT_RECOGNISED
    assert candidacy.rating.stars == 2 and candidacy.rating.valid_until is None


def test_a_recognised_result_needs_a_decision_number(evaluated, office_actor):
    with pytest.raises(RatingError) as caught:
        services.issue_decision(actor=office_actor, candidacy=evaluated, decision_number="",
                                decision_date=datetime.date(2026, 3, 20))
    assert caught.value.code == "decision_required"
    evaluated.refresh_from_db()
    assert evaluated.state == State.EVALUATED and not OcopRating.objects.exists()


def test_a_decision_cannot_be_issued_twice(recognised, office_actor):
    refused("illegal_transition", services.issue_decision, actor=office_actor, candidacy=recognised,
            decision_number="1", decision_date=datetime.date(2026, 4, 1))
    assert OcopRating.objects.count() == 1


def test_the_result_is_published_once(recognised, office_actor, commune_actor):
    refused("not_allowed_for_role", services.publish_result, actor=commune_actor, candidacy=recognised)
    services.publish_result(actor=office_actor, candidacy=recognised)
    recognised.refresh_from_db()
    assert recognised.published_at is not None
    refused("already_published", services.publish_result, actor=office_actor, candidacy=recognised)


def test_revocation_revokes_the_rating(recognised, office_actor, producer_actor):
    refused("not_allowed_for_role", services.revoke_recognition, actor=producer_actor, candidacy=recognised,
            reason="x", revoked_on=datetime.date(2026, 6, 1))
    services.revoke_recognition(actor=office_actor, candidacy=recognised, reason="Vi phạm an toàn thực phẩm",
                                revoked_on=datetime.date(2026, 6, 1))
    recognised.refresh_from_db()
    recognised.rating.refresh_from_db()
    assert recognised.state == State.REVOKED and recognised.rating.status == RatingStatus.REVOKED
    refused("illegal_transition", services.revoke_recognition, actor=office_actor, candidacy=recognised,
            reason="again", revoked_on=datetime.date(2026, 6, 2))


def test_a_recognised_product_starts_a_re_evaluation(recognised, producer_actor, other_producer_actor):
    rating = recognised.rating
    refused("outside_scope", services.start_re_evaluation, actor=other_producer_actor, rating=rating)
    candidacy = services.start_re_evaluation(actor=producer_actor, rating=rating, today=datetime.date(2028, 12, 1))
    assert candidacy.kind == "re_evaluation" and candidacy.state == State.IMPLEMENTING
    assert candidacy.previous_rating == rating and candidacy.cycle_year == 2028
    refused("candidacy_open", services.start_re_evaluation, actor=producer_actor, rating=rating)


def test_a_revoked_rating_is_not_re_evaluated(recognised, office_actor, producer_actor):
    services.revoke_recognition(actor=office_actor, candidacy=recognised, reason="Vi phạm",
                                revoked_on=datetime.date(2026, 6, 1))
    refused("not_recognised", services.start_re_evaluation, actor=producer_actor, rating=recognised.rating)


def test_every_transition_of_the_table_is_exercised_and_logged(recognised, office_actor):
    services.publish_result(actor=office_actor, candidacy=recognised)
    logged = set(CandidacyEvent.objects.values_list("action", flat=True))
    expected = {Action.REGISTER_IDEA, Action.ACCEPT_IDEA, Action.SUBMIT_PLAN, Action.APPROVE_PLAN,
                Action.SUBMIT_DOSSIER, Action.CONFIRM_DOSSIER, Action.OPEN_EVALUATION, Action.SCORE,
                Action.CLOSE_EVALUATION, Action.ISSUE_DECISION, Action.PUBLISH_RESULT}
    assert expected <= logged and expected <= set(TRANSITIONS)


def test_the_transition_table_is_declared_to_the_accounts_permissions(idea, commune_actor, other_commune_actor,
                                                                      producer_actor):
    from apps.accounts.permissions import can

    assert can(commune_actor.user, "evaluation.accept_idea", idea.product)
    assert not can(other_commune_actor.user, "evaluation.accept_idea", idea.product)
    assert not can(producer_actor.user, "evaluation.accept_idea", idea.product)
    assert can(producer_actor.user, "evaluation.submit_plan", idea.product)


def test_a_plan_document_that_is_not_a_document_is_refused_and_nothing_is_stored(idea, producer_actor,
                                                                                  commune_actor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.accept_idea(actor=commune_actor, candidacy=idea, today=TODAY)
    program = SimpleUploadedFile("ke-hoach.exe", b"MZ\x90\x00")
    error = refused("file_type_not_allowed", services.submit_plan, actor=producer_actor, candidacy=idea,
                    plan_summary="Bản 1", plan_document=program)
    assert error.field == "plan_document" and "ke-hoach.exe" in error.message
    refused("file_empty", services.submit_plan, actor=producer_actor, candidacy=idea, plan_summary="Bản 1",
            plan_document=SimpleUploadedFile("ke-hoach.pdf", b""))
    idea.refresh_from_db()
    assert idea.state == State.IDEA_ACCEPTED and not idea.plan_document
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_a_plan_refused_for_its_summary_leaves_no_file_behind(idea, producer_actor, commune_actor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.accept_idea(actor=commune_actor, candidacy=idea, today=TODAY)
    refused("plan_summary_required", services.submit_plan, actor=producer_actor, candidacy=idea, plan_summary="",
            plan_document=SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.4 plan"))
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_a_dossier_with_one_bad_document_stores_none_of_them(implementing, producer_actor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OCOP_DOCUMENT_MAX_BYTES = 10
    documents = [("Phiếu kiểm nghiệm", SimpleUploadedFile("kiem-nghiem.pdf", b"%PDF-1.4")),
                 ("Ảnh sản phẩm", SimpleUploadedFile("anh.png", b"x" * 11))]
    error = refused("file_too_large", services.submit_dossier, actor=producer_actor, candidacy=implementing,
                    documents=documents)
    assert error.field == "documents" and "anh.png" in error.message
    implementing.refresh_from_db()
    assert implementing.state == State.IMPLEMENTING and not implementing.documents.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))
