import datetime

import pytest
from django.contrib.gis.geos import Point

from apps.codes.selectors import CodeFormatError
from apps.common.geometry import GeometryError
from apps.facilities.models import FacilityStatus, PackingFacility
from apps.facilities.services import (
    FacilityError,
    change_packing_facility_status,
    register_packing_facility,
    register_production_facility,
    update_packing_facility,
)
from tests.common.builders import make_producer, make_product
from tests.common.geo import BMT, HANOI, square

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _register(**overrides) -> PackingFacility:
    arguments = {"name": "Cơ sở đóng gói sầu riêng Krông Pắc", "code": "VN-DLPH-0001", "location": Point(*BMT),
                 "operator_name": "Công ty TNHH Nông sản Tây Nguyên", "target_markets": ["cn"],
                 "issuing_authority": "Cục Bảo vệ thực vật", "issue_date": datetime.date(2025, 9, 1)}
    return register_packing_facility(**{**arguments, **overrides})


def test_a_packing_facility_stores_its_code_parts_commune_and_first_status():
    facility = _register(code="vn-pyph-0012")
    facility.refresh_from_db()
    assert (facility.code, facility.province_letters, facility.sequence) == ("VN-PYPH-0012", "PY", 12)
    assert facility.commune is not None and facility.commune.parent.code == "66"
    assert facility.target_markets == ["CN"]
    assert facility.status == FacilityStatus.ACTIVE
    assert facility.status_history.get().to_status == "active"


def test_a_packing_code_that_does_not_match_the_packing_format_is_refused():
    with pytest.raises(CodeFormatError) as caught:
        _register(code="VN-DLOR-0001")
    assert caught.value.code == "code_format"
    assert "VN-DLPH-0001" in caught.value.message
    assert not PackingFacility.objects.exists()


def test_a_domestic_packing_code_uses_the_domestic_format():
    facility = _register(code="DL-0003-DG", code_type="domestic")
    assert (facility.province_letters, facility.sequence) == ("DL", 3)


def test_a_duplicate_packing_code_is_refused():
    _register()
    with pytest.raises(FacilityError) as caught:
        _register(name="Khác")
    assert caught.value.code == "duplicate_code"


def test_a_swapped_point_is_refused():
    with pytest.raises(GeometryError) as caught:
        _register(location=Point(BMT[1], BMT[0], srid=4326))
    assert caught.value.code == "swapped_coordinates"


def test_a_facility_outside_the_loaded_province_has_no_commune():
    facility = _register(location=Point(*HANOI, srid=4326))
    assert facility.commune is None


def test_the_footprint_must_contain_the_point():
    with pytest.raises(FacilityError) as caught:
        _register(footprint=square(*HANOI, 50))
    assert caught.value.code == "location_outside_footprint"
    facility = _register(footprint=square(BMT[0] - 0.0005, BMT[1] - 0.0005, 200))
    assert facility.footprint.geom_type == "Polygon"


def test_packing_facility_status_changes_are_dated_and_revoked_is_final():
    facility = _register()
    change_packing_facility_status(facility=facility, to_status="suspended", effective_date=TODAY,
                                   reason="Phát hiện ruồi đục quả")
    change_packing_facility_status(facility=facility, to_status="revoked", effective_date=TODAY)
    with pytest.raises(FacilityError) as caught:
        change_packing_facility_status(facility=facility, to_status="active", effective_date=TODAY)
    assert caught.value.code == "illegal_transition"
    facility.refresh_from_db()
    assert facility.status == "revoked"
    assert [entry.to_status for entry in facility.status_history.all()] == ["active", "suspended", "revoked"]


def test_updating_the_location_recomputes_the_commune():
    facility = _register()
    update_packing_facility(facility=facility, location=Point(*HANOI, srid=4326))
    facility.refresh_from_db()
    assert facility.commune is None


def test_a_production_facility_gets_its_commune_and_only_its_producers_products(producer, product):
    facility = register_production_facility(name="Xưởng rang Ea Tu", producer=producer, location=Point(*BMT),
                                            products=[product])
    assert facility.commune is not None
    assert list(facility.products.all()) == [product]
    stranger = make_product(make_producer("HTX khác"))
    with pytest.raises(FacilityError) as caught:
        register_production_facility(name="Xưởng 2", producer=producer, location=Point(*BMT), products=[stranger])
    assert caught.value.code == "foreign_product"
