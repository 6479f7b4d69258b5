"""What an import checks: coordinate systems (VN-2000), GPS tracks, rejections, duplicates and overlaps."""

import json

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point, Polygon
from pyproj import Transformer

from apps.facilities.models import PackingFacility
from apps.outlets.models import SalesPoint
from apps.transfer import crs as crs_catalogue
from apps.transfer.models import ImportStatus
from apps.transfer.services import create_import_job, run_import
from apps.transfer.sources import SourceError
from apps.zones.models import RawMaterialZone, ZoneStatusChange
from tests.common.geo import BMT, HANOI, offset_point, square
from tests.transfer.conftest import convert, feature, ogr2ogr, write_geojson

# Đắk Lắk's provincial TM-3 zone, written out here rather than taken from the code under test.
DAK_LAK_TM3 = ("+proj=tmerc +lat_0=0 +lon_0=108.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
               "+towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 "
               "+units=m +no_defs")
# A 150 m square in VN-2000 / TM-3 108°30′ coordinates, west of the central meridian near Buôn Ma Thuột.
TM3_RING = [(451000.0, 1401000.0), (451150.0, 1401000.0), (451150.0, 1401150.0), (451000.0, 1401150.0),
            (451000.0, 1401000.0)]


def _metres_apart(first: tuple[float, float], second: tuple[float, float]) -> float:
    return Point(*first, srid=4326).transform(32649, clone=True).distance(
        Point(*second, srid=4326).transform(32649, clone=True))


def _tm3_geojson(tmp_path):
    path = tmp_path / "tm3.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"ten_vung": "Vùng đo VN-2000", "cay_trong": "ca-phe", "loai": "cultivation"},
        "geometry": {"type": "Polygon", "coordinates": [TM3_RING]}}]}), encoding="utf-8")
    return path


def _expected_wgs84() -> list[tuple[float, float]]:
    transformer = Transformer.from_crs(DAK_LAK_TM3, "EPSG:4326", always_xy=True)
    return [transformer.transform(x, y) for x, y in TM3_RING[:4]]


def _nearest_vertex_distance(geometry, expected: tuple[float, float]) -> float:
    return min(_metres_apart(vertex, expected) for vertex in geometry[0].exterior_ring.coords)


def test_a_vn2000_dak_lak_tm3_shapefile_lands_within_a_metre_of_its_wgs84_position(tmp_path, coffee):
    shapefile = tmp_path / "shp"
    shapefile.mkdir()
    ogr2ogr("-f", "ESRI Shapefile", str(shapefile / "tm3.shp"), str(_tm3_geojson(tmp_path)), "-a_srs", DAK_LAK_TM3)
    import zipfile

    archive_path = tmp_path / "tm3.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for part in shapefile.iterdir():
            archive.write(part, part.name)

    job = create_import_job(kind="zones", file=archive_path)
    assert job.detected_crs == crs_catalogue.DAK_LAK_TM3_KEY
    job = run_import(job=job, commit=True)

    assert job.status == ImportStatus.COMMITTED, job.report
    zone = RawMaterialZone.objects.get()
    for corner in _expected_wgs84():
        assert _nearest_vertex_distance(zone.geometry, corner) < 1.0
    assert 2.2 < float(zone.area_ha) < 2.3  # 150 m × 150 m on the TM-3 grid


def test_a_file_without_a_prj_is_refused_until_the_officer_picks_its_system(tmp_path, coffee):
    csv_path = convert(_tm3_geojson(tmp_path), "csv")

    job = create_import_job(kind="zones", file=csv_path)
    assert job.detected_crs == ""
    refused = run_import(job=job, commit=False)
    assert refused.status == ImportStatus.FAILED
    assert "hệ tọa độ" in refused.error  # the officer reads it in Vietnamese (default language)

    job = create_import_job(kind="zones", file=csv_path, crs=crs_catalogue.DAK_LAK_TM3_KEY)
    job = run_import(job=job, commit=True)

    assert job.status == ImportStatus.COMMITTED, job.report
    zone = RawMaterialZone.objects.get()
    for corner in _expected_wgs84():
        assert _nearest_vertex_distance(zone.geometry, corner) < 1.0


def test_a_rejected_feature_at_commit_leaves_nothing_behind(tmp_path, coffee):
    lat_lon_swapped = Polygon([(y, x) for x, y in square(*BMT, 200, dx_m=3000)[0].exterior_ring.coords])
    path = write_geojson(tmp_path / "three.geojson", [
        feature(square(*BMT, 200)[0], name="Vùng 1", crop="ca-phe", kind="cultivation"),
        feature(lat_lon_swapped, name="Vùng 2", crop="ca-phe", kind="cultivation"),
        feature(square(*BMT, 200, dx_m=1000)[0], name="Vùng 3", crop="ca-phe", kind="cultivation"),
    ])
    job = create_import_job(kind="zones", file=path)

    job = run_import(job=job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    statuses = [(entry["index"], entry["status"]) for entry in job.report["features"]]
    assert statuses == [(1, "valid"), (2, "rejected"), (3, "valid")]
    assert job.report["features"][1]["reasons"][0]["code"] == "swapped_coordinates"
    assert not RawMaterialZone.objects.exists()
    assert not ZoneStatusChange.objects.exists()


def test_the_report_names_repairs_bad_values_and_overlaps(tmp_path, coffee):
    x0, y0 = BMT
    bow_tie = Polygon([(x0, y0), (x0 + 0.002, y0 + 0.002), (x0 + 0.002, y0), (x0, y0 + 0.002), (x0, y0)])
    path = write_geojson(tmp_path / "mixed.geojson", [
        feature(bow_tie, name="Nơ", crop="ca-phe", kind="cultivation"),
        feature(square(*BMT, 200, dx_m=5000)[0], name="Lạ", crop="hoa-hong-xanh", kind="cultivation"),
        feature(square(*BMT, 300, dx_m=9000)[0], name="A", crop="ca-phe", kind="cultivation"),
        feature(square(*BMT, 300, dx_m=9100)[0], name="B", crop="ca-phe", kind="cultivation"),
    ])
    job = run_import(job=create_import_job(kind="zones", file=path), commit=False)

    first, second, third, fourth = job.report["features"]
    assert first["status"] == "repaired" and first["notes"]
    assert second["status"] == "rejected" and second["reasons"][0]["code"] == "unknown_crop"
    assert second["reasons"][0]["field"] == "crop"
    assert third["overlaps"] == [{"feature": 4}] and fourth["overlaps"] == [{"feature": 3}]
    assert job.report["summary"] == {"valid": 2, "repaired": 1, "rejected": 1, "duplicates": 0, "overlapping": 2,
                                     "total": 4}


def test_importing_the_same_zones_twice_is_refused_as_duplicates(zones_geojson):
    assert run_import(job=create_import_job(kind="zones", file=zones_geojson), commit=True).status == "committed"

    again = run_import(job=create_import_job(kind="zones", file=zones_geojson), commit=True)

    assert again.status == ImportStatus.REFUSED
    assert [entry["reasons"][0]["code"] for entry in again.report["features"]] == ["duplicate_zone"] * 2
    assert again.report["features"][0]["duplicate_of"] == "Vùng Ea Tu 1"
    assert RawMaterialZone.objects.count() == 2


def test_a_closed_gps_track_becomes_a_zone_and_an_open_one_is_rejected(tmp_path, coffee):
    ring = list(square(*BMT, 200)[0].exterior_ring.coords)
    walked = ring[:-1] + [offset_point(*BMT, dx_m=3, dy_m=2).coords]  # the walk ends 3-4 m from its start
    open_walk = [offset_point(*BMT, dx_m=2000 + dx, dy_m=dy).coords for dx, dy in ((0, 0), (200, 0), (200, 200))]
    geojson = write_geojson(tmp_path / "tracks.geojson", [
        feature(MultiLineString(LineString(walked)), name="Lô đi bộ"),
        feature(MultiLineString(LineString(open_walk)), name="Đường hở"),
    ])
    gpx = tmp_path / "walk.gpx"
    ogr2ogr("-f", "GPX", str(gpx), str(geojson), "-nlt", "MULTILINESTRING", "-lco", "FORCE_GPX_TRACK=YES")

    job = create_import_job(kind="zones", file=gpx, defaults={"crop": "ca-phe", "kind": "cultivation"})
    job = run_import(job=job, commit=False)

    closed, opened = job.report["features"]
    assert closed["status"] == "valid", closed
    assert opened["status"] == "rejected" and opened["reasons"][0]["code"] == "open_track"
    job = run_import(job=create_import_job(kind="zones", file=gpx, defaults={"crop": "ca-phe", "kind": "cultivation"}),
                     commit=False)
    assert job.report["summary"]["rejected"] == 1


def test_sales_points_import_from_a_csv_with_lon_lat_columns(tmp_path, db):
    geojson = write_geojson(tmp_path / "points.geojson", [
        feature(Point(*BMT), ten_diem="Điểm bán OCOP chợ Buôn Ma Thuột", loai="market_booth", dien_thoai="0262"),
    ])
    csv_path = convert(geojson, "csv_xy")

    job = create_import_job(kind="sales_points", file=csv_path, crs="EPSG:4326")
    job = run_import(job=job, commit=True)

    assert job.status == ImportStatus.COMMITTED, job.report
    point = SalesPoint.objects.get()
    assert (point.name, point.kind, point.phone) == ("Điểm bán OCOP chợ Buôn Ma Thuột", "market_booth", "0262")
    assert point.location.distance(Point(*BMT)) < 1e-7
    assert point.commune is not None


def test_packing_facilities_flag_codes_that_already_exist(tmp_path, db):
    path = write_geojson(tmp_path / "packing.geojson", [
        feature(Point(*BMT), name="Cơ sở A", code="VN-DLPH-0001", operator="HTX A"),
        feature(offset_point(*BMT, dx_m=500), name="Cơ sở B", code="VN-DLPH-0001", operator="HTX B"),
        feature(Point(*HANOI), name="Cơ sở C", code="VN-DLPH-0002", operator="HTX C"),
    ])
    job = run_import(job=create_import_job(kind="packing_facilities", file=path), commit=True)

    assert job.status == ImportStatus.REFUSED
    second = job.report["features"][1]
    assert second["status"] == "rejected" and second["reasons"][0]["code"] == "duplicate_code"
    assert not PackingFacility.objects.exists()


def test_files_over_the_feature_limit_are_refused(settings, zones_geojson):
    settings.OCOP_IMPORT_MAX_FEATURES = 1

    with pytest.raises(SourceError) as refused:
        create_import_job(kind="zones", file=zones_geojson)

    assert refused.value.code == "too_many_features"
