import datetime

import pytest
from django.db import connection
from django.utils import timezone, translation

from apps.stamps import admin as stamps_admin
from apps.stamps import services
from apps.stamps.models import CounterfeitReport, ScanEvent, Stamp, StampRun, StampStatus, StampStatusChange
from apps.traceability.services import recall_lot

RUNS = "/admin/stamps/stamprun/"
STAMPS = "/admin/stamps/stamp/"
SCANS = "/admin/stamps/scanevent/"
REPORTS = "/admin/stamps/counterfeitreport/"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password="x-long-password-1")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def account(django_user_model, username: str, producer):
    from apps.accounts.models import OfficerProfile, Role

    user = django_user_model.objects.create_user(username=username, password="x-long-password-1", is_staff=True)
    OfficerProfile.objects.create(user=user, role=Role.PRODUCER, producer=producer)
    return user


def add_run(admin_client, lot, **changes):
    data = {"lot": lot.pk, "count": "12", "error_correction": "Q", "stamp_size_mm": "20", "margin_mm": "10",
            "gap_mm": "3", "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0"}
    data.update(changes)
    return admin_client.post(f"{RUNS}add/", data)


def change_run(admin_client, run, **data):
    form = {"status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0", "serials": "",
            "reason": "", "sequence_from": "", "sequence_to": ""}
    form.update(data)
    return admin_client.post(f"{RUNS}{run.pk}/change/", form)


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_adding_a_run_issues_its_stamps_through_the_service(admin_client, admin_user, lot):
    response = add_run(admin_client, lot)
    assert response.status_code == 302
    run = StampRun.objects.get(lot=lot)
    assert run.count == 12 and run.created_by == admin_user
    assert run.options["error_correction"] == "Q" and run.options["stamp_size_mm"] == 20
    assert list(run.stamps.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, 13))
    assert set(run.stamps.values_list("status", flat=True)) == {StampStatus.ISSUED}


def test_a_run_refused_by_the_service_shows_the_error_on_its_field(admin_client, lot):
    recall_lot(lot=lot, reason="Dư lượng thuốc bảo vệ thực vật vượt ngưỡng")
    response = add_run(admin_client, lot)
    assert response.status_code == 200
    assert "đã bị thu hồi" in " ".join(form_errors(response)["lot"])
    assert not StampRun.objects.exists()


def test_print_options_out_of_range_are_refused_on_their_field(admin_client, lot):
    response = add_run(admin_client, lot, stamp_size_mm="200")
    assert response.status_code == 200 and "stamp_size_mm" in form_errors(response)
    assert not StampRun.objects.exists()


def test_the_run_page_revokes_a_range_with_its_reason_and_audits_it(admin_client, admin_user, run):
    response = change_run(admin_client, run, to_status="revoked", sequence_from="3", sequence_to="5",
                          reason="Tem in lỗi, bị đánh cắp tại xưởng in")
    assert response.status_code == 302
    revoked = Stamp.objects.filter(run=run, status=StampStatus.REVOKED)
    assert sorted(revoked.values_list("sequence", flat=True)) == [3, 4, 5]
    assert all(stamp.status_reason == "Tem in lỗi, bị đánh cắp tại xưởng in" for stamp in revoked)
    change = StampStatusChange.objects.get(run=run)
    assert (change.changed_count, change.changed_by, change.selection) == (3, admin_user, {"from": 3, "to": 5})


def test_revoking_without_a_reason_is_a_form_error_and_changes_nothing(admin_client, run):
    response = change_run(admin_client, run, to_status="revoked", sequence_from="1", sequence_to="2")
    assert response.status_code == 200
    assert "reason" in form_errors(response)
    assert not Stamp.objects.filter(run=run).exclude(status=StampStatus.ISSUED).exists()
    assert not StampStatusChange.objects.exists()


def test_an_impossible_transition_is_refused_all_or_nothing(admin_client, run):
    services.void_stamps(run=run, sequence_from=1, sequence_to=1)
    response = change_run(admin_client, run, to_status="active", sequence_from="1", sequence_to="4")
    assert response.status_code == 200 and "to_status" in form_errors(response)
    assert Stamp.objects.filter(run=run, status=StampStatus.ACTIVE).count() == 0


def test_a_range_outside_the_run_is_refused_on_the_range(admin_client, run):
    response = change_run(admin_client, run, to_status="void", sequence_from="5", sequence_to=str(run.count + 1))
    assert response.status_code == 200 and "sequence_from" in form_errors(response)


def test_the_run_page_shows_counts_and_output_links(admin_client, run):
    services.activate_stamps(run=run, sequence_from=1, sequence_to=5)
    html = admin_client.get(f"{RUNS}{run.pk}/change/").content.decode()
    with translation.override("vi"):
        expected = f"{StampStatus.ISSUED.label}: {run.count - 5}, {StampStatus.ACTIVE.label}: 5"
    assert expected in html
    assert f"/stamps/officer/runs/{run.pk}/sheet.pdf" in html and f"/stamps/officer/runs/{run.pk}/manifest.csv" in html


def test_runs_cannot_be_deleted(admin_client, run):
    assert admin_client.post(f"{RUNS}{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StampRun.objects.filter(pk=run.pk).exists()


def test_a_stamp_is_revoked_from_its_own_page(admin_client, stamp):
    response = admin_client.post(f"{STAMPS}{stamp.pk}/change/", {"to_status": "revoked",
                                                                 "reason": "Khách báo tem bị bóc dán lại"})
    assert response.status_code == 302
    stamp.refresh_from_db()
    assert (stamp.status, stamp.status_reason) == (StampStatus.REVOKED, "Khách báo tem bị bóc dán lại")


def test_a_stamp_page_refusal_shows_on_the_field(admin_client, stamp):
    services.void_stamps(serials=[stamp.serial])
    response = admin_client.post(f"{STAMPS}{stamp.pk}/change/", {"to_status": "active", "reason": ""})
    assert response.status_code == 200 and "to_status" in form_errors(response)
    stamp.refresh_from_db()
    assert stamp.status == StampStatus.VOID


def test_stamps_cannot_be_added_or_deleted(admin_client, stamp):
    assert admin_client.get(f"{STAMPS}add/").status_code == 403
    assert admin_client.post(f"{STAMPS}{stamp.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_stamp_list_finds_a_serial_as_typed_on_a_phone(admin_client, stamp):
    typed = stamp.serial.lower().replace("0", "o")
    response = admin_client.get(STAMPS, {"q": typed})
    assert list(response.context["cl"].result_list) == [stamp]


def test_bulk_actions_void_selected_stamps_or_refuse_them_all(admin_client, run):
    services.activate_stamps(run=run, sequence_from=1, sequence_to=run.count)
    first_three = list(Stamp.objects.filter(run=run, sequence__lte=3).values_list("pk", flat=True))
    admin_client.post(STAMPS, {"action": "void", "_selected_action": first_three, "reason": ""})
    assert Stamp.objects.filter(run=run, status=StampStatus.VOID).count() == 3
    response = admin_client.post(STAMPS, {"action": "revoke", "_selected_action": first_three, "reason": "x"},
                                 follow=True)
    assert Stamp.objects.filter(run=run, status=StampStatus.REVOKED).count() == 0
    assert any(message.level_tag == "error" for message in response.context["messages"])


def test_clearing_a_clone_flag_goes_through_the_service(admin_client, stamp):
    Stamp.objects.filter(pk=stamp.pk).update(is_flagged=True, flag_reason="too_many_scans",
                                             flagged_at=timezone.now())
    admin_client.post(STAMPS, {"action": "clear_flag", "_selected_action": [stamp.pk]})
    stamp.refresh_from_db()
    assert not stamp.is_flagged and stamp.flagged_at is None


def test_the_scan_log_is_listed_read_only(admin_client, stamp):
    services.record_scan(stamp=stamp, serial=stamp.serial, user_agent="Mozilla/5.0 Chrome/120 Mobile Safari/537")
    scan = ScanEvent.objects.get(stamp=stamp)
    response = admin_client.get(SCANS)
    assert response.status_code == 200 and stamp.serial in response.content.decode()
    assert admin_client.get(f"{SCANS}{scan.pk}/change/").status_code == 200
    assert admin_client.get(f"{SCANS}add/").status_code == 403
    assert admin_client.post(f"{SCANS}{scan.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ScanEvent.objects.filter(pk=scan.pk).exists()


def test_the_unfiltered_scan_log_is_counted_from_statistics_once_it_is_large(admin_client, stamp, monkeypatch):
    services.record_scan(stamp=stamp, serial=stamp.serial)
    monkeypatch.setattr(stamps_admin, "estimated_scan_count", lambda: 2_500_000_000)
    response = admin_client.get(SCANS)
    assert response.context["cl"].result_count == 2_500_000_000
    filtered = admin_client.get(SCANS, {"q": stamp.serial})
    assert filtered.context["cl"].result_count == 1


def test_a_small_scan_log_is_counted_exactly(admin_client, stamp):
    services.record_scan(stamp=stamp, serial=stamp.serial)
    assert admin_client.get(SCANS).context["cl"].result_count == 1


def test_the_statistics_estimate_covers_every_partition(stamp):
    for _number in range(3):
        services.record_scan(stamp=stamp, serial=stamp.serial)
    services.record_scan(stamp=stamp, serial=stamp.serial, at=timezone.now() - datetime.timedelta(days=400))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stamps_scanevent")
    assert stamps_admin.estimated_scan_count() == 4


def test_a_counterfeit_report_is_marked_reviewed_by_the_officer(admin_client, admin_user, stamp):
    report = services.report_counterfeit(serial=stamp.serial, message="Tem bị in mờ, nắp không có màng seal")
    response = admin_client.get(REPORTS)
    assert "Tem bị in mờ" in response.content.decode()
    admin_client.post(REPORTS, {"action": "mark_reviewed", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.is_reviewed and report.reviewed_by == admin_user
    assert admin_client.get(f"{REPORTS}add/").status_code == 403
    assert CounterfeitReport.objects.filter(is_reviewed=False).count() == 0


def test_a_producer_account_sees_its_own_runs_only(client, django_user_model, run, producer, commune):
    from apps.producers.models import LegalForm, Producer

    other = Producer.objects.create(name="HTX Hồ tiêu Cư Kuin", legal_form=LegalForm.COOPERATIVE,
                                    tax_code="6009876543", commune=commune, slug="htx-cu-kuin")
    client.force_login(account(django_user_model, "owner", producer))
    assert list(client.get(RUNS).context["cl"].result_list) == [run]
    client.force_login(account(django_user_model, "outsider", other))
    assert list(client.get(RUNS).context["cl"].result_list) == []
    assert client.get(f"{RUNS}{run.pk}/change/").status_code == 302  # "does not exist" for this user
    change_run(client, run, to_status="void", sequence_from="1", sequence_to="2")
    assert not Stamp.objects.filter(run=run, status=StampStatus.VOID).exists()
