import pytest
from django.contrib.gis.geos import Point

from apps.outlets.models import SalesPoint
from tests.common.admin import add_url, form_errors, management_forms
from tests.common.geo import BMT, HANOI

pytestmark = pytest.mark.django_db


def _form(**extra):
    return {"name": "Điểm bán OCOP Buôn Ma Thuột", "kind": "tourist_site",
            "location": Point(*BMT, srid=4326).geojson, "address": "", "phone": "",
            "opening_hours": '{"sat": [["18:00", "02:00"]]}', "operator": "", "legacy_district": "", "products": "",
            **management_forms(SalesPoint), **extra}


def test_the_sales_point_admin_computes_the_flag(admin_client):
    response = admin_client.post(add_url(SalesPoint), _form())
    assert response.status_code == 302
    point = SalesPoint.objects.get()
    assert point.is_outside_province is False
    assert point.opening_hours == {"sat": [["18:00", "02:00"]]}


def test_the_sales_point_admin_shows_the_kind_error(admin_client):
    response = admin_client.post(add_url(SalesPoint), _form(location=Point(*HANOI, srid=4326).geojson))
    assert "kind" in form_errors(response)
    assert not SalesPoint.objects.exists()


def test_the_sales_point_admin_shows_an_opening_hours_error(admin_client):
    response = admin_client.post(add_url(SalesPoint), _form(opening_hours='{"sat": [["18:00", "18:00"]]}'))
    assert "opening_hours" in form_errors(response)
