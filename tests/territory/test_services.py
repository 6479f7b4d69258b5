import json

import pytest
from django.contrib.gis.geos import Point

from apps.territory.models import AdministrativeUnit, Era, LegacyMapping, Level
from apps.territory.selectors import current_successors
from apps.territory.services import TerritoryError, import_admin_boundaries, load_admin_units

pytestmark = pytest.mark.django_db


def test_dak_lak_has_102_current_communes_and_15_legacy_districts():
    current = AdministrativeUnit.objects.filter(era=Era.CURRENT)
    assert current.filter(level=Level.PROVINCE, code="66").get().short_name == "Đắk Lắk"
    assert current.filter(level=Level.COMMUNE, parent__code="66").count() == 102
    legacy_districts = AdministrativeUnit.objects.filter(
        era=Era.LEGACY, level=Level.DISTRICT, parent__code="66"
    ).order_by("code")
    assert [unit.code for unit in legacy_districts] == [str(code) for code in range(643, 658)]
    buon_ma_thuot = legacy_districts.get(code="643")
    assert buon_ma_thuot.name == "Thành phố Buôn Ma Thuột"
    assert buon_ma_thuot.children.filter(level=Level.COMMUNE).count() > 10


def test_phu_yen_legacy_units_are_loaded_with_the_merged_province():
    phu_yen = AdministrativeUnit.objects.get(era=Era.LEGACY, level=Level.PROVINCE, code="54")
    assert phu_yen.short_name == "Phú Yên"
    assert phu_yen.valid_to.isoformat() == "2025-06-30"


def test_loading_twice_changes_nothing():
    before = AdministrativeUnit.objects.count(), LegacyMapping.objects.count()
    result = load_admin_units(province_code="66")
    assert result.created == {"2025": 0, "legacy": 0}
    assert (AdministrativeUnit.objects.count(), LegacyMapping.objects.count()) == before


def test_a_legacy_ward_of_buon_ma_thuot_maps_to_the_current_buon_ma_thuot_ward():
    tan_lap = AdministrativeUnit.objects.get(era=Era.LEGACY, code="24118")  # Phường Tân Lập, old BMT city
    successors = current_successors(tan_lap)
    assert successors, "Tân Lập must map to a current commune"
    assert successors[0].era == Era.CURRENT
    assert successors[0].parent.code == "66"
    assert "Buôn Ma Thuột" in successors[0].name or "Tân Lập" in successors[0].name


def test_an_unknown_province_is_refused_with_a_code():
    with pytest.raises(TerritoryError) as error:
        load_admin_units(province_code="99")
    assert error.value.code == "unknown_province"


def _square(lon, lat, size=0.01):
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def _write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_boundaries_attach_by_code_and_unmatched_features_are_reported(tmp_path):
    commune = AdministrativeUnit.objects.get(era=Era.LEGACY, code="24118")
    lon, lat = commune.centroid.coords
    source = _write_geojson(tmp_path / "b.geojson", [
        {"type": "Feature", "properties": {"ma": "24118"},
         "geometry": {"type": "Polygon", "coordinates": _square(lon - 0.005, lat - 0.005)}},
        {"type": "Feature", "properties": {"ma": "99999"},
         "geometry": {"type": "Polygon", "coordinates": _square(lon, lat)}},
    ])
    result = import_admin_boundaries(path=source, era=Era.LEGACY, code_field="ma")
    assert result.attached == ["24118"]
    assert result.unmatched == ["99999"]
    commune.refresh_from_db()
    assert commune.boundary.geom_type == "MultiPolygon"
    assert commune.boundary.contains(Point(lon, lat, srid=4326))


def test_a_bow_tie_is_repaired_but_a_feature_beyond_repair_attaches_nothing(tmp_path):
    first = AdministrativeUnit.objects.get(era=Era.LEGACY, code="24118")
    lon, lat = first.centroid.coords
    bow_tie = [[[lon, lat], [lon + 0.01, lat + 0.01], [lon + 0.01, lat], [lon, lat + 0.01], [lon, lat]]]
    source = _write_geojson(tmp_path / "bad.geojson", [
        {"type": "Feature", "properties": {"ma": "24118"}, "geometry": {"type": "Polygon", "coordinates": bow_tie}},
        {"type": "Feature", "properties": {"ma": "24121"},
         "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.01, lat], [lon, lat]]]}},
    ])
    with pytest.raises(TerritoryError) as error:
        import_admin_boundaries(path=source, era=Era.LEGACY, code_field="ma")
    assert "#2" in error.value.message and "24121" in error.value.message
    first.refresh_from_db()
    assert first.boundary is None


def test_a_reprojected_shapefile_lands_in_wgs84(tmp_path):
    import subprocess

    from django.contrib.gis.gdal import DataSource  # noqa: F401 - GDAL is available

    commune = AdministrativeUnit.objects.get(era=Era.CURRENT, code=AdministrativeUnit.objects.filter(
        era=Era.CURRENT, level=Level.COMMUNE, parent__code="66").values_list("code", flat=True).first())
    lon, lat = commune.centroid.coords
    source = _write_geojson(tmp_path / "c.geojson", [
        {"type": "Feature", "properties": {"code": commune.code},
         "geometry": {"type": "Polygon", "coordinates": _square(lon - 0.01, lat - 0.01, 0.02)}},
    ])
    target = tmp_path / "c_utm.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:32649", str(target), str(source)], check=True)
    result = import_admin_boundaries(path=target, era=Era.CURRENT, code_field="code")
    assert result.attached == [commune.code]
    commune.refresh_from_db()
    assert commune.boundary.srid == 4326
    assert commune.boundary.contains(Point(lon, lat, srid=4326))
