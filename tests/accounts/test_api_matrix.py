"""The permission matrix through the record API (/api/v1/records/…): role × kind × create/read/update/delete.

Allowed: 200/201/204 (a delete of a record others depend on is 400 ``in_use``: the permission was granted, the
data refused it). Refused: 401 (anonymous), 403 ``forbidden`` or 404 (the user may not even see the record), and
the database is unchanged.
"""

from __future__ import annotations

import itertools

import pytest
from rest_framework.test import APIClient

from tests.accounts.conftest import ROLES
from tests.accounts.expectations import EXPECTED

API_KINDS = {"producer": "producers", "product": "products", "zone": "zones", "sales_point": "sales-points",
             "lot": "lots"}
_serial = itertools.count(1)


def _geojson(geometry) -> dict:
    import json

    return json.loads(geometry.geojson)


def _create_payload(kind: str, side) -> dict:
    from tests.accounts.conftest import near, square_at

    records, number = side.records, next(_serial)
    if kind == "producer":
        return {"name": f"HTX mới {number}", "legal_form": "htx", "tax_code": f"61{number:08d}",
                "commune": side.commune.code}
    if kind == "product":
        return {"name": f"Sản phẩm mới {number}", "category": records["product"].category_id,
                "producer": records["producer"].tax_code}
    if kind == "zone":
        return {"name": f"Vùng mới {number}", "kind": "cultivation", "crop": records["zone"].crop.slug,
                "geometry": _geojson(square_at(side.commune, dx=-0.01)), "producers": [records["producer"].tax_code]}
    if kind == "sales_point":
        return {"name": f"Điểm bán mới {number}", "kind": "market_booth",
                "location": _geojson(near(side.commune, dx=0.001)), "operator": records["producer"].tax_code}
    return {"product": records["product"].pk, "code": f"NEW{number}", "production_date": "2025-09-02"}


def _update_payload(kind: str) -> dict:
    return {"unit": "kg"} if kind == "lot" else {"name": "Tên đã sửa"}


def _client(users, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(users[role])
    return client


def _row(record) -> dict:
    return type(record)._default_manager.filter(pk=record.pk).values().first()


@pytest.mark.parametrize("kind", list(API_KINDS))
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_record_api_follows_the_matrix(world, users, role, kind):
    client = _client(users, role)
    base = f"/api/v1/records/{API_KINDS[kind]}/"
    model = type(world["a"].records[kind])
    problems = []
    for side_name in ("a", "b"):
        side = world[side_name]
        record = side.records[kind]
        expected = EXPECTED["public" if role == "anonymous" else role][kind][0 if side_name == "a" else 1]
        before, count = _row(record), model._default_manager.count()

        read = client.get(f"{base}{record.pk}/")
        if (read.status_code == 200) != ("R" in expected):
            problems.append(f"{side_name}: read answered {read.status_code}")

        created = client.post(base, _create_payload(kind, side), format="json")
        if "C" in expected:
            if created.status_code != 201:
                problems.append(f"{side_name}: create answered {created.status_code} {created.content[:300]}")
        else:
            if created.status_code not in (401, 403) or model._default_manager.count() != count:
                problems.append(f"{side_name}: refused create answered {created.status_code}, saved something")
            elif created.status_code == 403 and created.json()["code"] != "forbidden":
                problems.append(f"{side_name}: refused create without the forbidden code")

        updated = client.patch(f"{base}{record.pk}/", _update_payload(kind), format="json")
        if "U" in expected:
            if updated.status_code != 200:
                problems.append(f"{side_name}: update answered {updated.status_code} {updated.content[:300]}")
        elif updated.status_code not in (401, 403, 404) or _row(record) != before:
            problems.append(f"{side_name}: refused update answered {updated.status_code} or changed the record")

        before = _row(record)
        deleted = client.delete(f"{base}{record.pk}/")
        if "D" in expected:
            in_use = deleted.status_code == 400 and deleted.json()["code"] == "in_use"
            if deleted.status_code != 204 and not in_use:
                problems.append(f"{side_name}: delete answered {deleted.status_code} {deleted.content[:300]}")
        elif deleted.status_code not in (401, 403, 404) or _row(record) != before:
            problems.append(f"{side_name}: refused delete answered {deleted.status_code} or deleted the record")
    assert problems == []
