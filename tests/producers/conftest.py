"""Producer fixtures (also imported by the products, ratings and certifications tests)."""

import pytest

from apps.territory.models import AdministrativeUnit, Era, Level


@pytest.fixture
def commune(db):
    """A 2025 commune of Đắk Lắk."""
    return AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent__code="66").order_by(
        "code").first()


@pytest.fixture
def other_commune(db, commune):
    return AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent__code="66").exclude(
        pk=commune.pk).order_by("code").first()


@pytest.fixture
def legacy_commune(db):
    """Phường Tân Lập of the old Buôn Ma Thuột city (before 1 July 2025)."""
    return AdministrativeUnit.objects.get(era=Era.LEGACY, code="24118")


@pytest.fixture
def producer(db, commune):
    from apps.producers.services import register_producer

    return register_producer(name="Hợp tác xã Cà phê Ea Tu", legal_form="htx", tax_code="6001234567", commune=commune)
