"""TrueType fonts with Vietnamese glyphs for PDFs drawn with reportlab (certificates, reports).

The fonts come from settings ``OCOP_CERTIFICATE_FONT`` / ``OCOP_CERTIFICATE_BOLD_FONT`` (DejaVu Sans by default; on
Debian the package fonts-dejavu-core). Without a readable regular font the PDF falls back to Helvetica, which has
no Vietnamese glyphs: :meth:`PdfFonts.text` then removes the diacritics, so a PDF is always produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from unidecode import unidecode

REGULAR_NAME = "OcopSans"
BOLD_NAME = "OcopSans-Bold"


@dataclass(frozen=True)
class PdfFonts:
    """The registered font names, and whether they carry Vietnamese glyphs."""

    regular: str
    bold: str
    has_vietnamese: bool

    def text(self, value: str) -> str:
        """``value`` as it can be drawn with these fonts (diacritics removed when the fonts lack them)."""
        return value if self.has_vietnamese else unidecode(value)


def vietnamese_fonts() -> PdfFonts:
    """Register the configured TrueType fonts once and return their names (Helvetica when none is readable)."""
    regular_path = Path(settings.OCOP_CERTIFICATE_FONT or "")
    bold_setting = settings.OCOP_CERTIFICATE_BOLD_FONT
    bold_path = Path(bold_setting) if bold_setting else None
    if not regular_path.is_file():
        return PdfFonts("Helvetica", "Helvetica-Bold", False)
    if REGULAR_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR_NAME, str(regular_path)))
        bold = bold_path if bold_path is not None and bold_path.is_file() else regular_path
        pdfmetrics.registerFont(TTFont(BOLD_NAME, str(bold)))
    return PdfFonts(REGULAR_NAME, BOLD_NAME, True)
