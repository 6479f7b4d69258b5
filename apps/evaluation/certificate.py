"""The OCOP certificate (giấy chứng nhận sản phẩm OCOP) as an A4 landscape PDF with a QR code to the product's
public page.

Vietnamese needs a TrueType font with its glyphs (see :mod:`apps.common.pdf`). Without one the text falls back to
Helvetica with diacritics removed, so a certificate is always produced.
"""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from apps.common.errors import DomainError
from apps.common.pdf import vietnamese_fonts
from apps.ratings.models import OcopRating, RatingStatus

MM = 72 / 25.4
_GREEN = Color(0.106, 0.498, 0.231)
_GOLD = Color(0.784, 0.588, 0.118)


class CertificateError(DomainError):
    default_code = "no_certificate"


def product_url(rating: OcopRating) -> str:
    """Absolute URL of the product's public page, the target of the certificate's QR code."""
    return settings.PUBLIC_BASE_URL + reverse("maps:product", kwargs={"slug": rating.product.slug})


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw ``text`` as a QR code (error correction M, 4-module quiet zone) with its lower-left corner at x, y."""
    qr = segno.make_qr(text, error="m")
    matrix = [list(row) for row in qr.matrix]
    modules = len(matrix) + 8
    module = size / modules
    canvas.setFillColor(black)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                canvas.rect(x + (start + 4) * module, y + size - (row_index + 5) * module, (column - start) * module,
                            module, stroke=0, fill=1)
            else:
                column += 1


def certificate_pdf(rating: OcopRating) -> bytes:
    """Render the certificate of a recognised rating; a revoked or unrecognised one has none (``no_certificate``)."""
    if rating.status != RatingStatus.RECOGNISED:
        raise CertificateError("no_certificate",
                               _("Certificate: only a recognised product has one (this rating is %(status)s).")
                               % {"status": rating.get_status_display().lower()})
    fonts = vietnamese_fonts()
    regular, bold, has_glyphs, text = fonts.regular, fonts.bold, fonts.has_vietnamese, fonts.text

    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    product = rating.product
    with translation.override(settings.LANGUAGE_CODE):
        canvas.setTitle(text(_("OCOP certificate — %(product)s") % {"product": product.name}))
        canvas.setStrokeColor(_GREEN)
        canvas.setLineWidth(3)
        canvas.rect(12 * MM, 12 * MM, width - 24 * MM, height - 24 * MM)
        canvas.setStrokeColor(_GOLD)
        canvas.setLineWidth(1)
        canvas.rect(15 * MM, 15 * MM, width - 30 * MM, height - 30 * MM)

        centre = width / 2 - 25 * MM
        canvas.setFillColor(black)
        canvas.setFont(bold, 12)
        canvas.drawCentredString(centre, height - 32 * MM, text(rating.issuing_authority or ""))
        canvas.setFillColor(_GREEN)
        canvas.setFont(bold, 24)
        canvas.drawCentredString(centre, height - 50 * MM, text(_("OCOP PRODUCT CERTIFICATE")))
        canvas.setFillColor(_GOLD)
        canvas.setFont(bold, 28)
        stars = "★" * rating.stars if has_glyphs else "*" * rating.stars
        canvas.drawCentredString(centre, height - 66 * MM, stars)
        canvas.setFillColor(black)
        canvas.setFont(bold, 20)
        canvas.drawCentredString(centre, height - 82 * MM, text(product.name))
        canvas.setFont(regular, 12)
        lines = [
            _("Producer: %(producer)s") % {"producer": product.producer.name},
            _("Address: %(address)s") % {"address": product.producer.address or product.producer.commune.name},
            _("Classification: %(category)s") % {"category": product.category.name},
            _("Score: %(total)s / 100 (%(stars)d stars) — criteria of %(set)s")
            % {"total": f"{rating.total:f}".rstrip("0").rstrip("."), "stars": rating.stars,
               "set": rating.criteria_set.decision},
            _("Decision No. %(number)s of %(date)s") % {"number": rating.decision_number,
                                                       "date": rating.decision_date.strftime("%d/%m/%Y")},
            _("Valid until: %(date)s") % {"date": rating.valid_until.strftime("%d/%m/%Y")},
        ]
        y = height - 98 * MM
        for line in lines:
            canvas.drawCentredString(centre, y, text(str(line)))
            y -= 8 * MM

        url = product_url(rating)
        qr_size = 50 * MM
        qr_x, qr_y = width - 30 * MM - qr_size, 28 * MM
        _draw_qr(canvas, url, qr_x, qr_y, qr_size)
        canvas.setFont(regular, 7)
        canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 4 * MM, url)
        canvas.drawCentredString(qr_x + qr_size / 2, qr_y + qr_size + 2 * MM,
                                 text(_("Scan to see the product and its certificate")))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
