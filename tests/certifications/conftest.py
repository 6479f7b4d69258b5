import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from tests.producers.conftest import commune, legacy_commune, other_commune, producer  # noqa: F401
from tests.products.conftest import coffee, product  # noqa: F401


@pytest.fixture
def zone(db, producer):  # noqa: F811 (producer is the imported fixture)
    from apps.zones.models import Crop, RawMaterialZone

    crop = Crop.objects.get_or_create(slug="ca-phe-test", defaults={"name": "Cà phê"})[0]
    square = Polygon.from_bbox((108.00, 12.60, 108.01, 12.61))
    square.srid = 4326
    return RawMaterialZone.objects.create(name="Vùng cà phê Ea Tu", kind="cultivation", crop=crop,
                                          geometry=MultiPolygon(square, srid=4326), area_ha=120)


@pytest.fixture
def packing_facility(db, producer):  # noqa: F811
    from apps.facilities.models import PackingFacility

    return PackingFacility.objects.create(name="Cơ sở đóng gói Ea Tu", code="VN-DLPH-9001", operator=producer,
                                          location=Point(108.05, 12.68, srid=4326))


@pytest.fixture
def production_facility(db, producer):  # noqa: F811
    from apps.facilities.models import ProductionFacility

    return ProductionFacility.objects.create(name="Xưởng rang Ea Tu", producer=producer,
                                             location=Point(108.05, 12.68, srid=4326))
