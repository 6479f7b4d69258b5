import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from apps.territory.models import AdministrativeUnit, Era, Level
from apps.territory.selectors import ancestors, commune_containing, search_units

pytestmark = pytest.mark.django_db


def test_search_ignores_vietnamese_diacritics_and_case():
    names = [unit.name for unit in search_units("buon ma thuot")]
    assert "Phường Buôn Ma Thuột" in names
    assert "Thành phố Buôn Ma Thuột" in names


def test_search_handles_d_with_stroke():
    results = search_units("dak lak", level=Level.PROVINCE)
    assert {unit.short_name for unit in results} == {"Đắk Lắk"}


def test_ancestors_of_a_legacy_commune_are_its_district_and_province():
    tan_lap = AdministrativeUnit.objects.get(era=Era.LEGACY, code="24118")
    assert [unit.code for unit in ancestors(tan_lap)] == ["643", "66"]


def test_point_in_commune_without_boundaries_is_the_nearest_centroid_and_approximate():
    commune = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent__code="66").first()
    near = Point(commune.centroid.x + 0.0005, commune.centroid.y, srid=4326)
    match = commune_containing(near)
    assert match.commune == commune
    assert match.is_approximate is True


def test_point_in_commune_with_a_boundary_uses_the_boundary_not_the_nearest_centroid():
    communes = list(AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent__code="66")[:2])
    target, other = communes
    # A point right next to `other`'s centroid but inside a boundary drawn for `target`.
    near_other = Point(other.centroid.x + 0.001, other.centroid.y + 0.001, srid=4326)
    target.boundary = MultiPolygon(Polygon.from_bbox((near_other.x - 0.01, near_other.y - 0.01,
                                                      near_other.x + 0.01, near_other.y + 0.01)), srid=4326)
    target.save()
    match = commune_containing(near_other)
    assert match.commune == target
    assert match.is_approximate is False
