"""The steps of the evaluation cycle taken from the HTML pages: each step's form appears only for the role that may
take it, a forged POST from another role is refused with the state unchanged, bad input comes back next to its field
in Vietnamese with the user's input kept, and the whole cycle runs from idea to published result through the pages.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.evaluation import services
from apps.evaluation.api import STEPS
from apps.evaluation.models import Candidacy, CandidacyKind, Criterion, DossierDocument
from apps.evaluation.permissions import actor_for, allowed_actions
from apps.evaluation.views import STEP_FORMS
from apps.evaluation.workflow import TRANSITIONS, Action, State
from apps.products.models import Product
from apps.ratings.models import RatingStatus

from .conftest import make_user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def page_of(client, candidacy) -> str:
    response = client.get(reverse("evaluation:candidacy", args=[candidacy.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post_step(client, candidacy, action, data=None, **kwargs):
    return client.post(reverse("evaluation:step", args=[candidacy.pk, action]), data or {}, **kwargs)


def has_form(page: str, action: str) -> bool:
    return f'id="step-{action}"' in page


def field_errors(page: str, field: str) -> str:
    """The error text shown in the block of one field (empty when the field shows none)."""
    match = re.search(rf'<div class="field has-error" data-field="{field}">(.*?)(?=<div class="field|</form>)', page,
                      re.S)
    return " ".join(re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', match.group(1))) if match else ""


def state_of(candidacy) -> str:
    candidacy.refresh_from_db()
    return candidacy.state


def pdf_upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def today() -> datetime.date:
    return timezone.localdate()


def test_every_step_on_a_candidacy_has_a_form_calling_the_same_service_as_the_api():
    on_candidacy = {action for action, rule in TRANSITIONS.items() if None not in rule.sources}
    assert set(STEP_FORMS) == on_candidacy
    assert {action: service for action, (_form, service) in STEP_FORMS.items()} == \
        {action: service for action, (service, _parse) in STEPS.items()}


def test_a_step_without_the_csrf_token_is_refused(idea, commune_actor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(commune_actor.user)
    page = page_of(client, idea)
    assert page.count('name="csrfmiddlewaretoken"') == 2  # both review forms (the language switcher is a link)
    assert post_step(client, idea, "accept_idea", {"note": "Đạt"}).status_code == 403
    assert state_of(idea) == State.IDEA_SUBMITTED


def test_allowed_actions_follow_the_table_for_role_scope_and_state(idea, producer_actor, commune_actor,
                                                                  other_commune_actor, office_actor):
    assert allowed_actions(commune_actor, idea) == [Action.ACCEPT_IDEA, Action.REJECT_IDEA]
    assert allowed_actions(producer_actor, idea) == []
    assert allowed_actions(other_commune_actor, idea) == []
    assert allowed_actions(office_actor, idea) == []
    assert allowed_actions(None, idea) == []


def test_a_published_result_offers_no_second_publication(recognised, office_actor):
    assert allowed_actions(office_actor, recognised) == [Action.PUBLISH_RESULT, Action.REVOKE_RECOGNITION]
    services.publish_result(actor=office_actor, candidacy=recognised)
    recognised.refresh_from_db()
    assert allowed_actions(office_actor, recognised) == [Action.REVOKE_RECOGNITION]


# --- registering an idea ------------------------------------------------------------------------------------------


def test_a_producer_registers_an_idea_from_its_board(client, producer, producer_user, coffee):
    client.force_login(producer_user)
    board = client.get(reverse("evaluation:board", args=["producer"])).content.decode()
    assert reverse("evaluation:register-idea") in board and "Đăng ký ý tưởng sản phẩm" in board
    form_page = client.get(reverse("evaluation:register-idea")).content.decode()
    assert "Ý tưởng sản phẩm" in form_page and "csrfmiddlewaretoken" in form_page
    response = client.post(reverse("evaluation:register-idea"), {
        "producer": producer.pk, "product_name": "Mắc ca sấy nứt vỏ", "category": coffee.pk,
        "idea_description": "Mắc ca Krông Năng sấy nứt vỏ, hộp 500 g.", "cycle_year": 2026}, follow=True)
    candidacy = Candidacy.objects.get(product__name="Mắc ca sấy nứt vỏ")
    assert response.redirect_chain[-1][0] == reverse("evaluation:candidacy", args=[candidacy.pk])
    assert candidacy.state == State.IDEA_SUBMITTED and candidacy.producer == producer
    assert candidacy.cycle_year == 2026 and candidacy.events.get().actor == producer_user
    assert "Đã đăng ký ý tưởng sản phẩm: xã sẽ xem xét." in response.content.decode()


def test_a_commune_officer_registers_only_for_producers_of_its_communes(client, commune_actor, producer,
                                                                         other_producer, coffee):
    client.force_login(commune_actor.user)
    form_page = client.get(reverse("evaluation:register-idea")).content.decode()
    assert producer.name in form_page and other_producer.name not in form_page
    response = client.post(reverse("evaluation:register-idea"), {
        "producer": other_producer.pk, "product_name": "Mật ong", "category": coffee.pk,
        "idea_description": "Mật ong rừng"})
    assert response.status_code == 400 and not Candidacy.objects.exists()
    assert "Hãy chọn một lựa chọn hợp lệ" in field_errors(response.content.decode(), "producer")
    response = client.post(reverse("evaluation:register-idea"), {
        "producer": producer.pk, "product_name": "Mật ong cà phê", "category": coffee.pk,
        "idea_description": "Mật ong hoa cà phê"})
    assert response.status_code == 302
    assert Candidacy.objects.get().events.get().actor_role == "commune_officer"


def test_a_missing_idea_is_shown_next_to_its_field_and_the_input_is_kept(client, producer, producer_user, coffee):
    client.force_login(producer_user)
    response = client.post(reverse("evaluation:register-idea"), {
        "producer": producer.pk, "product_name": "Mắc ca sấy", "category": coffee.pk, "idea_description": " "})
    page = response.content.decode()
    assert response.status_code == 400 and not Candidacy.objects.exists()
    assert field_errors(page, "idea_description") == "Ý tưởng sản phẩm: mô tả sản phẩm bạn muốn phát triển."
    assert 'value="Mắc ca sấy"' in page and f'<option value="{coffee.pk}" selected>' in page


def test_a_product_of_another_producer_is_refused_next_to_the_product(client, commune, commune_actor, producer,
                                                                       coffee):
    from apps.producers.services import register_producer
    from apps.products.services import register_product

    neighbour = register_producer(name="Tổ hợp tác Ca cao", legal_form="tht", tax_code="6001112223", commune=commune)
    cocoa = register_product(name="Ca cao lên men", category=coffee, producer=neighbour)
    client.force_login(commune_actor.user)
    response = client.post(reverse("evaluation:register-idea"), {
        "producer": producer.pk, "product": cocoa.pk, "idea_description": "Ca cao"})
    assert response.status_code == 400 and not Candidacy.objects.exists()
    assert field_errors(response.content.decode(), "product") == \
        "Sản phẩm: Ca cao lên men thuộc chủ thể khác."


def test_a_product_already_in_the_cycle_is_refused(client, idea, producer, producer_user):
    client.force_login(producer_user)
    response = client.post(reverse("evaluation:register-idea"), {
        "producer": producer.pk, "product": idea.product_id, "idea_description": "Lần nữa"})
    assert response.status_code == 409 and Candidacy.objects.count() == 1
    assert "đang tham gia chu trình" in field_errors(response.content.decode(), "product")


def test_the_idea_page_is_refused_to_roles_that_do_not_register(client, office_actor, members, producer, coffee):
    for user in (office_actor.user, members[0]):
        client.force_login(user)
        assert client.get(reverse("evaluation:register-idea")).status_code == 403
        response = client.post(reverse("evaluation:register-idea"), {
            "producer": producer.pk, "product_name": "Giả mạo", "category": coffee.pk, "idea_description": "x"})
        assert response.status_code == 403
        assert "Chỉ chủ thể OCOP và cán bộ xã được đăng ký ý tưởng sản phẩm." in response.content.decode()
    board = client.get(reverse("evaluation:board", args=["council"])).content.decode()
    assert reverse("evaluation:register-idea") not in board
    assert not Product.objects.filter(name="Giả mạo").exists() and not Candidacy.objects.exists()


# --- commune review of the idea and the plan ----------------------------------------------------------------------


def test_the_commune_accepts_an_idea_and_the_producer_sees_no_review_form(client, idea, commune_actor,
                                                                          producer_user):
    client.force_login(producer_user)
    page = page_of(client, idea)
    assert not has_form(page, "accept_idea") and not has_form(page, "reject_idea")
    assert "Hiện không có bước nào của hồ sơ này do bạn thực hiện." in page and "cán bộ xã" in page
    response = post_step(client, idea, "accept_idea", {"note": "giả mạo"})
    assert response.status_code == 403 and "không phải là bước dành cho" in response.content.decode()
    assert state_of(idea) == State.IDEA_SUBMITTED

    client.force_login(commune_actor.user)
    page = page_of(client, idea)
    assert has_form(page, "accept_idea") and has_form(page, "reject_idea") and "Việc bạn có thể làm" in page
    response = post_step(client, idea, "accept_idea", {"note": "Ý tưởng phù hợp"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluation:candidacy", args=[idea.pk])
    assert state_of(idea) == State.IDEA_ACCEPTED and idea.review_note == "Ý tưởng phù hợp"
    assert "Đã thực hiện: Chấp thuận ý tưởng." in response.content.decode()
    assert not has_form(response.content.decode(), "accept_idea")


def test_a_stale_step_is_refused_as_an_illegal_transition(client, idea, commune_actor):
    client.force_login(commune_actor.user)
    services.accept_idea(actor=commune_actor, candidacy=idea)
    response = post_step(client, idea, "reject_idea", {"note": "Muộn"})
    assert response.status_code == 409
    assert "Không thể “Không chấp thuận ý tưởng” khi hồ sơ đang ở trạng thái “Ý tưởng được chấp thuận”" in \
        response.content.decode()
    assert state_of(idea) == State.IDEA_ACCEPTED


def test_an_officer_of_another_commune_cannot_reach_the_candidacy(client, idea, other_commune_actor):
    client.force_login(other_commune_actor.user)
    assert client.get(reverse("evaluation:candidacy", args=[idea.pk])).status_code == 404
    assert post_step(client, idea, "accept_idea").status_code == 404
    assert state_of(idea) == State.IDEA_SUBMITTED


def test_a_rejection_needs_a_reason_and_the_idea_can_be_resubmitted(client, idea, commune_actor, producer_user,
                                                                     office_actor):
    client.force_login(commune_actor.user)
    response = post_step(client, idea, "reject_idea", {"note": ""})
    assert response.status_code == 400 and state_of(idea) == State.IDEA_SUBMITTED
    assert field_errors(response.content.decode(), "note") == "Lý do: nêu lý do không chấp thuận ý tưởng."
    assert post_step(client, idea, "reject_idea", {"note": "Chưa rõ nguồn nguyên liệu"}).status_code == 302
    assert state_of(idea) == State.IDEA_REJECTED

    client.force_login(office_actor.user)
    assert not has_form(page_of(client, idea), "resubmit_idea")
    assert post_step(client, idea, "resubmit_idea", {"idea_description": "x"}).status_code == 403
    assert state_of(idea) == State.IDEA_REJECTED

    client.force_login(producer_user)
    page = page_of(client, idea)
    assert has_form(page, "resubmit_idea") and "Cà phê Robusta rang mộc" in page  # the form starts from the idea
    assert post_step(client, idea, "resubmit_idea",
                     {"idea_description": "Robusta rang mộc, nguyên liệu từ vùng trồng Ea Tu"}).status_code == 302
    assert state_of(idea) == State.IDEA_SUBMITTED
    assert idea.idea_description == "Robusta rang mộc, nguyên liệu từ vùng trồng Ea Tu"


def test_the_producer_submits_a_plan_with_its_document_and_the_commune_rejects_then_approves(
        client, idea, commune_actor, producer_user, office_actor):
    services.accept_idea(actor=commune_actor, candidacy=idea)
    client.force_login(office_actor.user)
    assert not has_form(page_of(client, idea), "submit_plan")
    assert post_step(client, idea, "submit_plan", {"plan_summary": "x"}).status_code == 403

    client.force_login(producer_user)
    page = page_of(client, idea)
    assert has_form(page, "submit_plan") and 'enctype="multipart/form-data"' in page
    response = post_step(client, idea, "submit_plan", {"plan_summary": "", "plan_document": pdf_upload("pakd.pdf")})
    assert response.status_code == 400 and state_of(idea) == State.IDEA_ACCEPTED
    assert field_errors(response.content.decode(), "plan_summary").startswith("Phương án kinh doanh:")
    response = post_step(client, idea, "submit_plan", {"plan_summary": "Thị trường Buôn Ma Thuột; 2 tấn/năm.",
                                                       "plan_document": pdf_upload("pakd.pdf")})
    assert response.status_code == 302 and state_of(idea) == State.PLAN_SUBMITTED
    assert idea.plan_document.name.endswith(".pdf") and idea.plan_document.read() == b"%PDF-1.4 test"

    client.force_login(commune_actor.user)
    assert post_step(client, idea, "reject_plan", {"note": "Thiếu dự toán đầu tư"}).status_code == 302
    assert state_of(idea) == State.PLAN_REJECTED and idea.review_note == "Thiếu dự toán đầu tư"

    client.force_login(producer_user)
    assert has_form(page_of(client, idea), "resubmit_plan")
    assert post_step(client, idea, "resubmit_plan", {"plan_summary": "Có dự toán 300 triệu đồng."}).status_code == 302
    assert state_of(idea) == State.PLAN_SUBMITTED and idea.plan_summary == "Có dự toán 300 triệu đồng."
    assert post_step(client, idea, "approve_plan").status_code == 403

    client.force_login(commune_actor.user)
    assert has_form(page_of(client, idea), "approve_plan")
    assert post_step(client, idea, "approve_plan", {"note": "Đạt"}).status_code == 302
    assert state_of(idea) == State.IMPLEMENTING


# --- implementation and dossier -----------------------------------------------------------------------------------


def test_progress_outside_0_100_is_shown_next_to_the_share_and_the_note_is_kept(client, implementing,
                                                                                 producer_user):
    client.force_login(producer_user)
    assert has_form(page_of(client, implementing), "report_progress")
    response = post_step(client, implementing, "report_progress", {"note": "Đã mua máy rang", "percent_done": 150})
    page = response.content.decode()
    assert response.status_code == 400
    assert field_errors(page, "percent_done") == "Tiến độ: tỷ lệ hoàn thành phải từ 0 đến 100 %."
    assert "Đã mua máy rang</textarea>" in page
    assert not implementing.events.filter(action=Action.REPORT_PROGRESS).exists()
    response = post_step(client, implementing, "report_progress", {"note": "Đã mua máy rang", "percent_done": "nửa"})
    assert field_errors(response.content.decode(), "percent_done") == \
        "Tỷ lệ hoàn thành: nhập số phần trăm là số nguyên."
    assert post_step(client, implementing, "report_progress",
                     {"note": "Đã mua máy rang", "percent_done": 60}).status_code == 302
    event = implementing.events.get(action=Action.REPORT_PROGRESS)
    assert event.note == "Đã mua máy rang" and event.data == {"percent_done": 60}
    assert state_of(implementing) == State.IMPLEMENTING


def test_the_producer_submits_the_dossier_with_files(client, implementing, producer_user, office_actor):
    client.force_login(office_actor.user)
    assert not has_form(page_of(client, implementing), "submit_dossier")
    assert post_step(client, implementing, "submit_dossier",
                     {"document_title_1": "Giả mạo", "document_file_1": pdf_upload("x.pdf")}).status_code == 403
    assert not DossierDocument.objects.exists()

    client.force_login(producer_user)
    response = post_step(client, implementing, "submit_dossier", {})
    assert response.status_code == 400 and state_of(implementing) == State.IMPLEMENTING
    assert field_errors(response.content.decode(), "document_title_1").startswith("Tài liệu: đính kèm")
    response = post_step(client, implementing, "submit_dossier", {"document_file_1": pdf_upload("kn.pdf")})
    assert field_errors(response.content.decode(), "document_title_1") == "Tài liệu: mỗi tài liệu cần có tiêu đề."
    assert not DossierDocument.objects.exists() and state_of(implementing) == State.IMPLEMENTING
    response = post_step(client, implementing, "submit_dossier", {
        "document_title_1": "Phiếu kiểm nghiệm", "document_file_1": pdf_upload("kiem-nghiem.pdf"),
        "document_title_2": "Bản tự công bố sản phẩm", "document_file_2": pdf_upload("tu-cong-bo.pdf")})
    assert response.status_code == 302 and state_of(implementing) == State.DOSSIER_SUBMITTED
    documents = list(implementing.documents.all())
    assert [document.title for document in documents] == ["Phiếu kiểm nghiệm", "Bản tự công bố sản phẩm"]
    assert all(document.file.read() == b"%PDF-1.4 test" for document in documents)
    assert "Phiếu kiểm nghiệm" in page_of(client, implementing)


@pytest.fixture
def dossier_submitted(implementing, producer_actor):
    return services.submit_dossier(actor=producer_actor, candidacy=implementing,
                                   documents=[("Phiếu kiểm nghiệm", None)])


def test_the_commune_returns_an_incomplete_dossier(client, dossier_submitted, commune_actor, producer_user):
    client.force_login(producer_user)
    assert post_step(client, dossier_submitted, "return_dossier", {"note": "x"}).status_code == 403
    client.force_login(commune_actor.user)
    assert has_form(page_of(client, dossier_submitted), "return_dossier")
    assert post_step(client, dossier_submitted, "return_dossier",
                     {"note": "Thiếu bản tự công bố"}).status_code == 302
    assert state_of(dossier_submitted) == State.IMPLEMENTING and dossier_submitted.review_note == "Thiếu bản tự công bố"


def test_the_commune_confirms_the_local_shares_and_bad_shares_show_next_to_their_fields(
        client, dossier_submitted, commune_actor, producer_user):
    client.force_login(producer_user)
    assert not has_form(page_of(client, dossier_submitted), "confirm_dossier")
    response = post_step(client, dossier_submitted, "confirm_dossier", {
        "samples_received_on": today().isoformat(), "local_labour_share": "80", "local_material_share": "95"})
    assert response.status_code == 403 and state_of(dossier_submitted) == State.DOSSIER_SUBMITTED

    client.force_login(commune_actor.user)
    page = page_of(client, dossier_submitted)
    assert has_form(page, "confirm_dossier") and "Tỷ lệ lao động địa phương (%)" in page
    response = post_step(client, dossier_submitted, "confirm_dossier", {
        "samples_received_on": today().isoformat(), "local_labour_share": "120", "local_material_share": "95"})
    page = response.content.decode()
    assert response.status_code == 400 and state_of(dossier_submitted) == State.DOSSIER_SUBMITTED
    assert field_errors(page, "local_labour_share") == "Tỷ lệ lao động địa phương: tỷ lệ phải từ 0 đến 100 %."
    assert 'value="120"' in page and 'value="95"' in page
    response = post_step(client, dossier_submitted, "confirm_dossier", {
        "samples_received_on": "", "local_labour_share": "80", "local_material_share": "95"})
    assert field_errors(response.content.decode(), "samples_received_on") == \
        "Mẫu sản phẩm: nhập ngày nhận mẫu."
    response = post_step(client, dossier_submitted, "confirm_dossier", {
        "samples_received_on": today().isoformat(), "local_labour_share": "80,5", "local_material_share": "95"})
    assert response.status_code == 302 and state_of(dossier_submitted) == State.PROPOSED
    assert dossier_submitted.local_labour_share == Decimal("80.50")
    assert dossier_submitted.samples_received_on == today() and dossier_submitted.dossier_confirmed_on == today()


# --- council evaluation -------------------------------------------------------------------------------------------


def test_the_office_opens_the_evaluation_with_its_members(client, proposed, office_actor, commune_actor, members):
    client.force_login(commune_actor.user)
    assert not has_form(page_of(client, proposed), "open_evaluation")
    assert post_step(client, proposed, "open_evaluation",
                     {"members": [members[0].pk], "council_level": "province"}).status_code == 403
    assert state_of(proposed) == State.PROPOSED

    client.force_login(office_actor.user)
    page = page_of(client, proposed)
    assert has_form(page, "open_evaluation") and "Member1" in page
    response = post_step(client, proposed, "open_evaluation", {"council_level": "province"})
    assert response.status_code == 400
    assert field_errors(response.content.decode(), "members") == \
        "Hội đồng: phân công ít nhất một thành viên chấm điểm sản phẩm."
    response = post_step(client, proposed, "open_evaluation", {"members": [members[0].pk], "council_level": "district"})
    assert "không đánh giá sản phẩm OCOP" in field_errors(response.content.decode(), "council_level")
    response = post_step(client, proposed, "open_evaluation", {
        "members": [member.pk for member in members], "council_level": "province", "evaluation_round": "2026 đợt 2"})
    assert response.status_code == 302 and state_of(proposed) == State.UNDER_EVALUATION
    assert set(proposed.assignments.values_list("member_id", flat=True)) == {member.pk for member in members}
    assert proposed.criteria_set.code == "148/2023" and proposed.evaluation_round == "2026 đợt 2"


def test_a_member_scores_within_the_maxima_shown_on_the_form(client, under_evaluation, members, office_actor,
                                                             outsider_member_actor):
    client.force_login(members[0])
    page = page_of(client, under_evaluation)
    assert has_form(page, "score_candidacy") and "Tối đa 40 điểm theo Bộ tiêu chí 148/2023." in page
    assert "Tối đa 25 điểm" in page and "Tối đa 35 điểm" in page
    response = post_step(client, under_evaluation, "score_candidacy",
                         {"score_a": "41", "score_b": "20", "score_c": "30", "comment": "Bao bì tốt"})
    page = response.content.decode()
    assert response.status_code == 400 and not under_evaluation.member_scores.exists()
    assert field_errors(page, "score_a") == \
        "Phần A: 41 vượt quá 40, điểm tối đa theo Bộ tiêu chí 148/2023."
    assert 'value="41"' in page and "Bao bì tốt</textarea>" in page
    response = post_step(client, under_evaluation, "score_candidacy",
                         {"score_a": "32,5", "score_b": "20", "score_c": "28", "comment": "Bao bì tốt"})
    assert response.status_code == 302
    score = under_evaluation.member_scores.get(member=members[0])
    assert (score.score_a, score.score_b, score.score_c) == (Decimal("32.5"), 20, 28)
    assert 'value="32.5"' in page_of(client, under_evaluation)  # a member revises from its own scores

    client.force_login(office_actor.user)
    assert not has_form(page_of(client, under_evaluation), "score_candidacy")
    assert post_step(client, under_evaluation, "score_candidacy",
                     {"score_a": "1", "score_b": "1", "score_c": "1"}).status_code == 403
    client.force_login(outsider_member_actor.user)
    assert post_step(client, under_evaluation, "score_candidacy",
                     {"score_a": "1", "score_b": "1", "score_c": "1"}).status_code == 404
    assert under_evaluation.member_scores.count() == 1


def test_a_member_scores_criterion_by_criterion_with_their_maxima(client, under_evaluation, members, criteria_2023):
    raw = Criterion.objects.create(criteria_set=criteria_2023, part="a", code="A1", name="Nguyên liệu", max_score=5)
    labour = Criterion.objects.create(criteria_set=criteria_2023, part="a", code="A2", name="Sử dụng lao động",
                                      max_score=3)
    client.force_login(members[1])
    page = page_of(client, under_evaluation)
    assert "A1 Nguyên liệu" in page and "Tối đa 5 điểm." in page and "Tối đa 3 điểm." in page
    response = post_step(client, under_evaluation, "score_candidacy", {
        f"criterion_{raw.pk}": "6", f"criterion_{labour.pk}": "3", "score_b": "20", "score_c": "30"})
    assert response.status_code == 400
    assert field_errors(response.content.decode(), f"criterion_{raw.pk}") == \
        "Tiêu chí A1: 6 vượt quá 5, điểm tối đa theo Bộ tiêu chí 148/2023."
    response = post_step(client, under_evaluation, "score_candidacy", {
        f"criterion_{raw.pk}": "4,5", f"criterion_{labour.pk}": "3", "score_b": "20", "score_c": "30"})
    assert response.status_code == 302
    score = under_evaluation.member_scores.get(member=members[1])
    assert score.score_a == Decimal("7.5") and score.criterion_scores == {"A1": "4.5", "A2": "3"}


def test_closing_waits_for_every_member_then_averages(client, under_evaluation, office_actor, members):
    candidacy = under_evaluation
    services.submit_scores(actor=actor_for(members[0]), candidacy=candidacy, score_a=32, score_b=20, score_c=28)
    client.force_login(members[0])
    assert not has_form(page_of(client, candidacy), "close_evaluation")
    assert post_step(client, candidacy, "close_evaluation").status_code == 403

    client.force_login(office_actor.user)
    page = page_of(client, candidacy)
    assert has_form(page, "close_evaluation") and "1 trên 3 thành viên đã chấm điểm" in page
    response = post_step(client, candidacy, "close_evaluation")
    assert response.status_code == 400 and state_of(candidacy) == State.UNDER_EVALUATION
    assert "Điểm của hội đồng: còn thiếu điểm của Member2, Member3." in response.content.decode()
    for member, scores in zip(members[1:], [(30, 19, 27), (31, 21, 26)], strict=True):
        services.submit_scores(actor=actor_for(member), candidacy=candidacy, score_a=scores[0], score_b=scores[1],
                               score_c=scores[2])
    assert post_step(client, candidacy, "close_evaluation").status_code == 302
    assert state_of(candidacy) == State.EVALUATED
    assert (candidacy.score_a, candidacy.score_b, candidacy.score_c) == (Decimal(31), Decimal(20), Decimal(27))
    assert candidacy.total == Decimal(78) and candidacy.evaluated_on == today()


# --- decision, publication, revocation, re-evaluation -------------------------------------------------------------


def test_the_office_records_the_decision_at_the_level_of_the_era(client, evaluated, office_actor, producer_user):
    client.force_login(producer_user)
    assert not has_form(page_of(client, evaluated), "issue_decision")
    assert post_step(client, evaluated, "issue_decision",
                     {"decision_number": "1/QĐ", "decision_date": "2026-03-20"}).status_code == 403

    client.force_login(office_actor.user)
    page = page_of(client, evaluated)
    assert has_form(page, "issue_decision")
    assert "Kết quả của hội đồng 78,00 điểm: 4 sao." in page and "Cấp công nhận: Tỉnh." in page
    response = post_step(client, evaluated, "issue_decision", {"decision_number": "", "decision_date": "2026-03-20"})
    assert response.status_code == 400 and state_of(evaluated) == State.EVALUATED
    assert field_errors(response.content.decode(), "decision_number") == \
        "Số quyết định: kết quả 4 sao được công nhận bằng quyết định; hãy nhập số quyết định."
    response = post_step(client, evaluated, "issue_decision", {"decision_number": "215/QĐ-UBND",
                                                               "decision_date": "2026-03-20"})
    assert response.status_code == 302 and state_of(evaluated) == State.RECOGNISED
    rating = evaluated.rating
    assert (rating.decision_number, rating.decision_date, rating.stars) == ("215/QĐ-UBND",
                                                                           datetime.date(2026, 3, 20), 4)
    assert rating.council_level == "province" and rating.issuing_authority.startswith("Ủy ban nhân dân")


def test_the_office_publishes_a_result_once(client, recognised, office_actor, producer_user):
    client.force_login(producer_user)
    assert not has_form(page_of(client, recognised), "publish_result")
    assert post_step(client, recognised, "publish_result").status_code == 403
    recognised.refresh_from_db()
    assert recognised.published_at is None

    client.force_login(office_actor.user)
    assert has_form(page_of(client, recognised), "publish_result")
    response = post_step(client, recognised, "publish_result", follow=True)
    recognised.refresh_from_db()
    assert recognised.published_at is not None
    assert not has_form(response.content.decode(), "publish_result")
    response = post_step(client, recognised, "publish_result")
    assert response.status_code == 409 and "đã được công bố" in response.content.decode()
    assert "215/QĐ-UBND" in client.get(reverse("evaluation:results")).content.decode()


def test_the_office_revokes_a_recognition_with_a_reason(client, recognised, office_actor, commune_actor):
    client.force_login(commune_actor.user)
    assert not has_form(page_of(client, recognised), "revoke_recognition")
    assert post_step(client, recognised, "revoke_recognition",
                     {"reason": "x", "revoked_on": "2026-06-01"}).status_code == 403

    client.force_login(office_actor.user)
    response = post_step(client, recognised, "revoke_recognition", {"reason": "", "revoked_on": "2026-06-01"})
    assert response.status_code == 400 and state_of(recognised) == State.RECOGNISED
    assert field_errors(response.content.decode(), "reason") == "Lý do: hãy nêu lý do thu hồi quyết định công nhận."
    response = post_step(client, recognised, "revoke_recognition", {"reason": "Vi phạm ATTP", "revoked_on": "abc"})
    assert field_errors(response.content.decode(), "revoked_on") == "Nhập một ngày hợp lệ."
    response = post_step(client, recognised, "revoke_recognition",
                         {"reason": "Mẫu lưu thông không đạt chỉ tiêu vi sinh", "revoked_on": "2026-06-01"})
    assert response.status_code == 302 and state_of(recognised) == State.REVOKED
    recognised.rating.refresh_from_db()
    assert recognised.rating.status == RatingStatus.REVOKED
    assert recognised.rating.revoked_on == datetime.date(2026, 6, 1)


def test_the_producer_starts_a_re_evaluation_from_the_candidacy(client, recognised, producer_user, office_actor,
                                                                 members):
    client.force_login(office_actor.user)
    assert "step-start_re_evaluation" not in page_of(client, recognised)
    response = client.post(reverse("evaluation:re-evaluation", args=[recognised.rating_id]))
    assert response.status_code == 403
    client.force_login(members[0])
    assert client.post(reverse("evaluation:re-evaluation", args=[recognised.rating_id])).status_code == 404
    assert Candidacy.objects.count() == 1

    client.force_login(producer_user)
    page = page_of(client, recognised)
    assert "step-start_re_evaluation" in page and "20/03/2029" in page
    response = client.post(reverse("evaluation:re-evaluation", args=[recognised.rating_id]), follow=True)
    new = Candidacy.objects.get(kind=CandidacyKind.RE_EVALUATION)
    assert response.redirect_chain[-1][0] == reverse("evaluation:candidacy", args=[new.pk])
    assert new.state == State.IMPLEMENTING and new.previous_rating == recognised.rating
    assert has_form(response.content.decode(), "submit_dossier")
    page = page_of(client, recognised)
    assert "Đã có hồ sơ đánh giá lại đang xử lý" in page
    response = client.post(reverse("evaluation:re-evaluation", args=[recognised.rating_id]), follow=True)
    assert "đang tham gia chu trình" in response.content.decode()
    assert Candidacy.objects.count() == 2


def test_an_expiring_certificate_offers_a_re_evaluation_on_the_board(client, recognised, producer_user,
                                                                      office_actor):
    from apps.ratings.models import OcopRating

    OcopRating.objects.filter(pk=recognised.rating_id).update(valid_until=today() + datetime.timedelta(days=20))
    client.force_login(producer_user)
    board = client.get(reverse("evaluation:board", args=["producer"])).content.decode()
    assert reverse("evaluation:re-evaluation", args=[recognised.rating_id]) in board
    assert reverse("evaluation:candidacy", args=[recognised.pk]) in board
    client.force_login(office_actor.user)
    board = client.get(reverse("evaluation:board", args=["province"])).content.decode()
    assert f'data-rating="{recognised.rating_id}"' in board  # the office follows it to revoke, not to re-evaluate
    assert reverse("evaluation:re-evaluation", args=[recognised.rating_id]) not in board


# --- the whole cycle through the pages ----------------------------------------------------------------------------


def test_the_whole_cycle_runs_through_the_pages(client, producer, producer_user, commune_actor, office_actor,
                                                members, coffee):
    client.force_login(producer_user)
    response = client.post(reverse("evaluation:register-idea"), {
        "producer": producer.pk, "product_name": "Cà phê đặc sản Ea Tu", "category": coffee.pk,
        "idea_description": "Cà phê đặc sản chế biến ướt."})
    candidacy = Candidacy.objects.get()
    assert response.url == reverse("evaluation:candidacy", args=[candidacy.pk])

    def step(user, action, data=None):
        client.force_login(user)
        assert has_form(page_of(client, candidacy), action), action
        response = post_step(client, candidacy, action, data)
        assert response.status_code == 302, (action, response.content.decode()[-3000:])

    step(commune_actor.user, "accept_idea", {"note": "Phù hợp"})
    step(producer_user, "submit_plan", {"plan_summary": "Bán tại Buôn Ma Thuột và TP.HCM.",
                                        "plan_document": pdf_upload("phuong-an.pdf")})
    step(commune_actor.user, "approve_plan")
    step(producer_user, "report_progress", {"note": "Hoàn thiện bao bì", "percent_done": 90})
    step(producer_user, "submit_dossier", {"document_title_1": "Phiếu kiểm nghiệm",
                                           "document_file_1": pdf_upload("kiem-nghiem.pdf")})
    step(commune_actor.user, "confirm_dossier", {"samples_received_on": today().isoformat(),
                                                 "local_labour_share": "85", "local_material_share": "100"})
    step(office_actor.user, "open_evaluation", {"members": [member.pk for member in members],
                                                "council_level": "province", "evaluation_round": "2026 đợt 2"})
    for member, (a, b, c) in zip(members, [(32, 20, 28), (30, 19, 27), (31, 21, 26)], strict=True):
        step(member, "score_candidacy", {"score_a": a, "score_b": b, "score_c": c})
    step(office_actor.user, "close_evaluation")
    step(office_actor.user, "issue_decision", {"decision_number": "88/QĐ-UBND", "decision_date": today().isoformat()})
    step(office_actor.user, "publish_result")

    candidacy.refresh_from_db()
    assert candidacy.state == State.RECOGNISED and candidacy.published_at is not None
    assert candidacy.total == Decimal(78) and candidacy.rating.stars == 4
    assert candidacy.rating.status == RatingStatus.RECOGNISED and candidacy.rating.decision_number == "88/QĐ-UBND"
    results = client.get(reverse("evaluation:results")).content.decode()
    assert "Cà phê đặc sản Ea Tu" in results and "88/QĐ-UBND" in results
    assert [event.action for event in candidacy.events.all()] == [
        "register_idea", "accept_idea", "submit_plan", "approve_plan", "report_progress", "submit_dossier",
        "confirm_dossier", "open_evaluation", "score_candidacy", "score_candidacy", "score_candidacy",
        "close_evaluation", "issue_decision", "publish_result"]


def test_a_user_without_a_cycle_role_is_refused(client, idea, db):
    user = make_user("inspector", "inspector")
    client.force_login(user)
    assert client.get(reverse("evaluation:candidacy", args=[idea.pk])).status_code == 403
    assert post_step(client, idea, "accept_idea").status_code == 403
    assert client.get(reverse("evaluation:register-idea")).status_code == 403
    assert state_of(idea) == State.IDEA_SUBMITTED


def test_steps_only_accept_post(client, idea, commune_actor):
    client.force_login(commune_actor.user)
    assert client.get(reverse("evaluation:step", args=[idea.pk, "accept_idea"])).status_code == 405
    assert post_step(client, idea, "no_such_step").status_code == 404
