"""The quarterly report as a PDF (reportlab) and a spreadsheet (openpyxl), and a data-quality list as CSV.

All three render the plain structures of :mod:`apps.reports.selectors`; none of them queries the database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from apps.common.pdf import PdfFonts, vietnamese_fonts
from apps.common.text import spreadsheet_text
from apps.reports.selectors import COMMUNE, QualityList, QuarterlyReport, Section

_GREEN = colors.Color(0.106, 0.498, 0.231)
_HEADER_FILL = colors.Color(0.89, 0.95, 0.90)
_TOTAL_FILL = colors.Color(0.93, 0.93, 0.93)
_LABEL_WIDTHS = (16 * mm, 52 * mm, 30 * mm)  # unit code, unit name, crop
_MIN_VALUE_WIDTH = 16 * mm


def display_number(value: int | Decimal) -> str:
    """A figure as people read it in the active language (grouped thousands; two decimals for sums)."""
    decimals = 2 if isinstance(value, Decimal) else 0
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def period_label(report: QuarterlyReport) -> str:
    return _("%(start)s to %(end)s") % {"start": date_format(report.quarter.start, "SHORT_DATE_FORMAT"),
                                          "end": date_format(report.quarter.end, "SHORT_DATE_FORMAT")}


def grouping_label(report: QuarterlyReport) -> str:
    return _("by commune (2025)") if report.by == COMMUNE else _("by legacy district (before 1 July 2025)")


# --- PDF ---------------------------------------------------------------------------------------------------------


def _styles(fonts: PdfFonts) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=16, leading=20, textColor=_GREEN,
                                spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", fontName=fonts.regular, fontSize=9, leading=12),
        "heading": ParagraphStyle("heading", fontName=fonts.bold, fontSize=12, leading=15, textColor=_GREEN,
                                  spaceBefore=8, spaceAfter=4),
        "note": ParagraphStyle("note", fontName=fonts.regular, fontSize=7.5, leading=9.5,
                               textColor=colors.Color(0.3, 0.3, 0.3), spaceBefore=2),
        "cell": ParagraphStyle("cell", fontName=fonts.regular, fontSize=7.5, leading=9),
        "header": ParagraphStyle("header", fontName=fonts.bold, fontSize=7.5, leading=9),
        "total": ParagraphStyle("total", fontName=fonts.bold, fontSize=7.5, leading=9),
        "number": ParagraphStyle("number", fontName=fonts.regular, fontSize=7.5, leading=9, alignment=2),
        "total_number": ParagraphStyle("total_number", fontName=fonts.bold, fontSize=7.5, leading=9, alignment=2),
    }


def _paragraph(text: str, style: ParagraphStyle, fonts: PdfFonts) -> Paragraph:
    return Paragraph(escape(fonts.text(str(text))), style)


def _section_table(section: Section, fonts: PdfFonts, styles: dict, width: float) -> Flowable:
    labels = len(section.label_headers)
    label_widths = list(_LABEL_WIDTHS[:labels])
    value_count = max(len(section.value_headers), 1)
    value_width = max((width - sum(label_widths)) / value_count, _MIN_VALUE_WIDTH)
    header = [_paragraph(text, styles["header"], fonts) for text in section.headers]
    data = [header]
    for row in (*section.rows, *section.totals):
        label_style, number_style = (styles["total"], styles["total_number"]) if row.is_total else \
            (styles["cell"], styles["number"])
        data.append([_paragraph(text, label_style, fonts) for text in row.labels]
                    + [_paragraph(display_number(value), number_style, fonts) for value in row.values])
    table = Table(data, colWidths=[*label_widths, *[value_width] * len(section.value_headers)], repeatRows=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    first_total = 1 + len(section.rows)
    if section.totals:
        commands.append(("BACKGROUND", (0, first_total), (-1, -1), _TOTAL_FILL))
    table.setStyle(TableStyle(commands))
    return table


def quarterly_pdf(report: QuarterlyReport) -> bytes:
    """The report as an A4 landscape PDF: a heading, then one table per section with its total rows and note."""
    fonts = vietnamese_fonts()
    styles = _styles(fonts)
    buffer = io.BytesIO()
    page = landscape(A4)
    margin = 12 * mm
    document = SimpleDocTemplate(buffer, pagesize=page, leftMargin=margin, rightMargin=margin, topMargin=margin,
                                 bottomMargin=margin, title=fonts.text(report.title), author="gis-ocop",
                                 subject=fonts.text(report.province))
    width = page[0] - 2 * margin
    story: list[Flowable] = [
        _paragraph(report.title, styles["title"], fonts),
        _paragraph(f"{report.province} · {period_label(report)} · {grouping_label(report)}", styles["subtitle"],
                   fonts),
        _paragraph(_("Scope: %(scope)s") % {"scope": report.scope_label}, styles["subtitle"], fonts),
        _paragraph(_("Generated on %(moment)s") % {"moment": date_format(report.generated_at,
                                                                         "SHORT_DATETIME_FORMAT")},
                   styles["subtitle"], fonts),
        _paragraph(report.note, styles["note"], fonts),
    ]
    for section in report.sections:
        heading = _paragraph(section.title, styles["heading"], fonts)
        if section.rows or section.totals:
            story.append(KeepTogether([heading, _section_table(section, fonts, styles, width)]))
        else:
            story += [heading, _paragraph(_("No data for this quarter."), styles["subtitle"], fonts)]
        if section.note:
            story.append(_paragraph(section.note, styles["note"], fonts))
        story.append(Spacer(1, 3 * mm))
    document.build(story)
    return buffer.getvalue()


# --- spreadsheet ---------------------------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet title (at most 31 characters, none of []:*?/\\)."""
    base = _SHEET_FORBIDDEN.sub(" ", name).strip()[:31] or "Sheet"
    title, number = base, 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title, number = base[:31 - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def quarterly_xlsx(report: QuarterlyReport) -> bytes:
    """The report as an .xlsx workbook: one sheet per section, the header in row 1, figures stored as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = report.title
    workbook.properties.subject = f"{report.province} — {report.scope_label}"
    workbook.properties.creator = "gis-ocop"
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E3F2E6")
    total_fill = PatternFill("solid", fgColor="EDEDED")
    taken: set[str] = set()
    for section in report.sections:
        sheet = workbook.create_sheet(_sheet_title(section.sheet_name, taken))
        sheet.append(list(section.headers))
        for cell in sheet[1]:
            cell.font, cell.fill = bold, header_fill
        for row in (*section.rows, *section.totals):
            sheet.append([*row.labels, *row.values])
            excel_row = sheet.max_row
            for offset, value in enumerate(row.values, start=len(row.labels) + 1):
                if isinstance(value, Decimal):
                    sheet.cell(excel_row, offset).number_format = "#,##0.00"
            if row.is_total:
                for cell in sheet[excel_row]:
                    cell.font, cell.fill = bold, total_fill
        sheet.freeze_panes = "A2"
        for index, header in enumerate(section.headers, start=1):
            widest = max([len(str(header)), *(len(str(cell.value or "")) for cell in sheet[get_column_letter(index)])])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 48)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- CSV -----------------------------------------------------------------------------------------------------------


def quality_csv(quality_list: QualityList, absolute: Callable[[str], str]) -> str:
    """A data-quality list as CSV (with a byte-order mark for spreadsheet programs): its columns, plus the admin
    address of every linked record after its column. ``absolute`` turns a path into a full address."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    header: list[str] = []
    for index, title in enumerate(quality_list.headers):
        header.append(title)
        if index in quality_list.linked:
            header.append(_("%(column)s (admin page)") % {"column": title})
    writer.writerow(header)
    for row in quality_list.rows:
        line: list[object] = []
        for index, cell in enumerate(row):
            line.append(spreadsheet_text(cell.text))  # names typed by people: never computed as formulas
            if index in quality_list.linked:
                line.append(absolute(cell.url) if cell.url else "")
        writer.writerow(line)
    return buffer.getvalue()
