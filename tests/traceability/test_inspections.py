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


# --- photos and the point -----------------------------------------------------------------------------------------

def _record(target, **extra):
    return record_inspection(inspector_name="Nguyễn Văn A", organisation="Chi cục Trồng trọt và BVTV Đắk Lắk",
                             inspected_on=MARCH, result=InspectionResult.PASS, target=target, **extra)


def test_photos_are_stored_with_the_inspection_under_their_real_format(zone, media):
    from tests.traceability.conftest import png

    disguised = png("anh.html")  # a PNG whatever its name says
    inspection = _record(zone, photos=[(png("a.png"), "Cổng vào vùng trồng"), disguised])
    photos = list(inspection.photos.all())
    assert [photo.caption for photo in photos] == ["Cổng vào vùng trồng", ""]
    assert all(photo.image.name.startswith("inspections/") and photo.image.name.endswith(".png") for photo in photos)


@pytest.mark.parametrize(("upload", "code"), [
    ("text", "photo_not_image"),
    ("empty", "photo_empty"),
    ("large", "photo_too_large"),
])
def test_a_bad_photo_is_refused_with_its_code_and_nothing_is_saved(zone, media, settings, upload, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.traceability.models import Inspection, InspectionPhoto
    from tests.traceability.conftest import png

    settings.OCOP_INSPECTION_PHOTO_MAX_BYTES = 1000  # a 4×3 PNG is 75 bytes, 400×400 over 1000
    bad = {"text": SimpleUploadedFile("x.png", b"not an image"), "empty": SimpleUploadedFile("x.png", b""),
           "large": png("x.png", size=(400, 400))}[upload]
    with pytest.raises(InspectionError) as error:
        _record(zone, photos=[png("ok.png"), bad])
    assert error.value.code == code and error.value.field == "photos"
    assert "x.png" in error.value.message
    assert Inspection.objects.count() == 0 and InspectionPhoto.objects.count() == 0
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_too_many_photos_are_refused(zone, media):
    from apps.traceability.services import MAX_PHOTOS
    from tests.traceability.conftest import png

    with pytest.raises(InspectionError) as error:
        _record(zone, photos=[png(f"{number}.png") for number in range(MAX_PHOTOS + 1)])
    assert error.value.code == "too_many_photos"


def test_the_point_is_normalised_and_the_accuracy_kept_only_with_a_point(zone):
    from apps.common.geometry import GeometryError, point

    inspection = _record(zone, location=point(108.123456789, 12.7), location_accuracy_m="12.34",
                         location_source="gps")
    assert inspection.location.x == 108.1234568 and str(inspection.location_accuracy_m) == "12.3"
    assert _record(zone, location_accuracy_m="5", location_source="gps").location_source == ""
    with pytest.raises(GeometryError) as error:
        _record(zone, location=point(12.7, 108.1))
    assert error.value.code == "swapped_coordinates"
    with pytest.raises(InspectionError) as error:
        _record(zone, location=point(108.1, 12.7), location_accuracy_m="-3")
    assert error.value.code == "invalid_accuracy"


def test_a_submission_key_of_another_user_is_refused(zone, django_user_model):
    import uuid

    first = django_user_model.objects.create_user(username="a", password="x-long-password-1")
    second = django_user_model.objects.create_user(username="b", password="x-long-password-1")
    key = uuid.uuid4()
    recorded = _record(zone, recorded_by=first, submission_key=key)
    assert _record(zone, recorded_by=first, submission_key=str(key)) == recorded
    with pytest.raises(InspectionError) as error:
        _record(zone, recorded_by=second, submission_key=key)
    assert error.value.code == "submission_key_taken"
