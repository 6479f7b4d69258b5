"""Vector tiles and TileJSON, mounted under /tiles/."""

from django.urls import path

from apps.layers import tiles

urlpatterns = [
    path("<slug:layer_id>/<int:z>/<int:x>/<int:y>.mvt", tiles.tile, name="tile"),
    path("<slug:layer_id>.json", tiles.tilejson, name="tilejson"),
]
