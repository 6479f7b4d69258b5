"""Dashboard figures: OCOP products by star level, coded growing area by crop and sales points per population,
per 2025 commune and per legacy district, and recognitions per year — all computed in the database.

Attribution rules (stated on the page too):

- a product counts where its producer is registered (2025 commune); in a legacy district through the
  producer's legacy commune when recorded, otherwise through the official old→new mapping;
- a product counts once, at the best star level it currently holds (recognised and not expired);
- a zone's hectares (measured on the ellipsoid when saved) count in one commune: the one of the zone's
  communes nearest to the zone's inner point (so a zone across a border is not counted twice); only zones
  covered by an active growing-area code count as "coded";
- a sales point counts in its 2025 commune, and in the legacy district the plan allocated it to (or,
  when not recorded, the district mapped from its commune).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import Count, F, FloatField, Func, OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear, Now

from apps.outlets.models import SalesPoint
from apps.products.models import ProductCategory
from apps.ratings.models import OcopRating, RatingStatus
from apps.territory.models import AdministrativeUnit, Era, LegacyMapping, Level
from apps.zones.models import CodeStatus, RawMaterialZone, ZoneStatus

STAR_LEVELS = (3, 4, 5)


class _PlanarGap(Func):
    """PostGIS ``<->`` between two geometry expressions: enough to pick the nearest of a zone's few communes."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


@dataclass
class UnitFigures:
    """The figures of one administrative unit (a 2025 commune or a legacy district)."""

    unit: AdministrativeUnit
    products_by_stars: dict[int, int] = field(default_factory=lambda: dict.fromkeys(STAR_LEVELS, 0))
    coded_ha_by_crop: dict[str, Decimal] = field(default_factory=dict)
    sales_points: int = 0

    @property
    def products(self) -> int:
        return sum(self.products_by_stars.values())

    @property
    def coded_ha(self) -> Decimal:
        return sum(self.coded_ha_by_crop.values(), Decimal(0))

    @property
    def population(self) -> int | None:
        return self.unit.population

    @property
    def sales_points_per_10k(self) -> float | None:
        """Sales points per 10,000 inhabitants; None when the population is unknown."""
        if not self.unit.population:
            return None
        return self.sales_points * 10_000 / self.unit.population


@dataclass
class Dashboard:
    communes: list[UnitFigures]
    districts: list[UnitFigures]
    crops: list[str]
    unassigned_products: int = 0


def home_province() -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.PROVINCE,
                                             code=settings.OCOP_PROVINCE_CODE).first()


def _current_ratings():
    return OcopRating.objects.filter(status=RatingStatus.RECOGNISED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=Now()))


def legacy_district_by_commune(communes: list[AdministrativeUnit]) -> dict[int, int]:
    """Map each 2025 commune to the legacy district most of its predecessor communes belonged to."""
    votes: dict[int, Counter] = defaultdict(Counter)
    mappings = LegacyMapping.objects.filter(current__in=communes, legacy__level=Level.COMMUNE).values_list(
        "current_id", "legacy__parent_id", "is_primary")
    for current_id, district_id, is_primary in mappings:
        if district_id is not None:
            votes[current_id][district_id] += 2 if is_primary else 1
    return {current_id: counter.most_common(1)[0][0] for current_id, counter in votes.items()}


def dashboard() -> Dashboard:
    """Compute every dashboard figure for the home province (``settings.OCOP_PROVINCE_CODE``)."""
    province = home_province()
    if province is None:
        return Dashboard(communes=[], districts=[], crops=[])
    communes = list(AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent=province)
                    .order_by("code"))
    district_of = legacy_district_by_commune(communes)
    districts = list(AdministrativeUnit.objects.filter(era=Era.LEGACY, level=Level.DISTRICT,
                                                       pk__in=set(district_of.values())).order_by("code"))
    by_commune = {unit.pk: UnitFigures(unit) for unit in communes}
    by_district = {unit.pk: UnitFigures(unit) for unit in districts}
    unassigned = 0

    # Products: best current star level per product, placed by its producer.
    best = (
        _current_ratings().filter(product__producer__commune__in=communes)
        .values("product_id", "product__producer__commune_id", "product__producer__legacy_commune__parent_id",
                "stars")
        .order_by("product_id", "-stars").distinct("product_id")
    )
    for row in best:
        commune_id = row["product__producer__commune_id"]
        stars = row["stars"]
        if stars not in STAR_LEVELS:
            continue
        by_commune[commune_id].products_by_stars[stars] += 1
        district_id = row["product__producer__legacy_commune__parent_id"] or district_of.get(commune_id)
        if district_id in by_district:
            by_district[district_id].products_by_stars[stars] += 1
        else:
            unassigned += 1

    # Coded growing area: zones covered by an active code, each counted once in its "home" commune.
    home_commune = (
        AdministrativeUnit.objects.filter(zones=OuterRef("pk"), era=Era.CURRENT, level=Level.COMMUNE)
        .annotate(gap=_PlanarGap(F("centroid"), OuterRef("inside")))
        .order_by("gap", "code").values("pk")[:1]
    )
    zones = (
        RawMaterialZone.objects.exclude(status=ZoneStatus.PROPOSED)
        .filter(growing_area_codes__status=CodeStatus.ACTIVE).distinct()
        .annotate(inside=PointOnSurface("geometry")).annotate(home=Subquery(home_commune))
        .values_list("pk", "home", "crop__name", "area_ha")
    )
    crops: set[str] = set()
    for _pk, commune_id, crop, area_ha in zones:
        if commune_id not in by_commune:
            continue
        crops.add(crop)
        for figures in (by_commune[commune_id], by_district.get(district_of.get(commune_id))):
            if figures is not None:
                figures.coded_ha_by_crop[crop] = figures.coded_ha_by_crop.get(crop, Decimal(0)) + area_ha

    # Sales points.
    points = SalesPoint.objects.filter(commune__in=communes).values_list("commune_id", "legacy_district_id")
    for commune_id, legacy_district_id in points:
        by_commune[commune_id].sales_points += 1
        district_id = legacy_district_id or district_of.get(commune_id)
        if district_id in by_district:
            by_district[district_id].sales_points += 1

    return Dashboard(communes=list(by_commune.values()), districts=list(by_district.values()),
                     crops=sorted(crops), unassigned_products=unassigned)


@dataclass
class YearSeries:
    """Counts per year and series (stars or industry): ``values[year][series]``."""

    years: list[int]
    series: list[str]
    values: dict[int, dict[str, int]]


def recognitions_per_year() -> tuple[YearSeries, YearSeries]:
    """Products recognised (3–5★ decisions) per decision year, by star level and by industry.

    A product re-evaluated in a later year counts in each year it received a decision. Revoked and expired
    certificates still count in the year they were granted.
    """
    province = home_province()
    ratings = OcopRating.objects.filter(
        status__in=[RatingStatus.RECOGNISED, RatingStatus.EXPIRED, RatingStatus.REVOKED],
        decision_date__isnull=False, stars__in=STAR_LEVELS,
    )
    if province is not None:
        ratings = ratings.filter(product__producer__commune__parent=province)
    by_stars = ratings.annotate(year=ExtractYear("decision_date")).values("year", "stars").annotate(
        count=Count("product", distinct=True)).order_by("year", "stars")
    star_values: dict[int, dict[str, int]] = defaultdict(dict)
    for row in by_stars:
        star_values[row["year"]][f"{row['stars']}★"] = row["count"]
    industry_of = _industry_names()
    by_category = ratings.annotate(year=ExtractYear("decision_date")).values(
        "year", "product__category_id").annotate(count=Count("product", distinct=True))
    industry_values: dict[int, dict[str, int]] = defaultdict(dict)
    for row in by_category:
        name = industry_of.get(row["product__category_id"], "?")
        industry_values[row["year"]][name] = industry_values[row["year"]].get(name, 0) + row["count"]
    years = sorted(set(star_values) | set(industry_values))
    if years:
        years = list(range(years[0], years[-1] + 1))
    industries = sorted({name for values in industry_values.values() for name in values})
    return (
        YearSeries(years, [f"{stars}★" for stars in STAR_LEVELS], dict(star_values)),
        YearSeries(years, industries, dict(industry_values)),
    )


def _industry_names() -> dict[int, str]:
    """Map every category id to the name of its industry (the root of its tree), in the active language."""
    from apps.maps.styles import localized

    nodes = {row["pk"]: row for row in ProductCategory.objects.values("pk", "parent_id", "name", "name_en")}
    names = {}
    for pk in nodes:
        node = nodes[pk]
        while node["parent_id"] is not None:
            node = nodes[node["parent_id"]]
        names[pk] = localized({"vi": node["name"], "en": node["name_en"] or node["name"]})
    return names
