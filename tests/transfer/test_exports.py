"""Exports of filtered selections, and the round trip export → import."""

import json
import zipfile

import pytest
import shapely
from django.contrib.gis.geos import Point

from apps.common.geometry import AREAL, normalize_geometry
from apps.outlets.services import create_sales_point
from apps.transfer.exports import ExportError, export_selection
from apps.transfer.services import create_import_job, run_import
from apps.transfer.sources import inspect_source, read_features
from apps.zones.models import RawMaterialZone
from tests.common.geo import BMT, offset_point


@pytest.fixture
def two_zones(make_zone, producer):
    return [make_zone(name="Vùng Ea Tu", side_m=300, producers=[producer]),
            make_zone(name="Vùng Hòa Thắng", side_m=250, dx_m=2000)]


def test_a_geojson_export_carries_our_attribute_names(two_zones, producer):
    exported = export_selection(kind="zones", fmt="geojson", filters={"crop": "ca-phe", "status": "proposed"})

    collection = json.loads(exported.content)
    assert exported.filename == "zones.geojson"
    first = collection["features"][0]["properties"]
    assert set(first) == {"id", "name", "kind", "crop", "status", "area_ha", "communes", "codes", "producers"}
    assert (first["name"], first["crop"], first["producers"]) == ("Vùng Ea Tu", "ca-phe", producer.tax_code)
    assert first["communes"]


def test_filters_narrow_the_selection_and_unknown_ones_are_refused(two_zones):
    assert json.loads(export_selection(kind="zones", fmt="geojson", filters={"status": "active"}).content)[
        "features"] == []
    with pytest.raises(ExportError) as refused:
        export_selection(kind="zones", fmt="geojson", filters={"colour": "red"})
    assert refused.value.code == "unknown_filter"


def test_a_shapefile_export_is_a_zip_with_every_part(two_zones):
    exported = export_selection(kind="zones", fmt="shp")

    with zipfile.ZipFile(__import__("io").BytesIO(exported.content)) as archive:
        suffixes = {name.rsplit(".", 1)[1] for name in archive.namelist()}
    assert {"shp", "shx", "dbf", "prj"} <= suffixes


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml", "csv"])
def test_an_export_imports_back_to_the_same_geometries(fmt, two_zones, tmp_path):
    before = {zone.name: zone.geometry for zone in RawMaterialZone.objects.all()}
    exported = export_selection(kind="zones", fmt=fmt)
    path = tmp_path / exported.filename
    path.write_bytes(exported.content)
    crs = "EPSG:4326" if fmt == "csv" else ""

    source = inspect_source(path)
    read_back = {feature.properties.get("name") or feature.properties.get("Name"):
                 normalize_geometry(feature.geometry, kind=AREAL).geometry
                 for feature in read_features(source, crs_key=crs or None)}
    job = run_import(job=create_import_job(kind="zones", file=path, crs=crs), commit=False)

    assert set(read_back) == set(before)
    for name, geometry in before.items():
        distance = shapely.hausdorff_distance(shapely.from_wkb(bytes(read_back[name].wkb)),
                                              shapely.from_wkb(bytes(geometry.wkb)))
        assert distance < 1e-6  # degrees: ≈ 10 cm at this latitude
    # The import maps our attribute names back by itself and recognises the same ground.
    assert sorted(entry["duplicate_of"] for entry in job.report["features"]) == sorted(before)
    assert {reason["code"] for entry in job.report["features"] for reason in entry["reasons"]} == {"duplicate_zone"}


def test_sales_points_export_as_csv_with_wkt(db):
    create_sales_point(name="Trung tâm OCOP tỉnh", kind="centre_province", location=Point(*BMT))
    create_sales_point(name="Gian hàng chợ", kind="market_booth", location=offset_point(*BMT, dx_m=300))

    exported = export_selection(kind="sales_points", fmt="csv", filters={"kind": "market_booth"})

    lines = exported.content.decode("utf-8").splitlines()
    assert lines[0].startswith("WKT,id,name,kind")
    assert len(lines) == 2 and "Gian hàng chợ" in lines[1] and "POINT" in lines[1]
