import datetime

import pytest

from apps.traceability.models import Lot, LotStatus, TraceEvent
from apps.traceability.selectors import verify_chain


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="admin", password="x-long-password-1")
    client.force_login(user)
    return client


def test_an_event_is_added_through_the_service_and_chained(admin_client, lot, zone):
    response = admin_client.post("/admin/traceability/traceevent/add/", {
        "lot": lot.pk, "biz_step": "harvesting", "event_time_0": "01/03/2024", "event_time_1": "08:00:00",
        "event_time_zone_offset": "+07:00", "zone": zone.pk, "quantity": "520", "unit": "kg",
        "documents": "desadv:PGH-1", "notes": "Thu hoạch đợt 1",
    })
    assert response.status_code == 302
    event = TraceEvent.objects.get(lot=lot)
    assert (event.event_type, event.action, event.sequence) == ("object", "ADD", 1)
    assert event.recorded_by.username == "admin"
    assert event.business_documents == [{"type": "desadv", "number": "PGH-1"}]
    assert event.lot_links.get().quantity == 520
    assert verify_chain(lot).is_intact


def test_an_event_refused_by_the_service_shows_the_error_on_the_field(admin_client, lot, zone):
    response = admin_client.post("/admin/traceability/traceevent/add/", {
        "lot": lot.pk, "biz_step": "spraying", "event_time_0": "01/03/2024", "event_time_1": "08:00:00",
        "zone": zone.pk, "input_product": "Abamectin",
    })
    assert response.status_code == 200
    assert "pre_harvest_interval_days" in response.context["adminform"].form.errors
    assert not TraceEvent.objects.exists()


def test_events_cannot_be_changed_or_deleted_in_the_admin(admin_client, lot):
    from apps.traceability.services import record_event
    from tests.traceability.conftest import at

    event = record_event(lot=lot, biz_step="inspecting", event_time=at(datetime.date(2024, 3, 1)), notes="gốc")
    url = f"/admin/traceability/traceevent/{event.pk}/change/"
    assert admin_client.get(url).status_code == 200  # viewable
    admin_client.post(url, {"notes": "sửa"})
    assert TraceEvent.objects.get(pk=event.pk).notes == "gốc"
    assert admin_client.post(f"/admin/traceability/traceevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TraceEvent.objects.filter(pk=event.pk).exists()


def test_the_lot_admin_refuses_shares_over_100(admin_client, product, make_zone):
    north, south = make_zone("Bắc"), make_zone("Nam", lon=108.2)
    data = {
        "product": product.pk, "code": "ADM-1", "production_date": "01/03/2024", "unit": "",
        "zone_shares-TOTAL_FORMS": "2", "zone_shares-INITIAL_FORMS": "0",
        "zone_shares-0-zone": north.pk, "zone_shares-0-share_percent": "70",
        "zone_shares-1-zone": south.pk, "zone_shares-1-share_percent": "40",
    }
    response = admin_client.post("/admin/traceability/lot/add/", data)
    assert response.status_code == 200
    assert not Lot.objects.filter(code="ADM-1").exists()
    data["zone_shares-1-share_percent"] = "30"
    response = admin_client.post("/admin/traceability/lot/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    lot = Lot.objects.get(code="ADM-1")
    assert sorted(share.share_percent for share in lot.zone_shares.all()) == [30, 70]


def test_the_recall_action_needs_a_reason(admin_client, lot):
    admin_client.post("/admin/traceability/lot/", {"action": "recall", "_selected_action": [lot.pk], "reason": ""})
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPEN
    admin_client.post("/admin/traceability/lot/", {"action": "recall", "_selected_action": [lot.pk],
                                                   "reason": "Nhiễm nấm mốc"})
    lot.refresh_from_db()
    assert (lot.status, lot.recall_reason) == (LotStatus.RECALLED, "Nhiễm nấm mốc")
