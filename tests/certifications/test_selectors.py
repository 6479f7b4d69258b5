import datetime

import pytest

from apps.certifications.selectors import certification_state, certifications_of, valid_certifications, with_state
from apps.certifications.services import add_certification

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def vietgap(product):
    return add_certification(scheme="vietgap", certifying_body="QUACERT", number="VG-1", valid_from=D(2024, 1, 1),
                             valid_to=D(2025, 12, 31), subject=product)


def test_the_state_follows_the_dates(vietgap):
    assert certification_state(vietgap, on=D(2023, 12, 31)) == "not_yet_valid"
    assert certification_state(vietgap, on=D(2024, 1, 1)) == "valid"
    assert certification_state(vietgap, on=D(2025, 12, 31)) == "valid"
    assert certification_state(vietgap, on=D(2026, 1, 1)) == "expired"


def test_an_expired_certificate_is_never_listed_as_valid(vietgap, product):
    organic = add_certification(scheme="organic", certifying_body="Control Union", number="OR-7",
                                valid_from=D(2025, 6, 1), subject=product)
    assert set(valid_certifications(product, on=D(2025, 7, 1))) == {vietgap, organic}
    assert list(valid_certifications(product, on=D(2026, 1, 1))) == [organic]
    assert list(valid_certifications(product, on=D(2025, 5, 31))) == [vietgap]
    assert set(certifications_of(product)) == {vietgap, organic}
    states = {cert.number: cert.state for cert in with_state(on=D(2026, 1, 1))}
    assert states == {"VG-1": "expired", "OR-7": "valid"}


def test_another_subjects_certificates_are_not_mixed_in(vietgap, producer):
    assert list(valid_certifications(producer, on=D(2025, 1, 1))) == []
