"""The proof that the OGC API works for GIS users: GDAL's OAPIF driver, against a real running server.

The live server needs committed data, so these tests are transactional (see tests/live.py).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from apps.layers import selectors
from apps.layers.registry import public_layers

# The live server only sees committed rows: transactional tests, with the reference data kept (tests/live.py).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("live_database")]

GDAL_ENV = {"GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF", "GDAL_HTTP_UNSAFESSL": "NO", "PATH": "/usr/bin:/bin"}


def gdal(*arguments: str, cwd=None) -> str:
    result = subprocess.run(arguments, capture_output=True, text=True, timeout=300, env=GDAL_ENV, cwd=cwd,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def feature_count(report: str) -> int:
    match = re.search(r"^Feature Count: (\d+)$", report, re.MULTILINE)
    assert match, report
    return int(match.group(1))


def test_gdal_lists_every_collection_counts_every_feature_and_copies_a_layer(live_server, registry_data, tmp_path):
    source = f"OAPIF:{live_server.url}/ogc"

    listing = gdal("ogrinfo", "-ro", "-so", source)
    listed = re.findall(r"^\d+: (\S+)", listing, re.MULTILINE)
    assert listed == [layer.id for layer in public_layers()]

    for layer in public_layers():
        expected = selectors.count_features(layer, selectors.LayerQuery())
        assert expected >= 1, layer.id
        report = gdal("ogrinfo", "-ro", "-al", "-so", source, layer.id)
        assert feature_count(report) == expected, layer.id

    # Pages of 5: GDAL must follow the next links through every page of the legacy districts.
    output = tmp_path / "districts.gpkg"
    gdal("ogr2ogr", "-oo", "PAGE_SIZE=5", "-f", "GPKG", str(output), source, "legacy-districts")
    copied = gdal("ogrinfo", "-ro", "-al", "-so", str(output))
    expected = selectors.count_features(next(layer for layer in public_layers() if layer.id == "legacy-districts"),
                                        selectors.LayerQuery())
    assert feature_count(copied) == expected

    output = tmp_path / "zones.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(output), source, "zones")
    copied = gdal("ogrinfo", "-ro", "-al", str(output))
    assert feature_count(copied) == 4
    assert "Vùng cà phê A" in copied and "Vùng dự kiến" not in copied
    assert "MULTIPOLYGON" in copied
