"""The quarterly OCOP report (báo cáo quý) of the province, per 2025 commune or per legacy district.

Each section is one grouped aggregate query: every record is attributed to exactly one unit, so the rows of a
section add up to its total row. The attribution follows the dashboards (``apps.maps.figures``):
- a product, a packing facility, a sales point counts in its 2025 commune (a product in its producer's);
- a zone counts in one commune, the one of its communes nearest a point inside it (a zone across a border is not
  counted twice); an inspection counts where what it inspected counts;
- by legacy district: the legacy unit recorded on the record when it has one (the producer's legacy commune, the
  district a sales point was allocated to), else the legacy district most of its 2025 commune's predecessor
  communes belonged to (``apps.maps.figures.legacy_district_by_commune``).
States are taken on the quarter's last day: OCOP status from the ratings (``apps.ratings.selectors``), code and
facility status from their dated status history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import Distance, PointOnSurface
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.facilities.models import FacilityStatus, PackingFacility, PackingFacilityStatusChange
from apps.maps.figures import legacy_district_by_commune
from apps.outlets.models import CENTRE_KINDS, SalesPoint
from apps.products.models import Product, ProductCategory
from apps.ratings.models import CriteriaSet, OcopRating, RatingStatus
from apps.ratings.selectors import OcopState, products_with_status
from apps.reports.selectors.scope import ReportError, ReportScope, scope_label
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.traceability.models import Inspection, InspectionResult
from apps.zones.models import CodeStatus, CodeStatusChange, GrowingAreaCode, RawMaterialZone
from apps.zones.selectors import home_province

COMMUNE = "commune"
DISTRICT = "district"
GROUPINGS = (COMMUNE, DISTRICT)

_HECTARE = Decimal("0.01")
_CODE_STATUSES = (CodeStatus.ACTIVE, CodeStatus.SUSPENDED, CodeStatus.REVOKED)


# --- the period and the grouping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        if self.number == 4:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, 3 * self.number + 1, 1) - datetime.timedelta(days=1)

    @classmethod
    def containing(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)


def _whole_number(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def parse_quarter(year: Any, quarter: Any) -> Quarter:
    """The quarter from request values (the current one for missing values); ``invalid_year`` / ``invalid_quarter``."""
    current = Quarter.containing(timezone.localdate())
    year_number = current.year if year in (None, "") else _whole_number(year)
    if year_number is None or not 2000 <= year_number <= 2100:
        raise ReportError("invalid_year", _("Year: %(value)s is not a year between 2000 and 2100.")
                          % {"value": year}, field="year")
    quarter_number = current.number if quarter in (None, "") else _whole_number(quarter)
    if quarter_number not in (1, 2, 3, 4):
        raise ReportError("invalid_quarter", _("Quarter: %(value)s is not a quarter (1, 2, 3 or 4).")
                          % {"value": quarter}, field="quarter")
    return Quarter(year_number, quarter_number)


def parse_grouping(by: Any) -> str:
    """``commune`` (the default) or ``district``; ``invalid_grouping`` otherwise."""
    by = by or COMMUNE
    if by not in GROUPINGS:
        raise ReportError("invalid_grouping", _("Group by: %(value)s is neither “commune” nor “district”.")
                          % {"value": by}, field="by")
    return by


# --- the report's plain structure (shared by the page, the PDF and the spreadsheet) --------------------------------


@dataclass(frozen=True)
class Row:
    """One row: label cells (unit code and name, and e.g. the crop), then numbers (int counts, Decimal sums)."""

    labels: tuple[str, ...]
    values: tuple[int | Decimal, ...]
    is_total: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    sheet_name: str
    label_headers: tuple[str, ...]
    value_headers: tuple[str, ...]
    rows: tuple[Row, ...]
    totals: tuple[Row, ...]
    note: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return self.label_headers + self.value_headers


@dataclass(frozen=True)
class QuarterlyReport:
    title: str
    province: str
    quarter: Quarter
    by: str
    scope_label: str
    sections: tuple[Section, ...]
    note: str
    generated_at: datetime.datetime

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


def _total() -> str:
    """The header of a total column (with a context: "Total" means other things in other catalogues)."""
    return pgettext("report column", "Total")


# --- rows and attribution ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """The rows of a report and how records are narrowed to its scope.

    Records are kept when their 2025 commune is one of ``communes`` or, by legacy district, when they count in one
    of ``districts``. ``units`` are the rows always shown; a record counted elsewhere (through a legacy unit
    recorded on it) adds its unit's row.
    """

    quarter: Quarter
    by: str
    units: tuple[AdministrativeUnit, ...]
    communes: frozenset[int]
    districts: frozenset[int]
    district_of: dict[int, int]
    total_label: str

    @property
    def label_headers(self) -> tuple[str, str]:
        return pgettext("report column", "Code"), (pgettext("report column", "Commune") if self.by == COMMUNE
                                                   else pgettext("report column", "Legacy district"))


def _frame(quarter: Quarter, by: str, scope: ReportScope, province: AdministrativeUnit) -> _Frame:
    province_communes = list(AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE,
                                                               parent=province))
    district_of = legacy_district_by_commune(province_communes)
    communes = {commune.pk for commune in province_communes}
    districts: set[int] = set()
    if scope.commune_ids is not None:
        communes &= scope.commune_ids
        unit_ids = communes if by == COMMUNE else {district_of[c] for c in communes if c in district_of}
    elif scope.district_id is not None:
        communes = {commune for commune in communes if district_of.get(commune) == scope.district_id}
        unit_ids = communes if by == COMMUNE else {scope.district_id}
        if by == DISTRICT:  # what counts in the district, wherever its 2025 commune now is
            communes, districts = set(), {scope.district_id}
    elif by == COMMUNE:
        unit_ids = communes
    else:  # every legacy district that gave a commune to the province; sales points outside it count there too
        unit_ids = districts = set(AdministrativeUnit.objects.filter(
            era=Era.LEGACY, level=Level.DISTRICT, children__current_mappings__current__in=province_communes,
        ).values_list("pk", flat=True))
    units = tuple(AdministrativeUnit.objects.filter(pk__in=unit_ids).order_by("search_name", "code"))
    total_label = _("Province total") if scope.is_province_wide else _total()
    return _Frame(quarter, by, units, frozenset(communes), frozenset(districts), district_of, total_label)


def _zone_home_commune(zone: str = "") -> Subquery:
    """The 2025 commune a zone counts in: of its communes, the one whose centre is nearest a point inside the zone.

    ``zone`` is the path from the record to the zone ("" when the record is the zone).
    """
    prefix = f"{zone}__" if zone else ""
    # GeoDjango functions need their arguments' output field: an outer reference gets one from the wrapper.
    geometry = ExpressionWrapper(OuterRef(f"{prefix}geometry"), output_field=MultiPolygonField(srid=4326))
    communes = (AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE,
                                                  zones=OuterRef(f"{prefix}pk"))
                .annotate(gap=Distance("centroid", PointOnSurface(geometry)))
                .order_by(F("gap").asc(nulls_last=True), "code"))
    return Subquery(communes.values("pk")[:1], output_field=IntegerField())


def _attributed(queryset: QuerySet, frame: _Frame, *, commune: Any, legacy: str | None = None) -> QuerySet:
    """``queryset`` annotated with ``report_unit`` (the row it counts in) and narrowed to the frame's scope.

    ``commune`` is the path (or expression) of the record's 2025 commune; ``legacy`` the path of a legacy district
    recorded on it.
    """
    queryset = queryset.annotate(report_commune=F(commune) if isinstance(commune, str) else commune)
    if frame.by == COMMUNE:
        queryset = queryset.annotate(report_unit=F("report_commune"))
    else:
        communes_of: dict[int, list[int]] = defaultdict(list)
        for commune_id, district_id in frame.district_of.items():
            communes_of[district_id].append(commune_id)
        mapped = Case(*[When(report_commune__in=ids, then=Value(district_id))
                        for district_id, ids in sorted(communes_of.items())],
                      default=Value(None), output_field=IntegerField())
        queryset = queryset.annotate(report_unit=Coalesce(F(legacy), mapped) if legacy else mapped)
    return queryset.filter(Q(report_commune__in=frame.communes) | Q(report_unit__in=frame.districts))


def _figures(queryset: QuerySet, aggregates: dict[str, Any], dimensions: Iterable[str] = ()) -> dict[tuple, dict]:
    """One grouped query: ``{(unit id, *dimension values): {aggregate name: figure}}``."""
    dimensions = tuple(dimensions)
    grouped = queryset.order_by().values("report_unit", *dimensions).annotate(**aggregates)
    return {(row["report_unit"], *(row[name] for name in dimensions)): {name: row[name] for name in aggregates}
            for row in grouped}


def _number(value: int | Decimal) -> int | Decimal:
    return value.quantize(_HECTARE) if isinstance(value, Decimal) else value


def _unit_rows(frame: _Frame, keys: Iterable[int | None]) -> list[tuple[int | None, tuple[str, str]]]:
    """The rows: the frame's units, then units only found through records, then records attributed to none."""
    shown = {unit.pk for unit in frame.units}
    keys = set(keys)
    extra = AdministrativeUnit.objects.filter(pk__in=[key for key in keys if key is not None and key not in shown])
    rows = [(unit.pk, (unit.code, unit.name)) for unit in (*frame.units, *extra.order_by("search_name", "code"))]
    if None in keys:
        rows.append((None, ("", _("No legacy district"))))
    return rows


def _table(frame: _Frame, *, key: str, title: str, sheet_name: str, note: str, columns: list[tuple[str, str]],
           figures: dict[int | None, dict[str, int | Decimal]], sums: Iterable[str] = ()) -> Section:
    """A section with one row per unit and one column per ``(figure name, header)``, plus the total row.

    Figures named in ``sums`` are decimal sums (hectares, tonnes); the others are counts.
    """
    names = [name for name, _header in columns]
    zero = {name: Decimal(0) if name in set(sums) else 0 for name in names}
    rows = []
    for unit_id, labels in _unit_rows(frame, figures):
        values = figures.get(unit_id, {})
        rows.append(Row(labels, tuple(_number(values.get(name) or zero[name]) for name in names)))
    totals = tuple(_number(sum((figures[unit].get(name) or zero[name] for unit in figures), zero[name]))
                   for name in names)
    return Section(key=key, title=title, sheet_name=sheet_name, label_headers=frame.label_headers,
                   value_headers=tuple(header for _name, header in columns), rows=tuple(rows),
                   totals=(Row(("", frame.total_label), totals, is_total=True),), note=note)


def _by_unit(figures: dict[tuple, dict]) -> dict[int | None, dict]:
    return {key[0]: values for key, values in figures.items()}


def _pivot(figures: dict[tuple, dict], name: str, column_of: Callable[[Any], str]) -> dict[int | None, dict]:
    """``{(unit, dimension): {name: n}}`` → ``{unit: {column: n, "total": Σ}}``."""
    pivoted: dict[int | None, dict] = defaultdict(lambda: {"total": 0})
    for (unit_id, dimension), values in figures.items():
        column = column_of(dimension)
        pivoted[unit_id][column] = pivoted[unit_id].get(column, 0) + values[name]
        pivoted[unit_id]["total"] += values[name]
    return dict(pivoted)


# --- the sections --------------------------------------------------------------------------------------------------


def _products(frame: _Frame, scope: ReportScope) -> QuerySet[Product]:
    """Products in scope with their OCOP status on the quarter's last day, attributed to their producer's unit."""
    products = products_with_status(scope.readable(Product.objects.all()), on=frame.quarter.end)
    return _attributed(products, frame, commune="producer__commune", legacy="producer__legacy_commune__parent")


def _star_levels() -> list[int]:
    lowest = CriteriaSet.objects.aggregate(lowest=Min("min_recognised_stars"))["lowest"] or 3
    return list(range(lowest, 6))


def _products_by_stars(frame: _Frame, scope: ReportScope) -> Section:
    recognised = _products(frame, scope).filter(ocop_state=OcopState.RECOGNISED)
    figures = _pivot(_figures(recognised, {"count": Count("pk")}, ["ocop_stars"]), "count", lambda stars: str(stars))
    columns = [(str(stars), _("%(stars)d stars") % {"stars": stars}) for stars in _star_levels()]
    return _table(frame, key="products_by_stars", title=_("OCOP products by star level"),
                  sheet_name=_("Products by stars"), columns=[*columns, ("total", _total())], figures=figures,
                  note=_("Products whose OCOP certificate is valid on the last day of the quarter (neither expired "
                         "nor revoked), in their producer's commune."))


def _products_by_industry(frame: _Frame, scope: ReportScope) -> Section:
    recognised = _products(frame, scope).filter(ocop_state=OcopState.RECOGNISED).annotate(
        industry_id=Coalesce("category__parent__parent", "category__parent", "category"))
    counts = _figures(recognised, {"count": Count("pk")}, ["industry_id"])
    industries = ProductCategory.objects.filter(pk__in={industry for _unit, industry in counts}).order_by(
        "scheme", "code")
    figures = _pivot(counts, "count", lambda industry: str(industry))
    columns = [(str(industry.pk), str(industry)) for industry in industries]
    return _table(frame, key="products_by_industry", title=_("OCOP products by industry"),
                  sheet_name=_("Products by industry"), columns=[*columns, ("total", _total())], figures=figures,
                  note=_("Industry: the top level of the product's classification (criteria set in brackets)."))


def _recognitions(frame: _Frame, scope: ReportScope) -> Section:
    start, end = frame.quarter.start, frame.quarter.end
    decided = OcopRating.objects.filter(product=OuterRef("pk"), decision_date__range=(start, end),
                                        status__in=[RatingStatus.RECOGNISED, RatingStatus.REVOKED])
    revoked = OcopRating.objects.filter(product=OuterRef("pk"), status=RatingStatus.REVOKED,
                                        revoked_on__range=(start, end))
    products = _products(frame, scope).annotate(is_new=Exists(decided), is_revoked=Exists(revoked))
    # Expired in the quarter: the day after its last valid day falls in it, and no later decision renewed it.
    expired = Q(ocop_state=OcopState.EXPIRED, ocop_valid_until__gte=start - datetime.timedelta(days=1))
    figures = _figures(products, {"new": Count("pk", filter=Q(is_new=True)), "expired": Count("pk", filter=expired),
                                  "revoked": Count("pk", filter=Q(is_revoked=True))})
    return _table(frame, key="recognitions", title=_("OCOP recognitions in the quarter"),
                  sheet_name=_("Recognitions"), figures=_by_unit(figures),
                  columns=[("new", _("Newly recognised")), ("expired", _("Expired")), ("revoked", _("Revoked"))],
                  note=_("Products, each counted once per column. New: a recognition decided in the quarter. "
                         "Expired: the certificate's last valid day fell in the quarter and no later decision "
                         "renewed it. Revoked: a recognition revoked in the quarter."))


def _status_on(history: QuerySet, day: datetime.date) -> Coalesce:
    """A record's status on ``day``: the latest change of its dated ``history`` by then (else its present status)."""
    latest = history.filter(effective_date__lte=day).order_by("-effective_date", "-recorded_at")
    return Coalesce(Subquery(latest.values("to_status")[:1]), F("status"))


def _coded_hectares(frame: _Frame, scope: ReportScope) -> Section:
    end = frame.quarter.end
    history = CodeStatusChange.objects.filter(growing_area_code=OuterRef("pk"))
    rank = Case(*[When(status_on=status, then=Value(index)) for index, status in enumerate(_CODE_STATUSES)],
                default=Value(len(_CODE_STATUSES)), output_field=IntegerField())
    codes = (GrowingAreaCode.objects.filter(zones=OuterRef("pk"), issue_date__lte=end)
             .annotate(status_on=_status_on(history, end)).annotate(rank=rank).order_by("rank", "issue_date", "code"))
    zones = (scope.readable(RawMaterialZone.objects.all())
             .annotate(code_status=Subquery(codes.values("status_on")[:1])).filter(code_status__isnull=False))
    zones = _attributed(zones, frame, commune=_zone_home_commune())
    hectares = _figures(zones, {"area": Sum("area_ha")}, ["crop__name", "code_status"])

    by_row: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for (unit_id, crop, status), values in hectares.items():
        by_row[(unit_id, crop)][status] = Decimal(values["area"])
    crops = sorted({crop for _unit, crop in by_row})

    def numbers(by_status: dict[str, Decimal]) -> tuple[Decimal, ...]:
        figures = [by_status.get(status, Decimal(0)) for status in _CODE_STATUSES]
        return tuple(_number(value) for value in [*figures, sum(figures, Decimal(0))])

    rows = [Row((*labels, crop), numbers(by_row[(unit_id, crop)]))
            for unit_id, labels in _unit_rows(frame, {unit_id for unit_id, _crop in by_row})
            for crop in crops if (unit_id, crop) in by_row]
    per_crop: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (_unit_id, crop), by_status in by_row.items():
        for status, area in by_status.items():
            per_crop[crop][status] += area
            per_crop[""][status] += area
    totals = [Row(("", frame.total_label, crop), numbers(per_crop[crop]), is_total=True) for crop in crops]
    if len(crops) > 1:
        totals.append(Row(("", frame.total_label, _("All crops")), numbers(per_crop[""]), is_total=True))
    return Section(
        key="coded_hectares", title=_("Hectares under growing-area codes"), sheet_name=_("Coded hectares"),
        label_headers=(*frame.label_headers, pgettext("report column", "Crop")),
        value_headers=(*(str(CodeStatus(status).label) for status in _CODE_STATUSES), _total()),
        rows=tuple(rows), totals=tuple(totals),
        note=_("Hectares measured on the ellipsoid. A zone counts once: in the one of its communes whose centre is "
               "nearest a point inside it, under the best status its codes issued by the end of the quarter had on "
               "its last day (active, then suspended, then revoked). Units without coded zones are left out."))


def _packing_facilities(frame: _Frame, scope: ReportScope) -> Section:
    end = frame.quarter.end
    history = PackingFacilityStatusChange.objects.filter(facility=OuterRef("pk"))
    facilities = (scope.readable(PackingFacility.objects.all())
                  .filter(Q(issue_date__lte=end) | Q(issue_date__isnull=True, created_at__date__lte=end))
                  .annotate(status_on=_status_on(history, end)))
    facilities = _attributed(facilities, frame, commune="commune")
    aggregates = {status: Count("pk", filter=Q(status_on=status)) for status in FacilityStatus.values}
    aggregates["total"] = Count("pk")
    aggregates["capacity"] = Sum("capacity_tonnes_per_day", filter=Q(status_on=FacilityStatus.ACTIVE))
    columns = [(status, str(FacilityStatus(status).label)) for status in FacilityStatus.values]
    return _table(frame, key="packing_facilities", title=_("Coded packing facilities"),
                  sheet_name=_("Packing facilities"), figures=_by_unit(_figures(facilities, aggregates)),
                  columns=[*columns, ("total", _total()), ("capacity", _("Active capacity (tonnes/day)"))],
                  sums=["capacity"],
                  note=_("Facilities registered by the end of the quarter, with the status of their code on its last "
                         "day."))


def _sales_points(frame: _Frame, scope: ReportScope) -> Section:
    carries = SalesPoint.products.through.objects.filter(salespoint=OuterRef("pk"))
    points = (scope.readable(SalesPoint.objects.all()).filter(created_at__date__lte=frame.quarter.end)
              .annotate(has_products=Exists(carries)))
    points = _attributed(points, frame, commune="commune", legacy="legacy_district")
    centre = Q(kind__in=CENTRE_KINDS)
    aggregates = {"centres": Count("pk", filter=centre),
                  "others": Count("pk", filter=~centre & Q(is_outside_province=False)),
                  "outside": Count("pk", filter=~centre & Q(is_outside_province=True)),
                  "total": Count("pk"), "with_products": Count("pk", filter=Q(has_products=True))}
    return _table(frame, key="sales_points", title=_("Sales points"), sheet_name=_("Sales points"),
                  figures=_by_unit(_figures(points, aggregates)),
                  columns=[("centres", _("OCOP centres")), ("others", _("Other sales points")),
                           ("outside", _("Showcases outside the province")), ("total", _total()),
                           ("with_products", _("Carrying products"))],
                  note=_("Sales points recorded by the end of the quarter, in their commune; by legacy district, in "
                         "the district the provincial plan allocated them to, which is how showcases outside the "
                         "province are counted."))


def _inspections(frame: _Frame, scope: ReportScope) -> Section:
    inspections = scope.readable(Inspection.objects.all()).filter(
        inspected_on__range=(frame.quarter.start, frame.quarter.end))
    commune = Coalesce(_zone_home_commune("zone"), "packing_facility__commune", "production_facility__commune",
                       "producer__commune", "lot__product__producer__commune", output_field=IntegerField())
    inspections = inspections.annotate(inspected_legacy=Coalesce(
        "producer__legacy_commune__parent", "lot__product__producer__legacy_commune__parent"))
    inspections = _attributed(inspections, frame, commune=commune, legacy="inspected_legacy")
    aggregates = {result: Count("pk", filter=Q(result=result)) for result in InspectionResult.values}
    aggregates["total"] = Count("pk")
    columns = [(result, str(InspectionResult(result).label)) for result in InspectionResult.values]
    return _table(frame, key="inspections", title=_("Inspections in the quarter"), sheet_name=_("Inspections"),
                  figures=_by_unit(_figures(inspections, aggregates)), columns=[*columns, ("total", _total())],
                  note=_("Inspections of zones, facilities, producers and lots dated in the quarter, by result, "
                         "where what they inspected lies."))


SECTIONS = (_products_by_stars, _products_by_industry, _recognitions, _coded_hectares, _packing_facilities,
            _sales_points, _inspections)


def quarterly_report(year: int | str, quarter: int | str, by: str, scope: ReportScope) -> QuarterlyReport:
    """The quarterly OCOP report of the home province per 2025 commune (``by="commune"``) or legacy district
    (``by="district"``), within ``scope``.

    Refuses an impossible year, quarter or grouping (``invalid_year``, ``invalid_quarter``, ``invalid_grouping``).
    """
    period = parse_quarter(year, quarter)
    by = parse_grouping(by)
    province = home_province()
    frame = _frame(period, by, scope, province)
    note = (_("Each record counts in one commune, so the rows add up to the total.") if by == COMMUNE
            else _("Each record counts in one legacy district: the one recorded on it, else the one most of its 2025 "
                   "commune's former communes belonged to. The rows add up to the total."))
    return QuarterlyReport(
        title=_("OCOP quarterly report, quarter %(quarter)d/%(year)d") % {"quarter": period.number,
                                                                          "year": period.year},
        province=province.name, quarter=period, by=by, scope_label=scope_label(scope), note=note,
        sections=tuple(build(frame, scope) for build in SECTIONS), generated_at=timezone.localtime())
