import pytest
from django.contrib.gis.geos import Point

from apps.territory.models import AdministrativeUnit, Era, Level
from apps.zones.selectors import (
    commune_at,
    home_province,
    overlapping_active_codes,
    province_extent,
    search_zones,
    zones_at,
)
from tests.common.geo import BMT, HANOI, offset_point, square

pytestmark = pytest.mark.django_db


def test_without_boundaries_the_province_extent_is_approximate_and_contains_its_communes(dak_lak):
    extent = province_extent(dak_lak)
    assert extent.is_approximate is True
    communes = AdministrativeUnit.objects.filter(era=Era.CURRENT, parent=dak_lak)
    assert all(extent.geometry.covers(commune.centroid) for commune in communes)
    assert not extent.geometry.covers(Point(*HANOI, srid=4326))


def test_with_a_boundary_the_province_extent_is_the_boundary(dak_lak):
    dak_lak.boundary = square(*BMT, 10_000)
    dak_lak.save()
    extent = province_extent(dak_lak)
    assert extent.is_approximate is False
    assert extent.geometry.covers(offset_point(*BMT, dx_m=9_990, dy_m=9_990))
    assert not extent.geometry.covers(offset_point(*BMT, dx_m=10_200, dy_m=5_000))


def test_the_extent_is_computed_once_per_state_of_the_province_and_again_after_any_change(dak_lak, monkeypatch):
    from apps.zones import selectors

    computed = []
    compute = selectors._compute_province_extent
    monkeypatch.setattr(selectors, "_compute_province_extent",
                        lambda province: computed.append(province.pk) or compute(province))
    dak_lak.boundary = square(*BMT, 10_000)
    dak_lak.save()
    first, again = province_extent(dak_lak), province_extent(dak_lak)
    assert computed == [dak_lak.pk] and first.geometry.equals(again.geometry)
    again.geometry.transform(3405)  # each caller gets its own copy: changing it changes nothing kept
    assert province_extent(dak_lak).geometry.equals(first.geometry) and len(computed) == 1

    dak_lak.boundary = square(*BMT, 20_000)  # updated again in the same transaction: still seen as a change
    dak_lak.save()
    wider = province_extent(dak_lak)
    assert len(computed) == 2 and wider.geometry.covers(offset_point(*BMT, dx_m=19_990, dy_m=19_990))

    dak_lak.boundary = square(*BMT, 30_000)  # a boundary the caller holds, not saved: the one used, as before
    assert province_extent(dak_lak).geometry.covers(offset_point(*BMT, dx_m=29_990, dy_m=29_990))
    assert len(computed) == 3
    dak_lak.refresh_from_db()

    commune = AdministrativeUnit.objects.filter(era=Era.CURRENT, parent=dak_lak).first()
    AdministrativeUnit.objects.filter(pk=commune.pk).update(name=commune.name + " ")  # a unit under it: a change too
    province_extent(dak_lak)
    assert len(computed) == 4


def test_a_point_far_from_the_loaded_province_has_no_commune():
    assert commune_at(Point(*HANOI, srid=4326)) is None
    assert commune_at(Point(*BMT, srid=4326)).commune.parent == home_province()


def test_overlapping_active_codes_measures_each_codes_merged_zones_once(issue_code, make_zone):
    # Two zones of one code that overlap each other: the overlap with them must not be counted twice.
    issue_code(code="VN-DLOR-0017", zones=[make_zone(name="A", side_m=1000), make_zone(name="A2", side_m=1000)])
    overlaps = overlapping_active_codes(square(*BMT, 1000, dx_m=500))
    assert [overlap.code.code for overlap in overlaps] == ["VN-DLOR-0017"]
    assert overlaps[0].area_m2 == pytest.approx(500_000, rel=0.005)


def test_zones_are_found_by_name_without_diacritics_and_by_location(make_zone):
    zone = make_zone(name="Vùng sầu riêng Krông Pắc")
    assert list(search_zones("SAU RIENG krong pac")) == [zone]
    assert list(zones_at(offset_point(*BMT, dx_m=100, dy_m=100))) == [zone]
    assert list(zones_at(offset_point(*BMT, dx_m=-100, dy_m=-100))) == []


def test_near_a_border_without_boundaries_a_point_in_the_home_province_gets_a_home_commune():
    """With neighbouring provinces loaded, the nearest centroid may be across the border: prefer home."""
    from apps.common.spatial import KnnDistance
    from apps.territory.services import load_admin_units
    from apps.zones.selectors import commune_at, home_province, province_extent

    for neighbour in ("52", "56", "68"):  # Gia Lai, Khánh Hòa, Lâm Đồng (2025 codes)
        load_admin_units(province_code=neighbour)
    home = home_province()
    extent = province_extent(home).geometry
    communes = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE)
    xmin, ymin, xmax, ymax = extent.extent
    contested = None
    steps = 40
    for i in range(steps + 1):
        for j in range(steps + 1):
            candidate = Point(xmin + (xmax - xmin) * i / steps, ymin + (ymax - ymin) * j / steps, srid=4326)
            if not extent.covers(candidate):
                continue
            nearest = communes.order_by(KnnDistance("centroid", candidate)).first()
            if nearest.parent.code != home.code:
                contested = candidate
                break
        if contested:
            break
    assert contested is not None, "the grid should reach a spot nearer a neighbouring commune's centroid"
    match = commune_at(contested)
    assert match.commune.parent == home
    assert match.is_approximate is True
