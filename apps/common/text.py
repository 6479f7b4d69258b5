"""Text helpers for Vietnamese names."""

from __future__ import annotations

import re

from django.utils.text import slugify
from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Return ``text`` lower-cased without diacritics ("Buôn Ma Thuột" -> "buon ma thuot").

    Handles đ/Đ, which Unicode decomposition alone does not strip.
    """
    return _SPACES.sub(" ", unidecode(text or "")).strip().lower()


def vietnamese_slug(text: str) -> str:
    """Return an ASCII slug for a Vietnamese name ("Cà phê Buôn Ma Thuột" -> "ca-phe-buon-ma-thuot")."""
    return slugify(unidecode(text or ""))


# What a spreadsheet program reads as the start of a formula (or of a cell it would re-parse) in a cell of text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """``value`` made safe for a cell of a CSV or workbook a person opens: text starting like a formula gets a
    leading apostrophe, so that the program shows it as written instead of computing it (CSV/formula injection).
    Other values are returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
