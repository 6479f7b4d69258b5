"""Who may use the zone editor: the role and the communes of the user decide (apps.accounts.permissions)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.zones.models import RawMaterialZone
from tests.common.geo import BMT, square

pytestmark = pytest.mark.django_db

CREATE = reverse("workspace:zone-create")


def test_a_visitor_is_sent_to_log_in_and_cannot_save(client, post_json, draft):
    page = client.get(reverse("workspace:zone-new"))
    assert page.status_code == 302
    assert "next=/workspace/zones/new/" in page["Location"]

    response = post_json(CREATE, draft(square(*BMT, 300)))
    assert response.status_code == 401
    assert RawMaterialZone.objects.count() == 0


def test_a_user_without_a_role_is_refused_the_editor_and_the_save(client, outsider, post_json, draft):
    client.force_login(outsider)

    assert client.get(reverse("workspace:zone-new")).status_code == 403
    assert post_json(CREATE, draft(square(*BMT, 300))).status_code == 403
    assert post_json(reverse("workspace:zone-check"), draft(square(*BMT, 300))).status_code == 403
    assert RawMaterialZone.objects.count() == 0


def test_a_commune_officer_records_a_zone_in_their_commune(client, commune_officer, post_json, draft, home_commune):
    client.force_login(commune_officer)

    response = post_json(CREATE, draft(square(*BMT, 300)))

    assert response.status_code == 201, response.json()
    zone = RawMaterialZone.objects.get()
    assert list(zone.communes.all()) == [home_commune]
    assert zone.versions.get().changed_by == commune_officer


def test_a_commune_officer_cannot_record_a_zone_in_another_commune(client, commune_officer, post_json, draft,
                                                                   far_commune):
    client.force_login(commune_officer)
    elsewhere = square(far_commune.centroid.x, far_commune.centroid.y, 300)

    response = post_json(CREATE, draft(elsewhere))

    assert response.status_code == 400
    refusal = [item for item in response.json()["problems"] if item["code"] == "out_of_scope"]
    assert refusal and far_commune.name in refusal[0]["message"]
    assert RawMaterialZone.objects.count() == 0


def test_a_commune_officer_cannot_edit_or_restore_a_zone_outside_their_communes(client, commune_officer, make_zone,
                                                                                far_commune, post_json, draft):
    zone = make_zone(name="Vùng xã khác", at=(far_commune.centroid.x, far_commune.centroid.y))  # active: published
    client.force_login(commune_officer)

    assert client.get(reverse("workspace:zone-edit", args=[zone.pk])).status_code == 403
    response = post_json(reverse("workspace:zone-update", args=[zone.pk]),
                         draft(square(*BMT, 300), zone=zone.pk, name="Chiếm vùng"))
    assert response.status_code == 403
    assert client.post(reverse("workspace:zone-restore", args=[zone.pk, 1])).status_code == 403
    zone.refresh_from_db()
    assert zone.name == "Vùng xã khác"
    assert zone.versions.count() == 1


def test_a_commune_officer_cannot_move_their_zone_out_of_their_communes(client, commune_officer, make_zone,
                                                                        far_commune, post_json, draft):
    zone = make_zone(name="Vùng của xã")
    client.force_login(commune_officer)
    elsewhere = square(far_commune.centroid.x, far_commune.centroid.y, 300)

    response = post_json(reverse("workspace:zone-update", args=[zone.pk]), draft(elsewhere, zone=zone.pk))

    assert response.status_code == 403
    zone.refresh_from_db()
    assert zone.geometry.sym_difference(square(*BMT, 500)).area < square(*BMT, 500).area * 1e-6
    assert zone.versions.count() == 1


def test_a_commune_officer_is_offered_no_growing_area_code(client, commune_officer, make_zone, issue_code, post_json,
                                                           draft):
    code = issue_code([make_zone(name="Vùng có mã", side_m=200, dx_m=3000)])
    client.force_login(commune_officer)

    assert code.code not in client.get(reverse("workspace:zone-new")).content.decode()
    response = post_json(CREATE, draft(square(*BMT, 300), code=code.pk))
    assert response.status_code == 400
    assert [item["code"] for item in response.json()["problems"]] == ["invalid_code"]
    assert RawMaterialZone.objects.count() == 1


def test_an_unpublished_zone_outside_the_scope_does_not_exist_for_the_officer(client, commune_officer, make_zone,
                                                                              far_commune):
    zone = make_zone(name="Vùng đề xuất", status="proposed", at=(far_commune.centroid.x, far_commune.centroid.y))
    client.force_login(commune_officer)

    assert client.get(reverse("workspace:zone-edit", args=[zone.pk])).status_code == 404
    assert client.get(reverse("workspace:zone-history", args=[zone.pk])).status_code == 404
