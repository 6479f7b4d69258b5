import pytest

from apps.tourism.models import TourismSite, TourRoute
from apps.tourism.services import create_tourism_site
from tests.common.admin import add_url, form_errors, management_forms
from tests.common.geo import BMT, offset_point

pytestmark = pytest.mark.django_db


def _route_form(sites, **extra):
    return {"name": "Tuyến du lịch cộng đồng", "site_order": [str(site.pk) for site in sites], "path": "",
            "description": "", "duration_hours": "", **management_forms(TourRoute), **extra}


def test_the_route_admin_draws_and_measures_the_route_from_its_sites(admin_client):
    sites = [create_tourism_site(name=f"Điểm {index}", kind="community",
                                 location=offset_point(*BMT, dx_m=index * 1000)) for index in range(3)]
    response = admin_client.post(add_url(TourRoute), _route_form(sites))
    assert response.status_code == 302
    route = TourRoute.objects.get()
    assert float(route.length_km) == pytest.approx(2.0, abs=0.01)
    assert route.stops.count() == 3


def test_the_route_admin_shows_too_few_sites(admin_client):
    site = create_tourism_site(name="Một", kind="community", location=offset_point(*BMT))
    response = admin_client.post(add_url(TourRoute), _route_form([site]))
    assert response.status_code == 200
    assert form_errors(response)


def test_the_site_admin_registers_a_site(admin_client):
    response = admin_client.post(add_url(TourismSite), {
        "name": "Làng văn hóa", "kind": "community", "location": offset_point(*BMT).geojson, "area": "",
        "product": "", "producer": "", "description": "", "visiting_hours": "{}", "phone": "", "email": "",
        "website": "", **management_forms(TourismSite)})
    assert response.status_code == 302
    assert TourismSite.objects.get().commune is not None
