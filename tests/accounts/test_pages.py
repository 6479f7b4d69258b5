"""The same checks on the other write paths: admin saves (scope of the saved record), bulk actions, the logbook,
the stamp pages and the stamps API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.producers.models import Producer
from apps.stamps.models import Stamp, StampRun, StampStatus
from apps.traceability.models import LotStatus, TraceEvent


def _producer_form(commune, tax_code: str, name: str = "HTX Ea Kmăt") -> dict:
    return {"name": name, "legal_form": "htx", "tax_code": tax_code, "commune": commune.pk, "legacy_commune": "",
            "representative": "", "phone": "", "email": "", "website": "", "address": "", "location": "",
            "is_open_to_visits": "", "partners": []}


def test_a_commune_officer_registers_a_producer_in_its_commune_from_the_admin(client, world, users):
    client.force_login(users["commune_officer"])
    response = client.post(reverse("admin:producers_producer_add"), _producer_form(world["a"].commune, "6100000001"))
    assert response.status_code == 302
    assert Producer.objects.get(tax_code="6100000001").commune == world["a"].commune


def test_a_commune_officer_cannot_register_a_producer_outside_its_communes_from_the_admin(client, world, users):
    client.force_login(users["commune_officer"])
    response = client.post(reverse("admin:producers_producer_add"), _producer_form(world["b"].commune, "6100000002"))
    assert response.status_code == 200
    assert "ngoài vai trò hoặc phạm vi" in response.content.decode()
    assert not Producer.objects.filter(tax_code="6100000002").exists()


def test_a_commune_officer_cannot_move_a_producer_out_of_its_communes(client, world, users):
    producer = world["a"].records["producer"]
    client.force_login(users["commune_officer"])
    response = client.post(reverse("admin:producers_producer_change", args=[producer.pk]),
                           _producer_form(world["b"].commune, producer.tax_code, name="HTX đã chuyển"))
    assert response.status_code == 200
    producer.refresh_from_db()
    assert producer.commune == world["a"].commune and producer.name == "HTX a"


def test_a_commune_officer_cannot_open_an_unpublished_record_of_another_commune(client, world, users):
    client.force_login(users["commune_officer"])
    zone = world["b"].records["zone"]
    response = client.get(reverse("admin:zones_rawmaterialzone_change", args=[zone.pk]), follow=True)
    assert zone.name not in response.content.decode()
    listing = client.get(reverse("admin:zones_rawmaterialzone_changelist")).content.decode()
    assert world["a"].records["zone"].name in listing and zone.name not in listing


def test_a_bulk_action_on_records_the_user_may_not_change_does_nothing(client, world, users):
    lot = world["a"].records["lot"]
    client.force_login(users["commune_officer"])  # reads the lot, may not change it
    response = client.post(reverse("admin:traceability_lot_changelist"),
                           {"action": "release", "_selected_action": [lot.pk]}, follow=True)
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPEN
    assert "ngoài vai trò hoặc phạm vi" in response.content.decode()


def test_a_bulk_delete_of_a_published_record_of_another_commune_is_refused(client, world, users):
    producer = world["b"].records["producer"]
    client.force_login(users["commune_officer"])
    client.post(reverse("admin:producers_producer_changelist"),
                {"action": "delete_selected", "_selected_action": [producer.pk], "post": "yes"})
    assert Producer.objects.filter(pk=producer.pk).exists()


def test_foreign_key_choices_in_the_admin_list_only_what_the_user_may_see(client, world, users):
    client.force_login(users["producer"])
    page = client.get(reverse("admin:traceability_traceevent_add")).content.decode()
    assert world["a"].records["lot"].code in page
    assert world["b"].records["lot"].code not in page


def _event_form(lot) -> dict:
    now = timezone.localtime()
    return {"lot": lot.pk, "biz_step": "shipping", "event_time_0": now.strftime("%Y-%m-%d"),
            "event_time_1": now.strftime("%H:%M:%S"), "event_type": "", "action": "", "disposition": "",
            "event_time_zone_offset": "+07:00", "notes": "Xuất hàng"}


@pytest.mark.parametrize(("side", "is_recorded"), [("a", True), ("b", False)])
def test_a_producer_records_logbook_events_for_its_own_lots_only_in_the_admin(client, world, users, side,
                                                                              is_recorded):
    lot = world[side].records["lot"]
    client.force_login(users["producer"])
    before = TraceEvent.objects.filter(lot=lot).count()
    client.post(reverse("admin:traceability_traceevent_add"), _event_form(lot))
    assert TraceEvent.objects.filter(lot=lot).count() == before + (1 if is_recorded else 0)


@pytest.mark.parametrize(("side", "expected_status"), [("a", 201), ("b", 404)])
def test_a_producer_appends_logbook_events_through_the_api_to_its_own_lots_only(world, users, side,
                                                                               expected_status):
    from rest_framework.test import APIClient

    lot = world[side].records["lot"]
    client = APIClient()
    client.force_authenticate(users["producer"])
    before = TraceEvent.objects.filter(lot=lot).count()
    response = client.post(f"/api/v1/records/lots/{lot.pk}/events/",
                           {"biz_step": "shipping", "event_time": timezone.now().isoformat(), "quantity": "10",
                            "unit": "kg"}, format="json")
    assert response.status_code == expected_status
    assert TraceEvent.objects.filter(lot=lot).count() == before + (1 if expected_status == 201 else 0)
    if expected_status == 201:
        assert response.json()["recorded_by"] == users["producer"].pk
        assert [event["sequence"] for event in client.get(f"/api/v1/records/lots/{lot.pk}/events/").json()] == [1, 2]


def test_an_officer_who_reads_a_lot_may_not_append_to_its_logbook(world, users):
    from rest_framework.test import APIClient

    lot = world["a"].records["lot"]
    client = APIClient()
    client.force_authenticate(users["commune_officer"])
    response = client.post(f"/api/v1/records/lots/{lot.pk}/events/",
                           {"biz_step": "packing", "event_time": timezone.now().isoformat()}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert TraceEvent.objects.filter(lot=lot).count() == 1


@pytest.mark.parametrize(("side", "is_issued"), [("a", True), ("b", False)])
def test_a_producer_issues_stamps_for_its_own_lots_only_on_the_stamp_page(client, world, users, side, is_issued):
    lot = world[side].records["lot"]
    client.force_login(users["producer"])
    client.post("/stamps/officer/", {"lot": lot.pk, "count": 3, "error_correction": "M", "stamp_size_mm": 25,
                                     "margin_mm": 10, "gap_mm": 3})
    assert StampRun.objects.filter(lot=lot, count=3).exists() == is_issued


def test_a_producer_cannot_see_or_change_another_producers_stamps(client, world, users):
    run = world["b"].records["stamp_run"]
    client.force_login(users["producer"])
    assert client.get(f"/stamps/officer/runs/{run.pk}/").status_code == 404
    assert str(run.lot) not in client.get("/stamps/officer/").content.decode()
    response = client.post(f"/stamps/officer/runs/{run.pk}/", {"to_status": "void", "sequence_from": 1,
                                                               "sequence_to": 2})
    assert response.status_code == 404
    response = client.post(f"/api/v1/stamps/runs/{run.pk}/status", {"to_status": "void", "sequence_from": 1,
                                                                    "sequence_to": 2},
                           content_type="application/json")
    assert response.status_code == 404
    assert not Stamp.objects.filter(run=run, status=StampStatus.VOID).exists()
    serial = Stamp.objects.filter(run=run).first().serial
    assert client.get(f"/api/v1/stamps/{serial}.svg").status_code == 404


def test_the_stamps_api_refuses_a_run_for_another_producers_lot_with_a_coded_error(client, world, users):
    lot = world["b"].records["lot"]
    client.force_login(users["producer"])
    response = client.post("/api/v1/stamps/runs/", {"lot": lot.pk, "count": 5}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not StampRun.objects.filter(lot=lot, count=5).exists()
    own = world["a"].records["lot"]
    response = client.post("/api/v1/stamps/runs/", {"lot": own.pk, "count": 5}, content_type="application/json")
    assert response.status_code == 201
    listed = {run["lot"] for run in client.get("/api/v1/stamps/runs/").json()}
    assert listed == {own.pk}
