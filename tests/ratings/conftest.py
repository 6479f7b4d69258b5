import datetime

import pytest

from apps.ratings.models import CriteriaSet
from tests.producers.conftest import commune, legacy_commune, other_commune, producer  # noqa: F401
from tests.products.conftest import coffee, product  # noqa: F401


@pytest.fixture
def criteria_2019(db):
    return CriteriaSet.objects.get(code="1048/2019")


@pytest.fixture
def criteria_2023(db):
    return CriteriaSet.objects.get(code="148/2023")


@pytest.fixture
def rate(product, criteria_2023):  # noqa: F811 (product is the imported fixture)
    """Record a province-council rating (2025 era by default) with sensible defaults."""
    from apps.ratings.services import record_rating

    def _rate(**overrides):
        values = {
            "product": product, "criteria_set": criteria_2023, "council_level": "province", "era": "2025",
            "evaluation_date": datetime.date(2025, 9, 10), "score_a": 30, "score_b": 20, "score_c": 25,
            "decision_number": "1234/QĐ-UBND", "decision_date": datetime.date(2025, 10, 1),
            "issuing_authority": "UBND tỉnh Đắk Lắk",
        }
        values.update(overrides)
        return record_rating(**values)

    return _rate
