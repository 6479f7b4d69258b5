"""The import page (upload → check → commit), its progress and preview, exports and the EUDR download."""

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import OfficerProfile, Role
from apps.transfer.models import ImportJob, ImportStatus
from apps.zones.models import RawMaterialZone


@pytest.fixture
def office_client(client, django_user_model, settings):
    settings.OCOP_TRANSFER_RUN_INLINE = True
    user = django_user_model.objects.create_user(username="ocop-office", password="a-long-password-42")
    OfficerProfile.objects.create(user=user, role=Role.PROVINCIAL_OFFICE)
    client.force_login(user)
    return client


@pytest.fixture
def public_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="visitor", password="a-long-password-42")
    OfficerProfile.objects.create(user=user, role=Role.PUBLIC)
    client.force_login(user)
    return client


def test_an_officer_uploads_checks_and_commits_a_file(office_client, zones_geojson):
    with zones_geojson.open("rb") as handle:
        response = office_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("transfer:import-job", args=[job.pk])
    page = office_client.get(response["Location"])
    assert "ten_vung" in page.content.decode()

    form = {"map-name": "ten_vung", "map-crop": "cay_trong", "map-kind": "loai"}
    office_client.post(reverse("transfer:import-job", args=[job.pk]), {**form, "action": "dry_run"})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and not RawMaterialZone.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        progress = office_client.get(reverse("transfer:import-progress", args=[job.pk])).json()
    assert (progress["done"], progress["total"], progress["percent"]) == (2, 2, 100)
    assert progress["summary"] == job.report["summary"] and progress["summary"]["valid"] == 2
    job_query = next(query["sql"] for query in queries.captured_queries if '"transfer_importjob"' in query["sql"])
    assert '"transfer_importjob"."report" ->' in job_query and '"transfer_importjob"."report",' not in job_query
    preview = office_client.get(reverse("transfer:import-preview", args=[job.pk])).json()
    assert [feature["properties"]["status"] for feature in preview["features"]] == ["valid", "valid"]
    assert 'value="commit"' in office_client.get(reverse("transfer:import-job", args=[job.pk])).content.decode()

    office_client.post(reverse("transfer:import-job", args=[job.pk]), {**form, "action": "commit"})

    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED
    assert RawMaterialZone.objects.count() == 2


def test_commit_is_refused_before_a_dry_run(office_client, zones_geojson):
    with zones_geojson.open("rb") as handle:
        office_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})
    job = ImportJob.objects.get()

    response = office_client.post(reverse("transfer:import-job", args=[job.pk]), {"action": "commit"})

    assert response.status_code == 400
    assert not RawMaterialZone.objects.exists()


def test_a_public_account_may_not_import(public_client, zones_geojson):
    with zones_geojson.open("rb") as handle:
        response = public_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_an_export_downloads_the_selected_layer(office_client, make_zone):
    make_zone(name="Vùng Ea Tu", side_m=300)

    response = office_client.get(reverse("transfer:export"), {"layer": "zones", "format": "geojson", "crop": "ca-phe",
                                                               "kind": "cultivation"})

    assert response.status_code == 200
    assert 'filename="zones.geojson"' in response["Content-Disposition"]
    assert [feature["properties"]["name"] for feature in json.loads(response.content)["features"]] == ["Vùng Ea Tu"]


def _checked_four(office_client, tmp_path) -> str:
    """Upload four zones (the last of an unknown crop, rejected) and check them; the job page's address."""
    from tests.common.geo import BMT, square
    from tests.transfer.conftest import feature, write_geojson

    path = write_geojson(tmp_path / "four.geojson", [
        feature(square(*BMT, 200, dx_m=index * 1000)[0], name=f"Vùng {index}", kind="cultivation",
                crop="ca-phe" if index < 3 else "hoa-hong-xanh") for index in range(4)])
    with path.open("rb") as handle:
        response = office_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})
    office_client.post(response["Location"], {"map-name": "name", "map-crop": "crop", "map-kind": "kind",
                                              "action": "dry_run"})
    return response["Location"]


def _rows(page: str) -> list[int]:
    """The features (their positions in the file) of the report's table."""
    return [int(index) for index in re.findall(r'<tr class="status-\w+"><td>(\d+)</td>', page)]


def test_the_report_opens_on_the_rejected_features(office_client, tmp_path, coffee):
    page = office_client.get(_checked_four(office_client, tmp_path)).content.decode()

    assert _rows(page) == [4]  # what stops the commit, first
    assert "Vùng 3" in page  # named as the file names it, though its values were refused
    assert "hoa-hong-xanh" in page and "bị từ chối" in page  # its reason, and its status in Vietnamese
    assert "bị từ chối (1)" in page and 'href="?show=all">tất cả (4)' in page  # the other filters, counted


def test_every_feature_of_the_report_can_be_reached_page_by_page(office_client, monkeypatch, tmp_path, coffee):
    from apps.transfer import views

    monkeypatch.setattr(views, "REPORT_PAGE_SIZE", 3)
    address = _checked_four(office_client, tmp_path)

    first = office_client.get(address, {"show": "all"}).content.decode()
    second = office_client.get(address, {"show": "all", "page": 2}).content.decode()

    assert _rows(first) == [1, 2, 3] and "Vùng 0" in first and "Trang 1 / 2" in first
    assert 'href="?show=all&amp;page=2" rel="next"' in first
    assert _rows(second) == [4] and "Trang 2 / 2" in second
    assert _rows(office_client.get(address, {"show": "repaired"}).content.decode()) == []


def test_the_whole_report_downloads_as_a_spreadsheet(office_client, tmp_path, coffee):
    address = _checked_four(office_client, tmp_path)
    job_pk = int(address.rstrip("/").rsplit("/", 1)[1])

    response = office_client.get(reverse("transfer:import-report", args=[job_pk]))

    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read the accents
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["#", "tên", "tình trạng", "lý do và ghi chú", "đã lưu với mã"]
    assert [row[:3] for row in rows[1:]] == [["1", "Vùng 0", "hợp lệ"], ["2", "Vùng 1", "hợp lệ"],
                                             ["3", "Vùng 2", "hợp lệ"], ["4", "Vùng 3", "bị từ chối"]]
    assert "hoa-hong-xanh" in rows[4][3]


def test_another_officers_report_is_not_downloaded(office_client, client, django_user_model, tmp_path, coffee):
    address = _checked_four(office_client, tmp_path)
    job_pk = int(address.rstrip("/").rsplit("/", 1)[1])
    other = django_user_model.objects.create_user(username="other-office", password="a-long-password-42")
    OfficerProfile.objects.create(user=other, role=Role.PROVINCIAL_OFFICE)
    client.force_login(other)

    response = client.get(reverse("transfer:import-report", args=[job_pk]))

    assert response.status_code == 403


def test_the_preview_maps_the_features_as_the_import_reads_them(office_client, monkeypatch, tmp_path, coffee):
    from django.contrib.gis.geos import LineString

    from apps.transfer import views
    from tests.common.geo import BMT, offset_point, square
    from tests.transfer.conftest import feature, write_geojson

    plot = square(*BMT, 200)[0]
    ring = list(square(*BMT, 200, dx_m=2000)[0].exterior_ring.coords)
    walk = LineString([*ring[:-1], offset_point(*BMT, dx_m=2003, dy_m=2).coords])  # ends 3-4 m from its start
    path = write_geojson(tmp_path / "three.geojson", [
        feature(plot, name="Lô A", kind="cultivation", crop="ca-phe"),
        {"type": "Feature", "properties": {"name": "Không hình"}, "geometry": None},
        feature(walk, name="Lô đi bộ", kind="cultivation", crop="ca-phe")])
    with path.open("rb") as handle:
        address = office_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})["Location"]
    job_pk = int(address.rstrip("/").rsplit("/", 1)[1])
    preview_url = reverse("transfer:import-preview", args=[job_pk])

    preview = office_client.get(preview_url).json()

    assert preview["type"] == "FeatureCollection"
    assert [(item["properties"]["index"], item["properties"]["name"], item["properties"]["status"],
             item["geometry"]["type"]) for item in preview["features"]] == [
        (1, "Lô A", "", "Polygon"), (3, "Lô đi bộ", "", "Polygon")]  # no geometry: not on the map; the walk closed
    assert preview["features"][0]["geometry"]["coordinates"] == [[list(point) for point in plot.exterior_ring.coords]]
    monkeypatch.setattr(views, "PREVIEW_LIMIT", 1)
    assert [item["properties"]["index"] for item in office_client.get(preview_url).json()["features"]] == [1]


def test_the_preview_is_not_read_again_while_the_job_is_unchanged(office_client, monkeypatch, zones_geojson):
    from apps.transfer import selectors

    with zones_geojson.open("rb") as handle:
        address = office_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})["Location"]
    job = ImportJob.objects.get()
    preview_url = reverse("transfer:import-preview", args=[job.pk])
    first = office_client.get(preview_url)
    assert first.status_code == 200 and "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    reads = []
    monkeypatch.setattr(selectors, "preview_geojson",
                        lambda *args: reads.append(args) or b'{"type":"FeatureCollection","features":[]}')
    monkeypatch.setattr("apps.transfer.views.preview_geojson", selectors.preview_geojson)

    again = office_client.get(preview_url, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304 and again["ETag"] == first["ETag"] and reads == []
    form = {"map-name": "ten_vung", "map-crop": "cay_trong", "map-kind": "loai", "action": "dry_run"}
    office_client.post(address, form)  # the run's statuses change what the map shows
    after_run = office_client.get(preview_url, headers={"if-none-match": first["ETag"]})
    assert after_run.status_code == 200 and after_run["ETag"] != first["ETag"] and len(reads) == 1


def test_a_job_not_yet_checked_has_no_report_to_download(office_client, zones_geojson):
    with zones_geojson.open("rb") as handle:
        office_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})

    response = office_client.get(reverse("transfer:import-report", args=[ImportJob.objects.get().pk]))

    assert response.status_code == 404


def test_names_from_the_file_are_not_computed_by_a_spreadsheet():
    from apps.transfer.selectors import report_csv

    job = ImportJob(report={"features": [{"index": 1, "name": "=HYPERLINK(\"http://x\",\"Lô A\")", "status": "valid",
                                          "reasons": [], "notes": ["-1 m"], "duplicate_of": None, "overlaps": []}]})

    rows = list(csv.reader(io.StringIO(report_csv(job).decode("utf-8-sig"))))

    assert rows[1][1] == "'=HYPERLINK(\"http://x\",\"Lô A\")" and rows[1][3] == "'-1 m"
