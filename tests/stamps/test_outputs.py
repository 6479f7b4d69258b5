import csv
import io
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import segno
import zxingcpp
from django.core.management import call_command
from PIL import Image

from apps.stamps import rendering
from apps.stamps.models import Stamp, StampRun, StampStatus
from apps.stamps.outputs import run_manifest, run_sheet
from tests.stamps.conftest import path_of


def decode_all(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_png_decodes_to_the_stamp_url_and_the_url_opens_the_page(client, stamp):
    png = rendering.png_bytes(rendering.stamp_url(stamp))
    [text] = decode_all(Image.open(io.BytesIO(png)))
    assert text == rendering.stamp_url(stamp)
    response = client.get(path_of(text))
    assert response.status_code == 200 and stamp.serial in response.content.decode()


def test_the_qr_uses_error_correction_m_or_higher(stamp):
    assert rendering.make_qr(rendering.stamp_url(stamp)).error == "M"
    assert rendering.make_qr(rendering.stamp_url(stamp), "H").error == "H"


def test_the_svg_is_a_scalable_qr_image(stamp):
    root = ET.fromstring(rendering.svg_bytes(rendering.stamp_url(stamp)))  # noqa: S314 — our own output
    assert root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}path") is not None


def test_every_code_on_a_pdf_page_decodes_and_opens_its_page(client, run, tmp_path):
    run_pdf = tmp_path / "sheet.pdf"
    run_pdf.write_bytes(b"".join(run_sheet(run)))
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-f", "1", "-l", "1", str(run_pdf),
                    str(tmp_path / "page")], check=True)
    [page_png] = sorted(tmp_path.glob("page*.png"))
    texts = decode_all(Image.open(page_png))
    expected = {rendering.url_prefix(gtin="8930000000019", lot_code="L2026-001") + serial
                for serial in Stamp.objects.filter(run=run).values_list("serial", flat=True)}
    assert set(texts) == expected  # all 20 fit on one A4 page at 25 mm
    text_layer = subprocess.run(["pdftotext", str(run_pdf), "-"], capture_output=True, text=True, check=True).stdout
    first = Stamp.objects.get(run=run, sequence=1)
    assert first.serial in text_layer  # the serial is printed under its code
    assert client.get(path_of(sorted(texts)[0])).status_code == 200


def test_a_large_run_streams_page_by_page(lot):
    from apps.stamps.services import issue_stamp_run

    run = issue_stamp_run(lot=lot, count=300, options={"stamp_size_mm": 20, "margin_mm": 8})
    chunks = run_sheet(run)
    header = next(chunks)
    assert header.startswith(b"%PDF-1.4")
    sizes = [len(chunk) for chunk in chunks]
    per_page = rendering.sheet_geometry(rendering.layout_options(run.options)).per_page
    pages = -(-300 // per_page)
    assert pages > 1
    assert max(sizes) < 200_000  # one page at a time, never the whole document


def test_the_manifest_lists_every_stamp_in_order(run):
    rows = list(csv.DictReader(io.StringIO("".join(run_manifest(run)))))
    assert [int(row["sequence"]) for row in rows] == list(range(1, 21))
    assert rows[0]["url"].endswith("/21/" + rows[0]["serial"]) and rows[0]["lot"] == "L2026-001"


def test_the_issue_stamps_command_writes_the_requested_outputs(lot, tmp_path):
    call_command("issue_stamps", "--lot", "L2026-001", "--count", "4", "--formats", "pdf,csv,png,svg",
                 "--out", str(tmp_path), stdout=io.StringIO())
    run = StampRun.objects.get(lot=lot)
    stem = f"stamps-run-{run.pk}"
    assert (tmp_path / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert len((tmp_path / f"{stem}.csv").read_text().splitlines()) == 5
    pngs = sorted((tmp_path / f"{stem}-png").glob("*.png"))
    assert len(pngs) == 4 and len(list((tmp_path / f"{stem}-svg").glob("*.svg"))) == 4
    first = Stamp.objects.get(run=run, sequence=1)
    assert decode_all(Image.open(pngs[0])) == [rendering.stamp_url(first)]


def test_officer_pages_are_for_staff_only(client, consumer_user, run):
    client.force_login(consumer_user)
    assert client.get("/stamps/officer/").status_code == 302
    assert client.get(f"/stamps/officer/runs/{run.pk}/sheet.pdf").status_code == 302


def test_an_officer_issues_a_run_and_changes_statuses_from_the_page(client, staff, lot):
    client.force_login(staff)
    response = client.post("/stamps/officer/", {"lot": lot.pk, "count": 12, "error_correction": "Q",
                                                "stamp_size_mm": 25, "margin_mm": 10, "gap_mm": 3})
    run = StampRun.objects.get(lot=lot)
    assert response.status_code == 302 and run.count == 12 and run.options["error_correction"] == "Q"
    response = client.post(f"/stamps/officer/runs/{run.pk}/", {"to_status": "active", "sequence_from": 1,
                                                               "sequence_to": 6})
    assert response.status_code == 302
    assert Stamp.objects.filter(run=run, status=StampStatus.ACTIVE).count() == 6
    response = client.post(f"/stamps/officer/runs/{run.pk}/", {"to_status": "revoked", "sequence_from": 1,
                                                               "sequence_to": 2, "reason": ""})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not Stamp.objects.filter(run=run, status=StampStatus.REVOKED).exists()
    sheet = client.get(f"/stamps/officer/runs/{run.pk}/sheet.pdf")
    assert b"".join(sheet.streaming_content).startswith(b"%PDF")


def test_the_api_issues_runs_changes_statuses_and_serves_images(client, staff, lot):
    client.force_login(staff)
    response = client.post("/api/v1/stamps/runs/", {"lot": lot.pk, "count": 10}, content_type="application/json")
    assert response.status_code == 201
    run_id = response.json()["id"]
    first, last = (Stamp.objects.get(run_id=run_id, sequence=number).serial for number in (2, 5))
    response = client.post(f"/api/v1/stamps/runs/{run_id}/status",
                           {"to_status": "void", "first_serial": first, "last_serial": last},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["changed"] == 4
    response = client.post(f"/api/v1/stamps/runs/{run_id}/status", {"to_status": "revoked", "serials": [first]},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    png = client.get(f"/api/v1/stamps/{first}.png")
    assert png["Content-Type"] == "image/png"
    assert decode_all(Image.open(io.BytesIO(png.content)))[0].endswith(first)
    assert client.get(f"/api/v1/stamps/{first}.svg")["Content-Type"] == "image/svg+xml"
    detail = client.get(f"/api/v1/stamps/runs/{run_id}/").json()
    assert detail["statuses"] == {"issued": 6, "void": 4}


def test_the_api_refuses_outsiders(client, consumer_user, lot):
    client.force_login(consumer_user)
    assert client.post("/api/v1/stamps/runs/", {"lot": lot.pk, "count": 10},
                       content_type="application/json").status_code == 403


def test_consumers_can_report_through_the_api(client, db):
    response = client.post("/api/v1/stamps/reports/", {"serial": "???", "message": "Không có tem"},
                           content_type="application/json")
    assert response.status_code == 201


def test_static_pdf_writer_is_a_valid_pdf(tmp_path):
    items = [rendering.SheetItem("0123456789ABCD", "https://x.example/s/0123456789ABCD")]
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(b"".join(rendering.pdf_sheet(items)))
    result = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert result.stderr == ""  # no "Syntax Error" or xref repair
    assert re.search(r"^Pages:\s+1$", result.stdout, re.M) and "(A4)" in result.stdout
    assert Path(pdf).stat().st_size > 500


def test_full_pages_are_encoded_in_worker_processes_and_give_the_same_codes(monkeypatch):
    from apps.stamps import qrcodes

    urls = [f"https://truyxuat.example.vn/s/{index:014d}" for index in range(30)]
    with qrcodes.MatrixPool("M", workers=2, min_batch=1) as pool:
        pooled = pool.submit(urls)()
        assert pool._pool is not None  # worker processes were used
    assert pool._pool is None  # and stopped
    assert pooled == [qrcodes.matrix(url) for url in urls]
    assert pooled[0] == tuple(bytes(row) for row in segno.make_qr(urls[0], error="m", boost_error=False).matrix)

    items = [rendering.SheetItem(f"{index:014d}", url) for index, url in enumerate(urls * 4)]  # several pages
    monkeypatch.setattr(qrcodes.os, "cpu_count", lambda: 1)
    serial_sheet = b"".join(rendering.pdf_sheet(items))
    monkeypatch.setattr(qrcodes.os, "cpu_count", lambda: 2)
    started = []
    executor = qrcodes.concurrent.futures.ProcessPoolExecutor
    monkeypatch.setattr(qrcodes.concurrent.futures, "ProcessPoolExecutor",
                        lambda **options: started.append(options) or executor(**options))
    assert b"".join(rendering.pdf_sheet(items)) == serial_sheet  # byte for byte
    assert len(started) == 1 and started[0]["max_workers"] == 2
