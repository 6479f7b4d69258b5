from decimal import Decimal

import pytest
from django.contrib.gis.geos import LineString, Point

from apps.common.geometry import GeometryError
from apps.tourism.models import TourRoute
from apps.tourism.selectors import route_sites, search_tourism_sites
from apps.tourism.services import (
    TourismError,
    create_tour_route,
    create_tourism_site,
    update_tour_route,
)
from tests.common.geo import BMT, offset_point, square

pytestmark = pytest.mark.django_db


def _site(name, dx_m=0.0, dy_m=0.0, **extra):
    return create_tourism_site(name=name, kind="community", location=offset_point(*BMT, dx_m=dx_m, dy_m=dy_m),
                               **extra)


def test_a_route_without_a_path_runs_through_its_sites_in_order_and_is_measured_on_the_ellipsoid():
    start, middle, end = _site("Buôn Akô Dhông"), _site("Vườn cà phê", dx_m=3000), _site("Thác", dx_m=3000,
                                                                                           dy_m=4000)
    route = create_tour_route(name="Hành trình cà phê", sites=[start, middle, end])
    route.refresh_from_db()
    assert route.length_km == pytest.approx(Decimal("7.00"), abs=Decimal("0.02"))  # 3 km + 4 km
    assert route_sites(route) == [start, middle, end]
    assert route.path.coords[0] == pytest.approx(start.location.coords)


def test_a_drawn_path_is_measured_not_the_straight_line():
    start, end = _site("A"), _site("B", dx_m=1000)
    detour = LineString([start.location, offset_point(*BMT, dx_m=0, dy_m=1000), offset_point(*BMT, dx_m=1000,
                                                                                              dy_m=1000),
                         end.location], srid=4326)
    route = create_tour_route(name="Đường vòng", sites=[start, end], path=detour)
    assert route.length_km == pytest.approx(Decimal("3.00"), abs=Decimal("0.01"))


def test_a_route_needs_two_sites_or_a_path():
    with pytest.raises(TourismError) as caught:
        create_tour_route(name="Một điểm", sites=[_site("A")])
    assert caught.value.code == "too_few_sites"
    assert not TourRoute.objects.exists()


def test_reordering_the_sites_redraws_and_re_measures_the_route():
    first, second, third = _site("A"), _site("B", dx_m=1000), _site("C", dx_m=2000)
    route = create_tour_route(name="Tuyến", sites=[first, second, third])
    update_tour_route(route=route, sites=[first, third, second], redraw_path=True)
    route.refresh_from_db()
    assert route.length_km == pytest.approx(Decimal("3.00"), abs=Decimal("0.01"))
    assert route_sites(route) == [first, third, second]


def test_a_site_area_must_contain_its_point():
    with pytest.raises(TourismError) as caught:
        _site("Hồ Lắk", area=square(*BMT, 500, dx_m=2000))
    assert caught.value.code == "location_outside_area"
    site = _site("Hồ Lắk", dx_m=10, dy_m=10, area=square(*BMT, 500))
    assert site.area.geom_type == "Polygon" and site.commune is not None


def test_a_site_with_swapped_coordinates_is_refused():
    with pytest.raises(GeometryError) as caught:
        create_tourism_site(name="Sai", kind="eco", location=Point(BMT[1], BMT[0], srid=4326))
    assert caught.value.code == "swapped_coordinates"


def test_sites_are_found_without_diacritics():
    site = _site("Buôn Đôn")
    assert list(search_tourism_sites("buon don")) == [site]
