"""GeoJSON API of the public layers, mounted under /api/v1/: one list and one detail URL per layer."""

from django.urls import path

from apps.layers import api
from apps.layers.registry import public_layers

urlpatterns = [
    path("layers/", api.LayerIndex.as_view(), name="api-layers"),
    path("nearby/", api.Nearby.as_view(), name="api-nearby"),
]
for _layer in public_layers():
    urlpatterns += [
        path(f"layers/{_layer.id}/", api.LayerFeatures.as_view(layer=_layer), name=f"api-layer-{_layer.id}"),
        path(f"layers/{_layer.id}/<int:pk>/", api.LayerFeature.as_view(layer=_layer),
             name=f"api-layer-{_layer.id}-detail"),
    ]
