"""Demo data for Đắk Lắk: deterministic, idempotent, clearly fictional names."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from apps.territory.services import load_admin_units

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "ocop-demo-2026"  # noqa: S105 - demo account, created only with DEBUG on


@transaction.atomic
def load_demo(*, log: Callable[[str], None] = print) -> None:
    """Load the demo province (both eras) and the demo registry; running it twice changes nothing."""
    result = load_admin_units(province_code="66")
    log(f"administrative units: {result.totals} ({result.mappings} legacy→current mappings)")
    if settings.DEBUG:
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=DEMO_ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_ADMIN_PASSWORD)
            user.save()
            log(f"demo administrator created: {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}")
