import datetime

import pytest

from apps.traceability.errors import InspectionError
from apps.traceability.models import InspectionResult
from apps.traceability.selectors import inspection_warnings
from apps.traceability.services import create_lot, record_inspection, resolve_inspection

MARCH = datetime.date(2024, 3, 1)


def fail(target, on: datetime.date, findings: str = "Dư lượng thuốc BVTV vượt ngưỡng"):
    return record_inspection(inspector_name="Nguyễn Văn A", organisation="Chi cục Trồng trọt và BVTV Đắk Lắk",
                             inspected_on=on, result=InspectionResult.FAIL, target=target, findings=findings)


@pytest.fixture
def other_lot(product, make_zone):
    return create_lot(product=product, code="L-OTHER", production_date=MARCH,
                      zone_shares=[(make_zone("Vùng khác", lon=108.3), 100)])


def test_a_failed_zone_inspection_warns_lots_from_that_zone_only(lot, other_lot, zone):
    inspection = fail(zone, datetime.date(2024, 2, 20))
    assert [warning.inspection for warning in inspection_warnings(lot)] == [inspection]
    assert inspection_warnings(other_lot) == []


def test_a_failure_found_after_production_warns_until_expiry(lot, packing_facility):
    inside = fail(packing_facility, datetime.date(2024, 6, 1))
    fail(packing_facility, datetime.date(2025, 6, 1))  # after the lot expired
    assert [warning.inspection for warning in inspection_warnings(lot)] == [inside]


def test_a_failure_resolved_before_production_does_not_warn(lot, production_facility):
    inspection = fail(production_facility, datetime.date(2024, 1, 5))
    resolve_inspection(inspection=inspection, resolved_on=datetime.date(2024, 2, 1), note="Đã khắc phục")
    assert inspection_warnings(lot) == []


def test_a_failure_still_open_at_production_warns(lot, production_facility):
    inspection = fail(production_facility, datetime.date(2024, 1, 5))
    resolve_inspection(inspection=inspection, resolved_on=datetime.date(2024, 4, 1), note="Đã khắc phục")
    assert [warning.inspection for warning in inspection_warnings(lot)] == [inspection]


def test_passed_inspections_do_not_warn(lot, zone):
    record_inspection(inspector_name="B", organisation="Cục BVTV", inspected_on=datetime.date(2024, 3, 2),
                      result=InspectionResult.PASS, target=zone)
    assert inspection_warnings(lot) == []


def test_a_failure_upstream_reaches_derived_lots(lot, make_product, zone):
    roasted = create_lot(product=make_product(name="Cà phê bột", gtin=""), code="R-01",
                         production_date=datetime.date(2024, 3, 10), source_lots=[lot])
    inspection = fail(zone, datetime.date(2024, 3, 5))
    warnings = inspection_warnings(roasted)
    assert [(warning.inspection, warning.via_lot) for warning in warnings] == [(inspection, lot)]


def test_a_failed_inspection_must_say_what_was_found(zone):
    with pytest.raises(InspectionError) as error:
        fail(zone, MARCH, findings="")
    assert error.value.code == "findings_required"
