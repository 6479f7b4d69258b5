import pytest

from tests.common.builders import make_producer, make_product


@pytest.fixture
def producer(db):
    return make_producer()


@pytest.fixture
def product(producer):
    return make_product(producer)
