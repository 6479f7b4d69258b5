"""Mapbox Vector Tiles per layer (``/tiles/{layer}/{z}/{x}/{y}.mvt``) and their TileJSON documents.

Each tile is one SQL statement (:func:`apps.layers.selectors.render_tile`). Responses carry an ETag (hash of
the tile) and answer ``If-None-Match`` with 304; empty tiles are 204 so clients do not draw or store them.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from apps.layers import selectors
from apps.layers.registry import get_layer

MVT = "application/vnd.mapbox-vector-tile"
TILEJSON_VERSION = "3.0.0"
#: Browsers and proxies may reuse a tile this long; registry edits show up within this delay.
TILE_MAX_AGE_SECONDS = getattr(settings, "LAYERS_TILE_MAX_AGE", 300)
TILEJSON_TYPES = {"string": "String", "integer": "Number", "number": "Number", "boolean": "Boolean",
                  "date": "String", "array": "String"}


def _etag(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {value.strip().removeprefix("W/") for value in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@require_safe
def tile(request: HttpRequest, layer_id: str, z: int, x: int, y: int) -> HttpResponse:
    layer = get_layer(layer_id)
    if layer is None or not selectors.tile_bounds_valid(z, x, y):
        raise Http404("No such tile.")
    content = selectors.render_tile(layer, z, x, y)
    cache_control = f"public, max-age={TILE_MAX_AGE_SECONDS}"
    if not content:
        response = HttpResponse(status=204)
        response["Cache-Control"] = cache_control
        return response
    etag = _etag(content)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, content_type=MVT)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def tilejson(request: HttpRequest, layer_id: str) -> JsonResponse:
    layer = get_layer(layer_id)
    if layer is None:
        raise Http404("No such layer.")
    template = request.build_absolute_uri(reverse("tile", kwargs={"layer_id": layer.id, "z": 0, "x": 0, "y": 0}))
    template = template.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
    bounds = selectors.spatial_extent(layer)
    document = {
        "tilejson": TILEJSON_VERSION,
        "name": layer.title,
        "description": layer.description_en,
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": layer.tile_min_zoom,
        "maxzoom": layer.tile_max_zoom,
        "bounds": list(bounds) if bounds else [-180, -85.0511, 180, 85.0511],
        "vector_layers": [{
            "id": layer.id,
            "description": layer.title,
            "minzoom": layer.tile_min_zoom,
            "maxzoom": layer.tile_max_zoom,
            "fields": {prop.name: TILEJSON_TYPES[prop.type] for prop in selectors.tile_properties(layer)},
        }],
    }
    if bounds:
        document["center"] = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, max(layer.tile_min_zoom, 8)]
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
