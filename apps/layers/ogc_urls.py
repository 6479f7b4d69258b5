"""OGC API – Features, mounted under /ogc/."""

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerView

from apps.layers import ogc

urlpatterns = [
    path("", ogc.landing, name="ogc-landing"),
    path("api", ogc.openapi, name="ogc-openapi"),
    path("api.html", SpectacularSwaggerView.as_view(url_name="ogc-openapi"), name="ogc-openapi-docs"),
    path("conformance", ogc.conformance, name="ogc-conformance"),
    path("collections", ogc.collections, name="ogc-collections"),
    path("collections/<slug:collection_id>", ogc.collection, name="ogc-collection"),
    path("collections/<slug:collection_id>/items", ogc.items, name="ogc-items"),
    path("collections/<slug:collection_id>/items/<str:feature_id>", ogc.item, name="ogc-item"),
]
