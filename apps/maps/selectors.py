"""Reads for the public map pages: search by name or code, "OCOP near me" and place details."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import Distance, PointOnSurface
from django.contrib.gis.geos import Point
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.hours import is_open
from apps.common.spatial import KnnDistance, geography, geometry_value
from apps.common.text import fold
from apps.facilities.models import PackingFacility, ProductionFacility
from apps.layers.registry import best_current_stars, industry_condition
from apps.outlets.models import CENTRE_KINDS, SalesPoint, SalesPointKind
from apps.producers.models import Producer
from apps.products.models import ClassificationLevel, Product, ProductCategory
from apps.ratings.models import OcopRating, RatingStatus
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.territory.selectors import search_units
from apps.tourism.models import TourismSite
from apps.zones.models import GrowingAreaCode, RawMaterialZone, ZoneStatus

DEFAULT_RADIUS_M = 10_000
MAX_RADIUS_M = 100_000
DEFAULT_LIMIT = 20
MAX_LIMIT = 50

# Kinds a tourist can ask for, in the order the page lists them.
CENTRE = "centre"
SALES_POINT = "sales_point"
TOURISM_SITE = "tourism_site"
PRODUCER = "producer"
NEARBY_KINDS = (CENTRE, SALES_POINT, TOURISM_SITE, PRODUCER)


# ------------------------------------------------------------------------------------------------ search
@dataclass(frozen=True)
class SearchHit:
    """One search result: where to jump on the map and which page to open."""

    kind: str
    label: str
    detail: str
    url: str
    lon: float
    lat: float
    bbox: tuple[float, float, float, float] | None = None
    layer: str = ""
    is_code_match: bool = False

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "detail": self.detail, "url": self.url, "lon": self.lon,
                "lat": self.lat, "bbox": list(self.bbox) if self.bbox else None, "layer": self.layer,
                "is_code_match": self.is_code_match}


_CODE_LIKE = re.compile(r"^[A-Za-z]{2}[-\s]?[A-Za-z]{2,6}[-\s]?\d{1,6}$|^[A-Za-z0-9]+-[A-Za-z0-9-]+$")


def _normal_code(query: str) -> str:
    return re.sub(r"\s+", "", query).upper()


def _zone_extent(zones: QuerySet) -> tuple[float, float, float, float] | None:
    return zones.aggregate(extent=Extent("geometry"))["extent"]


def _centre_of(extent: tuple[float, float, float, float]) -> tuple[float, float]:
    return (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2


def _exact_first(code: str) -> Case:
    return Case(When(code__iexact=code, then=Value(0)), default=Value(1), output_field=IntegerField())


def search_by_code(query: str) -> list[SearchHit]:
    """Find growing-area codes and packing-facility codes; a code jumps to its zones or to its facility.

    Matching ignores case and spaces; an exact code comes first, then codes that contain the query.
    """
    code = _normal_code(query)
    if len(code) < 4:
        return []
    hits: list[SearchHit] = []
    codes = (
        GrowingAreaCode.objects.filter(code__icontains=code).select_related("crop")
        .annotate(rank=_exact_first(code)).order_by("rank", "code")[:5]
    )
    for growing_area_code in codes:
        zones = RawMaterialZone.objects.filter(growing_area_codes=growing_area_code).exclude(
            status=ZoneStatus.PROPOSED)
        extent = _zone_extent(zones)
        if extent is None:
            continue
        first_zone = zones.order_by("pk").first()
        lon, lat = _centre_of(extent)
        hits.append(SearchHit(
            kind="growing_area_code", label=growing_area_code.code,
            detail=_("Growing-area code · %(crop)s · %(status)s")
            % {"crop": growing_area_code.crop.name, "status": growing_area_code.get_status_display()},
            url=reverse("maps:zone", args=[first_zone.pk]), lon=lon, lat=lat, bbox=extent,
            layer="growing-area-codes", is_code_match=True,
        ))
    facilities = PackingFacility.objects.filter(code__icontains=code).annotate(rank=_exact_first(code)).order_by(
        "rank", "code")[:5]
    for facility in facilities:
        hits.append(SearchHit(
            kind="packing_facility", label=facility.code,
            detail=_("Packing facility · %(name)s · %(status)s")
            % {"name": facility.name, "status": facility.get_status_display()},
            url=reverse("maps:packing-facility", args=[facility.pk]), lon=facility.location.x,
            lat=facility.location.y, layer="packing-facilities", is_code_match=True,
        ))
    return hits


def search_by_name(query: str, *, limit: int = 20) -> list[SearchHit]:
    """Find places by name, ignoring Vietnamese diacritics and case ("ca phe" finds "Cà phê")."""
    folded = fold(query)
    if len(folded) < 2:
        return []
    hits: list[SearchHit] = []
    for producer in Producer.objects.filter(search_name__contains=folded, location__isnull=False)[:5]:
        hits.append(SearchHit("producer", producer.name, _("OCOP producer"),
                              reverse("maps:producer", args=[producer.slug]), producer.location.x,
                              producer.location.y, layer="producers"))
    products = Product.objects.filter(search_name__contains=folded, producer__location__isnull=False).select_related(
        "producer")[:5]
    for product in products:
        hits.append(SearchHit("product", product.name, _("Product of %(producer)s") % {"producer": product.producer},
                              reverse("maps:product", args=[product.slug]), product.producer.location.x,
                              product.producer.location.y, layer="producers"))
    for point in SalesPoint.objects.filter(search_name__contains=folded)[:5]:
        hits.append(SearchHit("sales_point", point.name, point.get_kind_display(),
                              reverse("maps:sales-point", args=[point.pk]), point.location.x, point.location.y,
                              layer="sales-points"))
    for site in TourismSite.objects.filter(search_name__contains=folded)[:5]:
        hits.append(SearchHit("tourism_site", site.name, site.get_kind_display(),
                              reverse("maps:tourism-site", args=[site.pk]), site.location.x, site.location.y,
                              layer="tourism-sites"))
    zones = (
        RawMaterialZone.objects.filter(search_name__contains=folded).exclude(status=ZoneStatus.PROPOSED)
        .annotate(inside=PointOnSurface("geometry"))[:5]
    )
    for zone in zones:
        extent = zone.geometry.extent
        hits.append(SearchHit("zone", zone.name, zone.get_kind_display(), reverse("maps:zone", args=[zone.pk]),
                              zone.inside.x, zone.inside.y, bbox=extent, layer="zones"))
    for facility in PackingFacility.objects.filter(search_name__contains=folded)[:5]:
        hits.append(SearchHit("packing_facility", facility.name, _("Packing facility %(code)s")
                              % {"code": facility.code}, reverse("maps:packing-facility", args=[facility.pk]),
                              facility.location.x, facility.location.y, layer="packing-facilities"))
    for facility in ProductionFacility.objects.filter(search_name__contains=folded).select_related("producer")[:5]:
        hits.append(SearchHit("production_facility", facility.name, _("Production facility of %(producer)s")
                              % {"producer": facility.producer},
                              reverse("maps:producer", args=[facility.producer.slug]), facility.location.x,
                              facility.location.y, layer="production-facilities"))
    for unit in search_units(query, era=Era.CURRENT, level=Level.COMMUNE, limit=5):
        if unit.centroid is None:
            continue
        hits.append(SearchHit("commune", unit.name, _("Commune (2025)"), "", unit.centroid.x, unit.centroid.y,
                              bbox=unit.boundary.extent if unit.boundary else None, layer="communes"))
    return hits[:limit]


def search(query: str, *, limit: int = 20) -> list[SearchHit]:
    """Codes first (a code names exactly one place), then names."""
    query = (query or "").strip()
    if not query:
        return []
    hits = search_by_code(query) if _CODE_LIKE.match(query.strip()) or "-" in query else []
    return (hits + search_by_name(query, limit=limit))[:limit]


# ------------------------------------------------------------------------------------------- near me
@dataclass
class NearbyPlace:
    """A place near the tourist, with its true distance on the ellipsoid and whether it is open now."""

    kind: str
    kind_label: str
    subkind: str
    subkind_label: str
    pk: int
    name: str
    address: str
    phone: str
    location: Point
    distance_m: float
    is_open_now: bool | None
    has_hours: bool
    stars: int | None
    sells: list[str] = field(default_factory=list)
    url: str = ""

    def directions_url(self, origin: Point) -> str:
        """OpenStreetMap directions from the tourist to the place (a link: nothing is fetched until clicked)."""
        route = f"{origin.y:.6f},{origin.x:.6f};{self.location.y:.6f},{self.location.x:.6f}"
        return "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route=" + quote(route, safe="")

    def geo_uri(self) -> str:
        return f"geo:{self.location.y:.6f},{self.location.x:.6f}"

    def as_feature(self, origin: Point) -> dict:
        return {
            "type": "Feature",
            "id": f"{self.kind}:{self.pk}",
            "geometry": {"type": "Point", "coordinates": [round(self.location.x, 6), round(self.location.y, 6)]},
            "properties": {
                "kind": self.kind, "kind_label": self.kind_label, "subkind": self.subkind,
                "subkind_label": self.subkind_label, "name": self.name, "address": self.address,
                "phone": self.phone, "distance_m": round(self.distance_m, 1),
                "distance_text": format_distance(self.distance_m), "is_open_now": self.is_open_now,
                "has_hours": self.has_hours, "stars": self.stars, "sells": self.sells, "url": self.url,
                "directions_url": self.directions_url(origin), "geo_uri": self.geo_uri(),
            },
        }


@dataclass(frozen=True)
class NearbyQuery:
    location: Point
    radius_m: float = DEFAULT_RADIUS_M
    kinds: tuple[str, ...] = NEARBY_KINDS
    industry: str = ""
    min_stars: int | None = None
    open_now: bool = False
    at: datetime.datetime | None = None
    limit: int = DEFAULT_LIMIT


def format_distance(metres: float) -> str:
    """"850 m" under a kilometre, "1.2 km" under ten, then whole kilometres (localised decimal mark)."""
    from django.utils.formats import number_format

    if metres < 1000:
        return _("%(distance)s m") % {"distance": number_format(round(metres))}
    kilometres = metres / 1000
    digits = 1 if kilometres < 10 else 0
    return _("%(distance)s km") % {"distance": number_format(round(kilometres, digits), decimal_pos=digits)}


def _current_stars() -> Q:
    return Q(status=RatingStatus.RECOGNISED) & (Q(valid_until__isnull=True) | Q(valid_until__gte=Now()))


def _nearest(queryset: QuerySet, location: Point, radius_m: float, *, batch: int) -> Iterable:
    """Yield rows within ``radius_m`` of ``location``, nearest first by the spatial index (KNN ``<->``).

    Rows come in batches ordered by the index; each carries ``distance_m`` measured on the ellipsoid, and
    the caller re-ranks the kept rows by it (degrees are not metres, so the index order is only a guide).
    """
    rows = (
        queryset.annotate(distance=Distance(geography("location"), geography(geometry_value(location))))
        .filter(distance__lte=radius_m)
        .order_by(KnnDistance("location", location), "pk")
    )
    offset = 0
    while True:
        page = list(rows[offset:offset + batch])
        yield from page
        if len(page) < batch:
            return
        offset += batch


def _sales_point_source(query: NearbyQuery) -> QuerySet | None:
    kinds = []
    if CENTRE in query.kinds:
        kinds += list(CENTRE_KINDS)
    if SALES_POINT in query.kinds:
        kinds += [kind for kind in SalesPointKind.values if kind not in CENTRE_KINDS]
    if not kinds:
        return None
    queryset = SalesPoint.objects.filter(kind__in=kinds).annotate(stars=best_current_stars("product__sales_points"))
    if query.industry:
        queryset = queryset.filter(pk__in=SalesPoint.objects.filter(
            industry_condition("products__category")([query.industry])).values("pk"))
    return queryset


def _tourism_source(query: NearbyQuery) -> QuerySet | None:
    if TOURISM_SITE not in query.kinds:
        return None
    queryset = TourismSite.objects.select_related("product").annotate(
        stars=best_current_stars("product__tourism_sites"))
    if query.industry:
        queryset = queryset.filter(industry_condition("product__category")([query.industry]))
    return queryset


def _producer_source(query: NearbyQuery) -> QuerySet | None:
    if PRODUCER not in query.kinds or query.open_now:
        # Producers have no structured visiting hours: "open now" cannot be confirmed for them.
        return None
    queryset = Producer.objects.filter(is_open_to_visits=True, location__isnull=False).annotate(
        stars=best_current_stars("product__producer"))
    if query.industry:
        queryset = queryset.filter(pk__in=Producer.objects.filter(
            industry_condition("products__category")([query.industry])).values("pk"))
    return queryset


def _products_sold(kind: str, pks: list[int]) -> dict[int, list[str]]:
    """Names of the products each place sells or offers, best current star level first (five at most)."""
    if not pks:
        return {}
    path = {CENTRE: "sales_points", SALES_POINT: "sales_points", PRODUCER: "producer",
            TOURISM_SITE: "tourism_sites"}[kind]
    rows = list(Product.objects.filter(**{f"{path}__in": pks}).values_list(path, "pk", "name"))
    best = dict(
        OcopRating.objects.filter(_current_stars(), product__in={product_id for _pk, product_id, _name in rows})
        .order_by("product", "-stars").distinct("product").values_list("product", "stars")
    )
    names: dict[int, list[tuple[int, str]]] = {}
    for pk, product_id, name in rows:
        names.setdefault(pk, []).append((best.get(product_id, 0), name))
    return {pk: [name for _stars, name in sorted(items, key=lambda item: (-item[0], item[1]))][:5]
            for pk, items in names.items()}


def _place(kind: str, row, at: datetime.datetime) -> NearbyPlace:
    if isinstance(row, SalesPoint):
        hours = row.opening_hours
        kind = CENTRE if row.kind in CENTRE_KINDS else SALES_POINT
        subkind, subkind_label = row.kind, row.get_kind_display()
        url = reverse("maps:sales-point", args=[row.pk])
    elif isinstance(row, TourismSite):
        hours = row.visiting_hours
        subkind, subkind_label = row.kind, row.get_kind_display()
        url = reverse("maps:tourism-site", args=[row.pk])
    else:
        hours = None
        subkind, subkind_label = row.legal_form, row.get_legal_form_display()
        url = reverse("maps:producer", args=[row.slug])
    labels = {CENTRE: _("OCOP centre"), SALES_POINT: _("Sales point"), TOURISM_SITE: _("Tourism site"),
              PRODUCER: _("Producer open to visits")}
    return NearbyPlace(
        kind=kind, kind_label=labels[kind], subkind=subkind, subkind_label=str(subkind_label), pk=row.pk,
        name=row.name, address=getattr(row, "address", "") or "", phone=row.phone or "", location=row.location,
        distance_m=row.distance.m, is_open_now=is_open(hours, at) if hours else None, has_hours=bool(hours),
        stars=row.stars, url=url,
    )


def places_near(query: NearbyQuery) -> list[NearbyPlace]:
    """Return the nearest OCOP centres, sales points, tourism sites and producers open to visits.

    Each source is read nearest-first through the spatial index, filtered (kind, industry, minimum stars,
    open now at ``query.at`` in Asia/Ho_Chi_Minh, radius on the ellipsoid) until ``limit`` places are kept;
    the sources are then merged by true distance. Places without structured hours count as closed for the
    "open now" filter (we cannot tell), and show "hours unknown".
    """
    at = query.at or timezone.now()
    places: list[NearbyPlace] = []
    batch = max(query.limit * 2, 20)
    sources = [(SALES_POINT, _sales_point_source(query)), (TOURISM_SITE, _tourism_source(query)),
               (PRODUCER, _producer_source(query))]
    for kind, queryset in sources:
        if queryset is None:
            continue
        if query.min_stars:
            queryset = queryset.filter(stars__gte=query.min_stars)
        kept: list[NearbyPlace] = []
        for row in _nearest(queryset, query.location, query.radius_m, batch=batch):
            place = _place(kind, row, at)
            if query.open_now and not place.is_open_now:
                continue
            kept.append(place)
            if len(kept) >= batch:
                break
        places.extend(kept)
    places.sort(key=lambda place: (place.distance_m, place.kind, place.pk))
    places = places[:query.limit]
    for kind in NEARBY_KINDS:
        pks = [place.pk for place in places if place.kind == kind]
        sold = _products_sold(kind, pks)
        for place in places:
            if place.kind == kind:
                place.sells = sold.get(place.pk, [])
    return places


def industries() -> QuerySet[ProductCategory]:
    """The industries of the newest classification (the filter's choices)."""
    newest = ProductCategory.objects.filter(level=ClassificationLevel.INDUSTRY).order_by("-scheme").values_list(
        "scheme", flat=True).first()
    return ProductCategory.objects.filter(level=ClassificationLevel.INDUSTRY, scheme=newest).order_by("code")


def communes_with_centroids() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, centroid__isnull=False).order_by(
        "search_name")
