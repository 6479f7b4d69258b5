import datetime
import zoneinfo

import pytest
from django.contrib.gis.geos import Point

from apps.outlets.selectors import (
    is_open_now,
    nearest_sales_points,
    open_sales_points,
    sales_points_carrying,
    search_sales_points,
)
from apps.outlets.services import create_sales_point
from tests.common.builders import make_product
from tests.common.geo import BMT, offset_point

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT_MARKET = {"sat": [["18:00", "02:00"]]}


@pytest.fixture
def night_market():
    return create_sales_point(name="Gian hàng chợ đêm", kind="market_booth", location=Point(*BMT),
                              opening_hours=NIGHT_MARKET)


@pytest.mark.parametrize(("at", "expected"), [
    (datetime.datetime(2025, 11, 15, 17, 59, tzinfo=HCM), False),   # Saturday, before opening
    (datetime.datetime(2025, 11, 15, 23, 0, tzinfo=HCM), True),     # Saturday evening
    (datetime.datetime(2025, 11, 16, 1, 30, tzinfo=HCM), True),     # Sunday 01:30, past midnight
    (datetime.datetime(2025, 11, 16, 2, 30, tzinfo=HCM), False),    # Sunday 02:30, closed
    (datetime.datetime(2025, 11, 15, 18, 30, tzinfo=datetime.UTC), True),  # Sunday 01:30 in Vietnam
])
def test_open_now_runs_across_midnight_in_vietnam_time(night_market, at, expected):
    assert is_open_now(night_market, at) is expected


def test_a_sales_point_without_hours_is_never_open():
    point = create_sales_point(name="Không giờ", kind="admin_counter", location=Point(*BMT))
    assert is_open_now(point, datetime.datetime(2025, 11, 16, 10, 0, tzinfo=HCM)) is False


def test_open_sales_points_lists_only_those_open(night_market):
    create_sales_point(name="Ban ngày", kind="admin_counter", location=Point(*BMT),
                       opening_hours={"sun": [["07:00", "17:00"]]})
    at = datetime.datetime(2025, 11, 16, 1, 30, tzinfo=HCM)
    assert [point.name for point in open_sales_points(at)] == ["Gian hàng chợ đêm"]


def test_sales_points_carrying_a_product(producer, product):
    carrying = create_sales_point(name="Trung tâm OCOP", kind="centre_province", location=Point(*BMT),
                                  products=[product])
    create_sales_point(name="Quầy khác", kind="admin_counter", location=Point(*BMT),
                       products=[make_product(producer, "Mật ong")])
    assert list(sales_points_carrying(product)) == [carrying]


def test_search_and_nearest(night_market):
    far = create_sales_point(name="Quầy xa", kind="admin_counter", location=offset_point(*BMT, dx_m=5000))
    assert list(search_sales_points("CHO DEM")) == [night_market]
    nearest = list(nearest_sales_points(offset_point(*BMT, dx_m=4000), limit=2))
    assert nearest[0] == far
    assert nearest[0].distance_m.m == pytest.approx(1000, rel=0.01)
