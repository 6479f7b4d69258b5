"""Public map pages: the full-screen map, search, layer styles (SLD), place pages and "OCOP near me"."""

from __future__ import annotations

import datetime

from django.contrib.gis.geos import GEOSGeometry
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.facilities.models import PackingFacility
from apps.layers.registry import get_layer, public_layers
from apps.maps import pages, selectors
from apps.maps.styles import StyleError, load_style
from apps.outlets.models import SalesPoint
from apps.producers.models import Producer
from apps.products.models import Product
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.tourism.models import TourismSite
from apps.zones.models import GrowingAreaCode, RawMaterialZone, ZoneStatus

# Layers shown when the page opens (the others are one click away in the layer switcher).
DEFAULT_LAYERS = ("zones", "growing-area-codes", "packing-facilities", "sales-points", "tourism-sites", "tour-routes",
                  "producers")


def _api_url(layer_id: str) -> str:
    try:
        return reverse(f"api-layer-{layer_id}")
    except NoReverseMatch:  # the layers API is not mounted: the layer is listed but draws nothing
        return ""


def map_layers_config() -> list[dict]:
    """Every public layer with its style (Leaflet options), data URL, popup link and whether it starts on.

    The popup link is the layer's ``detail_url`` template from the registry (``{property}`` placeholders,
    filled in the browser from the clicked feature).
    """
    has_boundaries = AdministrativeUnit.objects.filter(boundary__isnull=False, era=Era.CURRENT,
                                                       level=Level.COMMUNE).exists()
    config = []
    for layer in public_layers():
        style = load_style(layer.id)
        is_default = layer.id in DEFAULT_LAYERS or (layer.id == "communes" and has_boundaries)
        config.append({
            "id": layer.id,
            "title": layer.title,
            "url": _api_url(layer.id),
            "style": style.leaflet_options(),
            "detailUrl": layer.detail_url,
            "sldUrl": reverse("maps:style-sld", args=[layer.id]),
            "visible": is_default,
            "properties": [prop.name for prop in layer.properties],
        })
    return config


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """The full-screen public map: every public layer, legends, search, permalink."""
    layers = map_layers_config()
    legends = [load_style(layer.id).legend_html() for layer in public_layers()]
    return render(request, "maps/map.html", {
        "layers": layers,
        "legends": legends,
        "map_config": {
            "layers": layers,
            "searchUrl": reverse("maps:search"),
            **pages.basemap_config(),
        },
        "map_texts": {"details": _("Details"), "noResults": _("Nothing found.")},
    })


@require_GET
def search(request: HttpRequest) -> JsonResponse:
    """Search places by name (diacritics-insensitive) or by growing-area / packing-facility code."""
    hits = selectors.search(request.GET.get("q", ""), limit=20)
    return JsonResponse({"results": [hit.as_dict() for hit in hits]})


@require_GET
def style_sld(request: HttpRequest, layer_id: str) -> HttpResponse:
    """The layer's style as an SLD 1.0 document for QGIS ("Load Style…" → From file / URL)."""
    if get_layer(layer_id) is None:
        raise Http404(_("No such layer."))
    try:
        style = load_style(layer_id)
    except StyleError as error:
        raise Http404(error.message) from error
    response = HttpResponse(style.to_sld(), content_type="application/vnd.ogc.sld+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{layer_id}.sld"'
    return response


@require_GET
def style_json(request: HttpRequest, layer_id: str) -> JsonResponse:
    """The layer's style as the Leaflet options our pages use, with its legend HTML."""
    if get_layer(layer_id) is None:
        raise Http404(_("No such layer."))
    style = load_style(layer_id)
    return JsonResponse({**style.leaflet_options(), "legend": str(style.legend_html())})


# -------------------------------------------------------------------------------------------- place pages
def _place(request: HttpRequest, **context) -> HttpResponse:
    context.setdefault("map_config", pages.small_map_config(context.get("features", []), context["layer_id"]))
    return render(request, "maps/place.html", context)


def producer_page(request: HttpRequest, slug: str) -> HttpResponse:
    producer = get_object_or_404(Producer.objects.select_related("commune"), slug=slug)
    return _place(request, **pages.producer_context(producer))


def product_page(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("producer", "category"), slug=slug)
    return _place(request, **pages.product_context(product))


def zone_page(request: HttpRequest, pk: int) -> HttpResponse:
    zone = get_object_or_404(RawMaterialZone.objects.exclude(status=ZoneStatus.PROPOSED).select_related("crop"),
                             pk=pk)
    return _place(request, **pages.zone_context(zone))


def growing_area_code_page(request: HttpRequest, pk: int) -> HttpResponse:
    code = get_object_or_404(GrowingAreaCode.objects.select_related("crop"), pk=pk)
    return _place(request, **pages.code_context(code))


def packing_facility_page(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_object_or_404(PackingFacility.objects.select_related("operator", "commune"), pk=pk)
    return _place(request, **pages.packing_facility_context(facility))


def sales_point_page(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(SalesPoint.objects.select_related("commune", "operator"), pk=pk)
    return _place(request, **pages.sales_point_context(point))


def tourism_site_page(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(TourismSite.objects.select_related("commune", "producer", "product"), pk=pk)
    return _place(request, **pages.tourism_site_context(site))


# ------------------------------------------------------------------------------------------------ near me
class NearbyParameterError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_nearby(params) -> selectors.NearbyQuery:
    """Read the near-me query: ``lon``/``lat`` or ``commune`` (code), and the filters. Raise on bad input."""
    if params.get("commune"):
        commune = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, code=params["commune"],
                                                    centroid__isnull=False).first()
        if commune is None:
            raise NearbyParameterError("commune", _("Unknown commune code."))
        location = commune.centroid
    else:
        try:
            lon, lat = float(params.get("lon", "")), float(params.get("lat", ""))
        except ValueError as exc:
            raise NearbyParameterError("lon", _("Give lon and lat in degrees, or a commune code.")) from exc
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise NearbyParameterError("lon", _("lon and lat are out of range."))
        location = GEOSGeometry(f"SRID=4326;POINT({lon} {lat})")
    radius = _number(params, "radius", selectors.DEFAULT_RADIUS_M, 1, selectors.MAX_RADIUS_M)
    limit = int(_number(params, "limit", selectors.DEFAULT_LIMIT, 1, selectors.MAX_LIMIT))
    min_stars = int(_number(params, "min_stars", 0, 0, 5)) or None
    kinds = tuple(kind for kind in (params.get("kind") or "").split(",") if kind) or selectors.NEARBY_KINDS
    unknown = [kind for kind in kinds if kind not in selectors.NEARBY_KINDS]
    if unknown:
        raise NearbyParameterError("kind", _("Unknown kind %(kind)s (use %(kinds)s).")
                                   % {"kind": unknown[0], "kinds": ", ".join(selectors.NEARBY_KINDS)})
    at = None
    if params.get("at"):
        try:
            at = datetime.datetime.fromisoformat(params["at"])
        except ValueError as exc:
            raise NearbyParameterError("at", _("at must be an ISO 8601 date and time.")) from exc
        if at.tzinfo is None:
            from apps.common.hours import LOCAL_TIME_ZONE

            at = at.replace(tzinfo=LOCAL_TIME_ZONE)
    return selectors.NearbyQuery(
        location=location, radius_m=radius, kinds=kinds, industry=params.get("industry", "").strip(),
        min_stars=min_stars, open_now=params.get("open_now", "").lower() in {"1", "true", "yes", "on"}, at=at,
        limit=limit,
    )


def _number(params, name: str, default: float, minimum: float, maximum: float) -> float:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise NearbyParameterError(name, _("%(name)s must be a number.") % {"name": name}) from exc
    if not minimum <= value <= maximum:
        raise NearbyParameterError(name, _("%(name)s must be between %(min)s and %(max)s.")
                                   % {"name": name, "min": f"{minimum:g}", "max": f"{maximum:g}"})
    return value


@require_GET
def near_me_api(request: HttpRequest) -> JsonResponse:
    """Nearest OCOP centres, sales points, tourism sites and producers open to visits, as GeoJSON.

    Parameters: ``lon``/``lat`` or ``commune``; ``radius`` (m, default 10 km, at most 100 km); ``kind``
    (centre, sales_point, tourism_site, producer; comma-separated); ``industry`` (code); ``min_stars``;
    ``open_now``; ``at`` (ISO time for "open at", default now); ``limit``.
    """
    try:
        query = parse_nearby(request.GET)
    except NearbyParameterError as error:
        return JsonResponse({"code": "invalid_" + error.field, "message": error.message, "field": error.field},
                            status=400)
    places = selectors.places_near(query)
    return JsonResponse({
        "type": "FeatureCollection",
        "origin": [round(query.location.x, 6), round(query.location.y, 6)],
        "radius_m": query.radius_m,
        "count": len(places),
        "features": [place.as_feature(query.location) for place in places],
    }, json_dumps_params={"ensure_ascii": False})


@require_GET
def near_me_page(request: HttpRequest) -> HttpResponse:
    """The tourists' page: location from the browser, a click on the map or a commune; filters; a list."""
    return render(request, "maps/near_me.html", {
        "industries": selectors.industries(),
        "communes": selectors.communes_with_centroids(),
        "kinds": [(selectors.CENTRE, _("OCOP centres")), (selectors.SALES_POINT, _("Sales points")),
                  (selectors.TOURISM_SITE, _("Tourism sites")), (selectors.PRODUCER, _("Producers open to visits"))],
        "map_config": {
            "apiUrl": reverse("maps:near-me-api"),
            "styles": {name: load_style(name).leaflet_options() for name in ("sales-points", "tourism-sites",
                                                                              "producers")},
            **pages.basemap_config(),
        },
        "texts": {
            "hoursUnknown": _("Hours unknown"), "openNow": _("Open now"), "closedNow": _("Closed now"),
            "youAreHere": _("You are here"), "sells": _("Sells:"), "directions": _("Directions"),
            "openInMaps": _("Open in a maps app"), "found": _("%(count)s places found, nearest first."),
            "none": _("Nothing found within this distance: widen the search or remove a filter."),
            "searching": _("Searching…"), "failed": _("The search failed; try again."),
            "noGeolocation": _("Your location is not available: choose a commune or tap the map."),
            "locating": _("Finding your location…"),
        },
    })
