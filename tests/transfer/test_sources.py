"""Reading import files (apps.transfer.sources): attributes as text, WGS 84 geometries, GDAL's refusals."""

import json

import pytest
import shapely

from apps.transfer.models import ImportStatus
from apps.transfer.services import create_import_job, run_import
from apps.transfer.sources import inspect_source, read_layers
from tests.common.geo import BMT, square
from tests.transfer.conftest import convert, feature, write_geojson


@pytest.fixture
def typed_geojson(tmp_path):
    return write_geojson(tmp_path / "typed.geojson", [
        feature(square(*BMT, 200)[0], ten_vung="Vùng 1", so=3, dien_tich=1.5, tron=2.0, lon=12345678901,
                ngay="2025-09-01", rong=None),
        feature(square(*BMT, 200, dx_m=1000)[0], ten_vung="Vùng 2", so=None, dien_tich=0.1, tron=7.0, lon=1,
                ngay=None, rong=None),
    ])


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_typed_attributes_are_read_as_the_text_an_officer_would_type(fmt, typed_geojson):
    source = inspect_source(convert(typed_geojson, fmt))

    (layer,) = list(read_layers(source))

    first, second = layer.properties(0), layer.properties(1)
    assert (first["ten_vung"], first["so"], first["dien_tich"], first["tron"], first["lon"]) == (
        "Vùng 1", "3", "1.5", "2", "12345678901")
    assert first["ngay"] in ("2025-09-01", "2025/09/01")  # a date field (GeoPackage, Shapefile) or text
    assert (second["so"], second["dien_tich"], second["ngay"]) == (None, "0.1", None)
    assert layer.first_index == 1 and len(layer) == 2


def test_geometries_are_read_in_wgs84_in_two_dimensions_with_every_bit(typed_geojson):
    source = inspect_source(typed_geojson)

    (layer,) = list(read_layers(source))

    written = json.loads(typed_geojson.read_text())["features"][0]["geometry"]
    read = shapely.from_wkb(layer.geometries[0])
    assert shapely.get_coordinate_dimension(read) == 2
    assert shapely.equals_exact(read, shapely.geometry.shape(written), tolerance=0)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "kmz"])
def test_a_wgs84_layer_read_without_the_vrt_gives_what_the_vrt_gives(fmt, typed_geojson, monkeypatch):
    from apps.transfer import sources

    source = inspect_source(convert(typed_geojson, fmt))
    assert source.format in sources.UTF8_FORMATS and source.detected_crs == "EPSG:4326"
    (direct,) = list(read_layers(source))
    monkeypatch.setattr(sources, "UTF8_FORMATS", ())  # through the warped layer, as other systems are
    (warped,) = list(read_layers(source))

    assert (direct.name, direct.first_index, direct.fields, direct.columns) == (
        warped.name, warped.first_index, warped.fields, warped.columns)
    assert [bytes(wkb) for wkb in direct.geometries] == [bytes(wkb) for wkb in warped.geometries]


def test_a_file_gdal_can_no_longer_read_fails_the_import_with_gdals_words(typed_geojson, coffee):
    job = create_import_job(kind="zones", file=typed_geojson)
    with open(job.file.path, "w", encoding="utf-8") as stored:
        stored.write("{ not json")

    job = run_import(job=job, commit=False)

    assert job.status == ImportStatus.FAILED
    assert "GDAL" in job.error and "typed.geojson" in job.error and "/media/" not in job.error, job.error


@pytest.mark.parametrize("crs", [None, "urn:ogc:def:crs:EPSG::3405", "urn:ogc:def:crs:EPSG::4756"])
def test_a_geojson_is_described_as_the_systems_gdal_describes_it(crs, tmp_path, monkeypatch):
    from apps.transfer import sources

    collection = {"type": "FeatureCollection", "features": [
        feature(square(*BMT, 200)[0], ten_vung="Vùng 1", so=3), feature(square(*BMT, 200, dx_m=500)[0], khac="x")]}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / "vung.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")

    described = inspect_source(path).description()
    monkeypatch.setattr(sources, "_inspect_geojson", lambda path, gdal_path: None)  # the system GDAL's DataSource
    by_system = inspect_source(path).description()

    assert described == by_system
    assert described["layers"][0]["feature_count"] == 2 and sorted(described["fields"]) == ["khac", "so", "ten_vung"]
    assert described["detected_crs"] == {None: "EPSG:4326", "urn:ogc:def:crs:EPSG::3405": "VN2000-UTM-48",
                                         "urn:ogc:def:crs:EPSG::4756": "EPSG:4756"}[crs]
