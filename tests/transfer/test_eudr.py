"""EUDR geolocation export: 4 ha threshold, 6 decimals, required properties, file split, failure report."""

import datetime
import json
import re
import zipfile
from decimal import Decimal
from io import BytesIO

from django.contrib.gis.geos import Point

from apps.traceability.services import create_lot
from apps.transfer.eudr import Plot, build_eudr_export, plots_of_lot, plots_of_producer, profile_on
from apps.zones.models import Crop, RawMaterialZone


def _lot(product, zones):
    share = Decimal(100) / len(zones)
    return create_lot(product=product, code="L2025-01", production_date=datetime.date(2025, 11, 1),
                      zone_shares=[(zone, round(share, 2)) for zone in zones])


def _features(export) -> list[dict]:
    return [feature for part in export.parts for feature in json.loads(part)["features"]]


def test_plots_over_4_ha_are_polygons_and_smaller_ones_points(make_zone, coffee_product, producer):
    large = make_zone(name="Lớn", side_m=210, producers=[producer])  # 4.41 ha
    small = make_zone(name="Nhỏ", side_m=195, dx_m=1000, producers=[producer])  # 3.80 ha
    assert large.area_ha > 4 > small.area_ha

    export = build_eudr_export(plots_of_lot(_lot(coffee_product, [large, small])))

    by_area = {feature["properties"]["Area"]: feature for feature in _features(export)}
    assert by_area[float(large.area_ha)]["geometry"]["type"] == "Polygon"
    point = by_area[float(small.area_ha)]["geometry"]
    assert point["type"] == "Point"
    assert small.geometry.contains(Point(*point["coordinates"], srid=4326))
    assert export.failures == []


def test_coordinates_have_at_most_6_decimals_in_lon_lat_order(make_zone, coffee_product, producer):
    zone = make_zone(name="Lớn", side_m=300, producers=[producer])

    export = build_eudr_export(plots_of_lot(_lot(coffee_product, [zone])))

    text = export.parts[0].decode("utf-8")
    assert not re.search(r"\d\.\d{7,}", text.split('"geometry"')[1])
    lon, lat = json.loads(text)["features"][0]["geometry"]["coordinates"][0][0]
    assert 107 < lon < 109 and 12 < lat < 13


def test_each_feature_carries_the_required_properties(make_zone, coffee_product, producer):
    zone = make_zone(name="Lớn", side_m=300, producers=[producer])

    properties = _features(build_eudr_export(plots_of_lot(_lot(coffee_product, [zone]))))[0]["properties"]

    assert properties["ProducerName"] == "HTX Cà phê Ea Tu"
    assert properties["ProducerCountry"] == "VN"
    assert properties["Area"] == float(zone.area_ha)
    commune = zone.communes.first()
    assert properties["ProductionPlace"] == f"{commune.name}, {commune.parent.name}"


def test_the_export_is_split_into_files_under_the_size_limit(make_zone, producer):
    for index in range(6):
        make_zone(name=f"Thửa {index}", side_m=300, dx_m=index * 1000, producers=[producer])
    profile = profile_on()
    profile.max_file_bytes = 1200
    profile.save()

    export = build_eudr_export(plots_of_producer(producer), profile=profile)

    assert len(export.parts) > 1
    assert all(len(part) <= 1200 for part in export.parts)
    assert sum(len(json.loads(part)["features"]) for part in export.parts) == 6 == export.feature_count
    with zipfile.ZipFile(BytesIO(export.as_zip("lot"))) as archive:
        assert sorted(archive.namelist())[:2] == ["lot-001.geojson", "lot-002.geojson"]
        assert "lot-failures.csv" in archive.namelist()


def test_failing_plots_are_reported_and_left_out(make_zone, producer, coffee_product, db):
    good = make_zone(name="Tốt", side_m=300, producers=[producer])
    broken = make_zone(name="Hỏng", side_m=300, dx_m=2000, producers=[producer])
    # A self-intersecting ring that predates validation on save (written around the services on purpose).
    x, y = broken.geometry[0].exterior_ring.coords[0]
    RawMaterialZone.objects.filter(pk=broken.pk).update(
        geometry=f"SRID=4326;MULTIPOLYGON((({x} {y},{x + 0.003} {y + 0.003},{x + 0.003} {y},{x} {y + 0.003},{x} {y})))")
    pepper = Crop.objects.get(slug="ho-tieu")
    other = make_zone(name="Tiêu", side_m=100, dx_m=4000, producers=[producer], crop=pepper)
    plots = plots_of_lot(_lot(coffee_product, [good, broken, other]))
    plots.append(Plot("điểm 6 ha", "HTX", "Ea Tu", Decimal("6"), Point(108.05, 12.67, srid=4326)))
    plots.append(Plot("không hình", "HTX", "Ea Tu", Decimal("1"), None))

    export = build_eudr_export(plots)

    assert export.feature_count == 1
    codes = sorted(failure.code for failure in export.failures)
    assert codes == ["invalid", "no_geometry", "not_eudr_commodity", "too_large_for_point"]
    assert "too_large_for_point" in export.failures_csv().decode("utf-8")
