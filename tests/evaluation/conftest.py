"""Fixtures for the evaluation cycle: users in each role (through apps.accounts profiles) and candidacies at
each step."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from apps.accounts.models import OfficerProfile
from apps.evaluation import services
from apps.evaluation.permissions import actor_for
from apps.ratings.models import CriteriaSet
from tests.producers.conftest import commune, legacy_commune, other_commune, producer  # noqa: F401
from tests.products.conftest import coffee  # noqa: F401

TODAY = datetime.date(2026, 3, 10)


def make_user(username, role, *, communes=(), producer=None):  # noqa: F811
    user = get_user_model().objects.create_user(username=username, password="x-long-password-1",
                                                first_name=username.title())
    profile = OfficerProfile.objects.create(user=user, role=role, producer=producer)
    if communes:
        profile.communes.set(communes)
    return user


@pytest.fixture
def other_producer(db, other_commune):  # noqa: F811
    from apps.producers.services import register_producer

    return register_producer(name="Hộ kinh doanh Mật ong Krông Bông", legal_form="hkd", tax_code="6009876543",
                             commune=other_commune, email="mat-ong@example.vn")


@pytest.fixture
def producer_user(producer):  # noqa: F811
    return make_user("producer", "producer", producer=producer)


@pytest.fixture
def producer_actor(producer_user):
    return actor_for(producer_user)


@pytest.fixture
def other_producer_actor(other_producer):
    return actor_for(make_user("other-producer", "producer", producer=other_producer))


@pytest.fixture
def commune_actor(commune):  # noqa: F811
    return actor_for(make_user("commune", "commune_officer", communes=[commune]))


@pytest.fixture
def other_commune_actor(other_commune):  # noqa: F811
    return actor_for(make_user("other-commune", "commune_officer", communes=[other_commune]))


@pytest.fixture
def office_actor(db):
    return actor_for(make_user("office", "provincial_office"))


@pytest.fixture
def members(db):
    return [make_user(f"member{index}", "council_member") for index in (1, 2, 3)]


@pytest.fixture
def member_actors(members):
    return [actor_for(member) for member in members]


@pytest.fixture
def outsider_member_actor(db):
    return actor_for(make_user("member-not-assigned", "council_member"))


@pytest.fixture
def criteria_2023(db):
    return CriteriaSet.objects.get(code="148/2023")


@pytest.fixture
def idea(producer, producer_actor, coffee):  # noqa: F811
    return services.register_idea(actor=producer_actor, producer=producer, product_name="Cà phê rang xay Ea Tu",
                                  category=coffee, idea_description="Cà phê Robusta rang mộc, đóng gói 500 g.",
                                  today=TODAY)


@pytest.fixture
def implementing(idea, producer_actor, commune_actor):
    services.accept_idea(actor=commune_actor, candidacy=idea, today=TODAY)
    services.submit_plan(actor=producer_actor, candidacy=idea, plan_summary="Thị trường Buôn Ma Thuột; 2 tấn/năm.",
                         today=TODAY)
    return services.approve_plan(actor=commune_actor, candidacy=idea, today=TODAY)


@pytest.fixture
def proposed(implementing, producer_actor, commune_actor):
    services.submit_dossier(actor=producer_actor, candidacy=implementing,
                            documents=[("Phiếu kiểm nghiệm", None), ("Bản tự công bố sản phẩm", None)], today=TODAY)
    return services.confirm_dossier(actor=commune_actor, candidacy=implementing,
                                    samples_received_on=TODAY, local_labour_share="80", local_material_share="95",
                                    today=TODAY)


@pytest.fixture
def under_evaluation(proposed, office_actor, members):
    return services.open_evaluation(actor=office_actor, candidacy=proposed, members=members,
                                    evaluation_round="2026 đợt 1", today=TODAY)


@pytest.fixture
def score_all(under_evaluation, member_actors):
    def _score(rows):
        for actor, (a, b, c) in zip(member_actors, rows, strict=True):
            services.submit_scores(actor=actor, candidacy=under_evaluation, score_a=a, score_b=b, score_c=c,
                                   today=TODAY)
        return under_evaluation

    return _score


@pytest.fixture
def evaluated(score_all, office_actor):
    candidacy = score_all([(32, 20, 28), (30, 19, 27), (31, 21, 26)])
    return services.close_evaluation(actor=office_actor, candidacy=candidacy, today=TODAY)


@pytest.fixture
def recognised(evaluated, office_actor):
    return services.issue_decision(actor=office_actor, candidacy=evaluated, decision_number="215/QĐ-UBND",
                                   decision_date=datetime.date(2026, 3, 20), today=datetime.date(2026, 3, 20))
