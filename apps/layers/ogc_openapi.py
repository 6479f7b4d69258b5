"""The OpenAPI 3.0 definition of the OGC API – Features endpoints (``/ogc/api``), the landing page's service-desc.

drf-spectacular documents the DRF views under ``/api/v1/``; the OGC endpoints are plain Django views, so their
definition is built here from the same registry: one path per collection, with that collection's own query
parameters (bbox, limit, offset, datetime when the layer has time, and its property filters), as pygeoapi does.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from apps.layers.registry import Layer, public_layers

OGC_OPENAPI_VERSION = "3.0.3"
FEATURES_SCHEMA = "https://schemas.opengis.net/ogcapi/features/part1/1.0/openapi/ogcapi-features-1.yaml"


def _parameter(name: str, description: str, schema: dict, *, location: str = "query", required: bool = False,
               explode: bool | None = None) -> dict:
    parameter = {"name": name, "in": location, "description": description, "required": required, "schema": schema}
    if explode is not None:
        parameter["style"] = "form"
        parameter["explode"] = explode
    return parameter


def _format_parameter() -> dict:
    return _parameter("f", "Representation: json or html (otherwise chosen by the Accept header).",
                      {"type": "string", "enum": ["json", "html"]})


def _response(description: str, media_type: str = "application/json") -> dict:
    return {"description": description, "content": {media_type: {"schema": {"type": "object"}},
                                                    "text/html": {"schema": {"type": "string"}}}}


def _items_parameters(layer: Layer, max_limit: int, default_limit: int) -> list[dict]:
    parameters = [
        _parameter("bbox", "minlon,minlat,maxlon,maxlat in CRS84: features intersecting the box.",
                   {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}, explode=False),
        _parameter("limit", f"Page size (default {default_limit}, at most {max_limit}).",
                   {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
                   explode=False),
        _parameter("offset", "Features to skip (the `next` link carries it).", {"type": "integer", "minimum": 0}),
        _parameter("simplify", "Simplification tolerance in degrees, applied in the database.", {"type": "number"}),
        _parameter("zoom", "Map zoom: simplify to what is visible at that zoom.", {"type": "integer"}),
        _format_parameter(),
    ]
    if layer.time_field:
        parameters.append(_parameter("datetime", f"Date or interval (start/end, `..` open) on `{layer.time_field}`.",
                                     {"type": "string"}, explode=False))
    parameters += [_parameter(item.name, item.description, {"type": "string"}) for item in layer.filters]
    return parameters


def _collection_paths(layer: Layer, max_limit: int, default_limit: int) -> dict:
    tag = layer.id
    base = f"/collections/{layer.id}"
    return {
        base: {"get": {
            "tags": [tag], "summary": f"{layer.title_en}: the collection", "description": layer.description_en,
            "operationId": f"describe_{layer.id.replace('-', '_')}",
            "parameters": [_format_parameter()],
            "responses": {"200": _response("The collection: extent, CRS and links.")},
        }},
        f"{base}/items": {"get": {
            "tags": [tag], "summary": f"{layer.title_en}: features", "description": layer.description_en,
            "operationId": f"get_{layer.id.replace('-', '_')}_features",
            "parameters": _items_parameters(layer, max_limit, default_limit),
            "responses": {
                "200": _response("A page of features with numberMatched, numberReturned and next links.",
                                 "application/geo+json"),
                "400": _response("An invalid query parameter (code and description)."),
            },
        }},
        f"{base}/items/{{featureId}}": {"get": {
            "tags": [tag], "summary": f"{layer.title_en}: one feature",
            "operationId": f"get_{layer.id.replace('-', '_')}_feature",
            "parameters": [_parameter("featureId", "The feature id.", {"type": "string"}, location="path",
                                      required=True), _format_parameter()],
            "responses": {"200": _response("The feature.", "application/geo+json"),
                          "404": _response("No such feature.")},
        }},
    }


def ogc_openapi_document(request: HttpRequest, *, max_limit: int, default_limit: int) -> dict:
    """The OpenAPI 3.0 document of ``/ogc/``: landing page, conformance, collections and each collection's items."""
    server = request.build_absolute_uri(reverse("ogc-landing")).rstrip("/")
    paths: dict = {
        "/": {"get": {"tags": ["server"], "summary": "Landing page", "operationId": "get_landing_page",
                      "parameters": [_format_parameter()], "responses": {"200": _response("The landing page.")}}},
        "/api": {"get": {"tags": ["server"], "summary": "This API definition", "operationId": "get_api",
                         "responses": {"200": {"description": "OpenAPI 3.0 document.", "content": {
                             "application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}}}}}},
        "/conformance": {"get": {"tags": ["server"], "summary": "Conformance classes",
                                 "operationId": "get_conformance_declaration", "parameters": [_format_parameter()],
                                 "responses": {"200": _response("The conformance classes.")}}},
        "/collections": {"get": {"tags": ["server"], "summary": "The collections (one per public map layer)",
                                 "operationId": "get_collections", "parameters": [_format_parameter()],
                                 "responses": {"200": _response("Every collection with its extent and links.")}}},
    }
    for layer in public_layers():
        paths.update(_collection_paths(layer, max_limit, default_limit))
    return {
        "openapi": OGC_OPENAPI_VERSION,
        "info": {
            "title": "gis-ocop — OGC API – Features",
            "version": "1.0",
            "description": "The public OCOP map layers as OGC API – Features, Part 1: Core (GeoJSON and HTML, CRS84). "
                           f"Built on the standard's definitions: {FEATURES_SCHEMA}. The JSON API under /api/v1/ "
                           "has its own OpenAPI document at /api/v1/schema/.",
        },
        "servers": [{"url": server}],
        "tags": [{"name": "server", "description": "Landing page, conformance and collections."},
                 *({"name": layer.id, "description": layer.title_en} for layer in public_layers())],
        "paths": paths,
    }
