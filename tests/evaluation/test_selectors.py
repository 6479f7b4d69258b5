import datetime

from apps.evaluation import selectors, services
from apps.evaluation.models import StepDeadline
from tests.evaluation.conftest import TODAY


def _ids(candidacies):
    return [candidacy.pk for candidacy in candidacies]


def test_a_new_idea_waits_for_its_commune_not_for_another(idea, commune_actor, other_commune_actor, producer_actor):
    assert _ids(selectors.waiting_for(commune_actor)) == [idea.pk]
    assert _ids(selectors.waiting_for(other_commune_actor)) == []
    assert _ids(selectors.waiting_for(producer_actor)) == []


def test_a_rejected_idea_waits_for_its_producer(idea, commune_actor, producer_actor, other_producer_actor):
    services.reject_idea(actor=commune_actor, candidacy=idea, note="Chưa rõ", today=TODAY)
    assert _ids(selectors.waiting_for(producer_actor)) == [idea.pk]
    assert _ids(selectors.waiting_for(other_producer_actor)) == []
    assert _ids(selectors.waiting_for(commune_actor)) == []


def test_a_proposed_product_waits_for_the_province(proposed, office_actor, commune_actor):
    assert _ids(selectors.waiting_for(office_actor)) == [proposed.pk]
    assert _ids(selectors.waiting_for(commune_actor)) == []


def test_council_members_see_only_what_they_still_have_to_score(under_evaluation, member_actors,
                                                                 outsider_member_actor):
    services.submit_scores(actor=member_actors[0], candidacy=under_evaluation, score_a=30, score_b=20, score_c=25)
    assert _ids(selectors.waiting_for(member_actors[0])) == []
    assert _ids(selectors.waiting_for(member_actors[1])) == [under_evaluation.pk]
    assert _ids(selectors.waiting_for(outsider_member_actor)) == []


def test_an_unpublished_decision_waits_for_the_office(recognised, office_actor):
    assert _ids(selectors.waiting_for(office_actor)) == [recognised.pk]
    services.publish_result(actor=office_actor, candidacy=recognised)
    assert _ids(selectors.waiting_for(office_actor)) == []


def test_a_step_is_late_after_its_configurable_deadline(idea, commune_actor, office_actor, other_commune_actor):
    assert StepDeadline.objects.get(state="idea_submitted").days == 15
    assert _ids(selectors.late(commune_actor, today=TODAY + datetime.timedelta(days=15))) == []
    assert _ids(selectors.late(commune_actor, today=TODAY + datetime.timedelta(days=16))) == [idea.pk]
    assert _ids(selectors.late(office_actor, today=TODAY + datetime.timedelta(days=16))) == [idea.pk]
    assert _ids(selectors.late(other_commune_actor, today=TODAY + datetime.timedelta(days=16))) == []
    StepDeadline.objects.filter(state="idea_submitted").update(days=30)
    assert _ids(selectors.late(commune_actor, today=TODAY + datetime.timedelta(days=16))) == []


def test_the_board_lists_due_dates_and_expiring_certificates(recognised, producer_actor, commune_actor,
                                                             other_commune_actor, member_actors):
    soon = datetime.date(2029, 1, 1)  # 78 days before 20/03/2029
    services.send_expiry_reminders(today=soon)
    board = selectors.board(producer_actor, today=soon)
    assert [rating.pk for rating in board.expiring] == [recognised.rating_id]
    assert [reminder.days_ahead for reminder in board.reminders[recognised.rating_id]] == [90]
    assert [rating.pk for rating in selectors.board(commune_actor, today=soon).expiring] == [recognised.rating_id]
    assert selectors.board(other_commune_actor, today=soon).expiring == []
    assert selectors.board(member_actors[0], today=soon).expiring == []
    assert selectors.board(producer_actor, today=datetime.date(2028, 12, 1)).expiring == []
