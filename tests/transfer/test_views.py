"""The import page (upload → check → commit), its progress and preview, exports and the EUDR download."""

import json

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


def test_the_report_shows_every_rejected_feature_even_past_the_row_limit(office_client, monkeypatch, tmp_path,
                                                                        coffee):
    from apps.transfer import views
    from tests.common.geo import BMT, square
    from tests.transfer.conftest import feature, write_geojson

    monkeypatch.setattr(views, "REPORT_LIMIT", 2)
    path = write_geojson(tmp_path / "four.geojson", [
        feature(square(*BMT, 200, dx_m=index * 1000)[0], name=f"Vùng {index}", kind="cultivation",
                crop="ca-phe" if index < 3 else "hoa-hong-xanh") for index in range(4)])
    with path.open("rb") as handle:
        response = office_client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})
    office_client.post(response["Location"], {"map-name": "name", "map-crop": "crop", "map-kind": "kind",
                                              "action": "dry_run"})

    page = office_client.get(response["Location"]).content.decode()

    assert "hoa-hong-xanh" in page  # feature 4's reason (unknown crop), beyond the first two rows
    assert "Vùng 0" in page and "Vùng 1" not in page
    assert "Hiển thị 2 trên 4 đối tượng" in page  # and the officer is told the table is cut
