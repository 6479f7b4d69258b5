"""GS1 Global Trade Item Numbers (GTIN-8, 12, 13, 14): check digit, validation, GTIN-14 form.

Pure functions, no database: the traceability resolver (GS1 Digital Link ``/01/{GTIN-14}``) reuses them.
Vietnam's GS1 prefix is 893; it is typical for OCOP products but not required (imported or foreign-coded
items carry other prefixes).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.common.errors import DomainError

GTIN_LENGTHS = (8, 12, 13, 14)
VIETNAM_PREFIX = "893"


class GtinError(DomainError):
    default_code = "invalid_gtin"


def gtin_check_digit(body: str) -> int:
    """Return the GS1 check digit for ``body`` (the GTIN's digits without its last, check digit).

    Weights 3 and 1 alternate from the rightmost digit of the body, so the same function serves every
    GTIN length (and SSCC/GLN bodies too).
    """
    if not body or not body.isascii() or not body.isdigit():
        raise GtinError("invalid_gtin_characters", _("A GTIN has digits only."), field="gtin")
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def validate_gtin(value: str, *, field_name: str = "gtin") -> str:
    """Return ``value`` as digits (spaces and dashes removed) if it is a valid GTIN, else raise :class:`GtinError`.

    Codes: ``invalid_gtin_characters``, ``invalid_gtin_length`` (not 8, 12, 13 or 14 digits),
    ``invalid_gtin_check_digit`` (the message gives the expected digit).
    """
    digits = "".join((value or "").split()).replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        raise GtinError("invalid_gtin_characters", _("GTIN: %(value)s must contain digits only.") % {"value": value},
                        field=field_name)
    if len(digits) not in GTIN_LENGTHS:
        raise GtinError(
            "invalid_gtin_length",
            _("GTIN: %(value)s has %(length)d digits; a GTIN has 8, 12, 13 or 14.")
            % {"value": digits, "length": len(digits)},
            field=field_name,
        )
    expected = gtin_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise GtinError(
            "invalid_gtin_check_digit",
            _("GTIN: the check digit of %(value)s is wrong (expected %(expected)d).")
            % {"value": digits, "expected": expected},
            field=field_name,
            expected=expected,
        )
    return digits


def is_valid_gtin(value: str) -> bool:
    try:
        validate_gtin(value)
    except GtinError:
        return False
    return True


def to_gtin14(value: str) -> str:
    """Return the 14-digit form of a valid GTIN (left-padded with zeros), as GS1 Digital Link expects."""
    return validate_gtin(value).zfill(14)


def has_vietnamese_prefix(value: str) -> bool:
    """Whether a valid GTIN carries GS1 Vietnam's 893 prefix (checked on its GTIN-13 part)."""
    return to_gtin14(value)[1:4] == VIETNAM_PREFIX
