import pytest
from django.contrib.gis.geos import Point

from apps.facilities.models import PackingFacility, ProductionFacility
from tests.common.admin import add_url, changelist_url, form_errors, management_forms
from tests.common.geo import BMT

pytestmark = pytest.mark.django_db


def _form(**extra):
    return {"name": "Cơ sở đóng gói Cư Kuin", "code": "VN-DLPH-0002", "code_type": "export", "operator": "",
            "operator_name": "Công ty Nông sản Cư Kuin", "location": Point(*BMT, srid=4326).geojson, "footprint": "",
            "address": "", "target_markets": "CN", "capacity_tonnes_per_day": "", "issuing_authority": "Cục BVTV",
            "issue_date": "2025-09-01", **management_forms(PackingFacility), **extra}


def test_the_packing_admin_registers_through_the_service(admin_client):
    response = admin_client.post(add_url(PackingFacility), _form())
    assert response.status_code == 302
    facility = PackingFacility.objects.get()
    assert (facility.sequence, facility.status_history.count()) == (2, 1)
    assert facility.commune is not None


def test_the_packing_admin_shows_a_code_format_error_on_the_code(admin_client):
    response = admin_client.post(add_url(PackingFacility), _form(code="DLPH-2"))
    assert any("VN-DLPH-0001" in message for message in form_errors(response)["code"])


def test_the_production_admin_searches_without_diacritics(admin_client, producer):
    from apps.facilities.services import register_production_facility

    register_production_facility(name="Xưởng rang cà phê", producer=producer, location=Point(*BMT))
    response = admin_client.get(changelist_url(ProductionFacility), {"q": "xuong rang ca phe"})
    assert "Xưởng rang cà phê" in response.content.decode()
