"""The zone editor's dry run and save: every problem explained in Vietnamese, nothing saved before acceptance."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format

from apps.zones.models import RawMaterialZone, ZoneVersion
from tests.common.geo import BMT, HANOI, square

pytestmark = pytest.mark.django_db

CHECK = reverse("workspace:zone-check")
CREATE = reverse("workspace:zone-create")


def bow_tie(lon: float = BMT[0], lat: float = BMT[1], size: float = 0.004) -> dict:
    """An outline that crosses itself once: repaired, it is two triangles."""
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat + size], [lon + size, lat],
                                                [lon, lat + size], [lon, lat]]]}


def problem(response, code: str) -> dict:
    found = [item for item in response.json()["problems"] if item["code"] == code]
    assert found, response.json()["problems"]
    return found[0]


# --- self-intersection ----------------------------------------------------------------------------------------------


def test_a_self_intersecting_outline_is_refused_until_the_officer_accepts_the_repaired_shape(office_client, post_json,
                                                                                           draft):
    response = post_json(CREATE, draft(bow_tie()), as_client=office_client)

    assert response.status_code == 409
    assert response.json()["saved"] is False
    assert response.json()["waiting_for"] == ["accept_repaired"]
    repair = problem(response, "self_intersection")
    assert repair["severity"] == "confirm"
    assert repair["accept_with"] == "accept_repaired"
    assert "tự cắt" in repair["message"]
    # The repaired shape comes with the answer, for the map: the bow tie's two triangles.
    assert repair["geometry"]["type"] == "MultiPolygon"
    assert len(repair["geometry"]["coordinates"]) == 2
    assert RawMaterialZone.objects.count() == 0

    response = post_json(CREATE, draft(bow_tie(), accept_repaired=True), as_client=office_client)

    assert response.status_code == 201, response.json()
    zone = RawMaterialZone.objects.get(pk=response.json()["zone"])
    assert zone.geometry.valid
    assert len(zone.geometry) == 2
    offered = GEOSGeometry(json.dumps(repair["geometry"]), srid=4326)
    assert zone.geometry.sym_difference(offered).area < offered.area * 1e-9  # what was shown is what was saved


def test_the_dry_run_reports_the_repair_and_the_area_but_saves_nothing(office_client, post_json, draft):
    response = post_json(CHECK, draft(bow_tie()), as_client=office_client)

    assert response.status_code == 200
    body = response.json()
    assert body["can_save"] is True
    assert body["ok"] is False  # the repair waits for acceptance
    assert body["is_repaired"] is True
    assert body["area_ha"] > 0
    assert [item["code"] for item in body["problems"]] == ["self_intersection"]
    assert RawMaterialZone.objects.count() == 0
    assert ZoneVersion.objects.count() == 0

    accepted = post_json(CHECK, draft(bow_tie(), accept_repaired=True), as_client=office_client).json()
    assert accepted["ok"] is True
    assert RawMaterialZone.objects.count() == 0


# --- overlap with another active code -------------------------------------------------------------------------------


@pytest.fixture
def coded_zone(make_zone, issue_code):
    zone = make_zone(name="Vùng sầu riêng đã cấp mã", side_m=500)
    issue_code([zone], code="VN-DLOR-0017")
    return zone


def test_an_overlap_with_another_active_code_names_the_code_and_shows_the_shared_square_metres(
        office_client, post_json, draft, coded_zone):
    # 500 m × 500 m squares, the second 250 m east of the first: they share 250 m × 500 m = 12.5 ha.
    response = post_json(CREATE, draft(square(*BMT, 500, dx_m=250)), as_client=office_client)

    assert response.status_code == 409
    overlap = problem(response, "zone_overlap")
    assert overlap["severity"] == "confirm"
    assert overlap["params"]["other_code"] == "VN-DLOR-0017"
    assert overlap["params"]["overlap_m2"] == pytest.approx(125_000, rel=0.005)
    with translation.override("vi"):
        shown = number_format(round(overlap["params"]["overlap_m2"]), 0, force_grouping=True)
    assert "VN-DLOR-0017" in overlap["message"]
    assert f"{shown} m²" in overlap["message"]
    assert "chồng lấn" in overlap["message"]
    # The shared part itself, to draw in red: the eastern half of the coded zone.
    shared = GEOSGeometry(json.dumps(overlap["geometry"]), srid=4326)
    expected = square(*BMT, 500).intersection(square(*BMT, 500, dx_m=250))
    assert shared.sym_difference(expected).area / expected.area < 1e-6
    assert RawMaterialZone.objects.count() == 1

    response = post_json(CREATE, draft(square(*BMT, 500, dx_m=250), accept_overlap=True), as_client=office_client)
    assert response.status_code == 201
    assert RawMaterialZone.objects.count() == 2


def test_an_overlap_cannot_be_accepted_when_the_zone_joins_an_active_code(office_client, post_json, draft, coded_zone,
                                                                         make_zone, issue_code):
    other = issue_code([make_zone(name="Vùng xa", side_m=200, dx_m=5000)])
    body = draft(square(*BMT, 500, dx_m=250), code=other.pk, accept_overlap=True)

    response = post_json(CREATE, body, as_client=office_client)

    assert response.status_code == 400
    overlap = problem(response, "zone_overlap")
    assert overlap["severity"] == "error"
    assert overlap["accept_with"] is None
    assert RawMaterialZone.objects.count() == 2
    assert list(other.zones.all()) != [] and other.zones.count() == 1


def test_a_zone_is_added_to_the_code_chosen_in_the_same_form(office_client, post_json, draft, make_zone, issue_code):
    code = issue_code([make_zone(name="Vùng đầu", side_m=200, dx_m=5000)])

    response = post_json(CREATE, draft(square(*BMT, 300), code=code.pk), as_client=office_client)

    assert response.status_code == 201, response.json()
    zone = RawMaterialZone.objects.get(pk=response.json()["zone"])
    assert code.zones.filter(pk=zone.pk).exists()


# --- outside the province, the commune; implausible size ------------------------------------------------------------


def test_a_zone_drawn_outside_the_province_is_refused_in_vietnamese(office_client, post_json, draft):
    response = post_json(CREATE, draft(square(*HANOI, 400)), as_client=office_client)

    assert response.status_code == 400
    outside = problem(response, "outside_province")
    assert outside["severity"] == "error"
    assert "Đắk Lắk" in outside["message"]
    assert "ngoài" in outside["message"]
    assert RawMaterialZone.objects.count() == 0


def test_a_zone_far_from_the_chosen_commune_waits_for_the_officer_to_confirm_it(office_client, post_json, draft,
                                                                               far_commune):
    body = draft(square(*BMT, 300), commune=far_commune.code)

    response = post_json(CREATE, body, as_client=office_client)

    assert response.status_code == 409
    outside = problem(response, "outside_commune")
    assert far_commune.name in outside["message"]
    assert outside["accept_with"] == "accept_commune"
    assert RawMaterialZone.objects.count() == 0
    assert post_json(CREATE, {**body, "accept_commune": True}, as_client=office_client).status_code == 201


def test_a_zone_outside_the_boundary_of_the_chosen_commune_is_refused_with_the_area_outside(
        office_client, post_json, draft, home_commune):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    zone_shape = square(*BMT, 1000)
    west, south, east, north = zone_shape.extent
    western_half = Polygon.from_bbox((west - 0.05, south - 0.05, (west + east) / 2, north + 0.05))
    home_commune.boundary = MultiPolygon(western_half, srid=4326)
    home_commune.save()

    response = post_json(CREATE, draft(zone_shape, commune=home_commune.code), as_client=office_client)

    assert response.status_code == 400
    outside = problem(response, "outside_commune")
    assert outside["severity"] == "error"
    assert home_commune.name in outside["message"]
    assert outside["geometry"] is not None
    assert RawMaterialZone.objects.count() == 0


def test_an_implausibly_large_zone_for_its_crop_is_refused(office_client, post_json, draft, cocoa):
    # Cocoa zones above 1,000 ha are implausible; 3.5 km × 3.5 km is 1,225 ha.
    response = post_json(CREATE, draft(square(*BMT, 3500), crop=cocoa.pk), as_client=office_client)

    assert response.status_code == 400
    implausible = problem(response, "implausible_area")
    assert implausible["params"]["max_ha"] == 1000
    assert implausible["params"]["area_ha"] == pytest.approx(1225, rel=0.005)
    assert "Ca cao" in implausible["message"]
    with translation.override("vi"):
        assert f"tối đa {number_format(1000, 0, force_grouping=True)} ha" in implausible["message"]
    assert RawMaterialZone.objects.count() == 0


def test_missing_name_and_geometry_are_explained_and_nothing_is_saved(office_client, post_json, draft):
    response = post_json(CREATE, draft(None, name=""), as_client=office_client)

    assert response.status_code == 400
    codes = [item["code"] for item in response.json()["problems"]]
    assert "invalid_name" in codes
    assert "geometry_required" in codes
    assert RawMaterialZone.objects.count() == 0


# --- a clean save ---------------------------------------------------------------------------------------------------


def test_a_clean_zone_is_saved_with_its_area_measured_on_the_ellipsoid_and_a_first_version(office_client, post_json,
                                                                                         draft, office):
    response = post_json(CREATE, draft(square(*BMT, 400), comment="Khảo sát thực địa tháng 9"),
                         as_client=office_client)

    assert response.status_code == 201, response.json()
    zone = RawMaterialZone.objects.get(pk=response.json()["zone"])
    assert abs(zone.area_ha - Decimal("16")) / Decimal("16") < Decimal("0.005")
    assert response.json()["area_ha"] == pytest.approx(float(zone.area_ha))
    version = zone.versions.get()
    assert (version.number, version.action, version.changed_by, version.comment) == (
        1, "created", office, "Khảo sát thực địa tháng 9")
    edit = office_client.get(response.json()["url"])
    assert edit.status_code == 200
    assert "Vùng cà phê mới" in edit.content.decode()
