import datetime

from django.urls import reverse

from apps.evaluation import services
from apps.evaluation.models import Candidacy
from apps.evaluation.workflow import State


def test_the_commune_board_shows_what_waits_and_is_in_vietnamese(client, idea, commune_actor):
    client.force_login(commune_actor.user)
    response = client.get(reverse("evaluation:board", args=["commune"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Chờ tôi xử lý" in page and "Cà phê rang xay Ea Tu" in page and "Đã đăng ký ý tưởng" in page


def test_a_board_is_refused_to_another_role(client, producer_actor):
    client.force_login(producer_actor.user)
    assert client.get(reverse("evaluation:board", args=["province"])).status_code == 403
    assert client.get(reverse("api-evaluation-board", args=["province"])).status_code == 403


def test_a_board_needs_a_login(client, db):
    response = client.get(reverse("evaluation:board", args=["commune"]))
    assert response.status_code == 302


def test_the_board_api_lists_waiting_late_and_expiring(client, idea, commune_actor):
    client.force_login(commune_actor.user)
    body = client.get(reverse("api-evaluation-board", args=["commune"])).json()
    assert [item["id"] for item in body["waiting"]] == [idea.pk]
    assert body["waiting"][0]["state"] == "idea_submitted"
    assert body["waiting"][0]["due_on"] == (idea.state_since + datetime.timedelta(days=15)).isoformat()
    assert body["expiring"] == [] and body["role"] == "commune_officer"


def test_the_council_board_lists_the_evaluations_to_score(client, under_evaluation, member_actors):
    client.force_login(member_actors[1].user)
    page = client.get(reverse("evaluation:board", args=["council"])).content.decode()
    assert f'data-candidacy="{under_evaluation.pk}"' in page


def test_the_transparency_page_lists_only_published_decisions(client, recognised, office_actor):
    url = reverse("evaluation:results")
    assert "215/QĐ-UBND" not in client.get(url).content.decode()
    services.publish_result(actor=office_actor, candidacy=recognised)
    page = client.get(url).content.decode()
    assert "215/QĐ-UBND" in page and "Cà phê rang xay Ea Tu" in page and "20/03/2029" in page
    assert client.get(reverse("api-evaluation-results")).json()[0]["rating"]["decision_number"] == "215/QĐ-UBND"


def test_the_certificate_is_public_once_published(client, recognised, office_actor, producer_user):
    url = reverse("evaluation:certificate", args=[recognised.rating_id])
    assert client.get(url).status_code == 404
    client.force_login(producer_user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.logout()
    services.publish_result(actor=office_actor, candidacy=recognised)
    assert client.get(url).content.startswith(b"%PDF")


def test_the_candidacy_page_shows_the_history(client, proposed, commune_actor, other_commune_actor):
    client.force_login(commune_actor.user)
    page = client.get(reverse("evaluation:candidacy", args=[proposed.pk])).content.decode()
    assert "Phiếu kiểm nghiệm" in page and "Xác nhận hồ sơ" in page
    client.force_login(other_commune_actor.user)
    assert client.get(reverse("evaluation:candidacy", args=[proposed.pk])).status_code == 404


def test_the_api_runs_a_step_and_translates_refusals(client, idea, commune_actor, producer_actor):
    url = reverse("api-evaluation-step", args=[idea.pk, "accept_idea"])
    client.force_login(producer_actor.user)
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "not_allowed_for_role"
    client.force_login(commune_actor.user)
    response = client.post(url, {"note": "Đạt"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "idea_accepted"
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"


def test_the_api_registers_an_idea_and_refuses_scores_above_the_maximum(client, producer, producer_actor, coffee,
                                                                         under_evaluation, member_actors):
    client.force_login(producer_actor.user)
    response = client.post(reverse("api-evaluation-candidacies"),
                           {"producer": producer.pk, "product_name": "Mắc ca sấy", "category": coffee.pk,
                            "idea_description": "Mắc ca sấy nứt vỏ"}, content_type="application/json")
    assert response.status_code == 201
    assert Candidacy.objects.get(pk=response.json()["id"]).state == State.IDEA_SUBMITTED
    client.force_login(member_actors[0].user)
    response = client.post(reverse("api-evaluation-step", args=[under_evaluation.pk, "score_candidacy"]),
                           {"score_a": 41, "score_b": 20, "score_c": 30}, content_type="application/json")
    body = response.json()
    assert response.status_code == 400 and body["code"] == "score_above_maximum"
    assert body["params"]["part"] == "A" and body["field"] == "score_a"
