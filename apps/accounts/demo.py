"""Demo accounts, one per role, for trying the permissions out (DEBUG installations only)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model

from apps.accounts.models import Role
from apps.accounts.services import set_up_account
from apps.producers.models import Producer
from apps.territory.models import LegacyMapping

# Documented in README ("Demo accounts"); DEBUG only, never in production.
DEMO_PASSWORD = "ocop-demo-2026"  # noqa: S105


def load_demo_accounts(*, log: Callable[[str], None] = print) -> list[str]:
    """Create (or refresh) one demo account per role, scoped to the demo producer with the most lots; log them.

    Does nothing outside DEBUG. Returns the user names.
    """
    if not settings.DEBUG:
        return []
    producer = (Producer.objects.filter(products__lots__isnull=False).distinct().order_by("pk").first()
                or Producer.objects.order_by("pk").first())
    if producer is None:
        return []
    mapping = LegacyMapping.objects.filter(current=producer.commune, legacy__parent__isnull=False).first()
    accounts = [
        ("demo_province_admin", Role.PROVINCIAL_ADMIN, {}),
        ("demo_ocop_office", Role.PROVINCIAL_OFFICE, {}),
        ("demo_commune", Role.COMMUNE_OFFICER, {"communes": [producer.commune.code]}),
        ("demo_inspector", Role.INSPECTOR, {"organisation": "Chi cục Trồng trọt và Bảo vệ thực vật Đắk Lắk"}),
        ("demo_council", Role.COUNCIL_MEMBER, {}),
        ("demo_producer", Role.PRODUCER, {"producer": producer.tax_code}),
    ]
    if mapping is not None:
        accounts.append(("demo_legacy_district", Role.LEGACY_DISTRICT_OFFICER,
                         {"legacy_district": mapping.legacy.parent.code}))
    existing = set(get_user_model().objects.filter(username__in=[name for name, _role, _scope in accounts])
                   .values_list("username", flat=True))
    for username, role, scope in accounts:  # a second run keeps the passwords people may have changed
        set_up_account(username=username, role=role, password=None if username in existing else DEMO_PASSWORD,
                       **scope)
    log(f"demo accounts (password {DEMO_PASSWORD}): " + ", ".join(name for name, _role, _scope in accounts)
        + f" — producer: {producer.name}, commune: {producer.commune.name}")
    return [name for name, _role, _scope in accounts]
