import datetime
import subprocess
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from apps.evaluation import services
from apps.evaluation.certificate import CertificateError, certificate_pdf, product_url


def _pdf_file(tmp_path, pdf: bytes):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return path


def test_the_certificate_shows_the_decision_product_and_validity(recognised, tmp_path):
    recognised.refresh_from_db()
    path = _pdf_file(tmp_path, certificate_pdf(recognised.rating))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "215/QĐ-UBND" in text
    assert "Cà phê rang xay Ea Tu" in text  # Vietnamese glyphs survive
    assert "20/03/2029" in text and "78" in text


def test_the_certificate_qr_decodes_to_the_products_public_page(recognised, tmp_path, client):
    recognised.refresh_from_db()
    path = _pdf_file(tmp_path, certificate_pdf(recognised.rating))
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    [page] = sorted(tmp_path.glob("page*.png"))
    texts = [result.text for result in zxingcpp.read_barcodes(Image.open(page))
             if result.format == zxingcpp.BarcodeFormat.QRCode]
    assert texts == [product_url(recognised.rating)]
    assert urlsplit(texts[0]).path == f"/places/products/{recognised.product.slug}/"
    response = client.get(urlsplit(texts[0]).path)
    assert response.status_code == 200 and "Cà phê rang xay Ea Tu" in response.content.decode()


def test_a_revoked_rating_has_no_certificate(recognised, office_actor):
    services.revoke_recognition(actor=office_actor, candidacy=recognised, reason="Vi phạm",
                                revoked_on=datetime.date(2026, 6, 1))
    recognised.rating.refresh_from_db()
    with pytest.raises(CertificateError) as caught:
        certificate_pdf(recognised.rating)
    assert caught.value.code == "no_certificate"
