from decimal import Decimal

import pytest

from apps.common.geometry import GeometryError
from apps.indications.selectors import indications_covering, search_indications
from apps.indications.services import IndicationError, register_indication, update_indication
from tests.common.geo import BMT, offset_point, square

pytestmark = pytest.mark.django_db


def _register(**overrides):
    arguments = {"name": "Cà phê Buôn Ma Thuột", "kind": "gi", "registration_number": "00002",
                 "holder": "Sở Nông nghiệp và Môi trường Đắk Lắk", "protected_area": square(*BMT, 2000)}
    return register_indication(**{**arguments, **overrides})


def test_an_indication_area_is_measured_on_the_ellipsoid(product):
    indication = _register(products=[product])
    indication.refresh_from_db()
    assert abs(indication.area_ha - Decimal("400")) / Decimal("400") < Decimal("0.005")
    assert list(indication.products.all()) == [product]


def test_a_new_area_is_re_measured():
    indication = _register()
    update_indication(indication=indication, protected_area=square(*BMT, 1000))
    indication.refresh_from_db()
    assert abs(indication.area_ha - Decimal("100")) / Decimal("100") < Decimal("0.005")


def test_a_duplicate_registration_number_is_refused():
    _register()
    with pytest.raises(IndicationError) as caught:
        _register(name="Khác")
    assert caught.value.code == "duplicate_registration"


def test_a_point_is_not_a_protected_area():
    with pytest.raises(GeometryError) as caught:
        _register(protected_area=offset_point(*BMT))
    assert caught.value.code == "wrong_type"


def test_indications_covering_a_place_and_search():
    indication = _register()
    assert list(indications_covering(offset_point(*BMT, dx_m=100, dy_m=100))) == [indication]
    assert list(indications_covering(offset_point(*BMT, dx_m=-100))) == []
    assert list(search_indications("ca phe buon ma thuot")) == [indication]
