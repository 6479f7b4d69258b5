"""The permission rules themselves (apps.accounts.permissions), role × kind × action, without HTTP."""

from __future__ import annotations

import pytest

from apps.accounts import permissions
from apps.accounts.permissions import PermissionDeniedError, authorize, can, scope_queryset
from tests.accounts.conftest import ROLES
from tests.accounts.expectations import EXPECTED, KINDS

LETTERS = {"C": "create", "R": "read", "U": "update", "D": "delete"}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_table_says_on_every_kind_of_record(world, users, role):
    user = users[role]
    wrong = []
    for kind in KINDS:
        for side_name, expected in zip(("a", "b"), EXPECTED[role][kind], strict=True):
            record = world[side_name].records[kind]
            for letter, action in LETTERS.items():
                if letter == "C":
                    allowed = can(user, "create", type(record), **_scope_of(record))
                else:
                    allowed = can(user, action, record)
                if allowed != (letter in expected):
                    wrong.append(f"{kind}/{side_name}/{action}: {'allowed' if allowed else 'refused'}")
    assert wrong == []


def _scope_of(record) -> dict:
    from apps.zones.models import RawMaterialZone

    kind, _path = permissions.kind_of(type(record))
    if isinstance(record, RawMaterialZone):
        return {"communes": list(record.communes.all()), "producer": list(record.producers.all())}
    producer = _owner(record)
    return {"producer": producer} if producer is not None else {}


def _owner(record):
    for path in ("producer", "operator", "product__producer", "lot__product__producer", "zones__producers"):
        value = record
        for name in path.split("__"):
            value = getattr(value, name, None)
            if value is None:
                break
            if hasattr(value, "all") and not hasattr(value, "pk"):
                value = value.first()
        if value is not None and value.__class__.__name__ == "Producer":
            return value
    if record.__class__.__name__ == "Producer":
        return record
    return None


def test_the_public_and_anonymous_visitors_see_only_published_records(world, users):
    from django.contrib.auth.models import AnonymousUser

    from apps.traceability.models import Lot
    from apps.zones.models import RawMaterialZone

    for user in (users["public"], AnonymousUser()):
        zones = set(scope_queryset(user, RawMaterialZone.objects.all()))
        assert zones == {world["a"].records["active_zone"], world["b"].records["active_zone"]}
        assert not scope_queryset(user, Lot.objects.all()).exists()


def test_a_commune_officer_sees_unpublished_records_of_its_communes_only(world, users):
    from apps.traceability.models import Lot
    from apps.zones.models import RawMaterialZone

    officer = users["commune_officer"]
    zones = set(scope_queryset(officer, RawMaterialZone.objects.all()))
    assert world["a"].records["zone"] in zones
    assert world["b"].records["zone"] not in zones  # proposed, in another commune
    assert world["b"].records["active_zone"] in zones  # published
    assert list(scope_queryset(officer, Lot.objects.all())) == [world["a"].records["lot"]]


def test_a_legacy_district_officer_reads_its_district_and_writes_nothing(world, users):
    from apps.traceability.models import Lot

    officer = users["legacy_district_officer"]
    assert list(scope_queryset(officer, Lot.objects.all())) == [world["a"].records["lot"]]
    for kind in KINDS:
        assert not can(officer, "update", world["a"].records[kind]), kind
        assert not can(officer, "create", type(world["a"].records[kind]), commune=world["a"].commune), kind


def test_scope_lists_keep_one_row_per_record_through_many_to_many_scopes(world, users):
    from apps.zones.models import GrowingAreaCode

    zone = world["a"].records["active_zone"]
    zone.communes.add(world["b"].commune)  # a zone straddling both communes
    codes = list(scope_queryset(users["commune_officer"], GrowingAreaCode.objects.all()))
    assert len(codes) == len(set(codes))


def test_a_refusal_is_a_coded_error_that_names_the_action_and_the_record_in_vietnamese(world, users):
    from django.utils import translation

    product = world["b"].records["product"]
    with translation.override("vi"), pytest.raises(PermissionDeniedError) as refused:
        authorize(users["commune_officer"], "update", product)
    assert refused.value.code == "forbidden"
    assert "sửa" in refused.value.message
    assert product.name in refused.value.message
    assert refused.value.as_dict()["code"] == "forbidden"


def test_an_inspector_changes_only_the_inspections_of_its_own_organisation(world, users):
    inspection = world["a"].records["inspection"]
    assert can(users["inspector"], "update", inspection)
    inspection.organisation = "Another body"
    inspection.save()
    assert not can(users["inspector"], "update", inspection)


def test_a_producer_edits_its_zone_only_while_it_is_proposed(world, users):
    producer = users["producer"]
    assert can(producer, "update", world["a"].records["zone"])
    assert not can(producer, "update", world["a"].records["active_zone"])
    assert not can(producer, "delete", world["a"].records["active_zone"])


def test_a_commune_officer_deletes_only_proposed_zones(world, users):
    assert can(users["commune_officer"], "delete", world["a"].records["zone"])
    assert not can(users["commune_officer"], "delete", world["a"].records["active_zone"])


def test_named_actions_follow_the_roles(world, users):
    product_a, lot_a, lot_b = world["a"].records["product"], world["a"].records["lot"], world["b"].records["lot"]
    assert can(users["council_member"], "evaluate", product_a)
    assert not can(users["commune_officer"], "evaluate", product_a)
    assert can(users["provincial_office"], "recognise", product_a)
    assert not can(users["council_member"], "recognise", product_a)
    assert can(users["commune_officer"], "propose", product_a)
    assert not can(users["commune_officer"], "propose", world["b"].records["product"])
    assert can(users["producer"], "issue_stamps", lot_a)
    assert not can(users["producer"], "issue_stamps", lot_b)
    assert can(users["inspector"], "inspect", lot_b)
    assert not can(users["producer"], "inspect", lot_a)


def test_other_apps_register_their_named_actions(world, users):
    permissions.register_action("test.approve_idea", "product", {"commune_officer": permissions.COMMUNES})
    try:
        assert can(users["commune_officer"], "test.approve_idea", world["a"].records["product"])
        assert not can(users["commune_officer"], "test.approve_idea", world["b"].records["product"])
        assert not can(users["producer"], "test.approve_idea", world["a"].records["product"])
        assert can(users["provincial_admin"], "test.approve_idea", world["b"].records["product"])
    finally:
        del permissions.RULES["commune_officer"]["product"]["test.approve_idea"]


def test_an_inactive_user_is_refused_everything(world, users):
    officer = users["provincial_office"]
    officer.is_active = False
    officer.save()
    assert not can(officer, "update", world["a"].records["product"])


def test_django_permission_checks_answer_from_roles(world, users):
    officer = users["commune_officer"]
    assert officer.has_perm("producers.change_producer")
    assert officer.has_perm("producers.change_producer", world["a"].records["producer"])
    assert not officer.has_perm("producers.change_producer", world["b"].records["producer"])
    assert not officer.has_perm("ratings.change_ocoprating")
    assert not users["council_member"].has_perm("traceability.view_lot")
    assert not officer.has_perm("accounts.change_officerprofile")
