import pytest

from apps.products.models import ProductCategory
from tests.producers.conftest import commune, legacy_commune, other_commune, producer  # noqa: F401


@pytest.fixture
def coffee(db):
    """The "coffee and cocoa" group of the 2023 classification."""
    return ProductCategory.objects.get(scheme="148/2023", code="food.coffee_cocoa")


@pytest.fixture
def community_tourism(db):
    return ProductCategory.objects.get(scheme="148/2023", code="tourism.community")


@pytest.fixture
def product(db, producer, coffee):  # noqa: F811 (producer is the imported fixture)
    from apps.products.services import register_product

    return register_product(name="Cà phê rang xay Ea Tu", category=coffee, producer=producer)


@pytest.fixture
def rate(product):  # noqa: F811
    """Record a 4-star province-council rating of ``product`` in the 2025 era."""
    import datetime

    from apps.ratings.models import CriteriaSet
    from apps.ratings.services import record_rating

    def _rate(**overrides):
        values = {"product": product, "criteria_set": CriteriaSet.objects.get(code="148/2023"),
                  "council_level": "province", "era": "2025", "evaluation_date": datetime.date(2025, 9, 10),
                  "score_a": 30, "score_b": 20, "score_c": 25, "decision_number": "1234/QĐ-UBND",
                  "decision_date": datetime.date(2025, 10, 1)}
        values.update(overrides)
        return record_rating(**values)

    return _rate
