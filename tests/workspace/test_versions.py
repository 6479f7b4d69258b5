"""Every change of a zone is a version (who, when, what, why); any version can be viewed and restored."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.urls import reverse

from apps.zones.models import RawMaterialZone, ZoneVersion
from apps.zones.services import ZoneError, create_zone, restore_zone_version, update_zone
from tests.common.geo import BMT, square

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited_zone(office_client, post_json, draft):
    """A zone saved from the editor, then redrawn larger and renamed with a reason."""
    created = post_json(reverse("workspace:zone-create"), draft(square(*BMT, 300), name="Vùng A"),
                        as_client=office_client).json()
    zone = RawMaterialZone.objects.get(pk=created["zone"])
    response = post_json(reverse("workspace:zone-update", args=[zone.pk]),
                         draft(square(*BMT, 400), zone=zone.pk, name="Vùng A mở rộng",
                               comment="Đo lại bằng GPS"), as_client=office_client)
    assert response.status_code == 200, response.json()
    zone.refresh_from_db()
    return zone


def test_a_change_records_who_when_what_and_why_with_the_area_before_and_after(edited_zone, office):
    first, second = edited_zone.versions.order_by("number")

    assert (first.number, first.action, first.name) == (1, "created", "Vùng A")
    assert (second.number, second.action, second.changed_by, second.comment) == (
        2, "changed", office, "Đo lại bằng GPS")
    assert second.changes == {"name": {"before": "Vùng A", "after": "Vùng A mở rộng"}}
    assert second.is_geometry_changed is True
    assert abs(second.area_before_ha - Decimal("9")) < Decimal("0.05")
    assert abs(second.area_ha - Decimal("16")) < Decimal("0.08")
    assert second.recorded_at >= first.recorded_at


def test_the_history_page_shows_the_diff_the_reason_and_the_areas(office_client, edited_zone):
    page = office_client.get(reverse("workspace:zone-history", args=[edited_zone.pk])).content.decode()

    assert "Phiên bản 2" in page and "Phiên bản 1" in page
    assert "Đo lại bằng GPS" in page
    assert "Vùng A mở rộng" in page and "→ Vùng A mở rộng" in page
    assert "Khôi phục phiên bản này" in page


def test_an_earlier_version_can_be_fetched_for_the_map(office_client, edited_zone):
    feature = office_client.get(reverse("workspace:zone-version", args=[edited_zone.pk, 1])).json()

    shown = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
    assert shown.sym_difference(square(*BMT, 300)).area < square(*BMT, 300).area * 1e-6
    assert feature["properties"]["name"] == "Vùng A"


def test_restoring_a_version_is_a_new_version_and_loses_nothing(office_client, edited_zone, office):
    response = office_client.post(reverse("workspace:zone-restore", args=[edited_zone.pk, 1]),
                                  {"comment": "Bản đo GPS sai"})

    assert response.status_code == 302
    edited_zone.refresh_from_db()
    assert edited_zone.name == "Vùng A"
    assert edited_zone.geometry.sym_difference(square(*BMT, 300)).area < square(*BMT, 300).area * 1e-6
    assert abs(edited_zone.area_ha - Decimal("9")) < Decimal("0.05")
    numbers = list(edited_zone.versions.order_by("number").values_list("number", "action"))
    assert numbers == [(1, "created"), (2, "changed"), (3, "restored")]
    restored = edited_zone.versions.get(number=3)
    assert (restored.restored_from.number, restored.comment, restored.changed_by) == (1, "Bản đo GPS sai", office)
    assert restored.changes == {"name": {"before": "Vùng A mở rộng", "after": "Vùng A"}}
    # Version 2 is still there, and can itself be restored.
    restore_zone_version(version=edited_zone.versions.get(number=2), user=office)
    edited_zone.refresh_from_db()
    assert edited_zone.name == "Vùng A mở rộng"
    assert edited_zone.versions.count() == 4


def test_restoring_the_current_state_is_refused(edited_zone):
    with pytest.raises(ZoneError) as caught:
        restore_zone_version(version=edited_zone.versions.get(number=2))
    assert caught.value.code == "already_current"
    assert edited_zone.versions.count() == 2


def test_the_services_version_every_caller_and_skip_saves_that_change_nothing(coffee):
    zone = create_zone(name="Vùng B", kind="cultivation", crop=coffee, geometry=square(*BMT, 200))
    update_zone(zone=zone, name="Vùng B", geometry=square(*BMT, 200))  # the admin re-saves every field
    assert zone.versions.count() == 1

    update_zone(zone=zone, notes="Đất đỏ bazan", comment="Bổ sung ghi chú")
    latest = zone.versions.latest()
    assert (latest.number, latest.is_geometry_changed, latest.area_before_ha == latest.area_ha) == (2, False, True)
    assert latest.changes == {"notes": {"before": "", "after": "Đất đỏ bazan"}}


def test_a_refused_change_leaves_no_version(coffee, cocoa):
    zone = create_zone(name="Vùng C", kind="cultivation", crop=cocoa, geometry=square(*BMT, 200))
    with pytest.raises(ZoneError):
        update_zone(zone=zone, geometry=square(*BMT, 3500))  # implausible for cocoa
    assert ZoneVersion.objects.filter(zone=zone).count() == 1
