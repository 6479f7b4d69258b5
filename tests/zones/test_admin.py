import datetime

import pytest

from apps.zones.models import GrowingAreaCode, RawMaterialZone
from tests.common.admin import add_url, change_url, changelist_url, form_errors, management_forms
from tests.common.geo import BMT, HANOI, square

pytestmark = pytest.mark.django_db


def _zone_form(coffee, geometry, **extra):
    return {"name": "Vùng cà phê Hòa Thắng", "kind": "cultivation", "crop": str(coffee.pk),
            "geometry": geometry.geojson, "producers": "", "notes": "", **management_forms(RawMaterialZone), **extra}


def test_the_zone_admin_computes_area_and_communes(admin_client, coffee):
    response = admin_client.post(add_url(RawMaterialZone), _zone_form(coffee, square(*BMT, 1000)))
    assert response.status_code == 302
    zone = RawMaterialZone.objects.get()
    assert 99.5 < float(zone.area_ha) < 100.5
    assert zone.communes.count() == 1
    assert zone.status_history.count() == 1


def test_the_zone_admin_shows_a_domain_error_on_the_geometry(admin_client, coffee):
    response = admin_client.post(add_url(RawMaterialZone), _zone_form(coffee, square(*HANOI, 500)))
    assert response.status_code == 200
    assert any("Đắk Lắk" in message for message in form_errors(response)["geometry"])
    assert not RawMaterialZone.objects.exists()


def test_the_zone_admin_changes_status_through_the_service(admin_client, make_zone):
    zone = make_zone()
    data = _zone_form(zone.crop, zone.geometry, name=zone.name, new_status="revoked",
                      status_effective_date=datetime.date.today().isoformat(), status_reason="Sai vị trí")
    response = admin_client.post(change_url(zone), data)
    assert response.status_code == 302
    zone.refresh_from_db()
    assert zone.status == "revoked"
    response = admin_client.post(change_url(zone), {**data, "new_status": "active"})
    assert "new_status" in form_errors(response)


def test_the_zone_admin_searches_names_without_diacritics(admin_client, make_zone):
    make_zone(name="Vùng cà phê Ea Tu")
    response = admin_client.get(changelist_url(RawMaterialZone), {"q": "CA PHE ea tu"})
    assert "Vùng cà phê Ea Tu" in response.content.decode()


def _code_form(coffee, zones=(), **extra):
    return {"code": "", "code_type": "export", "province_letters": "DL", "crop": str(coffee.pk),
            "issuing_authority": "Cục Bảo vệ thực vật", "issue_date": "2025-09-01", "target_markets": "CN,US",
            "zones": [str(zone.pk) for zone in zones], **management_forms(GrowingAreaCode), **extra}


def test_the_code_admin_issues_the_next_code(admin_client, coffee, make_zone):
    response = admin_client.post(add_url(GrowingAreaCode), _code_form(coffee, [make_zone()]))
    assert response.status_code == 302
    code = GrowingAreaCode.objects.get()
    assert (code.code, code.sequence, code.target_markets) == ("VN-DLOR-0001", 1, ["CN", "US"])


def test_the_code_admin_shows_the_overlap_naming_the_other_code(admin_client, coffee, make_zone, issue_code):
    issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    overlapping = make_zone(name="B", side_m=1000, dx_m=500)
    response = admin_client.post(add_url(GrowingAreaCode), _code_form(coffee, [overlapping]))
    assert response.status_code == 200
    assert any("VN-DLOR-0017" in message for message in form_errors(response)["zones"])
    assert GrowingAreaCode.objects.count() == 1
