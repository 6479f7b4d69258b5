import datetime

import pytest

from apps.zones.models import Crop
from tests.common.geo import BMT, square


@pytest.fixture
def coffee(db):
    return Crop.objects.get(slug="ca-phe")


@pytest.fixture
def durian(db):
    return Crop.objects.get(slug="sau-rieng")


@pytest.fixture
def make_zone(coffee):
    from apps.zones.services import create_zone

    def make(*, name="Vùng cà phê Ea Tu", side_m=500, dx_m=0.0, dy_m=0.0, crop=None, kind="cultivation"):
        return create_zone(name=name, kind=kind, crop=crop or coffee,
                           geometry=square(*BMT, side_m, dx_m=dx_m, dy_m=dy_m))

    return make


@pytest.fixture
def issue_code(coffee):
    from apps.zones.services import issue_growing_area_code

    def issue(*, zones=(), code=None, crop=None, letters="DL", code_type="export"):
        return issue_growing_area_code(
            code=code, code_type=code_type, crop=crop or coffee, province_letters=letters,
            issuing_authority="Chi cục Trồng trọt và BVTV Đắk Lắk", issue_date=datetime.date(2025, 9, 1),
            target_markets=["CN"], zones=zones,
        )

    return issue
