import pytest

from apps.indications.models import GeographicalIndication
from tests.common.admin import add_url, form_errors, management_forms
from tests.common.geo import BMT, square

pytestmark = pytest.mark.django_db


def _form(**extra):
    return {"name": "Hồ tiêu Chư Sê", "kind": "gi", "registration_number": "00027", "holder": "UBND tỉnh",
            "registered_on": "", "protected_area": square(*BMT, 1000).geojson, "products": "", "description": "",
            **management_forms(GeographicalIndication), **extra}


def test_the_indication_admin_computes_the_area(admin_client):
    response = admin_client.post(add_url(GeographicalIndication), _form())
    assert response.status_code == 302
    assert float(GeographicalIndication.objects.get().area_ha) == pytest.approx(100, rel=0.005)


def test_the_indication_admin_shows_an_out_of_vietnam_area(admin_client):
    response = admin_client.post(add_url(GeographicalIndication), _form(protected_area=square(100.5, 13.75,
                                                                                               1000).geojson))
    assert "protected_area" in form_errors(response)
