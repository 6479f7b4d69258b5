"""The renderers without HTTP: the PDF font fallback, sheet titles, and the shared font helper."""

from __future__ import annotations

import subprocess

from apps.common.pdf import REGULAR_NAME, vietnamese_fonts
from apps.reports.renderers import _sheet_title, quarterly_pdf
from apps.reports.selectors import PROVINCE_WIDE, quarterly_report
from tests.reports.conftest import QUARTER, YEAR


def test_the_configured_truetype_font_carries_vietnamese(settings):
    fonts = vietnamese_fonts()
    assert fonts.has_vietnamese and fonts.regular == REGULAR_NAME
    assert fonts.text("Đắk Lắk") == "Đắk Lắk"


def test_without_a_readable_font_the_pdf_falls_back_to_helvetica_without_diacritics(settings, world, tmp_path):
    settings.OCOP_CERTIFICATE_FONT = str(tmp_path / "missing.ttf")
    fonts = vietnamese_fonts()
    assert (fonts.regular, fonts.has_vietnamese) == ("Helvetica", False)
    assert fonts.text("Báo cáo OCOP quý 3") == "Bao cao OCOP quy 3"
    path = tmp_path / "report.pdf"
    path.write_bytes(quarterly_pdf(quarterly_report(YEAR, QUARTER, "district", PROVINCE_WIDE)))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Bao cao OCOP quy 3/2026" in text


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    assert _sheet_title("Sản phẩm: 3/5 [sao]?", taken) == "Sản phẩm  3 5  sao"
    long = "Diện tích được cấp mã số vùng trồng theo cây trồng"
    first, second = _sheet_title(long, taken), _sheet_title(long, taken)
    assert len(first) == 31 and len(second) == 31 and first != second and second.endswith(" (2)")
