import pytest

from apps.stamps import serials
from apps.stamps.serials import SerialError


def test_new_serials_are_distinct_canonical_and_carry_a_valid_check_symbol():
    batch = serials.new_serials(5000)
    assert len(set(batch)) == 5000
    for serial in batch[:500]:
        assert len(serial) == serials.SERIAL_LENGTH
        assert serials.normalize(serial) == serial
        assert serial[-1] == serials.check_symbol(serials.body_value(serial))


def test_it_never_issues_check_symbols_outside_the_gs1_character_set():
    assert not any(serial[-1] in "~$" for serial in serials.new_serials(20000))


def test_encode_round_trips_and_uses_65_bits():
    value = (1 << 65) - 12345
    serial = serials.encode(value)
    assert serials.body_value(serial) == value
    with pytest.raises(ValueError):
        serials.encode(1 << 65)


def test_the_check_symbol_catches_every_single_symbol_typo_and_adjacent_swap():
    serial = serials.new_serials(1)[0]
    for position in range(serials.BODY_LENGTH):
        for symbol in serials.ALPHABET:
            if symbol == serial[position]:
                continue
            typo = serial[:position] + symbol + serial[position + 1:]
            with pytest.raises(SerialError) as caught:
                serials.normalize(typo)
            assert caught.value.code == "serial_check_failed"
    for position in range(serials.BODY_LENGTH - 1):
        if serial[position] != serial[position + 1]:
            swapped = serial[:position] + serial[position + 1] + serial[position] + serial[position + 2:]
            assert not serials.is_valid(swapped)


def test_reading_is_forgiving_about_case_dashes_and_look_alike_letters():
    serial = serials.encode(0x1_0000_0000_0000_0001)
    assert "0" in serial and "1" in serial
    typed = serial.lower().replace("0", "o", 1).replace("1", "l", 1)
    assert serials.normalize(typed[:5] + "-" + typed[5:]) == serial


@pytest.mark.parametrize("text", ["", "ABC", "0123456789ABCDEF", "0123456789ABU*", "0123456789AB!*"])
def test_malformed_serials_are_refused_with_a_stable_code(text):
    with pytest.raises(SerialError) as caught:
        serials.normalize(text)
    assert caught.value.code == "malformed_serial"
    assert caught.value.field == "serial"
