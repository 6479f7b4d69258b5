"""Who sees which report: the scope of a reader, from the accounts app's roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.accounts.permissions import KINDS, profile_of, role_of, scope_queryset, units_q
from apps.common.errors import DomainError
from apps.territory.models import AdministrativeUnit

# Roles that read the whole province's records (apps.accounts.permissions grants them "all").
PROVINCE_WIDE_ROLES = (Role.PROVINCIAL_ADMIN, Role.PROVINCIAL_OFFICE, Role.INSPECTOR, Role.COUNCIL_MEMBER)


class ReportError(DomainError):
    default_code = "invalid_report"


def _unchanged(queryset: QuerySet) -> QuerySet:
    return queryset


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: a commune officer's communes, a legacy district officer's district, or the province.

    ``readable`` is the reader's permission filter (``scope_queryset``), applied to every record list as well, so a
    report never shows a record its reader may not see.
    """

    commune_ids: frozenset[int] | None = None
    district_id: int | None = None
    readable: Callable[[QuerySet], QuerySet] = field(default=_unchanged, compare=False)

    @property
    def is_province_wide(self) -> bool:
        return self.commune_ids is None and self.district_id is None


PROVINCE_WIDE = ReportScope()


def report_scope_for(user) -> ReportScope | None:
    """The scope of ``user``'s reports by role; None when the role has no reports (producers, the public)."""
    role = role_of(user)

    def readable(queryset: QuerySet) -> QuerySet:
        return scope_queryset(user, queryset)

    if role in PROVINCE_WIDE_ROLES:
        return ReportScope(readable=readable)
    profile = profile_of(user)
    if profile is None:
        return None
    if role == Role.COMMUNE_OFFICER:
        return ReportScope(commune_ids=frozenset(profile.communes.values_list("pk", flat=True)), readable=readable)
    if role == Role.LEGACY_DISTRICT_OFFICER:
        if profile.legacy_district_id is None:  # a district officer without a district sees nothing
            return ReportScope(commune_ids=frozenset(), readable=readable)
        return ReportScope(district_id=profile.legacy_district_id, readable=readable)
    return None


def scope_label(scope: ReportScope) -> str:
    """Who the report covers, in words."""
    if scope.is_province_wide:
        return _("Whole province")
    if scope.district_id is not None:
        district = AdministrativeUnit.objects.filter(pk=scope.district_id).first()
        return _("Legacy district: %(name)s") % {"name": district.name if district else "—"}
    names = AdministrativeUnit.objects.filter(pk__in=scope.commune_ids).order_by("name").values_list("name", flat=True)
    return _("Communes: %(names)s") % {"names": ", ".join(names) or "—"}


def records_in_scope(queryset: QuerySet, kind_name: str, scope: ReportScope) -> QuerySet:
    """The rows of ``queryset`` (records of the accounts app's kind ``kind_name``) in the scope, readable by its reader.

    As in ``apps.accounts.permissions``: a record is in a commune officer's scope when any of its communes is one of
    the officer's; in a legacy district officer's when one of its communes absorbed a commune of the district, or
    when the legacy unit recorded on it lies in the district.
    """
    queryset = scope.readable(queryset)
    if scope.is_province_wide:
        return queryset
    condition = units_q(KINDS[kind_name], commune_ids=scope.commune_ids, legacy_district_id=scope.district_id)
    # Through pk__in: a record reached through several communes stays one row.
    return queryset.filter(pk__in=queryset.model._default_manager.filter(condition).values("pk"))
