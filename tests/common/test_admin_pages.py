import pytest

from apps.codes.models import CodeFormat
from apps.facilities.models import PackingFacility, ProductionFacility
from apps.indications.models import GeographicalIndication
from apps.outlets.models import SalesPoint
from apps.tourism.models import TourismSite, TourRoute
from apps.zones.models import Crop, GrowingAreaCode, RawMaterialZone
from tests.common.admin import add_url, change_url, changelist_url

pytestmark = pytest.mark.django_db

MODELS = [CodeFormat, Crop, RawMaterialZone, GrowingAreaCode, PackingFacility, ProductionFacility, SalesPoint,
          TourismSite, TourRoute, GeographicalIndication]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_admin_list_search_and_add_pages_render(admin_client, model):
    assert admin_client.get(changelist_url(model), {"q": "đắk lắk"}).status_code == 200
    response = admin_client.get(add_url(model))
    assert response.status_code == 200
    assert "new_status" not in response.content.decode()


def test_a_change_page_offers_the_status_change_and_shows_the_history(admin_client, make_zone):
    zone = make_zone()
    page = admin_client.get(change_url(zone)).content.decode()
    assert 'name="new_status"' in page
    assert "leaflet" in page.lower()
    assert "Đề xuất" in page  # the first history entry, in Vietnamese
