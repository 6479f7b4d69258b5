import pytest

from apps.common.geometry import GeometryError
from apps.producers.models import Producer
from apps.producers.services import ProducerError, register_producer, update_producer

pytestmark = pytest.mark.django_db


def _register(commune, **overrides):
    values = {"name": "Hợp tác xã Nông nghiệp Đắk Lắk", "legal_form": "htx", "tax_code": "6000000001",
              "commune": commune}
    values.update(overrides)
    return register_producer(**values)


def test_registering_fills_slug_and_search_name_without_diacritics(commune):
    producer = _register(commune, name="Hợp tác xã Cà phê Đắk Lắk")
    producer.refresh_from_db()
    assert producer.slug == "hop-tac-xa-ca-phe-dak-lak"
    assert producer.search_name == "hop tac xa ca phe dak lak"
    assert producer.commune == commune


def test_a_second_producer_with_the_same_name_gets_a_disambiguated_slug(commune):
    first = _register(commune, tax_code="6000000001")
    second = _register(commune, tax_code="6000000002")
    third = _register(commune, tax_code="6000000003")
    assert [first.slug, second.slug, third.slug] == [
        "hop-tac-xa-nong-nghiep-dak-lak", "hop-tac-xa-nong-nghiep-dak-lak-2", "hop-tac-xa-nong-nghiep-dak-lak-3",
    ]


@pytest.mark.parametrize("tax_code", ["6001234567", "6001234567-001", " 6001234567 "])
def test_ten_digit_and_branch_tax_codes_are_accepted(commune, tax_code):
    producer = _register(commune, tax_code=tax_code)
    producer.refresh_from_db()
    assert producer.tax_code == tax_code.strip()


@pytest.mark.parametrize("tax_code", ["600123456", "60012345678", "6001234567-01", "600123456A", "", "6001234567-"])
def test_malformed_tax_codes_are_refused_naming_the_field(commune, tax_code):
    with pytest.raises(ProducerError) as error:
        _register(commune, tax_code=tax_code)
    assert error.value.code == "invalid_tax_code"
    assert error.value.field == "tax_code"
    assert not Producer.objects.exists()


def test_a_duplicate_tax_code_is_refused_naming_the_field_and_the_holder(commune):
    _register(commune, name="Công ty TNHH Thảo Nguyên", legal_form="dn", tax_code="6001234567")
    with pytest.raises(ProducerError) as error:
        _register(commune, name="Another", tax_code="6001234567")
    assert error.value.code == "duplicate_tax_code"
    assert error.value.field == "tax_code"
    assert "Công ty TNHH Thảo Nguyên" in error.value.message
    assert Producer.objects.count() == 1


def test_the_model_validator_refuses_a_malformed_tax_code(commune):
    from django.core.exceptions import ValidationError

    producer = Producer(name="X", legal_form="htx", tax_code="12345", commune=commune, slug="x")
    with pytest.raises(ValidationError) as error:
        producer.full_clean()
    assert "tax_code" in error.value.message_dict


def test_a_legacy_commune_is_refused_as_the_current_commune(commune, legacy_commune):
    with pytest.raises(ProducerError) as error:
        _register(legacy_commune)
    assert (error.value.code, error.value.field) == ("commune_not_current", "commune")


def test_a_current_commune_is_refused_as_the_legacy_commune(commune):
    with pytest.raises(ProducerError) as error:
        _register(commune, legacy_commune=commune)
    assert (error.value.code, error.value.field) == ("legacy_commune_not_legacy", "legacy_commune")


def test_a_legacy_commune_is_kept_alongside_the_current_one(commune, legacy_commune):
    producer = _register(commune, legacy_commune=legacy_commune)
    producer.refresh_from_db()
    assert producer.legacy_commune == legacy_commune


def test_a_province_is_refused_as_a_commune(dak_lak):
    with pytest.raises(ProducerError) as error:
        _register(dak_lak)
    assert error.value.code == "commune_not_current"


def test_an_unknown_legal_form_is_refused(commune):
    with pytest.raises(ProducerError) as error:
        _register(commune, legal_form="llc")
    assert (error.value.code, error.value.field) == ("invalid_legal_form", "legal_form")


@pytest.mark.parametrize("legal_form", ["htx", "tht", "dn", "hkd", "trang_trai", "hiep_hoi"])
def test_every_ocop_legal_form_is_accepted(commune, legal_form):
    assert _register(commune, legal_form=legal_form).legal_form == legal_form


def test_a_location_is_normalised_and_swapped_coordinates_are_refused(commune):
    producer = _register(commune, location={"type": "Point", "coordinates": [108.05, 12.68]})
    producer.refresh_from_db()
    assert producer.location.srid == 4326 and producer.location.coords == (108.05, 12.68)
    with pytest.raises(GeometryError) as error:
        _register(commune, tax_code="6000000009", location={"type": "Point", "coordinates": [12.68, 108.05]})
    assert error.value.code == "swapped_coordinates"


def test_an_invalid_email_is_refused_naming_the_field(commune):
    with pytest.raises(ProducerError) as error:
        _register(commune, email="not-an-email")
    assert error.value.field == "email"


def test_renaming_updates_slug_and_search_name_and_keeps_the_tax_code_check(commune, producer):
    other = _register(commune, name="Công ty Cổ phần Ea Kar", legal_form="dn", tax_code="6009999999")
    updated = update_producer(producer=producer, name="HTX Dịch vụ Nông nghiệp Buôn Đôn")
    updated.refresh_from_db()
    assert updated.slug == "htx-dich-vu-nong-nghiep-buon-don"
    assert updated.search_name == "htx dich vu nong nghiep buon don"
    with pytest.raises(ProducerError) as error:
        update_producer(producer=producer, tax_code=other.tax_code)
    assert error.value.code == "duplicate_tax_code"
    producer.refresh_from_db()
    assert producer.tax_code == "6001234567"


def test_an_update_that_keeps_the_name_keeps_the_slug(producer):
    slug = producer.slug
    update_producer(producer=producer, phone="0262 3851 234", tax_code=producer.tax_code)
    producer.refresh_from_db()
    assert (producer.slug, producer.phone) == (slug, "0262 3851 234")


def test_an_unknown_field_is_refused_on_update(producer):
    with pytest.raises(ProducerError) as error:
        update_producer(producer=producer, slug="hand-made")
    assert error.value.code == "unknown_field"
