"""OGC API – Features, Part 1: Core, with the GeoJSON and HTML conformance classes (``/ogc/``).

Every collection is a layer of :mod:`apps.layers.registry`; coordinates are CRS84 (lon, lat, WGS 84).
Representations are chosen by ``f=json|html`` first, then by the ``Accept`` header (JSON when unsure).
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.layers import selectors
from apps.layers.ogc_openapi import ogc_openapi_document
from apps.layers.registry import Layer, LayerQueryError, get_layer, public_layers

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SLD = "application/vnd.ogc.sld+xml"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
OGC_DEFAULT_LIMIT = 10
OGC_MAX_LIMIT = 10_000


def wants_html(request: HttpRequest) -> bool:
    """``f`` decides; otherwise HTML only when the client prefers it to JSON (browsers do, GDAL does not)."""
    requested = request.GET.get("f")
    if requested:
        return requested.lower() == "html"
    best = None
    best_quality = -1.0
    for position, item in enumerate(request.headers.get("Accept", "").split(",")):
        media, *parameters = [part.strip() for part in item.split(";")]
        quality = 1.0
        for parameter in parameters:
            if parameter.startswith("q="):
                try:
                    quality = float(parameter[2:])
                except ValueError:
                    quality = 0.0
        if media in (HTML, GEOJSON, JSON, "application/*", "*/*") and quality - position * 1e-6 > best_quality:
            best, best_quality = media, quality - position * 1e-6
    return best == HTML


def _url(request: HttpRequest, name: str, *, query: dict | None = None, **kwargs) -> str:
    url = request.build_absolute_uri(reverse(name, kwargs=kwargs))
    return f"{url}?{urlencode(query)}" if query else url


def _link(href: str, rel: str, media_type: str, title: str = "") -> dict:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def _self_links(request: HttpRequest, name: str, json_type: str = JSON, **kwargs) -> list[dict]:
    html = wants_html(request)
    return [
        _link(_url(request, name, query={"f": "json"}, **kwargs), "alternate" if html else "self", json_type,
              _("This document as JSON")),
        _link(_url(request, name, query={"f": "html"}, **kwargs), "self" if html else "alternate", HTML,
              _("This document as HTML")),
    ]


def json_response(data: dict, media_type: str = JSON, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False, default=str).encode(), status=status,
                        content_type=media_type)


def exception_response(request: HttpRequest, status: int, code: str, description: str) -> HttpResponse:
    if wants_html(request):
        return render(request, "layers/ogc_error.html", {"code": code, "description": description}, status=status)
    return json_response({"code": code, "description": description}, status=status)


def style_url(request: HttpRequest, layer: Layer) -> str | None:
    """Where the layer's SLD style is served (QGIS: Layer Properties → Style → Load Style), if anywhere."""
    try:
        return request.build_absolute_uri(reverse("maps:style-sld", args=[layer.id]))
    except NoReverseMatch:  # apps.maps not mounted: no style to point at
        return None


def style_links(request: HttpRequest, layer: Layer) -> list[dict]:
    href = style_url(request, layer)
    return [_link(href, "stylesheet", SLD, _("Layer style (SLD, for QGIS)"))] if href else []


def _collection(request: HttpRequest, layer: Layer) -> dict:
    extent: dict = {"spatial": {"crs": CRS84}}
    bbox = selectors.spatial_extent(layer)
    extent["spatial"]["bbox"] = [list(bbox)] if bbox else [[-180, -90, 180, 90]]
    times = selectors.temporal_extent(layer)
    if times is not None:
        extent["temporal"] = {"interval": [[times[0] and times[0].isoformat(), times[1] and times[1].isoformat()]],
                              "trs": GREGORIAN}
    items = "ogc-items"
    return {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description_en,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            _link(_url(request, "ogc-collection", collection_id=layer.id), "self", JSON, layer.title),
            _link(_url(request, items, collection_id=layer.id), "items", GEOJSON, layer.title),
            _link(_url(request, items, query={"f": "html"}, collection_id=layer.id), "items", HTML, layer.title),
            _link(_url(request, "tilejson", layer_id=layer.id), "describedby", JSON, _("TileJSON (vector tiles)")),
            *style_links(request, layer),
        ],
    }


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    data = {
        "title": _("gis-ocop — OCOP open map data"),
        "description": _("The public OCOP layers of the province as OGC API – Features (GeoJSON, CRS84)."),
        "links": [
            *_self_links(request, "ogc-landing"),
            # This service's own definition (the OGC endpoints, one path per collection); the JSON API under
            # /api/v1/ is described separately by drf-spectacular and linked as "related".
            _link(_url(request, "ogc-openapi"), "service-desc", OPENAPI_JSON, _("API definition (OpenAPI)")),
            _link(_url(request, "ogc-openapi-docs"), "service-doc", HTML, _("API documentation")),
            _link(_url(request, "api-schema", query={"format": "json"}), "related", OPENAPI_JSON,
                  _("OpenAPI definition of the JSON API (/api/v1/)")),
            _link(_url(request, "ogc-conformance"), "conformance", JSON, _("Conformance classes")),
            _link(_url(request, "ogc-collections"), "data", JSON, _("Collections")),
        ],
    }
    if wants_html(request):
        return render(request, "layers/ogc_landing.html", {"data": data})
    return json_response(data)


@require_safe
def openapi(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.0 definition of these endpoints (the landing page's service-desc)."""
    document = ogc_openapi_document(request, max_limit=OGC_MAX_LIMIT, default_limit=OGC_DEFAULT_LIMIT)
    return json_response(document, media_type=OPENAPI_JSON)


@require_safe
def conformance(request: HttpRequest) -> HttpResponse:
    data = {"conformsTo": CONFORMANCE}
    if wants_html(request):
        return render(request, "layers/ogc_conformance.html", {"data": data})
    return json_response(data)


@require_safe
def collections(request: HttpRequest) -> HttpResponse:
    data = {
        "links": _self_links(request, "ogc-collections"),
        "collections": [_collection(request, layer) for layer in public_layers()],
    }
    if wants_html(request):
        return render(request, "layers/ogc_collections.html", {"data": data})
    return json_response(data)


@require_safe
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    layer = get_layer(collection_id)
    if layer is None:
        return exception_response(request, 404, "not_found", _("No such collection."))
    data = _collection(request, layer)
    data["links"] = _self_links(request, "ogc-collection", collection_id=layer.id) + data["links"][1:]
    if wants_html(request):
        return render(request, "layers/ogc_collection.html", {"data": data, "layer": layer})
    return json_response(data)


def _items_url(request: HttpRequest, layer: Layer, *, offset: int, limit: int, f: str) -> str:
    params = {key: value for key, value in request.GET.items() if key not in ("offset", "limit", "f")}
    params.update({"offset": offset, "limit": limit, "f": f})
    return _url(request, "ogc-items", query=params, collection_id=layer.id)


@require_safe
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    layer = get_layer(collection_id)
    if layer is None:
        return exception_response(request, 404, "not_found", _("No such collection."))
    try:
        query = selectors.parse_layer_query(layer, request.GET, default_limit=OGC_DEFAULT_LIMIT,
                                            max_limit=OGC_MAX_LIMIT)
    except LayerQueryError as error:
        return exception_response(request, 400, error.code, error.message)
    page = selectors.feature_page(layer, query)
    html = wants_html(request)
    own, other = ("html", "json") if html else ("json", "html")
    own_type, other_type = (HTML, GEOJSON) if html else (GEOJSON, HTML)
    links = [
        _link(_items_url(request, layer, offset=query.offset, limit=query.limit, f=own), "self", own_type),
        _link(_items_url(request, layer, offset=query.offset, limit=query.limit, f=other), "alternate", other_type),
        _link(_url(request, "ogc-collection", collection_id=layer.id), "collection", JSON, layer.title),
    ]
    if query.offset + page.returned < page.matched:
        links.append(_link(_items_url(request, layer, offset=query.offset + query.limit, limit=query.limit, f=own),
                           "next", own_type, _("Next page")))
    if query.offset > 0:
        links.append(_link(_items_url(request, layer, offset=max(0, query.offset - query.limit), limit=query.limit,
                                      f=own), "prev", own_type, _("Previous page")))
    members = {
        "numberMatched": page.matched,
        "numberReturned": page.returned,
        "timeStamp": timezone.now().astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "links": links,
    }
    text = selectors.feature_collection_text(page.features, **members)
    if html:
        collection_data = json.loads(text)
        return render(request, "layers/ogc_items.html", {
            "layer": layer, "data": collection_data, "links": links,
            "columns": [prop.name for prop in layer.properties],
        })
    return HttpResponse(text.encode(), content_type=GEOJSON)


@require_safe
def item(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    layer = get_layer(collection_id)
    if layer is None:
        return exception_response(request, 404, "not_found", _("No such collection."))
    feature = selectors.feature_by_id(layer, feature_id)
    if feature is None:
        return exception_response(request, 404, "not_found", _("No such feature."))
    html = wants_html(request)
    links = [
        _link(_url(request, "ogc-item", query={"f": "json"}, collection_id=layer.id, feature_id=feature_id),
              "alternate" if html else "self", GEOJSON),
        _link(_url(request, "ogc-item", query={"f": "html"}, collection_id=layer.id, feature_id=feature_id),
              "self" if html else "alternate", HTML),
        _link(_url(request, "ogc-collection", collection_id=layer.id), "collection", JSON, layer.title),
    ]
    text = feature[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"
    if html:
        return render(request, "layers/ogc_item.html", {"layer": layer, "feature": json.loads(text)})
    return HttpResponse(text.encode(), content_type=GEOJSON)
