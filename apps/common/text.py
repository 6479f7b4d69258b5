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
