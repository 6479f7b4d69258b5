"""OGC API – Features, mounted under /ogc/."""

from django.urls import path

from apps.layers import ogc

urlpatterns = [
    path("", ogc.landing, name="ogc-landing"),
    path("conformance", ogc.conformance, name="ogc-conformance"),
    path("collections", ogc.collections, name="ogc-collections"),
    path("collections/<slug:collection_id>", ogc.collection, name="ogc-collection"),
    path("collections/<slug:collection_id>/items", ogc.items, name="ogc-items"),
    path("collections/<slug:collection_id>/items/<str:feature_id>", ogc.item, name="ogc-item"),
]
