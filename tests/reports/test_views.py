"""The report pages, the PDF, the spreadsheet and the CSV downloads, and who may open them."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.reports.conftest import QUALITY_DAY

QUERY = {"year": "2026", "quarter": "3", "by": "commune"}


def cells(html: str, name: str) -> list[str]:
    """The cells of the table rows whose name cell (the second) is ``name``, one list per row."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    found = []
    for row in rows:
        texts = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        if len(texts) > 1 and texts[1] == name:
            found.append(texts)
    return found


@pytest.fixture
def office_client(client, officers):
    client.force_login(officers["office"])
    return client


def test_the_quarterly_page_shows_the_tables_with_a_total_row(office_client, world):
    response = office_client.get(reverse("reports:quarterly"), QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Báo cáo OCOP quý 3/2026" in html
    # A's rows, section by section: stars, industries, recognitions, hectares (two crops), facilities, sales points,
    # inspections.
    stars, _industries, recognitions, coffee, _durian, facilities, _sales, inspections = cells(html, world.a.name)
    assert stars[2:] == ["1", "1", "1", "3"]
    assert recognitions[2:] == ["1", "1", "1"]
    assert facilities[2:] == ["2", "1", "0", "3", "17,50"]
    assert inspections[2:] == ["3", "1", "0", "4"]
    assert coffee == [world.a.code, world.a.name, world["coffee"].name, "11,50", "2,25", "0,00", "13,75"]
    totals = cells(html, "Tổng toàn tỉnh")
    assert totals[0][2:] == ["2", "2", "1", "5"]
    assert 'href="/reports/quarterly.pdf?year=2026&amp;quarter=3&amp;by=commune"' in html


def test_an_impossible_quarter_is_refused_with_a_message(office_client, world):
    response = office_client.get(reverse("reports:quarterly"), {"year": "2026", "quarter": "7"})
    assert response.status_code == 400
    assert "Quý: 7 không phải là quý (1, 2, 3 hoặc 4)." in response.content.decode()


def test_the_pdf_is_a_pdf_with_the_report_title_and_figures(office_client, world, tmp_path):
    response = office_client.get(reverse("reports:quarterly-pdf"), QUERY)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Báo cáo OCOP quý 3/2026" in text  # Vietnamese glyphs survive
    assert "Sản phẩm OCOP theo hạng sao" in text
    line = next(line for line in text.splitlines() if world.a.name in line and "13,75" in line)
    assert re.search(r"11,50\s+2,25\s+0,00\s+13,75", line)


def test_the_spreadsheet_has_one_sheet_per_section_with_numbers_as_numbers(office_client, world):
    response = office_client.get(reverse("reports:quarterly-xlsx"), QUERY)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ocop-report-2026-q3-commune.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Sản phẩm theo hạng sao", "Sản phẩm theo ngành", "Công nhận",
                                   "Diện tích có mã số", "Cơ sở đóng gói", "Điểm bán", "Kiểm tra"]
    assert workbook.properties.title == "Báo cáo OCOP quý 3/2026"
    stars = workbook["Sản phẩm theo hạng sao"]
    assert [cell.value for cell in stars[1]] == ["Mã số", "Xã, phường", "3 sao", "4 sao", "5 sao", "Tổng"]
    [row_a] = [row for row in stars.iter_rows(values_only=True) if row[1] == world.a.name]
    assert row_a == (world.a.code, world.a.name, 1, 1, 1, 3)
    assert stars.cell(stars.max_row, 2).value == "Tổng toàn tỉnh"
    assert [cell.value for cell in stars[stars.max_row]][2:] == [2, 2, 1, 5]
    hectares = workbook["Diện tích có mã số"]
    [coffee_a] = [row for row in hectares.iter_rows(values_only=True)
                  if row[1] == world.a.name and row[2] == world["coffee"].name]
    assert coffee_a[3:] == (11.5, 2.25, 0, 13.75)
    assert all(isinstance(value, int | float) for value in coffee_a[3:])


def test_the_data_quality_page_counts_and_links_each_list(office_client, world, monkeypatch):
    monkeypatch.setattr("apps.reports.selectors.quality.timezone.localdate", lambda: QUALITY_DAY)
    response = office_client.get(reverse("reports:data-quality"))
    assert response.status_code == 200
    html = response.content.decode()
    counts = dict(re.findall(r'<section class="report-section" id="(\w+)">\s*<h2>.*?data-count="(\d+)"', html,
                             flags=re.S))
    assert counts == {"zones_without_code": "2", "codes_without_zones": "1", "overlapping_zones": "1",
                      "lapsed_products_on_sale": "2", "sales_points_without_products": "1", "missing_fields": "5"}
    assert f'<a href="{reverse("admin:zones_growingareacode_change", args=[world["c7"].pk])}">VN-TEST-C7</a>' in html
    assert f'href="{reverse("reports:data-quality-csv", args=["missing_fields"])}"' in html


def test_a_data_quality_list_downloads_as_csv_with_admin_links(office_client, world):
    response = office_client.get(reverse("reports:data-quality-csv", args=["sales_points_without_products"]))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Điểm bán", "Điểm bán (trang quản trị)", "Loại điểm bán", "Xã, phường"]
    admin = reverse("admin:outlets_salespoint_change", args=[world["s2"].pk])
    assert rows[1:] == [[world["s2"].name, f"http://testserver{admin}", "Gian hàng trong chợ", world.a.name]]
    assert office_client.get(reverse("reports:data-quality-csv", args=["no_such_list"])).status_code == 404


def test_a_name_typed_like_a_formula_is_not_computed_by_a_spreadsheet(office_client, world):
    world["s2"].name = "=HYPERLINK(\"http://x\",\"Gian hàng\")"
    world["s2"].save(update_fields=["name"])

    response = office_client.get(reverse("reports:data-quality-csv", args=["sales_points_without_products"]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\",\"Gian hàng\")"


def test_a_commune_officer_sees_only_its_communes_rows(client, officers, world):
    client.force_login(officers["commune_officer"])
    html = client.get(reverse("reports:quarterly"), QUERY).content.decode()
    assert world.a.name in html and world.b.name not in html
    assert cells(html, "Tổng")[0][2:] == ["1", "1", "1", "3"]
    quality = client.get(reverse("reports:data-quality")).content.decode()
    assert world["q3"].name not in quality and world["pb"].name not in quality
    assert world["p5"].name in quality


def test_a_legacy_district_officer_sees_its_district(client, officers, world):
    client.force_login(officers["district_officer"])
    html = client.get(reverse("reports:quarterly"), {**QUERY, "by": "district"}).content.decode()
    assert world.district_b.name in html and world.district_a.name not in html


@pytest.mark.parametrize("name", ["reports:quarterly", "reports:quarterly-pdf", "reports:quarterly-xlsx",
                                  "reports:data-quality"])
@pytest.mark.parametrize("who", ["producer", "public"])
def test_producers_and_the_public_may_not_open_reports(client, officers, name, who):
    client.force_login(officers[who])
    assert client.get(reverse(name), QUERY).status_code == 403


def test_the_csv_of_a_list_is_refused_to_a_producer(client, officers):
    client.force_login(officers["producer"])
    assert client.get(reverse("reports:data-quality-csv", args=["missing_fields"])).status_code == 403


def test_visitors_are_sent_to_log_in(client, world):
    response = client.get(reverse("reports:quarterly"), QUERY)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_home_page_links_to_the_reports(client, db):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("reports:quarterly")}"' in html and f'href="{reverse("reports:data-quality")}"' in html
