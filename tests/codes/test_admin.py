import pytest

from apps.codes.models import CodeFormat
from tests.common.admin import add_url, changelist_url, form_errors

pytestmark = pytest.mark.django_db

VALID = {"kind": "packing_export", "pattern": r"^VN-(?P<letters>[A-Z]{2})PH-(?P<sequence>\d{5})$",
         "template": "VN-{letters}PH-{sequence:05d}", "example": "VN-DLPH-00001", "basis": "",
         "valid_from": "2031-01-01"}


def test_the_admin_saves_a_checked_format(admin_client):
    response = admin_client.post(add_url(CodeFormat), VALID)
    assert response.status_code == 302
    assert CodeFormat.objects.filter(kind="packing_export", example="VN-DLPH-00001").exists()


def test_the_admin_shows_a_format_error_on_the_field(admin_client):
    response = admin_client.post(add_url(CodeFormat), {**VALID, "example": "VN-DLPH-1"})
    assert response.status_code == 200
    assert "example" in form_errors(response)
    assert not CodeFormat.objects.filter(valid_from="2031-01-01").exists()


def test_the_admin_lists_formats_by_kind(admin_client):
    response = admin_client.get(changelist_url(CodeFormat), {"kind": "growing_area_export"})
    assert response.status_code == 200
    assert "VN-DLOR-0017" in response.content.decode()
