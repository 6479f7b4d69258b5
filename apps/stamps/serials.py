"""Stamp serials: 65 random bits in Crockford base32 (13 symbols) plus Crockford's mod-37 check symbol.

A serial reads like ``7ZQ2M4XK9D1TB*``: 13 body symbols from ``0-9A-Z`` without I, L, O and U, then one check
symbol from the same 32 plus ``* ~ $ = U``. The check symbol catches every single-symbol typo and every swap of
two adjacent symbols (37 is prime and does not divide 32). We never issue serials whose check symbol is ``~`` or
``$``: those two are outside the GS1 AI encodable character set 82 that AI (21) allows, and the serial must
travel inside a GS1 Digital Link. That costs 2/37 of the space, far less than one bit.

Reading is forgiving as Crockford intends (lower case, ``O`` for zero, ``I``/``L`` for one, dashes and spaces
ignored); writing is always the canonical upper-case form.
"""

from __future__ import annotations

import base64
import secrets

from django.utils.translation import gettext as _

from apps.common.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
BODY_LENGTH = 13
SERIAL_LENGTH = BODY_LENGTH + 1
RANDOM_BITS = 5 * BODY_LENGTH  # 65
_UNSAFE_CHECK_VALUES = frozenset({CHECK_ALPHABET.index("~"), CHECK_ALPHABET.index("$")})
_DECODE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})
_CHECK_DECODE = {symbol: index for index, symbol in enumerate(CHECK_ALPHABET)}
_CHECK_DECODE.update({"O": 0, "I": 1, "L": 1})
# RFC 4648 base32 uses the same 5-bit groups with another alphabet: translate instead of dividing.
_RFC4648_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


class SerialError(DomainError):
    default_code = "malformed_serial"


def check_symbol(value: int) -> str:
    """Return Crockford's mod-37 check symbol for the integer ``value``."""
    return CHECK_ALPHABET[value % 37]


def encode(value: int) -> str:
    """Return the canonical serial (13 symbols + check) of a 65-bit integer."""
    if not 0 <= value < 1 << RANDOM_BITS:
        raise ValueError("a serial body holds 65 bits")
    body = []
    remaining = value
    for _position in range(BODY_LENGTH):
        remaining, digit = divmod(remaining, 32)
        body.append(ALPHABET[digit])
    return "".join(reversed(body)) + check_symbol(value)


def body_value(serial: str) -> int:
    """Return the integer a canonical serial's body encodes."""
    value = 0
    for symbol in serial[:BODY_LENGTH]:
        value = value * 32 + _DECODE[symbol]
    return value


def new_serials(count: int) -> list[str]:
    """Return ``count`` fresh random serials (distinct among themselves; uniqueness in the database is the
    caller's job — the unique index has the last word).

    Draws 80 bits per serial from :mod:`secrets` and keeps the top 65; translating RFC 4648 base32 keeps this
    around a microsecond per serial.
    """
    serials: set[str] = set()
    while len(serials) < count:
        wanted = count - len(serials)
        raw = secrets.token_bytes(10 * wanted)
        text = base64.b32encode(raw).translate(_RFC4648_TO_CROCKFORD).decode("ascii")
        for index in range(wanted):
            value = int.from_bytes(raw[10 * index:10 * index + 10], "big") >> 15
            check = value % 37
            if check in _UNSAFE_CHECK_VALUES:
                continue
            serials.add(text[16 * index:16 * index + BODY_LENGTH] + CHECK_ALPHABET[check])
    return list(serials)


def normalize(text: str) -> str:
    """Return the canonical form of a typed or scanned serial, or raise :class:`SerialError`.

    Codes: ``malformed_serial`` (wrong length or a symbol outside the alphabet) and ``serial_check_failed``
    (the check symbol does not match: a typo or an invented code).
    """
    cleaned = "".join((text or "").split()).replace("-", "").upper()
    if len(cleaned) != SERIAL_LENGTH or not cleaned.isascii():
        raise SerialError("malformed_serial",
                          _("Serial: a stamp serial has %(length)d symbols.") % {"length": SERIAL_LENGTH},
                          field="serial")
    try:
        value = 0
        body = []
        for symbol in cleaned[:BODY_LENGTH]:
            digit = _DECODE[symbol]
            value = value * 32 + digit
            body.append(ALPHABET[digit])
        check = _CHECK_DECODE[cleaned[-1]]
    except KeyError as exc:
        raise SerialError("malformed_serial",
                          _("Serial: %(symbol)s is not a symbol a stamp serial uses.") % {"symbol": exc.args[0]},
                          field="serial") from exc
    if check != value % 37:
        raise SerialError("serial_check_failed",
                          _("Serial: the check symbol does not match — the code was mistyped or invented."),
                          field="serial")
    return "".join(body) + CHECK_ALPHABET[check]


def is_valid(text: str) -> bool:
    try:
        normalize(text)
    except SerialError:
        return False
    return True
