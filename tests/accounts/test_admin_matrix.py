"""The permission matrix through the admin pages (the officers' page UI): role × kind × create/read/update/delete.

Allowed: the add / change / delete page opens (and the change page offers Save). Refused: the page answers 403,
or the record is not found for the user (redirect), and a refused POST leaves the database unchanged.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.conftest import ROLES
from tests.accounts.expectations import EXPECTED, KINDS

ADMIN_KINDS = [kind for kind in KINDS if kind != "stamp_run"]  # stamp runs have their own pages (test_pages.py)
# What the admin never allows, whoever asks: the logbook is append-only, recorded inspections are not rewritten.
NEVER_IN_ADMIN = {"trace_event": "UD", "inspection": "UD"}


def _expected(role: str, kind: str, side: str) -> str:
    letters = EXPECTED[role][kind][0 if side == "a" else 1]
    if role == "public":  # not staff: the admin is closed to the public
        return ""
    return "".join(letter for letter in letters if letter not in NEVER_IN_ADMIN.get(kind, ""))


def _url(record, view: str) -> str:
    meta = record._meta
    if view == "add":
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[record.pk])


def _snapshot(record) -> dict:
    model = type(record)
    row = model._default_manager.filter(pk=record.pk).values().first()
    return row


@pytest.mark.parametrize("kind", ADMIN_KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_follow_the_matrix(client, world, users, role, kind):
    client.force_login(users[role])
    model = type(world["a"].records[kind])
    before_count = model._default_manager.count()
    problems = []
    for side in ("a", "b"):
        record = world[side].records[kind]
        expected = _expected(role, kind, side)
        before = _snapshot(record)

        page = client.get(_url(record, "change"))
        readable = page.status_code == 200
        if readable != ("R" in expected):
            problems.append(f"{side}: read {'allowed' if readable else 'refused'} ({page.status_code})")
        savable = readable and 'name="_save"' in page.content.decode()
        if savable != ("U" in expected):
            problems.append(f"{side}: update {'offered' if savable else 'not offered'}")
        if "U" not in expected:
            refused = client.post(_url(record, "change"), {})
            if refused.status_code not in (302, 403):
                problems.append(f"{side}: refused update answered {refused.status_code}")

        delete_page = client.get(_url(record, "delete"))
        deletable = delete_page.status_code == 200
        if deletable != ("D" in expected):
            problems.append(f"{side}: delete {'allowed' if deletable else 'refused'} ({delete_page.status_code})")
        if "D" not in expected:
            client.post(_url(record, "delete"), {"post": "yes"})
        if _snapshot(record) != before:
            problems.append(f"{side}: the record changed")

    add_page = client.get(_url(world["a"].records[kind], "add"))
    can_add = add_page.status_code == 200
    if can_add != ("C" in _expected(role, kind, "a")):
        problems.append(f"create {'allowed' if can_add else 'refused'} ({add_page.status_code})")
    if not can_add:
        client.post(_url(world["a"].records[kind], "add"), {"name": "Không được tạo"})
    assert model._default_manager.count() == before_count
    assert problems == []
