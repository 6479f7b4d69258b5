"""Who may record an inspection visit, in apps.accounts' rule language.

``traceability.record_inspection`` is a named action on what is inspected (a zone, a packing or production facility,
a producer, a lot): inspectors and the provincial OCOP office anywhere in the province, commune officers in their
own communes (a commune's monitoring visit, kiểm tra định kỳ của xã); provincial administrators always. Pages and
services ask ``accounts.permissions.can(user, RECORD_INSPECTION, target)``.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet

from apps.accounts.models import Role
from apps.accounts.permissions import ALL, COMMUNES, allowed_q, can_on_some, register_action, scope_queryset

RECORD_INSPECTION = "traceability.record_inspection"
RECORDERS = {Role.INSPECTOR: ALL, Role.PROVINCIAL_OFFICE: ALL, Role.COMMUNE_OFFICER: COMMUNES}


def register_with_accounts() -> None:
    """Declare ``traceability.record_inspection`` on every kind of inspection target (called by the app config)."""
    from apps.traceability.models import Inspection

    for kind in Inspection.TARGET_FIELDS:
        register_action(RECORD_INSPECTION, kind, dict(RECORDERS))


def target_models() -> dict[str, type[Model]]:
    """The models an inspection can be about, by the name of the inspection's field."""
    from apps.traceability.models import Inspection

    return Inspection.target_models()


def may_record_inspections(user) -> bool:
    """Whether the user's role may record inspections of some target (the page-level answer)."""
    return any(can_on_some(user, RECORD_INSPECTION, model) for model in target_models().values())


def inspectable(user, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` (targets of one kind) the user may see and record an inspection of."""
    condition = allowed_q(user, RECORD_INSPECTION, queryset.model)
    if condition is None:
        return queryset.none()
    visible = scope_queryset(user, queryset)
    # A subquery keeps one row per target when the scope goes through many-to-many relations (zone communes).
    return visible.filter(pk__in=queryset.model._default_manager.filter(condition).values("pk"))


__all__ = ["RECORD_INSPECTION", "inspectable", "may_record_inspections",
           "register_with_accounts", "target_models"]
