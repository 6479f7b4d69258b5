"""Dashboard pages: choropleth maps (2025 communes, legacy districts), yearly charts, tables and CSV downloads."""

from __future__ import annotations

import csv
import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.maps import figures, pages
from apps.maps.charts import stacked_bar_chart

STAR_COLOURS = {"3★": "#27ae60", "4★": "#e67e22", "5★": "#b7950b"}
CSV_FIGURES = ("communes", "districts", "years")


def _number(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _unit_rows(units: list[figures.UnitFigures], crops: list[str]) -> list[dict]:
    rows = []
    for item in units:
        unit = item.unit
        geometry = unit.boundary or unit.centroid
        rows.append({
            "code": unit.code,
            "name": unit.name,
            "has_boundary": unit.boundary is not None,
            "geometry": json.loads(geometry.json) if geometry else None,
            "values": {
                "products": item.products,
                **{f"products_{stars}": item.products_by_stars[stars] for stars in figures.STAR_LEVELS},
                "coded_ha": _number(item.coded_ha),
                **{f"coded_ha:{crop}": _number(item.coded_ha_by_crop.get(crop, 0)) for crop in crops},
                "sales_points": item.sales_points,
                "population": item.population,
                "sales_points_per_10k": _number(item.sales_points_per_10k),
            },
        })
    return rows


def _metrics(crops: list[str]) -> list[tuple[str, str]]:
    return [
        ("products", _("OCOP products (3–5★)")),
        *[(f"products_{stars}", _("%(stars)s-star products") % {"stars": stars}) for stars in figures.STAR_LEVELS],
        ("coded_ha", _("Coded growing area (ha), all crops")),
        *[(f"coded_ha:{crop}", _("Coded growing area (ha): %(crop)s") % {"crop": crop}) for crop in crops],
        ("sales_points", _("Sales points")),
        ("sales_points_per_10k", _("Sales points per 10,000 inhabitants")),
    ]


@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """Maps, charts and tables of the OCOP figures, for officers and the public."""
    data = figures.dashboard()
    by_stars, by_industry = figures.recognitions_per_year()
    communes_without_boundary = sum(1 for item in data.communes if item.unit.boundary is None)
    districts_without_boundary = sum(1 for item in data.districts if item.unit.boundary is None)
    return render(request, "maps/dashboards.html", {
        "data": data,
        "metrics": _metrics(data.crops),
        "communes_without_boundary": communes_without_boundary,
        "districts_without_boundary": districts_without_boundary,
        "chart_stars": stacked_bar_chart(
            title=_("Products recognised per year, by star level"), categories=by_stars.years,
            series=by_stars.series, values=by_stars.values, colours=STAR_COLOURS),
        "chart_industries": stacked_bar_chart(
            title=_("Products recognised per year, by industry"), categories=by_industry.years,
            series=by_industry.series, values=by_industry.values),
        "years": by_stars.years,
        "year_rows": [(year, [by_stars.values.get(year, {}).get(name, 0) for name in by_stars.series],
                       [by_industry.values.get(year, {}).get(name, 0) for name in by_industry.series])
                      for year in by_stars.years],
        "tables": [("communes", _("By commune (from 2025)"), data.communes),
                   ("districts", _("By legacy district (before 2025)"), data.districts)],
        "star_series": by_stars.series,
        "industry_series": by_industry.series,
        "map_config": {
            **pages.basemap_config(),
            "units": {"communes": _unit_rows(data.communes, data.crops),
                      "districts": _unit_rows(data.districts, data.crops)},
            "metrics": _metrics(data.crops),
        },
    })


@require_GET
def dashboard_csv(request: HttpRequest, figure: str) -> HttpResponse:
    """The dashboard tables as CSV (UTF-8 with a byte-order mark so spreadsheet programs read Vietnamese)."""
    if figure not in CSV_FIGURES:
        raise Http404(_("No such table."))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ocop-{figure}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    if figure == "years":
        by_stars, by_industry = figures.recognitions_per_year()
        writer.writerow(["year", *by_stars.series, *by_industry.series])
        for year in by_stars.years:
            writer.writerow([year, *[by_stars.values.get(year, {}).get(name, 0) for name in by_stars.series],
                             *[by_industry.values.get(year, {}).get(name, 0) for name in by_industry.series]])
        return response
    data = figures.dashboard()
    units = data.communes if figure == "communes" else data.districts
    writer.writerow(["code", "name", "products_3_stars", "products_4_stars", "products_5_stars", "products",
                     *[f"coded_ha_{crop}" for crop in data.crops], "coded_ha", "sales_points", "population",
                     "sales_points_per_10000"])
    for item in units:
        per_10k = item.sales_points_per_10k
        writer.writerow([
            item.unit.code, item.unit.name, *[item.products_by_stars[stars] for stars in figures.STAR_LEVELS],
            item.products, *[f"{item.coded_ha_by_crop.get(crop, 0):.2f}" for crop in data.crops],
            f"{item.coded_ha:.2f}", item.sales_points, item.population if item.population is not None else "",
            f"{per_10k:.2f}" if per_10k is not None else "",
        ])
    return response
