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


def _inspection_form(zone, photo) -> dict:
    return {
        "inspector_name": "Nguyễn Văn A", "organisation": "Cục BVTV", "inspected_on": "01/03/2024",
        "zone": zone.pk, "result": "pass", "findings": "", "location": "",
        "photos-TOTAL_FORMS": "1", "photos-INITIAL_FORMS": "0", "photos-0-image": photo, "photos-0-caption": "Cổng",
    }


def test_an_inspection_added_in_the_admin_keeps_who_recorded_it_and_its_checked_photo(admin_client, zone, media):
    from apps.traceability.models import Inspection
    from tests.traceability.conftest import png

    response = admin_client.post("/admin/traceability/inspection/add/", _inspection_form(zone, png("cong.jpg")))
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.recorded_by.username == "admin"
    photo = inspection.photos.get()
    assert photo.caption == "Cổng" and photo.image.name.endswith(".png")  # renamed to its real format


def test_the_admin_refuses_a_photo_in_another_format_and_saves_nothing(admin_client, zone, media):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from apps.traceability.models import Inspection, InspectionPhoto

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "GIF")  # an image Django accepts, not a photo format we keep
    gif = SimpleUploadedFile("anh.gif", buffer.getvalue(), content_type="image/gif")
    response = admin_client.post("/admin/traceability/inspection/add/", _inspection_form(zone, gif))
    assert response.status_code == 200
    assert "Ảnh: anh.gif không phải là ảnh (JPEG, PNG hoặc WebP)." in response.content.decode()
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()
