"""Every feature an import writes passes the accounts app's permission check, on both import paths."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.outlets.models import SalesPoint
from apps.producers.models import LegalForm, Producer
from apps.transfer.models import ImportStatus
from apps.transfer.services import create_import_job, run_import
from apps.zones.models import RawMaterialZone, ZoneVersion
from tests.transfer.conftest import account, communes_far_apart, feature, square_in, write_geojson

BOTH = pytest.mark.parametrize("both_paths", ["per_feature", "set_based"], indirect=True)


@pytest.fixture
def two_communes(db):
    return communes_far_apart(2)


@pytest.fixture
def officer(django_user_model, two_communes):
    """A commune officer of the first commune only."""
    return account(django_user_model, "can-bo-xa", "commune_officer", communes=[two_communes[0]])


def _zone(geometry, name: str, **properties) -> dict:
    return feature(geometry, name=name, crop="ca-phe", kind="cultivation", **properties)


def _producer(name: str, tax_code: str, commune) -> Producer:
    return Producer.objects.create(name=name, legal_form=LegalForm.COOPERATIVE, tax_code=tax_code, commune=commune,
                                   slug=tax_code, search_name=name.lower())


def _import(path, user, *, commit=True, kind="zones"):
    return run_import(job=create_import_job(kind=kind, file=path, user=user), commit=commit, user=user)


@BOTH
def test_a_commune_officer_cannot_import_a_zone_outside_its_communes(both_paths, tmp_path, coffee, officer,
                                                                     two_communes):
    home, elsewhere = two_communes
    path = write_geojson(tmp_path / "zones.geojson", [
        _zone(square_in(home), "Vùng trong xã"), _zone(square_in(elsewhere), "Vùng xã khác")])

    job = _import(path, officer)

    assert job.report["method"] == both_paths
    assert job.status == ImportStatus.REFUSED
    inside, outside = job.report["features"]
    assert inside["status"] == "valid"
    assert outside["status"] == "rejected"
    reason = outside["reasons"][0]
    assert reason["code"] == "forbidden" and reason["field"] == "geometry"
    assert "#2" in reason["message"] and "Vùng xã khác" in reason["message"]  # names the feature
    assert elsewhere.name in reason["message"] and home.name in reason["message"]  # where it is, where they may
    assert "ngoài các xã" in reason["message"]  # in Vietnamese, the default language
    assert not RawMaterialZone.objects.exists() and not ZoneVersion.objects.exists()


@BOTH
def test_a_commune_officer_imports_zones_of_its_own_communes(both_paths, tmp_path, coffee, officer, two_communes):
    home = two_communes[0]
    path = write_geojson(tmp_path / "zones.geojson", [
        _zone(square_in(home), "Vùng 1"), _zone(square_in(home, dx_m=1000), "Vùng 2")])

    job = _import(path, officer)

    assert job.status == ImportStatus.COMMITTED, job.report
    assert sorted(RawMaterialZone.objects.values_list("communes__code", flat=True)) == [home.code, home.code]
    assert set(ZoneVersion.objects.values_list("changed_by", flat=True)) == {officer.pk}


@BOTH
def test_a_commune_officer_cannot_name_a_producer_of_another_commune(both_paths, tmp_path, coffee, officer,
                                                                     two_communes):
    home, elsewhere = two_communes
    stranger = _producer("HTX Xã khác", "6009999999", elsewhere)
    path = write_geojson(tmp_path / "zones.geojson", [
        _zone(square_in(home), "Vùng của HTX xã khác", producers=stranger.tax_code)])

    job = _import(path, officer)

    reason = job.report["features"][0]["reasons"][0]
    assert (reason["code"], reason["field"]) == ("forbidden", "producers")
    assert "HTX Xã khác" in reason["message"]
    assert not RawMaterialZone.objects.exists()


@BOTH
def test_a_commune_officer_cannot_join_zones_to_a_growing_area_code(both_paths, tmp_path, coffee, officer,
                                                                    two_communes, issue_code):
    code = issue_code()
    path = write_geojson(tmp_path / "zones.geojson", [
        _zone(square_in(two_communes[0]), "Vùng vào mã", code=code.code)])

    job = _import(path, officer)

    reason = job.report["features"][0]["reasons"][0]
    assert reason["code"] == "forbidden" and code.code in reason["message"]
    assert not code.zones.exists()


@BOTH
def test_a_producer_imports_only_its_own_zones(both_paths, tmp_path, coffee, django_user_model, two_communes):
    home = two_communes[0]
    own = _producer("HTX Của tôi", "6001111111", home)
    other = _producer("HTX Người khác", "6002222222", home)
    user = account(django_user_model, "htx", "producer", producer=own)
    path = write_geojson(tmp_path / "zones.geojson", [
        _zone(square_in(home), "Vùng của tôi", producers=own.tax_code),
        _zone(square_in(home, dx_m=1000), "Vùng người khác", producers=other.tax_code),
        _zone(square_in(home, dx_m=2000), "Vùng không chủ"),
    ])

    job = _import(path, user)

    assert job.status == ImportStatus.REFUSED
    mine, theirs, nobodys = job.report["features"]
    assert mine["status"] == "valid"
    for entry, name in ((theirs, "Vùng người khác"), (nobodys, "Vùng không chủ")):
        assert entry["reasons"][0]["code"] == "forbidden"
        assert name in entry["reasons"][0]["message"] and "HTX Của tôi" in entry["reasons"][0]["message"]
    assert not RawMaterialZone.objects.exists()

    path = write_geojson(tmp_path / "own.geojson", [_zone(square_in(home), "Vùng của tôi", producers=own.tax_code)])
    job = _import(path, user)

    assert job.status == ImportStatus.COMMITTED
    assert list(RawMaterialZone.objects.values_list("producers__tax_code", "status")) == [(own.tax_code, "proposed")]


def test_a_commune_officer_cannot_import_a_sales_point_of_another_commune(tmp_path, officer, two_communes):
    home, elsewhere = two_communes
    path = write_geojson(tmp_path / "points.geojson", [
        feature(home.centroid, name="Điểm bán trong xã", kind="market_booth"),
        feature(elsewhere.centroid, name="Điểm bán xã khác", kind="market_booth")])

    job = _import(path, officer, kind="sales_points")

    assert [entry["status"] for entry in job.report["features"]] == ["valid", "rejected"]
    assert "Điểm bán xã khác" in job.report["features"][1]["reasons"][0]["message"]
    assert not SalesPoint.objects.exists()


def test_the_import_page_imports_as_the_signed_in_officer(client, settings, tmp_path, coffee, officer, two_communes):
    settings.OCOP_TRANSFER_RUN_INLINE = True
    path = write_geojson(tmp_path / "zones.geojson", [_zone(square_in(two_communes[1]), "Vùng xã khác")])
    client.force_login(officer)
    with path.open("rb") as handle:
        response = client.post(reverse("transfer:import-start"), {"kind": "zones", "file": handle})

    client.post(response["Location"], {"map-name": "name", "map-crop": "crop", "map-kind": "kind",
                                       "action": "dry_run"})

    page = client.get(response["Location"]).content.decode()
    assert "Vùng xã khác" in page and two_communes[1].name in page
    assert 'value="commit"' not in page  # a rejected feature: nothing to commit


def test_the_command_imports_within_the_scope_of_the_user_it_is_given(tmp_path, coffee, officer, two_communes):
    path = write_geojson(tmp_path / "zones.geojson", [_zone(square_in(two_communes[1]), "Vùng xã khác")])

    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_features", str(path), "--kind", "zones", "--commit", "--user", officer.username)
    assert not RawMaterialZone.objects.exists()

    call_command("import_features", str(path), "--kind", "zones", "--commit")  # the system: every right

    assert RawMaterialZone.objects.get().name == "Vùng xã khác"
