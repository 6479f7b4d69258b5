"""Import of zones from every supported format, through GDAL, all or nothing."""

import pytest

from apps.transfer.models import ImportStatus
from apps.transfer.services import create_import_job, run_import
from apps.zones.models import RawMaterialZone
from tests.common.geo import BMT, square
from tests.transfer.conftest import convert


def _areas_ha() -> list[float]:
    return sorted(round(float(zone.area_ha), 1) for zone in RawMaterialZone.objects.all())


@pytest.mark.parametrize("fmt", ["geojson", "kml", "kmz", "shp", "gpkg", "csv"])
def test_it_imports_zones_from_each_format(fmt, zones_geojson):
    path = convert(zones_geojson, fmt)
    crs = "EPSG:4326" if fmt == "csv" else ""  # a CSV says nothing about its coordinate system
    job = create_import_job(kind="zones", file=path, crs=crs)
    assert job.mapping["name"] in ("ten_vung", "Name")

    job = run_import(job=job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED, job.report
    assert job.report["summary"]["valid"] == 2
    names = sorted(RawMaterialZone.objects.values_list("name", flat=True))
    assert names == ["Vùng Ea Tu 1", "Vùng Ea Tu 2"]
    assert _areas_ha() == [4.0, 4.0]
    original = square(*BMT, 200)
    imported = RawMaterialZone.objects.get(name="Vùng Ea Tu 1").geometry
    assert imported.sym_difference(original).area < 1e-10  # same ground (degrees², ≈ 1 m²)


def test_a_dry_run_saves_nothing_and_reports_each_feature(zones_geojson):
    job = create_import_job(kind="zones", file=zones_geojson)

    job = run_import(job=job, commit=False)

    assert job.status == ImportStatus.CHECKED
    assert [entry["status"] for entry in job.report["features"]] == ["valid", "valid"]
    assert not RawMaterialZone.objects.exists()
