import pytest
from django.contrib.gis.geos import Point

from apps.common.geometry import GeometryError
from apps.common.hours import OpeningHoursError
from apps.outlets.models import SalesPoint
from apps.outlets.services import SalesPointError, create_sales_point, update_sales_point
from tests.common.geo import BMT, HANOI

pytestmark = pytest.mark.django_db


def test_a_sales_point_in_the_province_gets_its_commune_and_is_not_flagged(product):
    point = create_sales_point(name="Trung tâm OCOP tỉnh Đắk Lắk", kind="centre_province", location=Point(*BMT),
                               opening_hours={"mon": [["07:00", "21:00"]]}, products=[product])
    point.refresh_from_db()
    assert point.is_outside_province is False
    assert point.commune.parent.code == "66"
    assert point.search_name == "trung tam ocop tinh dak lak"
    assert list(point.products.all()) == [product]


def test_a_showcase_outside_the_province_is_flagged():
    point = create_sales_point(name="Điểm giới thiệu OCOP Đắk Lắk tại Hà Nội", kind="showcase_outside",
                               location=Point(*HANOI, srid=4326))
    point.refresh_from_db()
    assert point.is_outside_province is True
    assert point.commune is None


def test_a_point_outside_the_province_must_be_a_showcase():
    with pytest.raises(SalesPointError) as caught:
        create_sales_point(name="Gian hàng siêu thị Hà Nội", kind="supermarket_booth",
                           location=Point(*HANOI, srid=4326))
    assert caught.value.code == "outside_province"
    assert "Đắk Lắk" in caught.value.message
    assert not SalesPoint.objects.exists()


def test_a_showcase_inside_the_province_is_refused():
    with pytest.raises(SalesPointError) as caught:
        create_sales_point(name="Điểm trưng bày", kind="showcase_outside", location=Point(*BMT, srid=4326))
    assert caught.value.code == "showcase_inside_province"


def test_a_sales_point_outside_vietnam_is_refused():
    with pytest.raises(GeometryError) as caught:
        create_sales_point(name="Bangkok", kind="showcase_outside", location=Point(100.5, 13.75, srid=4326))
    assert caught.value.code == "outside_vietnam"


def test_malformed_opening_hours_are_refused_naming_the_day():
    with pytest.raises(OpeningHoursError) as caught:
        create_sales_point(name="Quầy", kind="admin_counter", location=Point(*BMT),
                           opening_hours={"sat": [["18:00", "26:00"]]})
    assert caught.value.code == "bad_time"
    assert "sat" in caught.value.message


def test_moving_a_point_out_of_the_province_flags_it_and_checks_its_kind():
    point = create_sales_point(name="Quầy", kind="market_booth", location=Point(*BMT))
    with pytest.raises(SalesPointError):
        update_sales_point(sales_point=point, location=Point(*HANOI, srid=4326))
    update_sales_point(sales_point=point, location=Point(*HANOI, srid=4326), kind="showcase_outside")
    point.refresh_from_db()
    assert (point.is_outside_province, point.kind) == (True, "showcase_outside")
