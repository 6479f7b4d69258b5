import pytest

from apps.products.gtin import (
    GtinError,
    gtin_check_digit,
    has_vietnamese_prefix,
    is_valid_gtin,
    to_gtin14,
    validate_gtin,
)


@pytest.mark.parametrize(("body", "digit"), [
    ("893456789012", 0),     # GTIN-13 with Vietnam's 893 prefix
    ("400638133393", 1),     # GS1's own GTIN-13 example 4006381333931
    ("9638507", 4),          # GTIN-8 96385074
    ("03600029145", 2),      # UPC-A / GTIN-12 036000291452
    ("1893456789012", 7),    # GTIN-14: indicator 1 + the GTIN-13 body above
])
def test_the_check_digit_follows_the_gs1_algorithm(body, digit):
    assert gtin_check_digit(body) == digit


@pytest.mark.parametrize("gtin", ["8934567890120", "4006381333931", "96385074", "036000291452", "18934567890127"])
def test_valid_gtins_of_every_length_are_accepted(gtin):
    assert validate_gtin(gtin) == gtin
    assert is_valid_gtin(gtin)


def test_a_wrong_check_digit_is_refused_with_the_expected_digit():
    with pytest.raises(GtinError) as error:
        validate_gtin("8934567890128")
    assert error.value.code == "invalid_gtin_check_digit"
    assert error.value.params["expected"] == 0
    assert "8934567890128" in error.value.message


@pytest.mark.parametrize(("value", "code"), [
    ("89345678901", "invalid_gtin_length"),
    ("123456789", "invalid_gtin_length"),
    ("89345678901AB", "invalid_gtin_characters"),
    ("８９３４５６７８９０１２０", "invalid_gtin_characters"),  # full-width digits are not GTIN digits
])
def test_wrong_lengths_and_characters_are_refused(value, code):
    with pytest.raises(GtinError) as error:
        validate_gtin(value)
    assert error.value.code == code
    assert not is_valid_gtin(value)


def test_spaces_and_dashes_are_ignored_and_gtin14_is_zero_padded():
    assert validate_gtin("893 4567 89012-0") == "8934567890120"
    assert to_gtin14("8934567890120") == "08934567890120"
    assert to_gtin14("96385074") == "00000096385074"
    assert to_gtin14("18934567890127") == "18934567890127"


def test_the_vietnamese_prefix_is_recognised_but_not_required():
    assert has_vietnamese_prefix("8934567890120")
    assert not has_vietnamese_prefix("4006381333931")
