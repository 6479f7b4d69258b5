"""Inspection visits from a phone: the form (GPS point, photos), who may record what, the list and detail pages."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.common.text import fold
from apps.traceability.models import Inspection, InspectionPhoto, InspectionResult, LocationSource
from apps.traceability.services import record_inspection
from tests.traceability.conftest import png

NEW = "/inspections/new/"
ORGANISATION = "Chi cục Trồng trọt và BVTV Đắk Lắk"


def _zone_in(make_zone, name: str, commune, **where):
    zone = make_zone(name, **where)
    zone.search_name = fold(name)  # what apps.zones.services.create_zone fills
    zone.save(update_fields=["search_name"])
    zone.communes.add(commune)
    return zone


@pytest.fixture
def zone_here(make_zone, commune):
    return _zone_in(make_zone, "Vùng cà phê Ea Tu", commune, lon=108.10, lat=12.70)


@pytest.fixture
def zone_elsewhere(make_zone, other_commune):
    return _zone_in(make_zone, "Vùng cà phê Krông Búk", other_commune, lon=108.30, lat=12.90)


@pytest.fixture
def inspector(make_account):
    return make_account("thanhtra", Role.INSPECTOR, organisation=ORGANISATION, full_name="Lê Thị Hoa")


@pytest.fixture
def commune_officer(make_account, commune):
    return make_account("canboxa", Role.COMMUNE_OFFICER, communes=[commune], full_name="Y Nuê Byă")


def visit(zone, **changes) -> dict:
    """The form as the page's script posts it for a visit of ``zone`` (or of what ``target=`` names)."""
    data = {
        "target": f"zone:{zone.pk}", "inspected_on": timezone.localdate().isoformat(),
        "result": InspectionResult.OBSERVATIONS, "findings": "Thiếu sổ ghi chép phun thuốc tháng 6",
        "inspector_name": "Lê Thị Hoa", "organisation": ORGANISATION,
        "latitude": "12.7051234", "longitude": "108.1049876", "accuracy": "8.5", "location_source": "gps",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# --- recording ---------------------------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_inspectors_profile_and_asks_the_camera(client, inspector):
    client.force_login(inspector)
    page = client.get(NEW).content.decode()
    assert 'value="Lê Thị Hoa"' in page and f'value="{ORGANISATION}"' in page
    assert f'value="{timezone.localdate().isoformat()}"' in page  # the date defaults to today
    assert 'accept="image/*"' in page and 'capture="environment"' in page and "multiple" in page
    assets = re.findall(r'<script src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"', page)
    assert "/static/leaflet/leaflet.js" in {script for script, _css in assets}
    assert all((script or css).startswith("/static/") for script, css in assets)  # served by us, no CDN


def test_an_inspector_records_a_visit_with_its_gps_point_and_two_photos(client, inspector, zone_here, media):
    client.force_login(inspector)
    response = client.post(NEW, {**visit(zone_here), "photos": [png("a.png"), png("b.png", "red")]})

    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("traceability:inspection-detail", args=[inspection.pk]) + "?saved=1"
    assert inspection.zone == zone_here and inspection.result == InspectionResult.OBSERVATIONS
    assert (inspection.location.x, inspection.location.y) == pytest.approx((108.1049876, 12.7051234))
    assert inspection.location.srid == 4326
    assert inspection.location_accuracy_m == Decimal("8.5")
    assert inspection.location_source == LocationSource.GPS
    assert inspection.recorded_by == inspector
    photos = list(inspection.photos.all())
    assert len(photos) == 2
    assert all(photo.image.name.endswith(".png") for photo in photos)
    assert len(stored_files(media)) == 2

    detail = client.get(response["Location"]).content.decode()
    assert "12.705123, 108.104988" in detail
    for photo in photos:
        assert reverse("traceability:inspection-photo", args=[inspection.pk, photo.pk]) in detail
    served = client.get(reverse("traceability:inspection-photo", args=[inspection.pk, photos[0].pk]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")


def test_the_script_gets_a_json_answer_with_the_new_inspections_page(client, inspector, zone_here, media):
    client.force_login(inspector)
    response = client.post(NEW, visit(zone_here, result=InspectionResult.PASS, findings=""),
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    inspection = Inspection.objects.get()
    assert response.json() == {"saved": True, "id": inspection.pk,
                               "url": reverse("traceability:inspection-detail", args=[inspection.pk])}


def test_coordinates_typed_with_a_decimal_comma_are_a_manual_point_without_accuracy(client, inspector, zone_here,
                                                                                    media):
    client.force_login(inspector)
    client.post(NEW, visit(zone_here, latitude="12,70", longitude="108,11", location_source=""))
    inspection = Inspection.objects.get()
    assert (inspection.location.x, inspection.location.y) == pytest.approx((108.11, 12.70))
    assert inspection.location_source == LocationSource.MANUAL
    assert inspection.location_accuracy_m is None


def test_a_visit_without_a_point_is_recorded_without_one(client, inspector, zone_here, media):
    client.force_login(inspector)
    client.post(NEW, visit(zone_here, latitude="", longitude="", accuracy="", location_source=""))
    inspection = Inspection.objects.get()
    assert inspection.location is None and inspection.location_source == ""


@pytest.mark.parametrize(("latitude", "longitude", "message"), [
    ("95", "108.1", "không phải là vĩ độ"),
    ("abc", "108.1", "không phải là số"),
    ("48.85", "2.35", "nằm ngoài lãnh thổ Việt Nam"),
    ("108.1", "12.7", "Vĩ độ và kinh độ có vẻ bị đảo ngược"),
])
def test_a_bad_position_is_shown_next_to_the_latitude_and_nothing_is_saved(client, inspector, zone_here, media,
                                                                           latitude, longitude, message):
    client.force_login(inspector)
    response = client.post(NEW, {**visit(zone_here, latitude=latitude, longitude=longitude),
                                 "photos": [png("a.png"), png("b.png")]})
    assert response.status_code == 400
    assert message in response.context["form"].errors["latitude"][0]
    page = response.content.decode()
    assert message in page
    assert "Thiếu sổ ghi chép phun thuốc tháng 6" in page  # the officer's input is kept
    assert f'value="zone:{zone_here.pk}" form="inspection-form" checked' in page
    assert "Chọn lại ảnh" in page  # a browser cannot keep files: say so
    assert Inspection.objects.count() == 0 and InspectionPhoto.objects.count() == 0
    assert stored_files(media) == []


def test_a_file_that_is_not_an_image_is_refused_by_name_and_nothing_is_saved(client, inspector, zone_here, media):
    client.force_login(inspector)
    fake = SimpleUploadedFile("bien-ban.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = client.post(NEW, {**visit(zone_here), "photos": [png("a.png"), fake]})
    assert response.status_code == 400
    errors = response.context["form"].errors["photos"]
    assert errors == ["Ảnh: bien-ban.jpg không phải là ảnh (JPEG, PNG hoặc WebP)."]
    assert errors[0] in response.content.decode()
    assert Inspection.objects.count() == 0 and InspectionPhoto.objects.count() == 0
    assert stored_files(media) == []


def test_errors_come_back_as_json_for_the_script(client, inspector, zone_here, media):
    client.force_login(inspector)
    response = client.post(NEW, visit(zone_here, findings="", result=InspectionResult.FAIL),
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"saved": False, "errors": {"findings": ["Phát hiện: mô tả những gì đã phát hiện."]}}
    assert Inspection.objects.count() == 0


def test_a_missing_target_is_asked_for(client, inspector, media):
    client.force_login(inspector)
    response = client.post(NEW, visit(inspector, target=""))
    assert response.status_code == 400
    assert "target" in response.context["form"].errors
    assert Inspection.objects.count() == 0


def test_the_same_form_sent_twice_records_one_inspection(client, inspector, zone_here, media):
    client.force_login(inspector)
    data = visit(zone_here)
    first = client.post(NEW, {**data, "photos": [png()]})
    second = client.post(NEW, {**data, "photos": [png()]})
    assert Inspection.objects.count() == 1 and InspectionPhoto.objects.count() == 1
    assert first["Location"] == second["Location"]


# --- who may record what -------------------------------------------------------------------------------------------


def test_a_commune_officer_records_an_inspection_in_its_commune(client, commune_officer, zone_here, commune, media):
    client.force_login(commune_officer)
    page = client.get(NEW).content.decode()
    assert f'value="Ủy ban nhân dân {commune.name}"' in page  # no organisation on the profile: the commune's
    response = client.post(NEW, visit(zone_here, organisation=f"UBND {commune.name}"))
    assert response.status_code == 302
    assert Inspection.objects.get().recorded_by == commune_officer


def test_a_commune_officer_cannot_record_an_inspection_of_a_zone_outside_its_communes(
        client, commune_officer, zone_elsewhere, media):
    client.force_login(commune_officer)
    response = client.post(NEW, {**visit(zone_elsewhere), "photos": [png()]})  # forged: never offered in search
    assert response.status_code == 403
    assert "ngoài vai trò hoặc các xã của bạn" in response.context["form"].errors["target"][0]
    assert Inspection.objects.count() == 0 and InspectionPhoto.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.parametrize("role", [Role.PRODUCER, None, Role.LEGACY_DISTRICT_OFFICER, Role.COUNCIL_MEMBER])
def test_users_who_do_not_inspect_get_403_and_save_nothing(client, make_account, producer, zone_here, role, media):
    user = make_account("khach", role, producer=producer if role == Role.PRODUCER else None)
    client.force_login(user)
    assert client.get(NEW).status_code == 403
    assert client.get("/inspections/targets/?q=ca phe").status_code == 403
    assert client.post(NEW, visit(zone_here)).status_code == 403
    assert Inspection.objects.count() == 0


def test_visitors_are_sent_to_log_in(client, zone_here):
    response = client.get(NEW)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post(NEW, visit(zone_here), HTTP_ACCEPT="application/json").status_code == 401
    assert Inspection.objects.count() == 0


# --- finding what to inspect ----------------------------------------------------------------------------------------


def test_the_search_ignores_accents_and_offers_only_what_the_user_may_inspect(client, inspector, commune_officer,
                                                                             zone_here, zone_elsewhere):
    client.force_login(inspector)
    found = client.get("/inspections/targets/", {"q": "vung ca phe"}).json()["results"]
    assert {item["value"] for item in found} == {f"zone:{zone_here.pk}", f"zone:{zone_elsewhere.pk}"}

    client.force_login(commune_officer)
    found = client.get("/inspections/targets/", {"q": "VÙNG CÀ PHÊ"}).json()["results"]
    assert [item["value"] for item in found] == [f"zone:{zone_here.pk}"]


def test_the_search_works_without_the_script(client, inspector, zone_here):
    client.force_login(inspector)
    page = client.get(NEW, {"q": "ea tu", "kind": "zone"}).content.decode()
    assert f'value="zone:{zone_here.pk}"' in page and "Vùng cà phê Ea Tu" in page


def test_nearest_to_my_position_lists_targets_nearest_first_with_distances(client, inspector, zone_here,
                                                                          zone_elsewhere, packing_facility):
    client.force_login(inspector)
    found = client.get("/inspections/targets/", {"lat": "12.705", "lon": "108.105"}).json()["results"]
    assert found[0]["value"] == f"zone:{zone_here.pk}" and found[0]["distance_m"] == 0  # standing in it
    assert found[1]["value"] == f"packing_facility:{packing_facility.pk}"
    assert 6000 < found[1]["distance_m"] < 8000  # 108.05, 12.68 is about 6.5 km away
    assert [item["distance_m"] for item in found] == sorted(item["distance_m"] for item in found)
    assert f"zone:{zone_elsewhere.pk}" in {item["value"] for item in found}


def test_a_lot_can_be_found_by_its_code_and_inspected(client, inspector, lot, media):
    client.force_login(inspector)
    found = client.get("/inspections/targets/", {"q": "l2024", "kind": "lot"}).json()["results"]
    assert [item["value"] for item in found] == [f"lot:{lot.pk}"]
    response = client.post(NEW, visit(lot, target=f"lot:{lot.pk}", latitude="", longitude=""))
    assert response.status_code == 302
    assert Inspection.objects.get().lot == lot


# --- the list and the detail page ----------------------------------------------------------------------------------


def _inspection(target, *, by=None, organisation: str = ORGANISATION, photos=()) -> Inspection:
    return record_inspection(inspector_name="Nguyễn Văn A", organisation=organisation,
                             inspected_on=timezone.localdate(), result=InspectionResult.PASS, target=target,
                             recorded_by=by, photos=photos)


def test_the_list_shows_each_user_the_inspections_in_its_scope(client, inspector, commune_officer, make_account,
                                                              zone_here, zone_elsewhere, media):
    colleague = make_account("thanhtra2", Role.INSPECTOR, organisation="Cục BVTV")
    here = _inspection(zone_here, by=inspector, photos=[png()])
    elsewhere = _inspection(zone_elsewhere, by=colleague, organisation="Cục BVTV")

    client.force_login(inspector)
    mine = client.get("/inspections/").context["page"].object_list
    assert list(mine) == [here]  # recorded by me
    everything = client.get("/inspections/", {"show": "all"}).context["page"].object_list
    assert set(everything) == {here, elsewhere}  # inspectors read the whole province

    client.force_login(commune_officer)
    response = client.get("/inspections/", {"show": "all"})
    assert list(response.context["page"].object_list) == [here]
    assert "Vùng cà phê Krông Búk" not in response.content.decode()
    assert client.get(reverse("traceability:inspection-detail", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("traceability:inspection-detail", args=[here.pk])).status_code == 200
    photo = here.photos.get()
    assert client.get(reverse("traceability:inspection-photo", args=[here.pk, photo.pk])).status_code == 200


def test_a_producer_reads_only_the_inspections_of_its_own_records(client, make_account, make_producer, zone_here,
                                                                 zone_elsewhere, media):
    owner = make_producer("HTX Ea Tu", tax_code="6009990001")
    zone_here.producers.add(owner)
    own = _inspection(zone_here)
    other = _inspection(zone_elsewhere)
    client.force_login(make_account("htx", Role.PRODUCER, producer=owner))
    assert list(client.get("/inspections/").context["page"].object_list) == [own]
    assert client.get(reverse("traceability:inspection-detail", args=[other.pk])).status_code == 404


def test_the_public_cannot_read_inspections(client, make_account, zone_here):
    inspection = _inspection(zone_here)
    client.force_login(make_account("congchung", None))
    assert client.get("/inspections/").status_code == 403
    assert client.get(reverse("traceability:inspection-detail", args=[inspection.pk])).status_code == 403


def test_the_detail_page_puts_the_point_on_a_map(client, inspector, zone_here, media):
    client.force_login(inspector)
    client.post(NEW, visit(zone_here))
    inspection = Inspection.objects.get()
    response = client.get(reverse("traceability:inspection-detail", args=[inspection.pk]))
    page = response.content.decode()
    assert 'id="detail-map"' in page and "traceability/inspection-detail.js" in page
    assert '"point": [12.7051234, 108.1049876]' in page and '"accuracy": 8.5' in page
    assert "GPS của thiết bị" in page  # where the point came from, in Vietnamese
