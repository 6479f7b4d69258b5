"""Stamp outputs: the stamp URL, QR images (PNG, SVG), the streamed A4 PDF sheet and the CSV manifest.

The PDF sheet is written by a small PDF writer of our own so that it streams: each page is emitted as soon as it
is drawn and only the byte offsets of the objects stay in memory, so 10,000 or 1,000,000 stamps take the same
memory. QR modules are drawn as vector rectangles (one per run of dark modules), text in the standard Helvetica
font (reportlab's font metrics centre the serial under its code). Codes are segno's (:mod:`apps.stamps.qrcodes`,
which encodes a sheet's full pages in worker processes).
"""

from __future__ import annotations

import csv
import functools
import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from apps.common.errors import DomainError
from apps.products.gtin import GtinError, to_gtin14
from apps.stamps.qrcodes import MatrixPool, make_qr

MM = 72 / 25.4
ERROR_LEVELS = ("M", "Q", "H")  # L is not offered: printed stamps get scratched
QUIET_ZONE_MODULES = 4
DEFAULT_OPTIONS = {"error_correction": "M", "stamp_size_mm": 25.0, "margin_mm": 10.0, "gap_mm": 3.0,
                   "label_pt": 6.5}
_OPTION_LIMITS = {"stamp_size_mm": (12.0, 90.0), "margin_mm": (5.0, 40.0), "gap_mm": (0.0, 20.0),
                  "label_pt": (4.0, 12.0)}


class StampOptionsError(DomainError):
    default_code = "invalid_print_options"


def layout_options(options: dict | None) -> dict:
    """Return complete, validated print options; raise :class:`StampOptionsError` naming the bad option."""
    merged = dict(DEFAULT_OPTIONS)
    for key, value in (options or {}).items():
        if key not in DEFAULT_OPTIONS:
            raise StampOptionsError("unknown_option", _("Print options: %(name)s is not an option.") % {"name": key},
                                    field=key)
        merged[key] = value
    level = str(merged["error_correction"]).upper()
    if level not in ERROR_LEVELS:
        raise StampOptionsError("invalid_error_correction",
                                _("Error correction: use M, Q or H (a printed stamp needs at least M)."),
                                field="error_correction")
    merged["error_correction"] = level
    for key, (low, high) in _OPTION_LIMITS.items():
        try:
            number = float(merged[key])
        except (TypeError, ValueError) as exc:
            raise StampOptionsError("invalid_option", _("%(name)s must be a number.") % {"name": key},
                                    field=key) from exc
        if not low <= number <= high:
            raise StampOptionsError(
                "option_out_of_range",
                _("%(name)s must be between %(low)s and %(high)s.") % {"name": key, "low": low, "high": high},
                field=key,
            )
        merged[key] = number
    usable_width = A4[0] - 2 * merged["margin_mm"] * MM
    if merged["stamp_size_mm"] * MM > usable_width:
        raise StampOptionsError("stamp_too_large", _("Stamp size: the stamp does not fit between the margins."),
                                field="stamp_size_mm")
    return merged


def url_prefix(*, gtin: str, lot_code: str) -> str:
    """The part of every stamp URL of a lot before the serial.

    GS1 Digital Link ``/01/{GTIN-14}/10/{lot}/21/`` when the product has a valid GTIN, else ``/s/``.
    """
    return _url_prefix(settings.PUBLIC_BASE_URL, gtin, lot_code)


@functools.lru_cache(maxsize=1024)  # every resolve asks for it; lots are few
def _url_prefix(base: str, gtin: str, lot_code: str) -> str:
    if gtin:
        try:
            return f"{base}/01/{to_gtin14(gtin)}/10/{quote(lot_code, safe='')}/21/"
        except GtinError:
            pass  # a product saved with a broken GTIN still gets working stamps
    return f"{base}/s/"


def stamp_url(stamp) -> str:
    """The URL a stamp's QR code carries."""
    return lot_stamp_url(stamp.lot, stamp.serial)


def lot_stamp_url(lot, serial: str) -> str:
    """The URL of the stamp ``serial`` of ``lot`` (its product loaded)."""
    return url_prefix(gtin=lot.product.gtin, lot_code=lot.code) + serial


def png_bytes(url: str, *, error_correction: str = "M", scale: int = 8) -> bytes:
    """A PNG of the stamp's QR code, ``scale`` pixels per module, with the 4-module quiet zone."""
    buffer = io.BytesIO()
    make_qr(url, error_correction).save(buffer, kind="png", scale=scale, border=QUIET_ZONE_MODULES)
    return buffer.getvalue()


def svg_bytes(url: str, *, error_correction: str = "M") -> bytes:
    """An SVG of the stamp's QR code (1 unit per module, scalable), with the quiet zone."""
    buffer = io.BytesIO()
    make_qr(url, error_correction).save(buffer, kind="svg", border=QUIET_ZONE_MODULES, xmldecl=False,
                                        svgns=True, unit=None)
    return buffer.getvalue()


@dataclass(frozen=True)
class SheetItem:
    serial: str
    url: str


@dataclass(frozen=True)
class SheetGeometry:
    columns: int
    rows: int
    cell_width: float
    cell_height: float
    gap: float
    left: float
    top: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


def sheet_geometry(options: dict) -> SheetGeometry:
    """How many stamps fit on an A4 page and where the grid starts (points, PDF origin bottom-left)."""
    width, height = A4
    margin = options["margin_mm"] * MM
    gap = options["gap_mm"] * MM
    cell_width = options["stamp_size_mm"] * MM
    cell_height = cell_width + options["label_pt"] * 1.8
    columns = max(1, int((width - 2 * margin + gap) // (cell_width + gap)))
    rows = max(1, int((height - 2 * margin + gap) // (cell_height + gap)))
    grid_width = columns * cell_width + (columns - 1) * gap
    grid_height = rows * cell_height + (rows - 1) * gap
    # Centre the grid so both side margins are equal (print shops align on the marks, not on the edge).
    return SheetGeometry(columns, rows, cell_width, cell_height, gap, left=(width - grid_width) / 2,
                         top=height - (height - grid_height) / 2)


def _qr_operators(matrix, x: float, y_top: float, module: float) -> list[str]:
    """PDF rectangle operators for the dark modules of ``matrix`` (one rectangle per horizontal run)."""
    parts = []
    for row_index, row in enumerate(matrix):
        y = y_top - (row_index + 1) * module
        column = 0
        size = len(row)
        while column < size:
            if row[column]:
                start = column
                while column < size and row[column]:
                    column += 1
                parts.append(f"{x + start * module:.2f} {y:.2f} {(column - start) * module:.2f} {module:.2f} re")
            else:
                column += 1
    return parts


def _cut_marks(geometry: SheetGeometry) -> list[str]:
    """Short guillotine marks in the page margin at every column and row edge of the grid."""
    width, height = A4
    length = 4 * MM
    offset = 1.5 * MM
    xs, ys = [], []
    for column in range(geometry.columns):
        left = geometry.left + column * (geometry.cell_width + geometry.gap)
        xs += [left, left + geometry.cell_width]
    for row in range(geometry.rows):
        top = geometry.top - row * (geometry.cell_height + geometry.gap)
        ys += [top, top - geometry.cell_height]
    bottom = geometry.top - geometry.rows * geometry.cell_height - (geometry.rows - 1) * geometry.gap
    right = geometry.left + geometry.columns * geometry.cell_width + (geometry.columns - 1) * geometry.gap
    parts = ["0.25 w 0 G"]
    top, left = geometry.top, geometry.left
    for x in sorted(set(xs)):
        parts.append(f"{x:.2f} {top + offset:.2f} m {x:.2f} {min(top + offset + length, height):.2f} l S")
        parts.append(f"{x:.2f} {bottom - offset:.2f} m {x:.2f} {max(bottom - offset - length, 0):.2f} l S")
    for y in sorted(set(ys)):
        parts.append(f"{left - offset:.2f} {y:.2f} m {max(left - offset - length, 0):.2f} {y:.2f} l S")
        parts.append(f"{right + offset:.2f} {y:.2f} m {min(right + offset + length, width):.2f} {y:.2f} l S")
    return parts


def _page_content(items: list[SheetItem], matrices: list[tuple[bytes, ...]], geometry: SheetGeometry,
                  options: dict) -> bytes:
    parts = _cut_marks(geometry)
    parts.append("0 g")
    label = options["label_pt"]
    texts = []
    for index, (item, matrix) in enumerate(zip(items, matrices, strict=True)):
        row, column = divmod(index, geometry.columns)
        x = geometry.left + column * (geometry.cell_width + geometry.gap)
        y_top = geometry.top - row * (geometry.cell_height + geometry.gap)
        module = geometry.cell_width / (len(matrix) + 2 * QUIET_ZONE_MODULES)
        parts += _qr_operators(matrix, x + QUIET_ZONE_MODULES * module, y_top - QUIET_ZONE_MODULES * module, module)
        text_x = x + (geometry.cell_width - stringWidth(item.serial, "Helvetica", label)) / 2
        text_y = y_top - geometry.cell_width - label * 0.9
        texts.append(f"BT /F1 {label:.1f} Tf {text_x:.2f} {text_y:.2f} Td ({item.serial}) Tj ET")
    parts.append("f")
    parts += texts
    return zlib.compress("\n".join(parts).encode("ascii"), 6)


def pdf_sheet(items: Iterable[SheetItem], options: dict | None = None) -> Iterator[bytes]:
    """Yield a print-ready A4 PDF of the stamps in ``items``, page by page (a streaming generator).

    Each stamp is a square QR code with its quiet zone, the serial printed under it; cut marks sit in the margin
    at every grid edge. Memory stays flat whatever the number of stamps: one page is drawn while the codes of the
    next are encoded (in worker processes for full pages, :class:`~apps.stamps.qrcodes.MatrixPool`).
    """
    options = layout_options(options)
    geometry = sheet_geometry(options)
    offsets: list[int] = []
    page_ids: list[int] = []
    written = 0

    def emit(obj_id: int, body: bytes) -> bytes:
        nonlocal written
        while len(offsets) < obj_id:
            offsets.append(0)
        offsets[obj_id - 1] = written
        chunk = f"{obj_id} 0 obj\n".encode() + body + b"\nendobj\n"
        written += len(chunk)
        return chunk

    header = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    written = len(header)
    yield header
    # 1 catalog, 2 page tree (written last, once the pages are known), 3 font; pages from 4 on.
    yield emit(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    yield emit(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    next_id = 4

    def flush(page: list[SheetItem], matrices: list[tuple[bytes, ...]]) -> Iterator[bytes]:
        nonlocal next_id
        content = _page_content(page, matrices, geometry, options)
        content_id, page_id = next_id, next_id + 1
        next_id += 2
        yield emit(content_id, f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode()
                   + content + b"\nendstream")
        yield emit(page_id, (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4[0]:.2f} {A4[1]:.2f}] "
                             f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>").encode())
        page_ids.append(page_id)

    with MatrixPool(options["error_correction"]) as pool:
        waiting = None  # (page, its matrices when asked): encoded while the page before it is drawn
        for page in _pages(items, geometry.per_page):
            started = (page, pool.submit([item.url for item in page]))
            if waiting is not None:
                yield from flush(waiting[0], waiting[1]())
            waiting = started
        page, matrices = waiting or ([], list)  # no stamps: one empty page
        yield from flush(page, matrices())
    kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)
    yield emit(2, f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode())
    xref_at = written
    lines = [f"xref\n0 {len(offsets) + 1}\n", "0000000000 65535 f \n"]
    lines += [f"{offset:010d} 00000 n \n" for offset in offsets]
    lines.append(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n")
    yield "".join(lines).encode("ascii")


def _pages(items: Iterable[SheetItem], size: int) -> Iterator[list[SheetItem]]:
    page: list[SheetItem] = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


MANIFEST_HEADER = ["sequence", "serial", "url", "status", "lot", "gtin", "run"]


def manifest_csv(rows: Iterable[dict]) -> Iterator[str]:
    """Yield the print shop's CSV manifest line by line (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANIFEST_HEADER)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([row[column] for column in MANIFEST_HEADER])
        yield buffer.getvalue()
