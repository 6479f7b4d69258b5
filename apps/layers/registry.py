"""The public map layers: one declaration per layer, the single source for the GeoJSON API, OGC API and tiles.

A :class:`Layer` says which rows are public, which geometry is drawn, which properties are exposed (and
which of them go into vector tiles), which query filters exist and which field carries time. The API,
OGC API – Features and tile views never name a model: they look a layer up here.

Publication decisions (documented here because every interface follows them):

- Raw-material zones: every status except ``proposed`` is public. A proposed zone is a draft that no
  officer has vetted; suspended and revoked zones stay on the map with their status, because people
  checking a zone (traders, importers, inspectors) must learn that it was revoked rather than find
  nothing. Clients that only want working zones ask ``status=active``.
- Growing-area codes (mã số vùng trồng): one feature per code, whose geometry is the union of the zones
  the code covers (a code is an area, and GIS users want to draw and measure it). Codes without any zone
  have nothing to draw and are left out. Every status is public for the same reason as zones: a revoked
  code must be seen as revoked.
- Packing facilities: every status is public (the code's status is the information people look for).
- Producers: only those with a location.
- Administrative units: 2025 communes and legacy districts (the ones the plan allocates by). The geometry
  is the boundary when loaded, otherwise the centroid, so the layer mixes polygons and points until
  boundaries are imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Expression, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Now
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.facilities.models import PackingFacility, ProductionFacility
from apps.indications.models import GeographicalIndication
from apps.outlets.models import SalesPoint
from apps.producers.models import Producer
from apps.ratings.models import OcopRating, RatingStatus
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.tourism.models import RouteStop, TourismSite, TourRoute
from apps.zones.models import GrowingAreaCode, RawMaterialZone, ZoneStatus

AREAL = "areal"
POINT = "point"
LINEAR = "linear"
MIXED = "mixed"

#: The OGC / GeoJSON geometry type each kind is declared as.
GEOMETRY_TYPES = {AREAL: "MultiPolygon", POINT: "Point", LINEAR: "LineString", MIXED: "Geometry"}


class LayerQueryError(DomainError):
    default_code = "invalid_query"


# --------------------------------------------------------------------------------------------- properties
@dataclass(frozen=True)
class Prop:
    """One exposed property: its public name, the ORM path or expression, and its JSON type.

    ``in_tiles`` properties are the ones styling and popups need; arrays are joined with commas in tiles
    (the vector-tile format has no arrays).
    """

    name: str
    source: str | Expression
    type: str = "string"  # string | integer | number | boolean | date | array
    in_tiles: bool = True

    def expression(self) -> Expression:
        return F(self.source) if isinstance(self.source, str) else self.source


def best_current_stars(product_relation: str) -> Subquery:
    """The highest star level among currently recognised ratings of the row's products (None when none).

    ``product_relation`` is the path from a rating's product back to the row (e.g. ``product__sales_points``).
    A recognised rating is current when it has no end date or has not reached it yet.
    """
    ratings = (
        OcopRating.objects.filter(status=RatingStatus.RECOGNISED, **{product_relation: OuterRef("pk")})
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=Now()))
        .order_by("-stars")
        .values("stars")[:1]
    )
    return Subquery(ratings)


# ------------------------------------------------------------------------------------------------ filters
@dataclass(frozen=True)
class Filter:
    """A query parameter that narrows a layer.

    ``lookup`` is an ORM path (or an expression, aliased before filtering). Comma-separated values mean
    "any of" (``operator="in"``). When the path crosses a many-valued relation (``multi_valued=True``) the
    filter runs as ``pk IN (subquery)`` so rows never repeat.
    """

    name: str
    lookup: str | Expression
    description: str
    operator: str = "in"  # in | gte | exact
    value_type: type = str
    multi_valued: bool = False
    build: Callable[[list[str]], Q] | None = None

    def parse(self, raw: str) -> list:
        values = [part.strip() for part in raw.split(",") if part.strip()] if self.operator == "in" else [raw.strip()]
        if not values:
            raise LayerQueryError("empty_filter", _("The filter %(name)s has no value.") % {"name": self.name},
                                  field=self.name)
        try:
            if self.value_type is bool:
                return [value.lower() in {"1", "true", "yes"} for value in values]
            return [self.value_type(value) for value in values]
        except ValueError as exc:
            raise LayerQueryError("invalid_filter", _("The filter %(name)s has an invalid value: %(value)s.")
                                  % {"name": self.name, "value": raw}, field=self.name) from exc

    def apply(self, queryset: QuerySet, raw: str) -> QuerySet:
        values = self.parse(raw)
        if self.build is not None:
            condition = self.build(values)
        else:
            lookup = self.lookup
            if not isinstance(lookup, str):
                alias = f"_filter_{self.name}"
                queryset = queryset.alias(**{alias: lookup})
                lookup = alias
            value = values if self.operator == "in" else values[0]
            condition = Q(**{f"{lookup}__{self.operator}": value})
        if self.multi_valued or self.build is not None:
            return queryset.filter(pk__in=queryset.model.objects.filter(condition).values("pk"))
        return queryset.filter(condition)


def industry_condition(category_path: str) -> Callable[[list[str]], Q]:
    """Match rows whose products fall under one of the industries (by code, at any depth of the tree)."""

    def build(codes: list[str]) -> Q:
        condition = Q()
        for depth in range(3):
            condition |= Q(**{f"{category_path}{'__parent' * depth}__code__in": codes})
        return condition

    return build


def commune_filter(path: str = "commune", *, multi_valued: bool = False) -> Filter:
    return Filter("commune", f"{path}__code", _noop("Official code of the (2025) commune; comma-separated for any of."),
                  multi_valued=multi_valued)


def _noop(text: str) -> str:
    """Mark parameter descriptions: they are for the OpenAPI document, which is in English."""
    return text


def stars_filters(expression: Expression) -> list[Filter]:
    return [
        Filter("stars", expression, _noop("Best current OCOP star level, e.g. 4 or 3,4,5."), value_type=int),
        Filter("min_stars", expression, _noop("At least this best current OCOP star level."), operator="gte",
               value_type=int),
    ]


# -------------------------------------------------------------------------------------------------- layers
@dataclass(frozen=True)
class Layer:
    """One public map layer."""

    id: str
    title_vi: str
    title_en: str
    description_en: str
    queryset: Callable[[], QuerySet]
    geometry: str | Expression
    kind: str
    properties: tuple[Prop, ...]
    filters: tuple[Filter, ...] = ()
    time_field: str | None = None
    # The indexed geometry columns that spatial filters test (OR-ed), when ``geometry`` is computed.
    spatial_condition: Callable[[str, object], Q] | None = None
    tile_min_zoom: int = 0
    tile_max_zoom: int = 18
    # Big layers: at this zoom and below, tiles carry grid clusters (a point and a ``count`` per cell of 64 tile
    # units) instead of every feature, so a whole-province tile stays small.
    tile_cluster_max_zoom: int | None = None
    # The public page of a feature: a URL path with ``{property}`` placeholders (``{id}`` is the feature id).
    detail_url: str | None = None
    # An ORM path whose extent equals the layer's, cheaper to aggregate than a computed geometry.
    extent_field: str | None = None

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "vi").startswith("en") else self.title_vi

    @property
    def geometry_type(self) -> str:
        return GEOMETRY_TYPES[self.kind]

    def geometry_expression(self) -> Expression:
        return F(self.geometry) if isinstance(self.geometry, str) else self.geometry

    def spatial_q(self, lookup: str, value) -> Q:
        """A condition ``<geometry> <lookup> value`` that the spatial index can serve."""
        if self.spatial_condition is not None:
            return self.spatial_condition(lookup, value)
        return Q(**{f"{self.geometry}__{lookup}": value})

    def filter(self, name: str) -> Filter | None:
        return next((item for item in self.filters if item.name == name), None)

    def base_queryset(self) -> QuerySet:
        return self.queryset()


def _code_area(lookup: str, value) -> Q:
    through = GrowingAreaCode.zones.through.objects.filter(**{f"rawmaterialzone__geometry__{lookup}": value})
    return Q(pk__in=through.values("growingareacode_id"))


def _unit_area(lookup: str, value) -> Q:
    return Q(**{f"boundary__{lookup}": value}) | Q(boundary__isnull=True, **{f"centroid__{lookup}": value})


def _code_geometry() -> Expression:
    from django.contrib.gis.db.models import Union

    from apps.layers.expressions import Multi

    union = (
        GrowingAreaCode.zones.through.objects.filter(growingareacode_id=OuterRef("pk"))
        .order_by()
        .values("growingareacode_id")
        .annotate(area=Union("rawmaterialzone__geometry"))
        .values("area")
    )
    return Multi(Subquery(union, output_field=GeometryField(srid=4326)))


def _related_count(model, key: str) -> Coalesce:
    """How many ``model`` rows point at the row, as a correlated subquery (no GROUP BY on the outer query)."""
    counts = (
        model.objects.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(total=Count("*"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _zone_codes() -> ArraySubquery:
    return ArraySubquery(
        GrowingAreaCode.zones.through.objects.filter(rawmaterialzone_id=OuterRef("pk"))
        .order_by("growingareacode__code")
        .values("growingareacode__code")
    )


def _zone_communes() -> ArraySubquery:
    return ArraySubquery(
        RawMaterialZone.communes.through.objects.filter(rawmaterialzone_id=OuterRef("pk"))
        .order_by("administrativeunit__code")
        .values("administrativeunit__code")
    )


def _units(era: str, level: str) -> Callable[[], QuerySet]:
    def queryset() -> QuerySet:
        return AdministrativeUnit.objects.filter(era=era, level=level).filter(
            Q(boundary__isnull=False) | Q(centroid__isnull=False)
        )

    return queryset


def _unit_layer(layer_id: str, title_vi: str, title_en: str, description: str, era: str, level: str) -> Layer:
    return Layer(
        id=layer_id, title_vi=title_vi, title_en=title_en, description_en=description,
        queryset=_units(era, level),
        geometry=Coalesce("boundary", "centroid", output_field=GeometryField(srid=4326)),
        kind=MIXED,
        properties=(
            Prop("code", "code"),
            Prop("name", "name"),
            Prop("short_name", "short_name"),
            Prop("unit_type", "unit_type"),
            Prop("era", "era", in_tiles=False),
            Prop("parent_code", "parent__code"),
            Prop("area_km2", "area_km2", "number"),
            Prop("population", "population", "integer"),
            Prop("has_boundary", Q(boundary__isnull=False), "boolean"),
        ),
        filters=(
            Filter("code", "code", _noop("Official code; comma-separated for any of.")),
            Filter("parent", "parent__code", _noop("Official code of the parent unit.")),
        ),
        spatial_condition=_unit_area,
    )


def _build_layers() -> dict[str, Layer]:
    sales_point_stars = best_current_stars("product__sales_points")
    producer_stars = best_current_stars("product__producer")
    facility_stars = best_current_stars("product__production_facilities")
    layers = [
        Layer(
            id="zones", title_vi="Vùng nguyên liệu", title_en="Raw-material zones",
            detail_url="/places/zones/{id}/", tile_cluster_max_zoom=10,
            description_en="Cultivation, harvesting, livestock, aquaculture and forest-product zones "
                           "(all statuses except proposed).",
            queryset=lambda: RawMaterialZone.objects.exclude(status=ZoneStatus.PROPOSED),
            geometry="geometry", kind=AREAL,
            properties=(
                Prop("name", "name"),
                Prop("kind", "kind"),
                Prop("status", "status"),
                Prop("crop", "crop__slug"),
                Prop("crop_name", "crop__name"),
                Prop("area_ha", "area_ha", "number"),
                Prop("codes", _zone_codes(), "array"),
                Prop("communes", _zone_communes(), "array", in_tiles=False),
            ),
            filters=(
                Filter("kind", "kind", _noop("Zone kind: cultivation, harvesting, livestock, aquaculture, "
                                             "forest_product.")),
                Filter("status", "status", _noop("Zone status: active, suspended, revoked.")),
                Filter("crop", "crop__slug", _noop("Crop or species code.")),
                commune_filter("communes", multi_valued=True),
                Filter("code", "growing_area_codes__code", _noop("Growing-area code covering the zone."),
                       multi_valued=True),
                Filter("producer", "producers__slug", _noop("Slug of a producer working the zone."),
                       multi_valued=True),
            ),
        ),
        Layer(
            id="growing-area-codes", title_vi="Mã số vùng trồng", title_en="Growing-area codes",
            detail_url="/places/growing-area-codes/{id}/",
            description_en="One feature per growing-area code (TCCS 774:2020/BVTV); the geometry is the union "
                           "of the zones it covers. All statuses, revoked included.",
            queryset=lambda: GrowingAreaCode.objects.filter(
                pk__in=GrowingAreaCode.zones.through.objects.values("growingareacode_id")),
            geometry=_code_geometry(), kind=AREAL,
            properties=(
                Prop("code", "code"),
                Prop("code_type", "code_type"),
                Prop("status", "status"),
                Prop("crop", "crop__slug"),
                Prop("crop_name", "crop__name"),
                Prop("province_letters", "province_letters", in_tiles=False),
                Prop("issuing_authority", "issuing_authority", in_tiles=False),
                Prop("issue_date", "issue_date", "date"),
                Prop("target_markets", "target_markets", "array"),
                Prop("zone_count", _related_count(GrowingAreaCode.zones.through, "growingareacode_id"), "integer",
                     in_tiles=False),
            ),
            filters=(
                Filter("code", "code", _noop("The code itself, e.g. VN-DTOR-0017.")),
                Filter("status", "status", _noop("Code status: active, suspended, revoked.")),
                Filter("kind", "code_type", _noop("Code type: domestic, export.")),
                Filter("crop", "crop__slug", _noop("Crop code.")),
                Filter("market", "target_markets", _noop("Target market (ISO code)."), operator="overlap"),
                commune_filter("zones__communes", multi_valued=True),
            ),
            time_field="issue_date",
            spatial_condition=_code_area,
            extent_field="zones__geometry",
        ),
        Layer(
            id="packing-facilities", title_vi="Cơ sở đóng gói", title_en="Packing facilities",
            detail_url="/places/packing-facilities/{id}/",
            description_en="Packing facilities with their official codes (TCCS 775:2020/BVTV), all statuses.",
            queryset=lambda: PackingFacility.objects.all(),
            geometry="location", kind=POINT,
            properties=(
                Prop("name", "name"),
                Prop("code", "code"),
                Prop("code_type", "code_type"),
                Prop("status", "status"),
                Prop("operator", Coalesce("operator__name", "operator_name")),
                Prop("address", "address", in_tiles=False),
                Prop("commune", "commune__code"),
                Prop("target_markets", "target_markets", "array"),
                Prop("issue_date", "issue_date", "date", in_tiles=False),
            ),
            filters=(
                Filter("code", "code", _noop("Packing-facility code, e.g. VN-DTPH-0001.")),
                Filter("status", "status", _noop("Status: active, suspended, revoked.")),
                Filter("kind", "code_type", _noop("Code type: domestic, export.")),
                commune_filter(),
            ),
            time_field="issue_date",
        ),
        Layer(
            id="production-facilities", title_vi="Cơ sở sản xuất", title_en="Production facilities",
            detail_url="/places/producers/{producer_slug}/",
            description_en="Production facilities and workshops of OCOP producers.",
            queryset=lambda: ProductionFacility.objects.all(),
            geometry="location", kind=POINT,
            properties=(
                Prop("name", "name"),
                Prop("producer", "producer__name"),
                Prop("producer_slug", "producer__slug"),
                Prop("makes", "makes"),
                Prop("address", "address", in_tiles=False),
                Prop("commune", "commune__code"),
                Prop("stars", facility_stars, "integer"),
            ),
            filters=(
                commune_filter(),
                Filter("producer", "producer__slug", _noop("Producer slug.")),
                Filter("product", "products__id", _noop("Product id made there."), value_type=int,
                       multi_valued=True),
                Filter("industry", "", _noop("Industry code of a product made there."),
                       build=industry_condition("products__category")),
                *stars_filters(facility_stars),
            ),
        ),
        Layer(
            id="sales-points", title_vi="Điểm bán sản phẩm OCOP", title_en="OCOP sales points",
            detail_url="/places/sales-points/{id}/", tile_cluster_max_zoom=10,
            description_en="OCOP centres, booths, sales points, counters and showcase points.",
            queryset=lambda: SalesPoint.objects.all(),
            geometry="location", kind=POINT,
            properties=(
                Prop("name", "name"),
                Prop("kind", "kind"),
                Prop("address", "address"),
                Prop("phone", "phone", in_tiles=False),
                Prop("commune", "commune__code"),
                Prop("is_outside_province", "is_outside_province", "boolean"),
                Prop("stars", sales_point_stars, "integer"),
            ),
            filters=(
                Filter("kind", "kind", _noop("Sales-point kind, e.g. centre_province, supermarket_booth.")),
                commune_filter(),
                Filter("product", "products__id", _noop("Id of a product carried."), value_type=int,
                       multi_valued=True),
                Filter("industry", "", _noop("Industry code of a product carried."),
                       build=industry_condition("products__category")),
                *stars_filters(sales_point_stars),
            ),
        ),
        Layer(
            id="tourism-sites", title_vi="Điểm du lịch", title_en="Tourism sites",
            detail_url="/places/tourism-sites/{id}/",
            description_en="Community-tourism, eco-tourism, tourist sites and farm visits.",
            queryset=lambda: TourismSite.objects.all(),
            geometry="location", kind=POINT,
            properties=(
                Prop("name", "name"),
                Prop("kind", "kind"),
                Prop("commune", "commune__code"),
                Prop("product", "product_id", "integer"),
                Prop("operator", "producer__name"),
                Prop("phone", "phone", in_tiles=False),
                Prop("website", "website", in_tiles=False),
            ),
            filters=(
                Filter("kind", "kind", _noop("Site kind: community, eco, tourist_site, farm_visit.")),
                commune_filter(),
                Filter("product", "product_id", _noop("Id of the OCOP tourism product."), value_type=int),
            ),
        ),
        Layer(
            id="tour-routes", title_vi="Tuyến du lịch", title_en="Tour routes",
            description_en="Tour and experience routes linking tourism sites.",
            queryset=lambda: TourRoute.objects.all(),
            geometry="path", kind=LINEAR,
            properties=(
                Prop("name", "name"),
                Prop("length_km", "length_km", "number"),
                Prop("duration_hours", "duration_hours", "number"),
                Prop("stop_count", _related_count(RouteStop, "route_id"), "integer", in_tiles=False),
            ),
            filters=(
                Filter("site", "sites__id", _noop("Id of a site on the route."), value_type=int, multi_valued=True),
            ),
        ),
        Layer(
            id="geographical-indications", title_vi="Chỉ dẫn địa lý", title_en="Geographical indications",
            description_en="Geographical indications, collective and certification marks with their protected area.",
            queryset=lambda: GeographicalIndication.objects.all(),
            geometry="protected_area", kind=AREAL,
            properties=(
                Prop("name", "name"),
                Prop("kind", "kind"),
                Prop("registration_number", "registration_number"),
                Prop("holder", "holder"),
                Prop("registered_on", "registered_on", "date"),
                Prop("area_ha", "area_ha", "number"),
            ),
            filters=(
                Filter("kind", "kind", _noop("Kind: gi, collective, certification.")),
                Filter("product", "products__id", _noop("Id of a product covered."), value_type=int,
                       multi_valued=True),
            ),
            time_field="registered_on",
        ),
        Layer(
            id="producers", title_vi="Chủ thể OCOP", title_en="OCOP producers",
            detail_url="/places/producers/{slug}/",
            description_en="Cooperatives, enterprises, households and farms with a known location.",
            queryset=lambda: Producer.objects.filter(location__isnull=False),
            geometry="location", kind=POINT,
            properties=(
                Prop("name", "name"),
                Prop("legal_form", "legal_form"),
                Prop("slug", "slug"),
                Prop("commune", "commune__code"),
                Prop("address", "address", in_tiles=False),
                Prop("is_open_to_visits", "is_open_to_visits", "boolean"),
                Prop("stars", producer_stars, "integer"),
            ),
            filters=(
                Filter("kind", "legal_form", _noop("Legal form: htx, tht, dn, hkd, trang_trai, hiep_hoi.")),
                commune_filter(),
                Filter("product", "products__id", _noop("Id of one of its products."), value_type=int,
                       multi_valued=True),
                Filter("industry", "", _noop("Industry code of one of its products."),
                       build=industry_condition("products__category")),
                Filter("open_to_visits", "is_open_to_visits", _noop("true: only producers open to visits."),
                       operator="exact", value_type=bool),
                *stars_filters(producer_stars),
            ),
        ),
        _unit_layer("communes", "Xã, phường (từ 2025)", "Communes (2025)",
                    "Communes and wards of the two-tier government (from 1 July 2025): boundary when loaded, "
                    "else centroid.", Era.CURRENT, Level.COMMUNE),
        _unit_layer("legacy-districts", "Huyện (trước 2025)", "Legacy districts",
                    "Districts before the 1 July 2025 reform: boundary when loaded, else centroid.",
                    Era.LEGACY, Level.DISTRICT),
    ]
    return {layer.id: layer for layer in layers}


LAYERS: dict[str, Layer] = _build_layers()


def public_layers() -> list[Layer]:
    return list(LAYERS.values())


def get_layer(layer_id: str) -> Layer | None:
    return LAYERS.get(layer_id)
