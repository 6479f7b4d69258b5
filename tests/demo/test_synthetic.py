import pytest
from django.contrib.gis.db.models.functions import Area
from django.core.management import call_command

from apps.common.spatial import geography
from apps.demo.plan import largest_remainder
from apps.demo.synthetic import SyntheticError, clear_synthetic, generate_synthetic
from apps.outlets.models import SalesPoint
from apps.zones.models import RawMaterialZone

pytestmark = pytest.mark.django_db


def test_largest_remainder_gives_leftover_seats_to_the_largest_remainders():
    assert largest_remainder({"a": 5, "b": 3, "c": 2}, 7) == {"a": 4, "b": 2, "c": 1}
    assert sum(largest_remainder({"x": 1, "y": 1, "z": 1}, 10).values()) == 10


def test_it_creates_the_requested_numbers_of_zones_and_points_measured_on_the_ellipsoid():
    result = generate_synthetic(zones=300, points=200, seed=7)
    zones = RawMaterialZone.objects.filter(name__startswith="SYN-")
    assert (result.zones, result.points) == (300, 200)
    assert zones.count() == 300
    assert SalesPoint.objects.filter(name__startswith="SYN-").count() == 200
    zone = zones.order_by("name").first()
    assert zone.geometry.valid and zone.geometry.num_coords == 9
    measured = RawMaterialZone.objects.filter(pk=zone.pk).annotate(
        measured=Area(geography("geometry"))).get().measured.sq_m / 10_000
    assert float(zone.area_ha) == pytest.approx(measured, abs=0.001)
    assert min(zones.values_list("area_ha", flat=True)) > 0.2 and max(zones.values_list("area_ha", flat=True)) < 40
    assert not SalesPoint.objects.filter(name__startswith="SYN-", is_outside_province=True).exists()
    assert result.rows_per_second > 0


def test_running_it_again_appends_without_name_clashes():
    generate_synthetic(zones=20, points=0)
    generate_synthetic(zones=20, points=0)
    names = list(RawMaterialZone.objects.filter(name__startswith="SYN-").values_list("name", flat=True))
    assert len(names) == len(set(names)) == 40


def test_clear_removes_only_synthetic_rows():
    from apps.zones.models import Crop
    from apps.zones.services import create_zone

    real = create_zone(name="Vùng cà phê thật", kind="cultivation", crop=Crop.objects.get(slug="ca-phe"),
                       geometry="POLYGON((108.04 12.70, 108.045 12.70, 108.045 12.705, 108.04 12.70))")
    generate_synthetic(zones=50, points=30)
    assert clear_synthetic() == {"zones": 50, "points": 30}
    assert not RawMaterialZone.objects.filter(name__startswith="SYN-").exists()
    assert not SalesPoint.objects.filter(name__startswith="SYN-").exists()
    assert RawMaterialZone.objects.filter(pk=real.pk).exists()


def test_the_command_prints_rows_per_second_and_clears_with_clear(capsys):
    call_command("generate_synthetic", "--zones", "40", "--points", "10", "--seed", "3")
    assert "rows/s" in capsys.readouterr().out
    assert RawMaterialZone.objects.filter(name__startswith="SYN-").count() == 40
    call_command("generate_synthetic", "--clear", "--zones", "5")
    output = capsys.readouterr().out
    assert "removed 40 synthetic zones and 10 sales points" in output
    assert RawMaterialZone.objects.filter(name__startswith="SYN-").count() == 5


def test_it_refuses_an_unknown_extent():
    with pytest.raises(SyntheticError) as error:
        generate_synthetic(zones=1, extent="moon")
    assert error.value.code == "unknown_extent"
