import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from apps.zones.models import Crop
from tests.common.geo import BMT, square


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def coffee(db):
    return Crop.objects.get(slug="ca-phe")


def feature(geometry, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": json.loads(geometry.geojson)}


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def ogr2ogr(*args: str) -> None:
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)  # noqa: S603, S607


def convert(geojson: Path, fmt: str, *, srs: str | None = None) -> Path:
    """Build a file of format ``fmt`` from a GeoJSON with ogr2ogr (``srs``: reproject into it)."""
    folder = geojson.parent
    reproject = ["-t_srs", srs] if srs else []
    if fmt == "geojson":
        return geojson
    if fmt == "kml":
        target = folder / "zones.kml"
        ogr2ogr("-f", "KML", str(target), str(geojson), "-dsco", "NameField=ten_vung", *reproject)
        return target
    if fmt == "kmz":
        kml = convert(geojson, "kml")
        target = folder / "zones.kmz"
        with zipfile.ZipFile(target, "w") as archive:
            archive.write(kml, "doc.kml")
        return target
    if fmt == "shp":
        shp_folder = folder / "shp"
        shp_folder.mkdir(exist_ok=True)
        ogr2ogr("-f", "ESRI Shapefile", str(shp_folder / "zones.shp"), str(geojson), *reproject)
        target = folder / "zones.zip"
        with zipfile.ZipFile(target, "w") as archive:
            for part in shp_folder.iterdir():
                archive.write(part, part.name)
        return target
    if fmt == "gpkg":
        target = folder / "zones.gpkg"
        ogr2ogr("-f", "GPKG", str(target), str(geojson), *reproject)
        return target
    if fmt == "csv":
        target = folder / "zones.csv"
        ogr2ogr("-f", "CSV", str(target), str(geojson), "-lco", "GEOMETRY=AS_WKT", *reproject)
        return target
    if fmt == "csv_xy":
        target = folder / "points.csv"
        ogr2ogr("-f", "CSV", str(target), str(geojson), "-lco", "GEOMETRY=AS_XY", *reproject)
        return target
    raise ValueError(fmt)


@pytest.fixture
def zones_geojson(tmp_path, coffee):
    """Two 200 m squares near Buôn Ma Thuột with Vietnamese field names."""
    return write_geojson(tmp_path / "zones.geojson", [
        feature(square(*BMT, 200)[0], ten_vung="Vùng Ea Tu 1", cay_trong="ca-phe", loai="cultivation"),
        feature(square(*BMT, 200, dx_m=1000)[0], ten_vung="Vùng Ea Tu 2", cay_trong="ca-phe", loai="cultivation"),
    ])


@pytest.fixture
def producer(db):
    from apps.producers.models import LegalForm, Producer
    from apps.territory.models import AdministrativeUnit, Era, Level

    commune = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("code").first()
    return Producer.objects.create(name="HTX Cà phê Ea Tu", legal_form=LegalForm.COOPERATIVE, tax_code="6001234567",
                                   commune=commune, address="Xã Ea Tu, Đắk Lắk", slug="htx-ca-phe-ea-tu")


@pytest.fixture
def coffee_product(producer):
    from apps.products.models import ClassificationLevel, Product, ProductCategory

    category = ProductCategory.objects.create(scheme="test", code="T-COFFEE", name="Cà phê (thử)",
                                              level=ClassificationLevel.INDUSTRY)
    return Product.objects.create(name="Cà phê nhân Ea Tu", category=category, producer=producer,
                                  gtin="8930000000019", slug="ca-phe-nhan-ea-tu")


@pytest.fixture
def make_zone(coffee):
    from apps.zones.services import create_zone

    def make(*, name: str, side_m: float, dx_m: float = 0.0, producers=(), crop=None):
        return create_zone(name=name, kind="cultivation", crop=crop or coffee, producers=producers,
                           geometry=square(*BMT, side_m, dx_m=dx_m))

    return make


@pytest.fixture
def issue_code(coffee):
    """Issue a growing-area code over ``zones`` (active unless told)."""
    import datetime

    from apps.zones.services import change_code_status, issue_growing_area_code

    def issue(*, zones=(), crop=None, status="active"):
        code = issue_growing_area_code(code_type="export", crop=crop or coffee, province_letters="DL",
                                       issuing_authority="Chi cục Trồng trọt và BVTV Đắk Lắk",
                                       issue_date=datetime.date(2025, 9, 1), target_markets=["CN"], zones=zones)
        if status != "active":
            code = change_code_status(code=code, to_status=status, effective_date=datetime.date(2025, 9, 2),
                                      reason="Kiểm dịch")
        return code

    return issue


@pytest.fixture
def both_paths(request, settings):
    """Run the test through the per-feature path and through the set-based path (apps.transfer.bulk)."""
    settings.OCOP_IMPORT_BULK_THRESHOLD = 1 if request.param == "set_based" else 10**9
    return request.param


def account(django_user_model, username: str, role: str, *, communes=(), producer=None):
    """A user with an officer profile of ``role`` (communes for a commune officer, producer for a producer)."""
    from apps.accounts.models import OfficerProfile

    user = django_user_model.objects.create_user(username=username, password="a-long-password-42")
    profile = OfficerProfile.objects.create(user=user, role=role, producer=producer)
    profile.communes.set(communes)
    return user


def communes_far_apart(count: int = 2) -> list:
    """Current communes of Đắk Lắk (with centroids) at least ~10 km from each other, in code order."""
    from apps.territory.models import AdministrativeUnit, Era, Level

    chosen: list = []
    for unit in (AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, centroid__isnull=False)
                 .order_by("code")):
        if all(unit.centroid.distance(other.centroid) > 0.1 for other in chosen):
            chosen.append(unit)
        if len(chosen) == count:
            return chosen
    raise AssertionError("not enough communes with centroids")


def square_in(commune, side_m: float = 150, *, dx_m: float = 0.0):
    """A square whose south-west corner is the commune's centroid (so its nearest centroid is the commune's)."""
    return square(commune.centroid.x, commune.centroid.y, side_m, dx_m=dx_m)


from tests.live import live_database  # noqa: E402, F401 - the live-server tests' fixture
from tests.maps.test_browser import browser  # noqa: E402, F401 - headless Chromium, shared with the map tests
