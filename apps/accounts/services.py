"""State changes for accounts: setting up an officer or producer account with its role and scope."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import OfficerProfile, Role
from apps.common.errors import DomainError
from apps.producers.models import Producer
from apps.territory.models import AdministrativeUnit, Era, Level


class AccountError(DomainError):
    default_code = "invalid_account"


def _communes(codes: Iterable[str]) -> list[AdministrativeUnit]:
    codes = [code.strip() for code in codes if code and code.strip()]
    found = {unit.code: unit for unit in AdministrativeUnit.objects.filter(
        era=Era.CURRENT, level=Level.COMMUNE, code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise AccountError("unknown_commune", _("Communes: %(codes)s are not communes of 2025.")
                           % {"codes": ", ".join(missing)}, field="communes")
    return [found[code] for code in codes]


@transaction.atomic
def set_up_account(
    *,
    username: str,
    role: str,
    communes: Iterable[str] = (),
    legacy_district: str = "",
    producer: str = "",
    organisation: str = "",
    email: str = "",
    password: str | None = None,
) -> OfficerProfile:
    """Create or update the user ``username`` with ``role`` and its scope (commune codes, legacy district code,
    producer tax number, organisation); ``password`` is set when given (the user is created unusable otherwise).

    Every role except the public may sign in to the admin (``is_staff``); provincial administrators are superusers.
    Refuses a role without its scope: a commune officer without communes (``communes_required``), a legacy district
    officer without a district (``legacy_district_required``), a producer account without a producer
    (``producer_required``), an inspector without an organisation (``organisation_required``), and unknown codes.
    """
    if role not in Role.values:
        raise AccountError("unknown_role", _("Role: %(role)s is not a role (one of %(roles)s).")
                           % {"role": role, "roles": ", ".join(Role.values)}, field="role")
    username = (username or "").strip()
    if not username:
        raise AccountError("username_required", _("The account needs a user name."), field="username")
    units = _communes(communes)
    district = None
    if legacy_district:
        district = AdministrativeUnit.objects.filter(era=Era.LEGACY, level=Level.DISTRICT,
                                                     code=legacy_district.strip()).first()
        if district is None:
            raise AccountError("unknown_legacy_district", _("Legacy district: %(code)s is not a district before "
                                                            "1 July 2025.") % {"code": legacy_district},
                               field="legacy_district")
    owner = None
    if producer:
        owner = Producer.objects.filter(tax_code=producer.strip()).first()
        if owner is None:
            raise AccountError("unknown_producer", _("Producer: no producer has the tax number %(code)s.")
                               % {"code": producer}, field="producer")
    required = {
        Role.COMMUNE_OFFICER: (units, "communes_required", _("A commune officer needs at least one commune."),
                               "communes"),
        Role.LEGACY_DISTRICT_OFFICER: (district, "legacy_district_required",
                                       _("A legacy district officer needs a legacy district."), "legacy_district"),
        Role.PRODUCER: (owner, "producer_required", _("A producer account needs a producer."), "producer"),
        Role.INSPECTOR: (organisation.strip(), "organisation_required",
                         _("An inspector needs the organisation it inspects or certifies for."), "organisation"),
    }
    if role in required:
        value, code, message, field = required[role]
        if not value:
            raise AccountError(code, message, field=field)

    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    user.is_staff = role != Role.PUBLIC
    user.is_superuser = role == Role.PROVINCIAL_ADMIN
    user.is_active = True
    if email:
        user.email = email
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    profile, _created = OfficerProfile.objects.update_or_create(user=user, defaults={
        "role": role, "legacy_district": district, "producer": owner, "organisation": organisation.strip()})
    profile.communes.set(units)
    return profile
