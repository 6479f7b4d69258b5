import datetime

import pytest

from apps.certifications.models import Certification
from apps.certifications.services import CertificationError, add_certification, update_certification

pytestmark = pytest.mark.django_db

D = datetime.date


def _add(subject, **overrides):
    values = {"scheme": "vietgap", "certifying_body": "Trung tâm Chứng nhận Phù hợp QUACERT", "number": "VG-001",
              "valid_from": D(2024, 1, 1), "valid_to": D(2026, 12, 31), "subject": subject}
    values.update(overrides)
    return add_certification(**values)


@pytest.mark.parametrize("subject_name", ["zone", "packing_facility", "production_facility", "producer", "product"])
def test_each_kind_of_subject_holds_its_certificate_in_its_own_field(request, subject_name):
    subject = request.getfixturevalue(subject_name)
    certification = _add(subject)
    certification.refresh_from_db()
    assert certification.subject == subject
    assert getattr(certification, subject_name) == subject
    assert [name for name in Certification.SCOPE_FIELDS if getattr(certification, f"{name}_id")] == [subject_name]


def test_any_other_subject_is_refused(commune):
    with pytest.raises(CertificationError) as error:
        _add(commune)
    assert (error.value.code, error.value.field) == ("unsupported_subject", "subject")
    with pytest.raises(CertificationError) as error:
        _add("Hợp tác xã Ea Tu")
    assert error.value.code == "unsupported_subject"
    assert not Certification.objects.exists()


def test_an_unsaved_subject_is_refused(commune):
    from apps.producers.models import Producer

    with pytest.raises(CertificationError) as error:
        _add(Producer(name="x", legal_form="htx", tax_code="6000000000", commune=commune))
    assert error.value.code == "unsupported_subject"


def test_the_end_cannot_precede_the_start(producer):
    with pytest.raises(CertificationError) as error:
        _add(producer, valid_from=D(2025, 1, 1), valid_to=D(2024, 12, 31))
    assert (error.value.code, error.value.field) == ("valid_to_before_valid_from", "valid_to")


def test_an_open_ended_certificate_is_accepted(producer):
    assert _add(producer, scheme="haccp", valid_to=None).valid_to is None


def test_the_same_number_twice_for_one_subject_is_refused_but_another_subject_may_hold_it(producer, product):
    _add(producer)
    with pytest.raises(CertificationError) as error:
        _add(producer, number="vg-001")
    assert (error.value.code, error.value.field) == ("duplicate_certification", "number")
    assert _add(product).product == product


@pytest.mark.parametrize(("field", "value", "code"), [
    ("scheme", "iso9999", "unknown_scheme"),
    ("number", " ", "number_required"),
    ("certifying_body", "", "certifying_body_required"),
])
def test_missing_or_unknown_values_are_refused_naming_the_field(producer, field, value, code):
    with pytest.raises(CertificationError) as error:
        _add(producer, **{field: value})
    assert (error.value.code, error.value.field) == (code, field)


def test_updating_moves_the_certificate_to_another_subject_and_keeps_checks(producer, product):
    certification = _add(producer)
    update_certification(certification=certification, subject=product, valid_to=D(2027, 6, 30))
    certification.refresh_from_db()
    assert (certification.producer, certification.product, certification.valid_to) == (
        None, product, D(2027, 6, 30))
    with pytest.raises(CertificationError) as error:
        update_certification(certification=certification, valid_to=D(2020, 1, 1))
    assert error.value.code == "valid_to_before_valid_from"
