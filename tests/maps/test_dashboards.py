"""Dashboards: the figures match the registry, per 2025 commune and per legacy district, and download as CSV."""

import csv
import datetime
import io
import json

import pytest

from apps.territory.models import AdministrativeUnit, Era, Level
from tests.maps.conftest import point_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    """The legacy district (old Buôn Ma Thuột city) the dashboard maps our commune to, with its 2020 population."""
    unit = AdministrativeUnit.objects.get(era=Era.LEGACY, level=Level.DISTRICT, code="643")
    unit.population = 380_755
    unit.save()
    return unit


@pytest.fixture
def registry(make_producer, make_product, rate, make_sales_point, make_zone, issue_code, district):
    producer = make_producer(location=point_at(east_m=300))
    products = [make_product(f"Sản phẩm {index}", producer) for index in range(4)]
    rate(products[0], 3, decision_date=datetime.date(2024, 5, 10))
    rate(products[1], 4)
    rate(products[1], 3, decision_date=datetime.date(2024, 5, 10))  # an older, lower result of the same product
    rate(products[2], 5)
    coded = make_zone("Vùng có mã", side_m=500)
    uncoded = make_zone("Vùng chưa có mã", side_m=300, dx_m=2000)
    issue_code([coded])
    points = [make_sales_point(f"Điểm {index}", point_at(north_m=200 * (index + 1))) for index in range(3)]
    points[0].legacy_district = district
    points[0].save()
    return {"coded": coded, "uncoded": uncoded, "points": points, "products": products}


def _row(html: str, table: str, code: str) -> str:
    start = html.index(f'id="table-{table}"')
    row_start = html.index(f'<tr data-code="{code}">', start)
    return html[row_start:html.index("</tr>", row_start)]


def test_the_commune_table_matches_the_registry(client, registry, commune):
    coded = registry["coded"]
    coded.refresh_from_db()
    html = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = _row(html, "communes", commune.code)
    assert "<td>1</td><td>1</td><td>1</td>" in row  # one product each at 3, 4 and 5 stars (best current level)
    assert '<td class="products">3</td>' in row
    assert f'<td class="coded-ha">{float(coded.area_ha):.2f}</td>' in row  # only the zone with an active code
    assert '<td class="sales-points">3</td>' in row


def test_the_legacy_district_gets_the_same_figures_and_points_per_population(client, registry, district):
    html = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = _row(html, "districts", district.code)
    assert '<td class="products">3</td>' in row
    assert '<td class="sales-points">3</td>' in row
    assert f'<td class="per-10k">{3 * 10_000 / 380_755:.2f}</td>' in row
    vietnamese = _row(client.get("/dashboards/").content.decode(), "districts", district.code)
    assert '<td class="per-10k">0,08</td>' in vietnamese  # Vietnamese decimal comma


def test_a_unit_without_population_shows_no_rate(client, registry, commune):
    row = _row(client.get("/dashboards/").content.decode(), "communes", commune.code)
    assert '<td class="per-10k">—</td>' in row


def test_communes_without_boundaries_are_drawn_as_circles_and_the_page_says_so(client, registry, commune):
    response = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert 'id="boundary-note"' in html and "drawn as circles at their centres" in html
    start = html.index('<script id="map-config" type="application/json">')
    config = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
    unit = next(unit for unit in config["units"]["communes"] if unit["code"] == commune.code)
    assert unit["has_boundary"] is False and unit["geometry"]["type"] == "Point"
    assert unit["values"]["products"] == 3 and unit["values"]["sales_points"] == 3
    assert unit["values"]["coded_ha:Cà phê"] == pytest.approx(float(registry["coded"].area_ha), abs=0.01)


def test_the_yearly_charts_are_svg_with_a_bar_per_year(client, registry):
    html = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    this_year = (datetime.date.today() - datetime.timedelta(days=30)).year
    assert html.count('<svg class="chart"') == 2
    assert "<title>2024 · 3★: 2</title>" in html  # two products got a 3★ decision in 2024
    assert f"<title>{this_year} · 4★: 1</title>" in html
    assert f"<title>{this_year} · 5★: 1</title>" in html


def test_the_commune_csv_matches_the_page(client, registry, commune):
    response = client.get("/dashboards/communes.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE,
                                                          parent__code="66").count()
    row = next(row for row in rows if row["code"] == commune.code)
    registry["coded"].refresh_from_db()
    assert (row["products_3_stars"], row["products_4_stars"], row["products_5_stars"], row["products"]) == (
        "1", "1", "1", "3")
    assert row["coded_ha"] == f"{registry['coded'].area_ha:.2f}"
    assert row["sales_points"] == "3" and row["sales_points_per_10000"] == ""


def test_the_district_and_year_csvs_download(client, registry, district):
    rows = list(csv.DictReader(io.StringIO(client.get("/dashboards/districts.csv").content.decode("utf-8-sig"))))
    row = next(row for row in rows if row["code"] == district.code)
    assert row["population"] == "380755" and row["sales_points_per_10000"] == f"{3 * 10_000 / 380_755:.2f}"
    years = list(csv.DictReader(io.StringIO(client.get("/dashboards/years.csv").content.decode("utf-8-sig"))))
    assert next(row for row in years if row["year"] == "2024")["3★"] == "2"


def test_an_unknown_table_is_404(client):
    assert client.get("/dashboards/nothing.csv").status_code == 404
