"""Text helpers: cells of text that spreadsheets must not compute."""

from decimal import Decimal

import pytest

from apps.common.text import spreadsheet_text


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_compute_is_kept_as_written(text):
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize("value", ["Vùng cà phê Ea Tu", "2025-09-01", "", "a=b", 12, Decimal("-1.5"), None])
def test_other_values_are_left_alone(value):
    assert spreadsheet_text(value) == value
