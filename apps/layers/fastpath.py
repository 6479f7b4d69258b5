"""Vector tiles answered in front of Django (a handler of :mod:`apps.common.fastpath`).

``GET /tiles/{layer}/{z}/{x}/{y}.mvt`` is one SQL statement (:func:`selectors.render_tile`) and a hash; the maps
that show our layers ask for dozens at a time. :class:`TileHandler` runs the view's selector and sends the bytes
with the headers Django gave the last tile of the same status (200 or the 204 of an empty tile) in the same
language and scheme, adding the per-tile ``ETag`` and length. Revalidations (``If-None-Match``), unknown layers,
tiles outside the grid and anything :meth:`FastPath.context` refuses go to the view (:func:`tiles.tile`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from apps.common.fastpath import FastPath, StartResponse
from apps.layers import selectors, tiles
from apps.layers.registry import get_layer

logger = logging.getLogger(__name__)

_TILE = re.compile(r"/tiles/([-a-zA-Z0-9_]+)/([0-9]+)/([0-9]+)/([0-9]+)\.mvt")  # as apps/layers/tile_urls.py


class TileHandler:
    """Vector tiles (module docstring)."""

    prefixes = ("/tiles/",)

    def __init__(self, front: FastPath) -> None:
        self.front = front

    def serve(self, environ: dict, start_response: StartResponse, path: str) -> Iterable[bytes]:
        front = self.front
        match = _TILE.fullmatch(path)
        context = front.context(environ) if match is not None and "HTTP_IF_NONE_MATCH" not in environ else None
        if context is None:
            return front.to_django(environ, start_response)
        layer_id, z, x, y = match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4))
        layer = get_layer(layer_id)
        frame = front.frame(tiles.TILE_FRAME, 200, context)
        if layer is None or not selectors.tile_bounds_valid(z, x, y) or frame is None:
            return front.to_django(environ, start_response, context)
        front.before_query()
        try:
            content = selectors.render_tile(layer, z, x, y) if layer.tile_min_zoom <= z <= layer.tile_max_zoom \
                else b""
        except Exception:
            logger.exception("tile fast path: rendering failed; handing the request to Django")
            return front.to_django(environ, start_response, context)
        if not content:
            empty_frame = front.frame(tiles.TILE_FRAME, 204, context)
            if empty_frame is None:
                return front.to_django(environ, start_response, context)  # once: learns the empty tile's headers
            return front.respond(start_response, "204 No Content", empty_frame, [("Content-Length", "0")], b"")
        return front.respond(start_response, "200 OK", frame, [
            ("Content-Length", str(len(content))), ("ETag", tiles.etag(content))], content)
