import pytest

from apps.producers.selectors import producer_by_tax_code, producers
from apps.producers.services import register_producer

pytestmark = pytest.mark.django_db


def test_search_ignores_diacritics_and_case(commune, producer):
    register_producer(name="Công ty TNHH Mật ong Tây Nguyên", legal_form="dn", tax_code="6000000011", commune=commune)
    assert list(producers(query="CA PHE ea tu")) == [producer]
    assert list(producers(query="ea tú", legal_form="dn")) == []


def test_filter_by_commune_and_lookup_by_tax_code(commune, other_commune, producer):
    assert list(producers(commune=other_commune)) == []
    assert list(producers(commune=commune)) == [producer]
    assert producer_by_tax_code(" 6001234567") == producer
