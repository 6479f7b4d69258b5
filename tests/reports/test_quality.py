"""The data-quality lists hold exactly the problems planted in conftest.py, each linked to its admin page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pyproj import Geod

from apps.reports.selectors import PROVINCE_WIDE, ReportScope, data_quality
from tests.reports.conftest import QUALITY_DAY


def lists(scope) -> dict:
    return {quality_list.key: quality_list for quality_list in data_quality(scope, on=QUALITY_DAY)}


def linked(quality_list, column: int = 0) -> list[str]:
    return [row[column].text for row in quality_list.rows]


@pytest.fixture
def province(world):
    return lists(PROVINCE_WIDE)


def test_zones_without_a_valid_code_are_the_active_cultivation_zones_left_uncovered(province, world):
    found = province["zones_without_code"]
    # zn never had a code; za3's only code was revoked in October. Proposed, livestock and gathering zones are not
    # expected to have one.
    assert linked(found) == [world["za3"].name, world["zn"].name]
    assert found.count == 2
    assert found.rows[1][0].url == reverse("admin:zones_rawmaterialzone_change", args=[world["zn"].pk])
    assert found.rows[1][3].text == world.a.name


def test_codes_without_zones_leave_out_revoked_codes(province, world):
    assert linked(province["codes_without_zones"]) == ["VN-TEST-C7"]
    assert province["codes_without_zones"].rows[0][0].url == reverse("admin:zones_growingareacode_change",
                                                                     args=[world["c7"].pk])


def test_overlapping_active_zones_come_in_pairs_with_the_overlap_measured_on_the_ellipsoid(province, world):
    found = province["overlapping_zones"]
    assert [(row[0].text, row[1].text) for row in found.rows] == [(world["ov1"].name, world["ov2"].name)]
    assert found.rows[0][1].url == reverse("admin:zones_rawmaterialzone_change", args=[world["ov2"].pk])
    # The overlap is the rectangle 0.071°–0.072° east of A's centre by 0.002° north, ≈ 0.1 × 0.22 km.
    x, y = world.a.centroid.x, world.a.centroid.y
    area, _perimeter = Geod(ellps="WGS84").polygon_area_perimeter(
        [x + 0.071, x + 0.072, x + 0.072, x + 0.071], [y, y, y + 0.002, y + 0.002])
    assert found.rows[0][2].text == pytest.approx(abs(area), rel=0.002)
    # The touching pair (no common area) and the sliver (≈ 5 m², under the 100 m² tolerance) are not problems.
    assert not {world["touch1"].name, world["sliver1"].name} & {row[0].text for row in found.rows}


def test_lapsed_products_still_on_sale_are_listed_with_their_sales_points(province, world):
    found = province["lapsed_products_on_sale"]
    assert linked(found) == [world["p2"].name, world["p3"].name]  # expired; revoked. q2 and q3 are not on sale.
    assert [row[2].text for row in found.rows] == ["hết hạn", "đã thu hồi"]
    assert [row[3].text for row in found.rows] == ["2026-08-31", "2026-09-05"]  # last valid day; revocation
    assert found.rows[0][4].text == world["s1"].name
    assert found.rows[1][4].text == world["s4"].name


def test_sales_points_without_products(province, world):
    assert linked(province["sales_points_without_products"]) == [world["s2"].name]


def test_records_missing_required_information_name_what_is_missing(province, world):
    found = province["missing_fields"]
    assert [(row[1].text, row[2].text) for row in found.rows] == [
        (world["pb"].name, "điện thoại"),
        (world["p5"].name, "ảnh"),
        (world["q3"].name, "mô tả"),
        (str(world["f5"]), "xã, phường, địa chỉ"),
        (world["s2"].name, "địa chỉ"),
    ]
    assert found.rows[0][1].url == reverse("admin:producers_producer_change", args=[world["pb"].pk])
    assert found.rows[3][1].url == reverse("admin:facilities_packingfacility_change", args=[world["f5"].pk])


def test_a_commune_officer_sees_only_the_problems_of_its_communes(world):
    found = lists(ReportScope(commune_ids=frozenset({world.a.pk})))
    assert linked(found["zones_without_code"]) == [world["za3"].name, world["zn"].name]
    assert found["codes_without_zones"].count == 0  # a code without zones lies in no commune
    assert found["overlapping_zones"].count == 1
    assert linked(found["lapsed_products_on_sale"]) == [world["p2"].name, world["p3"].name]
    assert [row[1].text for row in found["missing_fields"].rows] == [world["p5"].name, world["s2"].name]
    found_b = lists(ReportScope(commune_ids=frozenset({world.b.pk})))
    assert found_b["zones_without_code"].count == 0 and found_b["overlapping_zones"].count == 0
    assert [row[1].text for row in found_b["missing_fields"].rows] == [world["pb"].name, world["q3"].name]
