"""Serve Leaflet.markercluster from the xstatic-leaflet-markercluster package (PyPI): no CDN, no copy in the repo.

Only the files our pages use are published, under ``leaflet-markercluster/``: the package's minified script
names a source map it does not ship, which production's manifest storage would refuse at collectstatic.
"""

from __future__ import annotations

import os

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from xstatic.pkg import leaflet_markercluster

PREFIX = "leaflet-markercluster"
FILES = ("leaflet.markercluster-src.js", "leaflet.markercluster-src.js.map", "MarkerCluster.css",
         "MarkerCluster.Default.css")


class MarkerClusterFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=leaflet_markercluster.BASE_DIR)
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        name = path[len(PREFIX) + 1:] if path.startswith(PREFIX + "/") else None
        if name not in FILES:
            return []
        match = os.path.join(leaflet_markercluster.BASE_DIR, name)
        return [match] if (find_all or kwargs.get("all")) else match

    def list(self, ignore_patterns):
        for name in FILES:
            yield name, self.storage
