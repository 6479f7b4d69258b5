import datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from apps.codes.selectors import CodeFormatError
from apps.common.geometry import GeometryError
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.zones.models import CodeStatus, GrowingAreaCode, RawMaterialZone, ZoneStatus
from apps.zones.services import (
    GrowingAreaCodeError,
    ZoneError,
    assign_zones_to_code,
    change_code_status,
    change_zone_status,
    create_zone,
    update_zone,
)
from tests.common.geo import BMT, HANOI, square

pytestmark = pytest.mark.django_db

SEPT = datetime.date(2025, 9, 1)  # the codes' issue date
TODAY = datetime.date.today()
LATER = TODAY + datetime.timedelta(days=30)


# --- zones ---------------------------------------------------------------------------------------------------------


def test_a_zone_area_is_measured_on_the_ellipsoid_within_half_a_percent_of_a_1_km_square(coffee):
    zone = create_zone(name="Vùng cà phê 1 km²", kind="cultivation", crop=coffee, geometry=square(*BMT, 1000))
    zone.refresh_from_db()
    assert abs(zone.area_ha - Decimal("100")) / Decimal("100") < Decimal("0.005")
    assert zone.status == ZoneStatus.PROPOSED
    assert zone.search_name == "vung ca phe 1 km2"
    assert [(entry.from_status, entry.to_status) for entry in zone.status_history.all()] == [("", "proposed")]


def test_a_zone_gets_the_commune_nearest_its_surface_when_boundaries_are_not_loaded(coffee):
    commune = AdministrativeUnit.objects.get(era=Era.CURRENT, level=Level.COMMUNE, name="Phường Buôn Ma Thuột")
    zone = create_zone(name="Vùng gần phường", kind="cultivation", crop=coffee,
                       geometry=square(commune.centroid.x, commune.centroid.y, 200))
    assert list(zone.communes.all()) == [commune]


def test_a_zone_gets_every_commune_whose_boundary_it_crosses(coffee):
    first, second = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("code")[:2]
    geometry = square(*BMT, 1000)
    west, east = geometry.extent[0], geometry.extent[2]
    middle = (west + east) / 2
    from django.contrib.gis.geos import MultiPolygon, Polygon

    first.boundary = MultiPolygon(Polygon.from_bbox((west - 0.1, 12.5, middle, 12.9)), srid=4326)
    second.boundary = MultiPolygon(Polygon.from_bbox((middle, 12.5, east + 0.1, 12.9)), srid=4326)
    first.save()
    second.save()
    zone = create_zone(name="Vùng hai xã", kind="cultivation", crop=coffee, geometry=geometry)
    assert set(zone.communes.all()) == {first, second}


def test_a_bow_tie_zone_is_repaired_into_two_triangles(coffee):
    x, y = BMT
    bow_tie = {"type": "Polygon", "coordinates": [[[x, y], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y + 0.01],
                                                   [x, y]]]}
    zone = create_zone(name="Nơ", kind="cultivation", crop=coffee, geometry=bow_tie)
    zone.refresh_from_db()
    assert zone.geometry.valid
    assert len(zone.geometry) == 2
    assert zone.area_ha > 0


def test_swapped_coordinates_are_refused_with_their_code(coffee):
    x, y = BMT
    swapped = {"type": "Polygon", "coordinates": [[[y, x], [y + 0.01, x], [y + 0.01, x + 0.01], [y, x]]]}
    with pytest.raises(GeometryError) as caught:
        create_zone(name="Đảo trục", kind="cultivation", crop=coffee, geometry=swapped)
    assert caught.value.code == "swapped_coordinates"
    assert RawMaterialZone.objects.count() == 0


def test_a_zone_outside_vietnam_is_refused(coffee):
    with pytest.raises(GeometryError) as caught:
        create_zone(name="Bangkok", kind="cultivation", crop=coffee, geometry=square(100.5, 13.75, 500))
    assert caught.value.code == "outside_vietnam"


def test_a_zone_far_outside_the_province_of_its_commune_is_refused_naming_the_province(coffee):
    with pytest.raises(ZoneError) as caught:
        create_zone(name="Vùng ở Hà Nội", kind="cultivation", crop=coffee, geometry=square(*HANOI, 500))
    assert caught.value.code == "outside_province"
    assert "Đắk Lắk" in caught.value.message
    assert RawMaterialZone.objects.count() == 0


def test_an_implausibly_large_zone_for_its_crop_is_refused(coffee):
    coffee.max_plausible_ha = Decimal("50")
    coffee.save()
    with pytest.raises(ZoneError) as caught:
        create_zone(name="Quá lớn", kind="cultivation", crop=coffee, geometry=square(*BMT, 1000))
    assert caught.value.code == "implausible_area"
    assert "Cà phê" in caught.value.message


def test_updating_a_zone_geometry_re_measures_it(make_zone):
    zone = make_zone(side_m=1000)
    update_zone(zone=zone, geometry=square(*BMT, 500), name="Vùng nhỏ hơn")
    zone.refresh_from_db()
    assert abs(zone.area_ha - Decimal("25")) / Decimal("25") < Decimal("0.005")
    assert zone.search_name == "vung nho hon"


def test_zone_status_follows_its_legal_transitions_with_a_dated_history(make_zone):
    zone = make_zone()
    change_zone_status(zone=zone, to_status="active", effective_date=TODAY)
    change_zone_status(zone=zone, to_status="suspended", effective_date=LATER, reason="Sâu bệnh")
    zone.refresh_from_db()
    assert zone.status == ZoneStatus.SUSPENDED
    history = [(entry.from_status, entry.to_status, entry.reason) for entry in zone.status_history.all()]
    assert history[1:] == [("proposed", "active", ""), ("active", "suspended", "Sâu bệnh")]


@pytest.mark.parametrize(("path", "illegal"), [
    ((), "suspended"),
    (("revoked",), "active"),
    (("active",), "proposed"),
    (("active",), "active"),
])
def test_illegal_zone_status_transitions_are_refused(make_zone, path, illegal):
    zone = make_zone()
    for status in path:
        change_zone_status(zone=zone, to_status=status, effective_date=TODAY)
    with pytest.raises(ZoneError) as caught:
        change_zone_status(zone=zone, to_status=illegal, effective_date=TODAY)
    assert caught.value.code == "illegal_transition"
    zone.refresh_from_db()
    assert zone.status == (path[-1] if path else "proposed")


def test_a_status_change_dated_before_the_latest_is_refused(make_zone):
    zone = make_zone()
    change_zone_status(zone=zone, to_status="active", effective_date=LATER)
    with pytest.raises(ZoneError) as caught:
        change_zone_status(zone=zone, to_status="suspended", effective_date=TODAY)
    assert caught.value.code == "effective_date_out_of_order"


# --- growing-area codes --------------------------------------------------------------------------------------------


def test_issuing_without_a_code_proposes_the_next_free_one_for_the_letters(issue_code, make_zone):
    first = issue_code(zones=[make_zone(name="A")])
    second = issue_code(zones=[make_zone(name="B", dx_m=2000)])
    second.refresh_from_db()
    assert (first.code, second.code) == ("VN-DLOR-0001", "VN-DLOR-0002")
    assert (second.province_letters, second.sequence, second.status) == ("DL", 2, CodeStatus.ACTIVE)
    assert second.status_history.get().effective_date == SEPT


def test_a_given_code_is_validated_against_the_format_in_force(issue_code):
    with pytest.raises(CodeFormatError) as caught:
        issue_code(code="VN-DL-17")
    assert caught.value.code == "code_format"
    assert "VN-DLOR-0017" in caught.value.message
    assert GrowingAreaCode.objects.count() == 0


def test_a_code_issued_in_phu_yen_keeps_its_letters(issue_code):
    code = issue_code(code="vn-pyor-0042", letters="")
    code.refresh_from_db()
    assert (code.code, code.province_letters, code.sequence) == ("VN-PYOR-0042", "PY", 42)


def test_a_duplicate_code_is_refused(issue_code):
    issue_code(code="VN-DLOR-0017")
    with pytest.raises(GrowingAreaCodeError) as caught:
        issue_code(code="VN-DLOR-0017")
    assert caught.value.code == "duplicate_code"


def test_a_code_whose_zones_overlap_another_active_code_is_refused_naming_it(issue_code, make_zone):
    issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    overlapping = make_zone(name="B", side_m=1000, dx_m=900)  # 100 m × 1000 m = 100,000 m² in common
    with pytest.raises(GrowingAreaCodeError) as caught:
        issue_code(zones=[overlapping])
    error = caught.value
    assert error.code == "zone_overlap"
    assert "VN-DLOR-0017" in error.message
    assert error.params["other_code"] == "VN-DLOR-0017"
    assert error.params["overlap_m2"] == pytest.approx(100_000, rel=0.005)
    assert "100" in error.message and "m²" in error.message
    assert GrowingAreaCode.objects.count() == 1


def test_an_overlap_below_the_tolerance_is_accepted(issue_code, make_zone):
    issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    sliver = make_zone(name="B", side_m=1000, dx_m=999.95)  # 0.05 m × 1000 m = 50 m² < 100 m²
    code = issue_code(zones=[sliver])
    assert list(code.zones.all()) == [sliver]


@override_settings(OCOP_ZONE_OVERLAP_TOLERANCE_M2=0)
def test_the_overlap_tolerance_comes_from_settings(issue_code, make_zone):
    issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    with pytest.raises(GrowingAreaCodeError) as caught:
        issue_code(zones=[make_zone(name="B", side_m=1000, dx_m=999.95)])
    assert caught.value.code == "zone_overlap"


def test_an_overlap_with_a_revoked_code_is_allowed(issue_code, make_zone):
    old = issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    change_code_status(code=old, to_status="revoked", effective_date=SEPT, reason="Phát hiện dịch hại kiểm dịch")
    new = issue_code(zones=[make_zone(name="B", side_m=1000, dx_m=500)])
    assert new.status == CodeStatus.ACTIVE


def test_attaching_an_overlapping_zone_to_an_active_code_is_refused(issue_code, make_zone):
    issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    code = issue_code(zones=[make_zone(name="B", side_m=500, dx_m=3000)])
    with pytest.raises(GrowingAreaCodeError) as caught:
        assign_zones_to_code(code=code, zones=[make_zone(name="C", side_m=500, dx_m=200)])
    assert caught.value.code == "zone_overlap"
    assert [zone.name for zone in code.zones.all()] == ["B"]


def test_reactivating_a_code_checks_the_overlap_again(issue_code, make_zone):
    first = issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    change_code_status(code=first, to_status="suspended", effective_date=SEPT, reason="Kiểm tra dư lượng")
    issue_code(zones=[make_zone(name="B", side_m=1000, dx_m=500)])
    with pytest.raises(GrowingAreaCodeError) as caught:
        change_code_status(code=first, to_status="active", effective_date=SEPT, reason="Đạt yêu cầu")
    assert caught.value.code == "zone_overlap"
    assert "VN-DLOR-0018" in caught.value.message
    first.refresh_from_db()
    assert first.status == CodeStatus.SUSPENDED


def test_moving_a_zone_onto_another_active_codes_zone_is_refused(issue_code, make_zone):
    issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000)])
    moving = make_zone(name="B", side_m=1000, dx_m=3000)
    issue_code(zones=[moving])
    with pytest.raises(GrowingAreaCodeError) as caught:
        update_zone(zone=moving, geometry=square(*BMT, 1000, dx_m=500))
    assert caught.value.code == "zone_overlap"
    moving.refresh_from_db()
    assert moving.geometry.extent[0] > square(*BMT, 1000, dx_m=2999).extent[0]


def test_a_revoked_code_is_final(issue_code):
    code = issue_code(code="VN-DLOR-0017")
    change_code_status(code=code, to_status="revoked", effective_date=SEPT, reason="Phát hiện sinh vật gây hại")
    with pytest.raises(GrowingAreaCodeError) as caught:
        change_code_status(code=code, to_status="active", effective_date=SEPT, reason="Xin cấp lại")
    assert caught.value.code == "illegal_transition"
    code.refresh_from_db()
    assert code.status == CodeStatus.REVOKED
    assert [entry.to_status for entry in code.status_history.all()] == ["active", "revoked"]


def test_a_code_status_change_needs_a_reason(issue_code):
    code = issue_code(code="VN-DLOR-0017")
    with pytest.raises(GrowingAreaCodeError) as caught:
        change_code_status(code=code, to_status="suspended", effective_date=SEPT, reason=" ")
    assert caught.value.code == "reason_required"


def test_a_code_covers_only_zones_of_its_crop(issue_code, make_zone, durian):
    with pytest.raises(GrowingAreaCodeError) as caught:
        issue_code(crop=durian, zones=[make_zone()])
    assert caught.value.code == "crop_mismatch"
