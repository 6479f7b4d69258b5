"""The quarterly report's figures against the hand-built province of conftest.py (third quarter of 2026)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.reports.selectors import PROVINCE_WIDE, ReportError, ReportScope, quarterly_report
from tests.reports.conftest import QUARTER, YEAR


def values(section, name: str, *extra: str) -> tuple:
    """The figures of the row labelled ``name`` (and e.g. the crop) in ``section``."""
    [row] = [row for row in section.rows if row.labels[1:] == (name, *extra)]
    return row.values


def total(section, *extra: str) -> tuple:
    [row] = [row for row in section.totals if row.labels[2:] == extra]
    return row.values


@pytest.fixture
def by_commune(world):
    return quarterly_report(YEAR, QUARTER, "commune", PROVINCE_WIDE)


def test_the_report_covers_the_quarter_of_the_province(by_commune):
    assert (by_commune.quarter.start.isoformat(), by_commune.quarter.end.isoformat()) == ("2026-07-01", "2026-09-30")
    assert by_commune.province == "Tỉnh Đắk Lắk"
    assert [section.key for section in by_commune.sections] == [
        "products_by_stars", "products_by_industry", "recognitions", "coded_hectares", "packing_facilities",
        "sales_points", "inspections"]


def test_it_has_a_row_for_every_commune_of_the_province(by_commune, world):
    section = by_commune.section("products_by_stars")
    assert len(section.rows) == 102
    assert sum(1 for row in section.rows if any(row.values)) == 2  # only A and B have products


def test_products_count_by_the_star_level_they_hold_on_the_last_day_of_the_quarter(by_commune, world):
    section = by_commune.section("products_by_stars")
    assert section.value_headers == ("3 sao", "4 sao", "5 sao", "Tổng")
    # A: p1 4★ (new), p4 3★, x1 5★; p2 expired, p3 revoked, p5 has 2 stars, p6 was decided after the quarter.
    assert values(section, world.a.name) == (1, 1, 1, 3)
    # B: q1 4★, q4 renewed at 3★; q2 and q3 expired.
    assert values(section, world.b.name) == (1, 1, 0, 2)
    assert total(section) == (2, 2, 1, 5)
    assert section.totals[0].labels == ("", "Tổng toàn tỉnh")


def test_products_count_under_the_top_industry_of_their_classification(by_commune, world):
    section = by_commune.section("products_by_industry")
    assert section.value_headers == ("Đồ uống (thử) (test)", "Thực phẩm (thử) (test)", "Tổng")
    assert values(section, world.a.name) == (1, 2, 3)  # p4 is filed under a sub-group of drinks
    assert values(section, world.b.name) == (1, 1, 2)
    assert total(section) == (2, 3, 5)


def test_recognitions_new_expired_and_revoked_in_the_quarter(by_commune, world):
    section = by_commune.section("recognitions")
    assert values(section, world.a.name) == (1, 1, 1)  # p1 new, p2 expired on 1 September, p3 revoked
    # q1 and q4 (renewed) new; q2's last valid day was 30 June, so it expired on 1 July; q3 expired in June.
    assert values(section, world.b.name) == (2, 1, 0)
    assert total(section) == (3, 2, 1)


def test_coded_hectares_by_crop_and_the_code_status_on_the_last_day(by_commune, world):
    section = by_commune.section("coded_hectares")
    assert section.value_headers == ("Đang hiệu lực", "Tạm đình chỉ", "Đã thu hồi", "Tổng")
    coffee, durian = world["coffee"].name, world["durian"].name
    # za1 10.5 ha and the zone across A and B (1 ha, counted in A only) active; za2's code suspended in August.
    assert values(section, world.a.name, coffee) == (Decimal("11.50"), Decimal("2.25"), Decimal("0.00"),
                                                     Decimal("13.75"))
    # c3 was revoked on 15 October, after the quarter: still active on 30 September.
    assert values(section, world.a.name, durian) == (Decimal("4.00"), Decimal("0.00"), Decimal("0.00"),
                                                     Decimal("4.00"))
    # zb2 has an active and a revoked code: it counts once, as active. zb1's code was issued in November.
    assert values(section, world.b.name, coffee) == (Decimal("3.00"), Decimal("0.00"), Decimal("0.00"),
                                                     Decimal("3.00"))
    assert len(section.rows) == 3  # units and crops without coded zones are left out
    assert total(section, coffee) == (Decimal("14.50"), Decimal("2.25"), Decimal("0.00"), Decimal("16.75"))
    assert total(section, durian) == (Decimal("4.00"), Decimal("0.00"), Decimal("0.00"), Decimal("4.00"))
    assert total(section, "Mọi cây trồng") == (Decimal("18.50"), Decimal("2.25"), Decimal("0.00"),
                                                 Decimal("20.75"))


def test_packing_facilities_by_the_status_of_their_code_on_the_last_day(by_commune, world):
    section = by_commune.section("packing_facilities")
    # f1 active; f2 suspended in August; f4 revoked only in October; f3 registered after the quarter.
    assert values(section, world.a.name) == (2, 1, 0, 3, Decimal("17.50"))
    assert values(section, world.b.name) == (0, 0, 0, 0, Decimal("0.00"))
    assert total(section) == (2, 1, 0, 3, Decimal("17.50"))


def test_sales_points_by_kind(by_commune, world):
    section = by_commune.section("sales_points")
    assert values(section, world.a.name) == (1, 1, 0, 2, 1)
    assert values(section, world.b.name) == (0, 1, 0, 1, 1)
    assert total(section) == (1, 2, 0, 3, 2)  # the showcase outside the province has no commune


def test_inspections_in_the_quarter_count_where_what_they_inspected_lies(by_commune, world):
    section = by_commune.section("inspections")
    assert section.value_headers == ("Đạt", "Đạt, có khuyến nghị", "Không đạt", "Tổng")
    # A: a zone, a lot of p1, the zone across A and B (pass), a packing facility (observations); i4 is in October.
    assert values(section, world.a.name) == (3, 1, 0, 4)
    assert values(section, world.b.name) == (0, 0, 1, 1)
    assert total(section) == (3, 1, 1, 5)


def test_the_rows_of_every_section_add_up_to_the_total(by_commune):
    for section in by_commune.sections:
        if section.key == "coded_hectares":
            continue  # one total row per crop
        sums = tuple(sum(row.values[index] for row in section.rows) for index in range(len(section.value_headers)))
        assert sums == section.totals[0].values, section.key


def test_by_legacy_district_a_record_counts_in_the_district_recorded_on_it(world):
    report = quarterly_report(YEAR, QUARTER, "district", PROVINCE_WIDE)
    stars = report.section("products_by_stars")
    assert stars.label_headers == ("Mã số", "Huyện cũ")
    # x1's producer lives in A but was registered in a commune of B's legacy district.
    assert values(stars, world.district_a.name) == (1, 1, 0, 2)
    assert values(stars, world.district_b.name) == (1, 1, 1, 3)
    assert total(stars) == (2, 2, 1, 5)
    # The showcase outside the province counts in the district the plan allocated it to.
    assert values(report.section("sales_points"), world.district_b.name) == (0, 1, 1, 2, 2)
    assert values(report.section("inspections"), world.district_a.name) == (3, 1, 0, 4)


def test_a_commune_officers_report_has_only_its_communes_rows(world):
    report = quarterly_report(YEAR, QUARTER, "commune", ReportScope(commune_ids=frozenset({world.a.pk})))
    for section in report.sections:
        assert {row.labels[1] for row in section.rows} <= {world.a.name}, section.key
    assert values(report.section("products_by_stars"), world.a.name) == (1, 1, 1, 3)
    assert total(report.section("products_by_stars")) == (1, 1, 1, 3)
    assert report.section("products_by_stars").totals[0].labels == ("", "Tổng")
    assert total(report.section("recognitions")) == (1, 1, 1)
    assert total(report.section("inspections")) == (3, 1, 0, 4)


def test_a_legacy_district_officers_report_by_district_has_only_its_district(world):
    report = quarterly_report(YEAR, QUARTER, "district", ReportScope(district_id=world.district_b.pk))
    stars = report.section("products_by_stars")
    assert [row.labels[1] for row in stars.rows] == [world.district_b.name]
    assert total(stars) == (1, 1, 1, 3)
    assert total(report.section("sales_points")) == (0, 1, 1, 2, 2)


@pytest.mark.parametrize(("year", "quarter", "by", "code"), [
    ("1999", "1", "commune", "invalid_year"), ("abc", "1", "commune", "invalid_year"),
    ("2026", "5", "commune", "invalid_quarter"), ("2026", "x", "commune", "invalid_quarter"),
    ("2026", "1", "province", "invalid_grouping"),
])
def test_it_refuses_an_impossible_period_or_grouping(db, year, quarter, by, code):
    with pytest.raises(ReportError) as caught:
        quarterly_report(year, quarter, by, PROVINCE_WIDE)
    assert caught.value.code == code
    assert caught.value.field == {"invalid_year": "year", "invalid_quarter": "quarter",
                                  "invalid_grouping": "by"}[code]
