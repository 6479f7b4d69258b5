import pytest

from apps.zones.models import Crop


@pytest.fixture
def coffee(db):
    return Crop.objects.get(slug="ca-phe")
