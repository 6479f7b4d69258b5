"""The set-based zone import (apps.transfer.bulk) saves the rows and writes the report the per-feature one does."""

import copy
import json
import re

import numpy
import pytest
import shapely
from django.contrib.gis.geos import LineString, MultiPolygon, Polygon
from django.db import transaction

from apps.common.geometry import AREAL, GeometryError, normalize_geometry
from apps.transfer.bulk import normalize_areal_many, repair_areal_many
from apps.transfer.models import ImportStatus
from apps.transfer.services import create_import_job, run_import
from apps.zones.models import GrowingAreaCode, RawMaterialZone, ZoneStatusChange, ZoneVersion
from tests.common.geo import BMT, HANOI, offset_point, square
from tests.transfer.conftest import feature, write_geojson

PATHS = (("per_feature", 10**9), ("set_based", 1))


def _at(dx_km: float, side_m: float = 200, *, dx_m: float = 0.0):
    return square(*BMT, side_m, dx_m=dx_km * 1000 + dx_m)[0]


def _bow_tie(dx_km: float) -> Polygon:
    x0, y0 = _at(dx_km).exterior_ring.coords[0]
    return Polygon([(x0, y0), (x0 + 0.002, y0 + 0.002), (x0 + 0.002, y0), (x0, y0 + 0.002), (x0, y0)])


def _swapped(dx_km: float) -> Polygon:
    return Polygon([(y, x) for x, y in _at(dx_km).exterior_ring.coords])


def _walk(dx_km: float) -> LineString:
    ring = list(_at(dx_km).exterior_ring.coords)
    end = offset_point(*BMT, dx_m=dx_km * 1000 + 3, dy_m=2).coords
    return LineString(ring[:-1] + [end])  # the walk ends 3-4 m from where it started


def _open_line(dx_km: float) -> LineString:
    return LineString([offset_point(*BMT, dx_m=dx_km * 1000 + dx, dy_m=dy).coords
                       for dx, dy in ((0, 0), (200, 0), (200, 200))])


def _with_hole_clockwise(dx_km: float) -> MultiPolygon:
    outer = list(_at(dx_km, 300).exterior_ring.coords)[::-1]  # drawn clockwise: normalised to counter-clockwise
    inner = list(_at(dx_km, 100, dx_m=100).exterior_ring.coords)
    second = Polygon(list(_at(dx_km + 1).exterior_ring.coords))
    return MultiPolygon(Polygon(outer, [(x, y + 0.0005) for x, y in inner]), second)


def _zone(geometry, name: str, **properties) -> dict:
    properties = {"name": name, "crop": "ca-phe", "kind": "cultivation", **properties}
    if geometry is None:
        return {"type": "Feature", "properties": properties, "geometry": None}
    return feature(geometry, **properties)


@pytest.fixture
def codes(make_zone, issue_code, producer):
    """Active codes C (zone at 20 km) and D (zone at 42 km), suspended code E, durian code F."""
    from apps.zones.models import Crop

    existing_c = make_zone(name="Vùng mã C", side_m=300, dx_m=20_000)
    existing_d = make_zone(name="Vùng mã D", side_m=300, dx_m=42_000)
    return {"C": issue_code(zones=[existing_c]), "D": issue_code(zones=[existing_d]),
            "E": issue_code(status="suspended"), "F": issue_code(crop=Crop.objects.get(slug="sau-rieng"))}


def _clean_features(codes, producer) -> list[dict]:
    return [
        _zone(_at(0), "Vườn Một"),
        _zone(_bow_tie(2), "Nơ"),
        _zone(_walk(10), "Lô đi bộ"),
        _zone(_at(18), "Ba"),
        _zone(_at(20, dx_m=100), "Sát mã C"),
        _zone(_at(22), "Chồng 1"),
        _zone(_at(22, dx_m=100), "Chồng 2"),
        _zone(_with_hole_clockwise(24), "Có lỗ"),
        _zone(_at(26), "Của HTX", producers=producer.tax_code, notes="Ghi chú\tcó tab", proposed_on="01/09/2025"),
        _zone(_at(40), "Vào mã C", code=codes["C"].code),
        _zone(_at(40, dx_m=100), "Sát vùng vào mã C"),
        _zone(_at(46), "Vào mã E", code=codes["E"].code),
    ]


def _mixed_features(codes, producer) -> list[dict]:
    return [
        *_clean_features(codes, producer),
        _zone(_swapped(4), "Đảo tọa độ"),
        _zone(_at(6), "Cây lạ", crop="hoa-hong-xanh"),
        _zone(None, "Không hình"),
        _zone(_open_line(8), "Đường hở"),
        _zone(square(*HANOI, 200)[0], "Vùng Hà Nội"),
        _zone(_at(12), "Vùng tương lai", proposed_on="2999-01-01"),
        _zone(_at(14), "Vùng cũ"),
        _zone(_at(16), "Đôi"),
        _zone(_at(16), "đôi "),  # the same zone again, named with other case and spaces
        _zone(_at(30), "Ba lần", proposed_on="2999-01-01"),  # refused: a later namesake is no duplicate of it
        _zone(_at(30), "Ba lần"),
        _zone(_at(30, dx_m=10), "Ba lần"),  # a duplicate of the one before, which is kept
        _zone(_at(32), "Chủ lạ", producers="9999999999"),
        _zone(square(*BMT, 7500, dx_m=50_000)[0], "Quá lớn"),
        _zone(_at(42, dx_m=50), "Vào mã C chồng mã D", code=codes["C"].code),
        _zone(_at(48), "Sầu riêng vào mã cà phê", code=codes["F"].code),
        _zone(_at(50), "Loại lạ", kind="vuon-treo"),
    ]


def _saved_state() -> dict:
    """Everything the import writes, with ids replaced by names so that two runs compare."""
    from apps.producers.models import Producer

    tax_codes = dict(Producer.objects.values_list("pk", "tax_code"))
    zones = {}
    for zone in RawMaterialZone.objects.select_related("crop").order_by("name"):
        zones[zone.name] = {
            "geometry": zone.geometry.hexewkb, "area_ha": zone.area_ha, "kind": zone.kind, "crop": zone.crop.slug,
            "status": zone.status, "notes": zone.notes, "search_name": zone.search_name,
            "communes": sorted(zone.communes.values_list("code", flat=True)),
            "producers": sorted(zone.producers.values_list("tax_code", flat=True)),
            "codes": sorted(zone.growing_area_codes.values_list("code", flat=True)),
            "versions": [(version.number, version.action, version.name, version.kind, version.crop_id,
                          version.geometry.hexewkb, version.area_ha, version.notes,
                          sorted(tax_codes[pk] for pk in version.producer_ids), version.changes,
                          version.is_geometry_changed, version.area_before_ha, version.restored_from_id,
                          version.comment, version.changed_by_id)
                         for version in ZoneVersion.objects.filter(zone=zone).order_by("number")],
            "history": [(change.from_status, change.to_status, change.effective_date, change.reason,
                         change.changed_by_id)
                        for change in ZoneStatusChange.objects.filter(zone=zone).order_by("pk")],
        }
    codes = {code.code: sorted(code.zones.values_list("name", flat=True)) for code in GrowingAreaCode.objects.all()}
    return {"zones": zones, "codes": codes}


def _comparable(report: dict) -> dict:
    report = copy.deepcopy(report)
    report.pop("method")
    for entry in report["features"]:
        if "id" in entry:
            entry["id"] = RawMaterialZone.objects.get(pk=entry["id"]).name
        for reason in entry["reasons"]:
            reason["message"] = re.sub(r"#\d+", "#…", reason["message"])  # ids differ from run to run
    return report


def _import_both_ways(settings, path, *, commit: bool, user=None) -> dict:
    """Import ``path`` through each path, each in a transaction rolled back afterwards; what each saved and said."""
    results = {}
    for method, threshold in PATHS:
        settings.OCOP_IMPORT_BULK_THRESHOLD = threshold
        with transaction.atomic():
            job = run_import(job=create_import_job(kind="zones", file=path), commit=commit, user=user)
            assert job.report["method"] == method
            results[method] = (job.status, _comparable(job.report), _saved_state())
            transaction.set_rollback(True)
    return results


def test_both_paths_save_the_same_zones_versions_communes_and_codes(settings, tmp_path, codes, producer):
    path = write_geojson(tmp_path / "clean.geojson", _clean_features(codes, producer))

    results = _import_both_ways(settings, path, commit=True)

    per_feature, set_based = results["per_feature"], results["set_based"]
    assert per_feature[0] == set_based[0] == ImportStatus.COMMITTED, per_feature[1]["features"]
    assert set_based[2] == per_feature[2]
    assert set_based[1] == per_feature[1]
    saved = set_based[2]["zones"]
    assert len(saved) == 12 + 2  # the file's zones and the two zones of codes C and D
    assert saved["Vào mã C"]["codes"] == [codes["C"].code]
    assert saved["Vào mã E"]["codes"] == [codes["E"].code]
    assert saved["Của HTX"]["producers"] == [producer.tax_code] and saved["Của HTX"]["notes"] == "Ghi chú\tcó tab"
    assert all(zone["communes"] and zone["versions"] and zone["history"] for zone in saved.values())
    by_name = {entry["name"]: entry for entry in set_based[1]["features"]}
    assert by_name["Nơ"]["status"] == "repaired"
    assert by_name["Lô đi bộ"]["notes"]  # the closed track
    assert by_name["Sát vùng vào mã C"]["overlaps"][0]["code"] == codes["C"].code  # a zone joined in this file
    assert {"feature": 7} in by_name["Chồng 1"]["overlaps"]


def test_both_paths_write_the_same_report_of_a_file_with_every_kind_of_problem(settings, tmp_path, codes, producer,
                                                                              make_zone):
    make_zone(name="Vùng cũ", side_m=200, dx_m=14_000)
    path = write_geojson(tmp_path / "mixed.geojson", _mixed_features(codes, producer))

    results = _import_both_ways(settings, path, commit=False)

    per_feature, set_based = results["per_feature"], results["set_based"]
    assert per_feature[0] == set_based[0] == ImportStatus.CHECKED
    assert set_based[1] == per_feature[1]
    rejected = [(entry["index"], entry["reasons"][0]["code"]) for entry in set_based[1]["features"]
                if entry["status"] == "rejected"]
    assert rejected == [
        (13, "swapped_coordinates"), (14, "unknown_crop"), (15, "empty"), (16, "open_track"),
        (17, "outside_province"), (18, "date_in_future"), (19, "duplicate_zone"), (21, "duplicate_zone"),
        (22, "date_in_future"), (24, "duplicate_zone"), (25, "unknown_producer"), (26, "implausible_area"),
        (27, "zone_overlap"), (28, "crop_mismatch"), (29, "bad_choice")]
    by_index = {entry["index"]: entry for entry in set_based[1]["features"]}
    assert by_index[14]["name"] == "Cây lạ"  # refused for its values, named as the file names it
    assert by_index[21]["duplicate_of"] == "Đôi" and by_index[23]["status"] == "valid"
    assert by_index[24]["duplicate_of"] == "Ba lần"
    assert by_index[27]["overlaps"][0]["code"] == codes["D"].code
    assert not RawMaterialZone.objects.filter(name="Vườn Một").exists()


def test_a_commit_refused_by_one_feature_saves_nothing_on_the_set_based_path(settings, tmp_path, coffee):
    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "three.geojson", [
        _zone(_at(0), "Vùng 1"), _zone(_swapped(3), "Vùng 2"), _zone(_at(6), "Vùng 3")])

    job = run_import(job=create_import_job(kind="zones", file=path), commit=True)

    assert job.report["method"] == "set_based"
    assert job.status == ImportStatus.REFUSED
    assert [entry["status"] for entry in job.report["features"]] == ["valid", "rejected", "valid"]
    assert "id" not in job.report["features"][0]
    assert not RawMaterialZone.objects.exists() and not ZoneVersion.objects.exists()


def test_the_set_based_path_reports_progress_up_to_the_last_feature(settings, tmp_path, coffee):
    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "many.geojson", [_zone(_at(index * 0.5), f"Vùng {index}") for index in range(30)])
    seen: list[tuple[int, int]] = []

    job = run_import(job=create_import_job(kind="zones", file=path), commit=True,
                     progress=lambda done, total: seen.append((done, total)))

    assert job.status == ImportStatus.COMMITTED and RawMaterialZone.objects.count() == 30
    assert seen[-1] == (30, 30)
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
    assert job.progress_done == 30


def test_text_with_tabs_newlines_and_backslashes_survives_the_reader(settings, tmp_path, coffee):
    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    name = 'Vườn "A"\tB\\C'
    notes = "dòng 1\ndòng 2\\n không phải xuống dòng"
    path = write_geojson(tmp_path / "text.geojson", [_zone(_at(0), name, notes=notes)])

    job = run_import(job=create_import_job(kind="zones", file=path), commit=True)

    assert job.status == ImportStatus.COMMITTED, job.report
    zone = RawMaterialZone.objects.get()
    assert (zone.name, zone.notes) == (name, notes)


# --- the vectorised normalisation --------------------------------------------------------------------------------


def _random_areas(count: int) -> list:
    rng = numpy.random.default_rng(20250701)
    shapes = []
    for index in range(count):
        lon, lat = 107.6 + rng.random() * 1.6, 12.2 + rng.random() * 1.3
        vertices = int(rng.integers(3, 14))
        angles = numpy.sort(rng.random(vertices) * 2 * numpy.pi)
        radius = 0.0005 + rng.random(vertices) * 0.001
        ring = numpy.column_stack([lon + radius * numpy.cos(angles), lat + radius * numpy.sin(angles)])
        if index % 2:
            ring = ring[::-1]  # clockwise
        polygon = shapely.Polygon(ring)
        if index % 5 == 0:
            polygon = polygon.difference(shapely.Point(lon, lat).buffer(0.0002))  # a hole
        if index % 7 == 0:
            polygon = shapely.MultiPolygon([polygon, shapely.affinity.translate(polygon, 0.01, 0)])
        shapes.append(polygon)
    return shapes


def test_the_vectorised_normalisation_gives_the_bits_normalize_geometry_gives():
    from django.contrib.gis.geos import GEOSGeometry

    shapes = _random_areas(300)

    normalised = normalize_areal_many(numpy.array(shapes, dtype=object))

    compared = 0
    for shape, result in zip(shapes, normalised, strict=True):
        expected = normalize_geometry(GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326), kind=AREAL)
        if expected.is_repaired:
            assert result is None  # repairs are left to normalize_geometry
            continue
        assert shapely.to_wkb(result) == bytes(expected.geometry.wkb)
        compared += 1
    assert compared > 250


def test_the_overlaps_between_kept_features_are_those_found_among_all_before_some_were_refused():
    from apps.transfer.services import overlapping_pairs

    areas = _random_areas(100)
    shifted = [shapely.affinity.translate(area, 0.0001 * (index % 3 + 1), 0) for index, area in enumerate(areas)]
    shapes = dict(enumerate(areas + shifted + areas[:5], start=1))  # each area overlaps its shifted copy
    kept = {index: shape for index, shape in shapes.items() if index % 3}

    among_all = overlapping_pairs(shapes)

    assert [(first, second) for first, second in among_all if first in kept and second in kept] == \
        overlapping_pairs(kept)
    assert among_all == sorted(among_all) and all(first < second for first, second in among_all)
    assert len(among_all) >= 100 and (1, 101) in among_all
    assert (1, 201) not in among_all  # the same area twice: a duplicate, not an overlap


def _invalid_areas(count: int) -> list:
    """Invalid areas of every sort: bow ties, spikes, self-touching rings, overlapping parts, holes outside."""
    rng = numpy.random.default_rng(20250702)
    shapes = []
    for index in range(count):
        lon, lat = 107.6 + rng.random() * 1.6, 12.2 + rng.random() * 1.3
        ring = [(lon + dx, lat + dy) for dx, dy in numpy.round(rng.random((int(rng.integers(4, 10)), 2)) * 0.002, 6)]
        match index % 6:
            case 0:  # a random ring: mostly self-intersecting
                shape = shapely.Polygon(ring)
            case 1:  # a spike: repairs to a polygon and a line
                shape = shapely.Polygon([(lon, lat), (lon + 0.001, lat), (lon + 0.001, lat + 0.001),
                                         (lon + 0.0005, lat + 0.001), (lon + 0.0005, lat + 0.003),
                                         (lon + 0.0005, lat + 0.001), (lon, lat + 0.001)])
            case 2:  # overlapping parts
                square_ = shapely.box(lon, lat, lon + 0.001, lat + 0.001)
                shape = shapely.MultiPolygon([square_, shapely.affinity.translate(square_, 0.0005, 0.0005)])
            case 3:  # a hole outside its shell
                shape = shapely.Polygon(shapely.box(lon, lat, lon + 0.001, lat + 0.001).exterior.coords,
                                        [shapely.box(lon + 0.002, lat, lon + 0.0025, lat + 0.0005).exterior.coords])
            case 4:  # a repair that leaves Vietnam's extent, or nothing of an area
                beyond = [(117.9999, lat), (118.0002, lat + 0.001), (118.0002, lat), (117.9999, lat + 0.001)]
                flat = [(lon, lat), (lon + 0.001, lat), (lon + 0.002, lat)]
                shape = shapely.Polygon(beyond if index % 12 == 4 else flat)
            case _:  # a ring that touches itself, drawn clockwise
                shape = shapely.Polygon([(lon, lat), (lon, lat + 0.002), (lon + 0.001, lat + 0.001), (lon, lat + 0.001),
                                         (lon + 0.002, lat), (lon, lat)])
        shapes.append(shape)
    return shapes


def test_the_vectorised_repair_gives_the_bits_and_notes_normalize_geometry_gives():
    from django.contrib.gis.geos import GEOSGeometry
    from django.utils.translation import gettext

    shapes = _invalid_areas(240) + _random_areas(20)

    repaired, reasons = repair_areal_many(numpy.array(shapes, dtype=object))

    compared = left = 0
    for shape, result, reason in zip(shapes, repaired, reasons, strict=True):
        try:
            expected = normalize_geometry(GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326), kind=AREAL)
        except GeometryError:
            assert result is None  # refusals are left to normalize_geometry
            left += 1
            continue
        if not expected.is_repaired:
            assert result is None  # valid areas are normalize_areal_many's
            continue
        assert result is not None, shape.wkt
        assert shapely.to_wkb(result) == bytes(expected.geometry.wkb)
        assert [gettext("Repaired: %(reason)s") % {"reason": reason}] == [str(note) for note in expected.notes]
        compared += 1
    assert compared > 150 and left > 10


def test_a_repaired_feature_is_reported_alike_whichever_way_it_was_repaired(settings, tmp_path, coffee, monkeypatch):
    from apps.transfer import bulk

    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "bows.geojson", [_zone(_bow_tie(2 * index), f"Nơ {index}") for index in range(3)])

    at_once = run_import(job=create_import_job(kind="zones", file=path), commit=False).report["features"]
    monkeypatch.setattr(bulk, "repair_areal_many", lambda shapes: (numpy.full(len(shapes), None, dtype=object),) * 2)
    one_by_one = run_import(job=create_import_job(kind="zones", file=path), commit=False).report["features"]

    assert at_once == one_by_one
    assert [entry["status"] for entry in at_once] == ["repaired"] * 3
    assert all(entry["notes"] and entry["notes"][0] for entry in at_once)


@pytest.mark.parametrize("wkt, code", [
    ("POLYGON ((108 12, 108.01 12.01, 108.01 12, 108 12.01, 108 12))", "repaired"),
    ("POLYGON ((12 108, 12.01 108, 12.01 108.01, 12 108))", "swapped_coordinates"),
    ("POLYGON ((100 12, 100.01 12, 100.01 12.01, 100 12))", "outside_vietnam"),
    ("LINESTRING (108 12, 108.01 12.01)", "wrong_type"),
    ("POLYGON EMPTY", "empty"),
])
def test_anything_but_a_plainly_valid_area_is_left_to_normalize_geometry(wkt, code):
    shape = shapely.from_wkt(wkt)

    assert normalize_areal_many(numpy.array([shape], dtype=object))[0] is None
    from django.contrib.gis.geos import GEOSGeometry

    try:
        outcome = "repaired" if normalize_geometry(GEOSGeometry(wkt, srid=4326), kind=AREAL).is_repaired else "valid"
    except GeometryError as error:
        outcome = error.code
    assert outcome == code


def test_the_report_of_a_set_based_run_is_plain_json(settings, tmp_path, coffee):
    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "one.geojson", [_zone(_at(0), "Vùng 1")])

    job = run_import(job=create_import_job(kind="zones", file=path), commit=False)

    job.refresh_from_db()
    assert json.loads(json.dumps(job.report)) == job.report
    assert job.report["features"][0]["status"] == "valid"


@pytest.mark.django_db
def test_reports_are_compressed_with_lz4_where_the_server_has_it():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        (has_lz4,) = cursor.fetchone() or (False,)
        cursor.execute("SELECT attcompression FROM pg_attribute WHERE attrelid = 'transfer_importjob'::regclass "
                       "AND attname = 'report'")
        (compression,) = cursor.fetchone()

    assert compression == ("l" if has_lz4 else "")


def test_reports_are_stored_as_the_json_text_and_read_back_as_saved(settings, tmp_path, coffee):
    from django.db import connection

    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "two.geojson", [_zone(_at(0), 'Vườn "1" \\ A'), _zone(_at(0.1), "Vùng 2")])
    job = run_import(job=create_import_job(kind="zones", file=path), commit=False)
    saved = copy.deepcopy(job.report)

    job.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_typeof(report)::text FROM transfer_importjob WHERE id = %s", [job.pk])
        (column_type,) = cursor.fetchone()

    assert column_type == "json"  # not jsonb: no conversion of the whole report on each save
    assert job.report == saved and job.report["features"][0]["name"] == 'Vườn "1" \\ A'
    assert job.report["features"][1]["overlaps"] == [{"feature": 1}]


@pytest.mark.django_db
def test_a_document_is_written_as_compact_utf8_and_keys_that_are_not_text_become_text():
    from django.db import connection

    from apps.transfer.models import ImportJob

    job = ImportJob.objects.create(kind="zones", original_name="a.geojson", report={"name": "Vườn cà phê", 3: [1.5]})
    with connection.cursor() as cursor:
        cursor.execute("SELECT report::text FROM transfer_importjob WHERE id = %s", [job.pk])
        (text,) = cursor.fetchone()

    assert text == '{"name":"Vườn cà phê","3":[1.5]}'
    job.refresh_from_db()
    assert job.report == {"name": "Vườn cà phê", "3": [1.5]}  # as json.dumps would have written the key


def test_a_set_based_run_pauses_garbage_collection_and_turns_it_back_on(settings, tmp_path, coffee, monkeypatch):
    import gc

    from apps.transfer import bulk

    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "one.geojson", [_zone(_at(0), "Vùng 1")])
    seen = []
    read = bulk._BulkRun.read
    monkeypatch.setattr(bulk._BulkRun, "read", lambda run, source: (seen.append(gc.isenabled()), read(run, source)))

    job = run_import(job=create_import_job(kind="zones", file=path), commit=True)

    assert job.status == ImportStatus.COMMITTED
    assert seen == [False]
    assert gc.isenabled()


def test_nested_pauses_resume_collection_at_the_last_and_leave_it_off_when_it_was_off():
    import gc

    from apps.transfer.bulk import garbage_collection_paused

    with garbage_collection_paused():
        with garbage_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer run still holds the pause
    assert gc.isenabled()
    gc.disable()
    try:
        with garbage_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()


def test_the_cached_fold_folds_exactly_like_the_common_one():
    from apps.common.text import fold
    from apps.transfer.bulk import fast_fold

    names = ["Vườn cà phê Ea Tu", "  ĐẮK   LẮK\tBuôn Ma Thuột ", "Hòa Thắng — lô 3 (M'Đrắk)", "Cư M'gar", "",
             "Ñandú ß Æsir 北京 ½", "Krông\u00a0Pắc", "x\u0301 tổ hợp"]

    assert [fast_fold(name) for name in names] == [fold(name) for name in names]


# --- values, a field at a time -----------------------------------------------------------------------------------


def test_values_read_a_field_at_a_time_are_those_read_values_gives_each_feature(codes, producer):
    from apps.transfer.bulk import values_by_column
    from apps.transfer.fields import ValueError_, read_values

    rows = [
        {"ten": "Vườn 1", "cay": "ca-phe", "loai": "cultivation", "mst": producer.tax_code, "ngay": "01/09/2025"},
        {"ten": "  ", "cay": "ca-phe", "loai": "cultivation"},  # name required, blank
        {"ten": "Vườn 3", "cay": "hoa-hong-xanh", "loai": "vuon-treo"},  # two bad values: the kind's comes first
        {"ten": "Vườn 4", "cay": None, "loai": "harvesting", "ma": codes["C"].code, "ngay": "2025-13-45"},
        {"ten": "Vườn 5", "cay": "Cà phê", "loai": "cultivation", "mst": "9999999999"},
        {"ten": "Vườn 6", "cay": "ca-phe", "loai": None, "ma": "VN-XXOR-9999", "ghi": "Ghi\tchú"},
        {"ten": "Vườn 7", "cay": "ca-phe", "loai": "cultivation", "mst": f"{producer.tax_code};{producer.slug}"},
    ]
    fields = ["ten", "cay", "loai", "mst", "ngay", "ma", "ghi"]
    columns = {name: [row.get(name) for row in rows] for name in fields}
    mapping = {"name": "ten", "crop": "cay", "kind": "loai", "producers": "mst", "proposed_on": "ngay", "code": "ma",
               "notes": "ghi"}
    for defaults in ({}, {"kind": "cultivation", "crop": "ca-phe"}):
        expected = []
        for row in rows:
            try:
                expected.append(read_values("zones", row, mapping, defaults, {}))
            except ValueError_ as error:
                expected.append((error.code, error.message, error.field))

        found = values_by_column("zones", columns, len(rows), mapping, defaults)

        assert [(value.code, value.message, value.field) if isinstance(value, ValueError_) else value
                for value in found] == expected
    assert isinstance(found[0], dict) and found[0]["producers"] == [producer]
    assert [found[1].code, found[2].code, found[3].code] == ["value_required", "bad_choice", "bad_date"]


# --- foreign keys checked at once --------------------------------------------------------------------------------


def _replication_role() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def test_a_commit_checks_the_rows_foreign_keys_at_once_and_turns_the_triggers_back_on(settings, tmp_path, coffee):
    from django.db import connection

    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "two.geojson", [_zone(_at(0), "Vùng 1"), _zone(_at(3), "Vùng 2")])
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(str(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        job = run_import(job=create_import_job(kind="zones", file=path), commit=True)

    assert job.status == ImportStatus.COMMITTED
    assert RawMaterialZone.objects.count() == 2 and ZoneVersion.objects.count() == 2
    assert any("FOR KEY SHARE" in statement and "zones_crop" in statement for statement in statements)
    assert any("FOR KEY SHARE" in statement and "territory_administrativeunit" in statement
               for statement in statements)
    assert "SET LOCAL session_replication_role = replica" in statements
    assert statements.index("SET LOCAL session_replication_role = origin") > statements.index(
        "SET LOCAL session_replication_role = replica")
    assert _replication_role() == "origin"


def test_a_key_that_does_not_exist_is_refused_as_its_foreign_key_would_refuse_it(coffee):
    from decimal import Decimal

    from django.db import connection

    from apps.territory.models import AdministrativeUnit
    from apps.transfer.bulk import ForeignKeyError, _Candidate, _foreign_keys_checked_at_once

    missing_commune = AdministrativeUnit.objects.order_by("-pk").first().pk + 1000
    candidate = _Candidate(index=1, entry={}, values={"crop": coffee}, name="Vùng", search_name="vung",
                           geometry_hex="", shape=None, producer_ids=[], code=None, area_ha=Decimal("1"),
                           commune_ids=[missing_commune], zone_id=10**9)
    inserted = []

    with (pytest.raises(ForeignKeyError, match=str(missing_commune)), connection.cursor() as cursor,
          _foreign_keys_checked_at_once(cursor, [candidate], None)):
        inserted.append(candidate)

    assert not inserted and _replication_role() == "origin"


def test_an_insert_that_fails_raises_its_own_error_and_leaves_the_triggers_on(settings, tmp_path, coffee,
                                                                               monkeypatch):
    from django.db import DataError

    from apps.transfer import bulk

    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    path = write_geojson(tmp_path / "one.geojson", [_zone(_at(0), "Vùng 1")])

    def failing_insert(self, cursor, candidates, *, full=True):
        cursor.execute("SELECT 1 / 0")

    monkeypatch.setattr(bulk._BulkRun, "_insert", failing_insert)

    with pytest.raises(DataError, match="division by zero"):  # not hidden by the failed transaction's next error
        run_import(job=create_import_job(kind="zones", file=path), commit=True)

    assert _replication_role() == "origin"
    assert not RawMaterialZone.objects.exists()


def test_another_trigger_on_the_tables_keeps_postgresql_checking_row_by_row(settings, tmp_path, coffee):
    from django.db import connection

    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    with connection.cursor() as cursor:  # an audit trigger someone added: it must not be skipped
        cursor.execute("CREATE TEMPORARY TABLE audit_seen (zone_id bigint)")
        cursor.execute("CREATE FUNCTION pg_temp.audit_zone() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$BEGIN INSERT INTO audit_seen VALUES (NEW.zone_id); RETURN NEW; END$$")
        cursor.execute("CREATE TRIGGER audit_history AFTER INSERT ON zones_zonestatuschange "
                       "FOR EACH ROW EXECUTE FUNCTION pg_temp.audit_zone()")
    path = write_geojson(tmp_path / "two.geojson", [_zone(_at(0), "Vùng 1"), _zone(_at(3), "Vùng 2")])
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(str(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        job = run_import(job=create_import_job(kind="zones", file=path), commit=True)

    assert job.status == ImportStatus.COMMITTED
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_seen")
        assert cursor.fetchone()[0] == 2
    assert "SET LOCAL session_replication_role = replica" not in statements


# --- communes by boundary ----------------------------------------------------------------------------------------


def test_both_paths_find_the_same_communes_by_boundary(settings, tmp_path, coffee):
    from django.contrib.gis.geos import MultiPolygon as GeosMultiPolygon

    from apps.territory.models import AdministrativeUnit, Era, Level

    communes = list(AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("code")[:2])
    west, south = BMT[0] - 0.05, BMT[1] - 0.05
    for commune, (x0, x1) in zip(communes, ((west, BMT[0] + 0.01), (BMT[0] + 0.01, BMT[0] + 0.1)), strict=True):
        commune.boundary = GeosMultiPolygon(Polygon.from_bbox((x0, south, x1, BMT[1] + 0.05)), srid=4326)
        commune.save(update_fields=["boundary"])
    features = [_zone(_at(index * 0.5), f"Vùng {index}") for index in range(6)]  # the 3rd straddles the border
    path = write_geojson(tmp_path / "bounded.geojson", features)

    results = _import_both_ways(settings, path, commit=True)

    assert results["set_based"][0] == results["per_feature"][0] == ImportStatus.COMMITTED
    assert results["set_based"][2] == results["per_feature"][2]
    saved = results["set_based"][2]["zones"]
    assert saved["Vùng 0"]["communes"] == [communes[0].code]
    assert saved["Vùng 2"]["communes"] == sorted(commune.code for commune in communes)
    assert saved["Vùng 5"]["communes"] == [communes[1].code]


def test_both_paths_read_a_vn2000_shapefile_to_the_same_coordinates(settings, tmp_path, coffee):
    from tests.transfer.conftest import convert

    tm3 = ("+proj=tmerc +lat_0=0 +lon_0=108.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,"
           "-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 +units=m +no_defs")
    geojson = write_geojson(tmp_path / "zones.geojson", [_zone(_at(index), f"Vùng {index}") for index in range(3)]
                            + [_zone(_bow_tie(4), "Nơ")])
    path = convert(geojson, "shp", srs=tm3)

    results = _import_both_ways(settings, path, commit=True)

    assert results["set_based"][0] == results["per_feature"][0] == ImportStatus.COMMITTED
    assert results["set_based"][1] == results["per_feature"][1]
    assert results["set_based"][2] == results["per_feature"][2]
    assert len(results["set_based"][2]["zones"]) == 4
