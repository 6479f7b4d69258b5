"""GeoJSON API over the public layers (``/api/v1/layers/…``) and the nearest-features endpoint.

Views are thin: parse the query, ask :mod:`apps.layers.selectors`, wrap the rows PostgreSQL already rendered.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.layers import selectors
from apps.layers.ogc import style_url
from apps.layers.registry import POINT, Layer, LayerQueryError, get_layer, public_layers

GEOJSON = "application/geo+json"
API_DEFAULT_LIMIT = 100
API_MAX_LIMIT = 1000
NEARBY_DEFAULT_K = 20
NEARBY_MAX_K = 100
NEARBY_DEFAULT_LAYER = "sales-points"

_COMMON_LIST_PARAMETERS = [
    OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat (WGS 84): features intersecting it."),
    OpenApiParameter("near", str, description="lon,lat: features within `radius` metres (on the ellipsoid), "
                                              "nearest first, with `distance_m`."),
    OpenApiParameter("radius", float, description="Radius in metres for `near` (required with it)."),
    OpenApiParameter("simplify", float, description="Simplification tolerance in degrees, applied in the database "
                                                    "(topology preserved, result valid)."),
    OpenApiParameter("zoom", int, description="Map zoom: simplify to what is visible at that zoom."),
    OpenApiParameter("limit", int, description=f"Page size (default {API_DEFAULT_LIMIT}, at most {API_MAX_LIMIT})."),
    OpenApiParameter("offset", int, description="Features to skip."),
]


def error_response(error: LayerQueryError, status: int = 400) -> Response:
    return Response(error.as_dict(), status=status)


def geojson_response(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text.encode(), status=status, content_type=GEOJSON)


def page_url(request: HttpRequest, *, offset: int, limit: int) -> str:
    params = request.GET.copy()
    params["offset"] = str(offset)
    params["limit"] = str(limit)
    return request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.items()))


class LayerSchema(AutoSchema):
    """OpenAPI for one layer's endpoints: its own filters, description and tag."""

    def get_override_parameters(self):
        layer: Layer = self.view.layer
        parameters = list(super().get_override_parameters())
        if self.view.is_list:
            parameters += _COMMON_LIST_PARAMETERS
            parameters += [OpenApiParameter(item.name, str, description=item.description) for item in layer.filters]
            if layer.time_field:
                parameters.append(OpenApiParameter("datetime", str, description=(
                    f"Date or interval (start/end, `..` open) on `{layer.time_field}`.")))
        else:
            parameters.append(OpenApiParameter("simplify", float, description="Simplification tolerance (degrees)."))
        return parameters

    def get_description(self):
        return self.view.layer.description_en

    def get_summary(self):
        layer = self.view.layer
        return f"{layer.title_en} — {'list' if self.view.is_list else 'one feature'} (GeoJSON)"

    def get_tags(self):
        return ["layers"]

    def get_operation_id(self):
        action = "list" if self.view.is_list else "retrieve"
        return f"layers_{self.view.layer.id.replace('-', '_')}_{action}"


class LayerView(APIView):
    """Base of the per-layer endpoints; ``layer`` and ``is_list`` are set by the URL configuration."""

    layer: Layer = None
    is_list = True
    schema = LayerSchema()


class LayerFeatures(LayerView):
    """A page of a layer's features as a GeoJSON FeatureCollection with ``count``, ``next`` and ``previous``."""

    @extend_schema(responses={(200, GEOJSON): OpenApiResponse(OpenApiTypes.OBJECT, description="FeatureCollection"),
                              400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid query")})
    def get(self, request):
        try:
            query = selectors.parse_layer_query(self.layer, request.query_params, default_limit=API_DEFAULT_LIMIT,
                                                max_limit=API_MAX_LIMIT)
        except LayerQueryError as error:
            return error_response(error)
        page = selectors.feature_page(self.layer, query)
        next_url = (page_url(request, offset=query.offset + query.limit, limit=query.limit)
                    if query.offset + query.limit < page.matched else None)
        previous_url = (page_url(request, offset=max(0, query.offset - query.limit), limit=query.limit)
                        if query.offset > 0 else None)
        return geojson_response(selectors.feature_collection_text(
            page.features, count=page.matched, next=next_url, previous=previous_url))


class LayerFeature(LayerView):
    """One feature of a layer by its id (404 when unknown or not public)."""

    is_list = False

    @extend_schema(responses={(200, GEOJSON): OpenApiResponse(OpenApiTypes.OBJECT, description="Feature"),
                              404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not found")})
    def get(self, request, pk: int):
        try:
            query = selectors.parse_layer_query(self.layer, {"simplify": request.query_params.get("simplify", "")},
                                                default_limit=1, max_limit=1)
        except LayerQueryError as error:
            return error_response(error)
        feature = selectors.feature_by_id(self.layer, str(pk), simplify=query.simplify)
        if feature is None:
            return Response({"code": "not_found", "message": _("No such feature.")}, status=404)
        return geojson_response(feature)


class LayerIndex(APIView):
    """The public layers: id, titles, geometry type, filters, and where to get them (API, OGC, tiles)."""

    @extend_schema(tags=["layers"], responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request):
        from django.urls import reverse

        def absolute(name: str, **kwargs) -> str:
            return request.build_absolute_uri(reverse(name, kwargs=kwargs))

        return Response({"layers": [
            {
                "id": layer.id,
                "title": layer.title,
                "title_vi": layer.title_vi,
                "title_en": layer.title_en,
                "description": layer.description_en,
                "geometry_type": layer.geometry_type,
                "properties": {prop.name: prop.type for prop in layer.properties},
                "filters": [item.name for item in layer.filters],
                "time_field": layer.time_field,
                "links": {
                    "geojson": absolute(f"api-layer-{layer.id}"),
                    "ogc": absolute("ogc-collection", collection_id=layer.id),
                    "tilejson": absolute("tilejson", layer_id=layer.id),
                    "style_sld": style_url(request, layer),
                },
                "detail_url": layer.detail_url,
                "tile_cluster_max_zoom": layer.tile_cluster_max_zoom,
            }
            for layer in public_layers()
        ]})


class Nearby(APIView):
    """The ``k`` nearest features of a point layer (default: sales points), nearest first.

    Nearest-first uses the spatial index (KNN); ``distance_m`` is measured on the WGS 84 ellipsoid.
    """

    @extend_schema(
        tags=["layers"],
        parameters=[
            OpenApiParameter("lon", float, required=True), OpenApiParameter("lat", float, required=True),
            OpenApiParameter("k", int, description=f"How many (default {NEARBY_DEFAULT_K}, at most {NEARBY_MAX_K})."),
            OpenApiParameter("layer", str, description=f"A point layer (default {NEARBY_DEFAULT_LAYER})."),
        ],
        responses={(200, GEOJSON): OpenApiResponse(OpenApiTypes.OBJECT, description="FeatureCollection"),
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid query")},
    )
    def get(self, request):
        params = request.query_params
        layer = get_layer(params.get("layer") or NEARBY_DEFAULT_LAYER)
        try:
            if layer is None or layer.kind != POINT:
                raise LayerQueryError("invalid_layer", _("layer must be one of the point layers: %(names)s.") % {
                    "names": ", ".join(item.id for item in public_layers() if item.kind == POINT)}, field="layer")
            location = selectors.parse_point(f"{params.get('lon', '')},{params.get('lat', '')}", "lon,lat")
            k = NEARBY_DEFAULT_K
            if params.get("k"):
                k = selectors.parse_integer(params["k"], "k", 1, NEARBY_MAX_K)
        except LayerQueryError as error:
            return error_response(error)
        nearest = selectors.nearest_features(layer, location, k=k)
        return geojson_response(selectors.feature_collection_text(nearest.features, layer=layer.id,
                                                                  count=nearest.count))
