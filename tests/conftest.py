"""Shared fixtures. Tests run on a real PostGIS database created by pytest-django."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Đắk Lắk's administrative units once for the whole session (both eras)."""
    from apps.territory.services import load_admin_units

    with django_db_blocker.unblock():
        load_admin_units(province_code="66")


@pytest.fixture
def dak_lak(db):
    from apps.territory.models import AdministrativeUnit, Era

    return AdministrativeUnit.objects.get(era=Era.CURRENT, code="66")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Resolver rate-limit counts kept in this process (the memory-cache case) start at zero in every test: the
    test client is always 127.0.0.1."""
    from apps.stamps import ratelimit

    ratelimit.clear()
    yield
    ratelimit.clear()
