"""Mapbox Vector Tiles per layer (``/tiles/{layer}/{z}/{x}/{y}.mvt``) and their TileJSON documents.

Each tile is one SQL statement (:func:`apps.layers.selectors.render_tile`), compiled once per layer and mode and
run with the tile's numbers bound. The tile view is deliberately lean — no DRF, no template, no session or
CSRF work — because it runs for every tile a map shows. Responses carry an ETag (a BLAKE2 hash of the tile)
and answer ``If-None-Match`` with 304; empty tiles are 204 so clients do not draw or store them. Tiles of big
layers at low zoom carry grid clusters with a ``count`` (the registry's ``tile_cluster_max_zoom``).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from apps.common.fastpath import FRAME
from apps.layers import selectors
from apps.layers.registry import get_layer

MVT = "application/vnd.mapbox-vector-tile"
TILEJSON_VERSION = "3.0.0"
#: Browsers and proxies may reuse a tile this long; registry edits show up within this delay.
TILE_MAX_AGE_SECONDS = getattr(settings, "LAYERS_TILE_MAX_AGE", 300)
CACHE_CONTROL = f"public, max-age={TILE_MAX_AGE_SECONDS}"
TILEJSON_TYPES = {"string": "String", "integer": "Number", "number": "Number", "boolean": "Boolean",
                  "date": "String", "array": "String"}


#: Frame name under which the WSGI fast path keeps a tile response's headers (apps.common.fastpath).
TILE_FRAME = "layers.tile"


def etag(content: bytes) -> str:
    return f'"{hashlib.blake2b(content, digest_size=16).hexdigest()}"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {value.strip().removeprefix("W/") for value in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@csrf_exempt  # read-only, and it saves the CSRF middleware's per-request work
def tile(request: HttpRequest, layer_id: str, z: int, x: int, y: int) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    layer = get_layer(layer_id)
    if layer is None or not selectors.tile_bounds_valid(z, x, y):
        raise Http404("No such tile.")
    content = b""
    if layer.tile_min_zoom <= z <= layer.tile_max_zoom:
        content = selectors.render_tile(layer, z, x, y)
    if not content:
        response = HttpResponse(status=204)
        response["Cache-Control"] = CACHE_CONTROL
        request.META[FRAME] = TILE_FRAME
        return response
    tag = etag(content)
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match and _matches(if_none_match, tag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, content_type=MVT)
        request.META[FRAME] = TILE_FRAME  # the fast path may answer later tiles with this response's headers
    response["ETag"] = tag
    response["Cache-Control"] = CACHE_CONTROL
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
    fields = {prop.name: TILEJSON_TYPES[prop.type] for prop in selectors.tile_properties(layer)}
    if layer.tile_cluster_max_zoom is not None:
        fields["count"] = "Number"
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
            "fields": fields,
        }],
    }
    if layer.tile_cluster_max_zoom is not None:
        # Not a TileJSON 3.0 key (foreign members are allowed): the zoom up to which features are clusters.
        document["cluster_maxzoom"] = layer.tile_cluster_max_zoom
        document["vector_layers"][0]["description"] = (
            f"{layer.title}. Up to zoom {layer.tile_cluster_max_zoom}: one point per grid cell with `count` "
            f"features; from zoom {layer.tile_cluster_max_zoom + 1}: the features.")
    if bounds:
        document["center"] = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, max(layer.tile_min_zoom, 8)]
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
