"""Who may do what on which record: one check for the admin, the API and the pages.

Every write path calls :func:`authorize` (or :func:`can`) and every list goes through :func:`scope_queryset`.
A record is scoped by administrative unit (its commune(s) of 2025) and by ownership (the producer behind it).

Roles (``apps.accounts.models.Role``) and what they may do
----------------------------------------------------------
Legend: C create, R read, U update, D delete. Where: **all** = the whole province; **communes** = records in the
user's communes; **district** = records in the user's legacy district; **own** = records of the user's producer;
— = nothing beyond reading published records, which everybody (the public included) may do.

====================== ===== ====== ======= ===== ========= ====== ====== ===== ===== ===== ===== ===== ===== =====
role                   prod- prod-  rating  zone  growing-  pack-  prod.  sales tour- cert- insp- lot   trace stamp
                       ucer  uct                  area code ing    facil. point ism   ific. ect-        event run
                                                            facil.              site  ation ion
====================== ===== ====== ======= ===== ========= ====== ====== ===== ===== ===== ===== ===== ===== =====
provincial admin       CRUD  CRUD   CRUD    CRUD  CRUD      CRUD   CRUD   CRUD  CRUD  CRUD  CRUD  CRUD  CR    CRU
                       all   all    all     all   all       all    all    all   all   all   all   all   all   all
provincial OCOP office CRUD  CRUD   CRUD    CRUD  CRUD      CRUD   CRUD   CRUD  CRUD  CRUD  CRUD  CRUD  CR    CRU
                       all   all    all     all   all       all    all    all   all   all   all   all   all   all
commune officer        CRU   CRU    R       CRUD¹ R         R      CRUD   CRUD  CRUD  R     R     R     R     R
                       comm. comm.  comm.   comm. comm.     comm.  comm.  comm. comm. comm. comm. comm. comm. comm.
legacy district off.   R     R      R       R     R         R      R      R     R     R     R     R     R     R
                       dist. dist.  dist.   dist. dist.     dist.  dist.  dist. dist. dist. dist. dist. dist. dist.
inspector / cert. body R     R      R       R     CRU       CRU    R      R     R     CRUD  CRU²  R     R     R
                       all   all    all     all   all       all    all    all   all   all   all   all   all   all
council member         R     R      R       R     R         R      R      R     R     R     R     —     —     —
                       all   all    all     all   all       all    all    all   all   all   all
producer account       RU    CRU    R       CRUD³ R         R      CRUD   CRU   CRU   R     R     CRUD⁴ CR    CRU
                       own   own    own     own   own       own    own    own   own   own   own   own   own   own
public                 —     —      —       —     —         —      —      —     —     —     —     —     —     —
====================== ===== ====== ======= ===== ========= ====== ====== ===== ===== ===== ===== ===== ===== =====

¹ A commune officer deletes only unpublished (proposed) zones. ² An inspector edits only the inspections of its
own organisation (``OfficerProfile.organisation``). ³ A producer creates zones as proposals and edits or deletes
them only while they are proposed (it cannot activate one: the saved state is checked too). ⁴ Only while the lot
is open. Trace events are append-only: nobody updates or deletes them (a correction is a new event). Stamp runs
are never deleted (their serials may already be printed); "update" covers bulk status changes (revocation).
Reference data (crops, classifications, criteria sets, council rules, code formats, geographical indications,
administrative units) is read by everybody and written by provincial administrators and the OCOP office
(administrative units by administrators only). User accounts are managed by provincial administrators.

Named actions: ``evaluate`` a product (council members, the office), ``recognise`` a product or rating (the
office), ``propose`` a product to the province (commune officers in their communes, the office), ``inspect`` a
zone, facility, producer or lot (inspectors, the office), ``issue_stamps`` for a lot (its producer, the office).
Provincial administrators may do everything. Other apps add their actions with :func:`register_action`.

Published records (readable by everybody)
-----------------------------------------
The registry is public, as on the public map (``apps/layers/registry.py``): producers, products, ratings,
growing-area codes, facilities, sales points, tourism sites and routes, certifications and reference data. Raw-
material zones are published unless ``proposed`` (a draft no officer has vetted). A producer without any
recognised product is still published: its registration is public information and the map shows it.
Traceability records — lots, trace events, inspections, declarations and stamp runs — are not published as
records: consumers reach one lot through a stamp scan (``apps/stamps``), which this module does not govern.
Unpublished records are readable only within the reader's scope (communes, district, own producer).

Scope rules
-----------
A record is in a commune officer's scope when ANY of its communes is one of the officer's (a zone straddling
two communes is shared by both officers). A legacy district officer's scope is the current communes that
absorbed a commune of its legacy district (``territory.LegacyMapping``), plus records whose legacy unit is in
that district. Creating with a model class answers "may this role create such records" and, given ``commune=``,
``communes=`` or ``producer=``, whether it may create one there; callers then check the saved instance again
(inside their transaction) with ``authorize(user, "create", instance)``, which is the authoritative check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import OfficerProfile, Role
from apps.common.errors import DomainError

CREATE, READ, UPDATE, DELETE = "create", "read", "update", "delete"
CRUD = (CREATE, READ, UPDATE, DELETE)

# Where a rule applies.
ALL = "all"
COMMUNES = "communes"
DISTRICT = "district"
OWN = "own"

ACTION_LABELS = {
    CREATE: _("create"), READ: _("view"), UPDATE: _("change"), DELETE: _("delete"),
    "evaluate": _("evaluate"), "recognise": _("recognise"), "propose": _("propose"), "inspect": _("inspect"),
    "issue_stamps": _("issue stamps for"),
}


class PermissionDeniedError(DomainError):
    """The user may not do this action on this record (code ``forbidden``)."""

    default_code = "forbidden"


@dataclass(frozen=True)
class Kind:
    """A kind of record and how it is scoped: lookup paths to its 2025 communes and to its producer."""

    name: str
    commune_paths: tuple[str, ...] = ()
    owner_paths: tuple[str, ...] = ()
    legacy_paths: tuple[str, ...] = ()  # paths to a legacy DISTRICT (e.g. "legacy_commune__parent")
    unpublished: dict[str, Any] | None = field(default=None)  # lookups of unpublished rows; None = all published
    is_published: bool = True  # False: no row is published (traceability records)


@dataclass(frozen=True)
class Rule:
    where: str
    # Extra lookups the record must match (e.g. status "proposed"), or a callable of the profile returning them.
    when: dict[str, Any] | Callable[[OfficerProfile], dict[str, Any]] | None = None


_CERTIFIABLE_COMMUNES = ("zone__communes", "packing_facility__commune", "production_facility__commune",
                         "producer__commune", "product__producer__commune")
_CERTIFIABLE_OWNERS = ("zone__producers", "packing_facility__operator", "production_facility__producer",
                       "producer", "product__producer")

KINDS: dict[str, Kind] = {kind.name: kind for kind in [
    Kind("producer", ("commune",), ("pk",), ("legacy_commune__parent",)),
    Kind("product", ("producer__commune",), ("producer",), ("producer__legacy_commune__parent",)),
    Kind("rating", ("product__producer__commune",), ("product__producer",),
         ("product__producer__legacy_commune__parent",)),
    Kind("zone", ("communes",), ("producers",), unpublished={"status": "proposed"}),
    Kind("growing_area_code", ("zones__communes",), ("zones__producers",)),
    Kind("packing_facility", ("commune",), ("operator",)),
    Kind("production_facility", ("commune", "producer__commune"), ("producer",)),
    Kind("sales_point", ("commune",), ("operator",), ("legacy_district",)),
    Kind("tourism_site", ("commune",), ("producer",)),
    Kind("tour_route", ("sites__commune",), ("sites__producer",)),
    Kind("certification", _CERTIFIABLE_COMMUNES, _CERTIFIABLE_OWNERS),
    Kind("inspection", (*_CERTIFIABLE_COMMUNES[:-1], "lot__product__producer__commune"),
         (*_CERTIFIABLE_OWNERS[:-1], "lot__product__producer"), is_published=False),
    Kind("declaration", ("product__producer__commune",), ("product__producer",), is_published=False),
    Kind("lot", ("product__producer__commune",), ("product__producer",), is_published=False),
    Kind("trace_event", ("lot__product__producer__commune",), ("lot__product__producer",), is_published=False),
    Kind("stamp_run", ("lot__product__producer__commune",), ("lot__product__producer",), is_published=False),
    Kind("reference"),
    Kind("territory"),
]}

# Model label → (kind name, path from the model to the record of that kind, "" for the record itself).
MODEL_KINDS: dict[str, tuple[str, str]] = {
    "producers.producer": ("producer", ""),
    "products.product": ("product", ""),
    "products.productphoto": ("product", "product"),
    "products.productlink": ("product", "product"),
    "products.productcategory": ("reference", ""),
    "ratings.ocoprating": ("rating", ""),
    "ratings.criteriaset": ("reference", ""),
    "ratings.councilrule": ("reference", ""),
    "zones.rawmaterialzone": ("zone", ""),
    "zones.zonestatuschange": ("zone", "zone"),
    "zones.growingareacode": ("growing_area_code", ""),
    "zones.codestatuschange": ("growing_area_code", "growing_area_code"),
    "zones.crop": ("reference", ""),
    "codes.codeformat": ("reference", ""),
    "indications.geographicalindication": ("reference", ""),
    "facilities.packingfacility": ("packing_facility", ""),
    "facilities.packingfacilitystatuschange": ("packing_facility", "facility"),
    "facilities.productionfacility": ("production_facility", ""),
    "outlets.salespoint": ("sales_point", ""),
    "tourism.tourismsite": ("tourism_site", ""),
    "tourism.tourroute": ("tour_route", ""),
    "tourism.routestop": ("tour_route", "route"),
    "certifications.certification": ("certification", ""),
    "traceability.inspection": ("inspection", ""),
    "traceability.inspectionphoto": ("inspection", "inspection"),
    "traceability.productdeclaration": ("declaration", ""),
    "traceability.lot": ("lot", ""),
    "traceability.lotsourcezone": ("lot", "lot"),
    "traceability.traceevent": ("trace_event", ""),
    "traceability.traceeventlot": ("trace_event", "event"),
    "traceability.traceeventattachment": ("trace_event", "event"),
    "stamps.stamprun": ("stamp_run", ""),
    "stamps.stamp": ("stamp_run", "run"),
    "stamps.stampstatuschange": ("stamp_run", "run"),
    "stamps.counterfeitreport": ("stamp_run", "stamp__run"),
    "territory.administrativeunit": ("territory", ""),
    "territory.legacymapping": ("territory", ""),
}

_REGISTRY = ("producer", "product", "rating", "zone", "growing_area_code", "packing_facility", "production_facility",
             "sales_point", "tourism_site", "tour_route", "certification")
_TRACEABILITY = ("inspection", "declaration", "lot", "trace_event", "stamp_run")


def _grant(table: dict, kinds: Iterable[str], actions: str, where: str, when=None) -> None:
    letters = {"C": CREATE, "R": READ, "U": UPDATE, "D": DELETE}
    for kind in kinds:
        for letter in actions:
            table.setdefault(kind, {})[letters[letter]] = Rule(where, when)


def _build_rules() -> dict[str, dict[str, dict[str, Rule]]]:
    rules: dict[str, dict[str, dict[str, Rule]]] = {role: {} for role in Role.values}

    office = rules[Role.PROVINCIAL_OFFICE]
    _grant(office, [*_REGISTRY, "inspection", "declaration", "lot", "reference"], "CRUD", ALL)
    _grant(office, ["trace_event"], "CR", ALL)
    _grant(office, ["stamp_run"], "CRU", ALL)
    _grant(office, ["territory"], "R", ALL)

    commune = rules[Role.COMMUNE_OFFICER]
    _grant(commune, [*_REGISTRY, *_TRACEABILITY], "R", COMMUNES)
    _grant(commune, ["producer", "product"], "CU", COMMUNES)
    _grant(commune, ["zone"], "CU", COMMUNES)
    _grant(commune, ["zone"], "D", COMMUNES, {"status": "proposed"})
    _grant(commune, ["production_facility", "sales_point", "tourism_site", "tour_route"], "CUD", COMMUNES)

    _grant(rules[Role.LEGACY_DISTRICT_OFFICER], [*_REGISTRY, *_TRACEABILITY], "R", DISTRICT)

    inspector = rules[Role.INSPECTOR]
    _grant(inspector, [*_REGISTRY, *_TRACEABILITY], "R", ALL)
    _grant(inspector, ["growing_area_code", "packing_facility"], "CU", ALL)
    _grant(inspector, ["certification"], "CUD", ALL)
    _grant(inspector, ["inspection"], "C", ALL)
    _grant(inspector, ["inspection"], "U", ALL, lambda profile: {"organisation": profile.organisation})

    _grant(rules[Role.COUNCIL_MEMBER], [*_REGISTRY, "inspection", "declaration"], "R", ALL)

    producer = rules[Role.PRODUCER]
    _grant(producer, [*_REGISTRY, *_TRACEABILITY], "R", OWN)
    _grant(producer, ["producer"], "U", OWN)
    _grant(producer, ["product", "sales_point", "tourism_site", "declaration", "stamp_run"], "CU", OWN)
    _grant(producer, ["production_facility"], "CUD", OWN)
    _grant(producer, ["zone"], "CUD", OWN, {"status": "proposed"})
    _grant(producer, ["lot"], "CU", OWN)
    _grant(producer, ["lot"], "D", OWN, {"status": "open"})
    _grant(producer, ["trace_event"], "C", OWN)

    # Everybody reads reference data and administrative units.
    for role in Role.values:
        _grant(rules[role], ["reference", "territory"], "R", ALL)

    # Named actions.
    for kind, action, grants in [
        ("product", "evaluate", {Role.COUNCIL_MEMBER: ALL, Role.PROVINCIAL_OFFICE: ALL}),
        ("product", "recognise", {Role.PROVINCIAL_OFFICE: ALL}),
        ("rating", "recognise", {Role.PROVINCIAL_OFFICE: ALL}),
        ("product", "propose", {Role.COMMUNE_OFFICER: COMMUNES, Role.PROVINCIAL_OFFICE: ALL}),
        *[(kind, "inspect", {Role.INSPECTOR: ALL, Role.PROVINCIAL_OFFICE: ALL})
          for kind in ("zone", "packing_facility", "production_facility", "producer", "lot")],
        ("lot", "issue_stamps", {Role.PRODUCER: OWN, Role.PROVINCIAL_OFFICE: ALL}),
    ]:
        for role, where in grants.items():
            rules[role].setdefault(kind, {})[action] = Rule(where)
    return rules


RULES = _build_rules()


def register_action(action: str, kind: str, grants: dict[str, str | Rule]) -> None:
    """Declare a named action on a kind of record: ``{role: where}`` (provincial administrators always may).

    Call it at import time of the app that defines the action (e.g. in its ``AppConfig.ready``).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown record kind {kind!r}; known: {sorted(KINDS)}")
    for role, rule in grants.items():
        RULES[str(role)].setdefault(kind, {})[action] = rule if isinstance(rule, Rule) else Rule(rule)


# --- who is the user ---------------------------------------------------------------------------------------------

def profile_of(user) -> OfficerProfile | None:
    """The user's profile (cached on the user object), or None for anonymous users and the public."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_accounts_profile", False)
    if cached is not False:
        return cached
    try:
        profile = OfficerProfile.objects.get(user=user)
    except OfficerProfile.DoesNotExist:
        profile = None
    user._accounts_profile = profile
    return profile


def role_of(user) -> str:
    """The effective role: superusers are provincial administrators; users without a profile are the public."""
    if user is not None and getattr(user, "is_active", False) and getattr(user, "is_superuser", False):
        return Role.PROVINCIAL_ADMIN
    if user is not None and not getattr(user, "is_active", True):
        return Role.PUBLIC
    profile = profile_of(user)
    return profile.role if profile else Role.PUBLIC


def _commune_ids(profile: OfficerProfile) -> set[int]:
    cached = getattr(profile, "_commune_ids", None)
    if cached is None:
        cached = set(profile.communes.values_list("pk", flat=True))
        profile._commune_ids = cached
    return cached


def district_commune_ids(legacy_district_id: int | None) -> set[int]:
    """Current communes that absorbed a commune of a legacy district."""
    from apps.territory.models import LegacyMapping

    if not legacy_district_id:
        return set()
    return set(LegacyMapping.objects.filter(legacy__parent_id=legacy_district_id).values_list("current_id", flat=True))


def _district_commune_ids(profile: OfficerProfile) -> set[int]:
    cached = getattr(profile, "_district_commune_ids", None)
    if cached is None:
        cached = district_commune_ids(profile.legacy_district_id)
        profile._district_commune_ids = cached
    return cached


# --- record kinds ------------------------------------------------------------------------------------------------

def kind_of(model: type[models.Model]) -> tuple[Kind | None, str]:
    """The kind of record a model belongs to, and the path from the model to that record."""
    entry = MODEL_KINDS.get(model._meta.label_lower)
    if entry is None:
        return None, ""
    return KINDS[entry[0]], entry[1]


def _effective_action(action: str, path: str) -> str:
    """Adding, changing or removing a part of a record (a photo, a status entry) changes the record."""
    return action if not path or action == READ else UPDATE


def _rule(role: str, kind: Kind, action: str) -> Rule | None:
    return RULES.get(role, {}).get(kind.name, {}).get(action)


def _prefixed(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix if path == "pk" else f"{prefix}__{path}"


def _paths_q(paths: Iterable[str], values: Iterable[int] | int | None, prefix: str) -> Q:
    if values is None:
        return Q(pk__in=[])
    lookup = "exact" if isinstance(values, int) else "in"
    values = values if isinstance(values, int) else list(values)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{_prefixed(prefix, path)}__{lookup}": values})
    return condition


def units_q(kind: Kind, *, commune_ids: Iterable[int] | None = None, legacy_district_id: int | None = None,
            district_communes: Iterable[int] | None = None, prefix: str = "") -> Q:
    """Records of ``kind`` in some of ``commune_ids`` (2025 communes) — or, given ``legacy_district_id``, in that legacy
    district: in a commune that absorbed one of its communes (``district_communes``, looked up when not given) or
    with the district's legacy unit recorded on them. The COMMUNES and DISTRICT scopes of the rule tables."""
    if legacy_district_id is None:
        return _paths_q(kind.commune_paths, commune_ids, prefix)
    if district_communes is None:
        district_communes = district_commune_ids(legacy_district_id)
    return (_paths_q(kind.commune_paths, district_communes, prefix)
            | _paths_q(kind.legacy_paths, legacy_district_id, prefix))


def _where_q(kind: Kind, rule: Rule, profile: OfficerProfile | None, prefix: str) -> Q:
    if rule.where == ALL:
        condition = Q()
    elif profile is None:
        return Q(pk__in=[])
    elif rule.where == COMMUNES:
        condition = units_q(kind, commune_ids=_commune_ids(profile), prefix=prefix)
    elif rule.where == DISTRICT:
        condition = units_q(kind, legacy_district_id=profile.legacy_district_id or None,
                            district_communes=_district_commune_ids(profile), prefix=prefix)
    elif rule.where == OWN:
        condition = _paths_q(kind.owner_paths, profile.producer_id, prefix)
    else:  # pragma: no cover - a typo in a rule table
        raise ValueError(f"Unknown scope {rule.where!r}")
    if rule.when is not None:
        lookups = rule.when(profile) if callable(rule.when) else rule.when
        condition &= Q(**{_prefixed(prefix, key): value for key, value in lookups.items()})
    return condition


def _published_q(kind: Kind, prefix: str) -> Q:
    if not kind.is_published:
        return Q(pk__in=[])
    if kind.unpublished:
        return ~Q(**{_prefixed(prefix, key): value for key, value in kind.unpublished.items()})
    return Q()


def _everything(condition: Q) -> bool:
    return not condition.children and not condition.negated


def allowed_q(user, action: str, model: type[models.Model]) -> Q | None:
    """The rows of ``model`` on which ``user`` may do ``action`` as a Q, or None when it may do it on none."""
    role = role_of(user)
    if role == Role.PROVINCIAL_ADMIN:
        return Q()
    kind, prefix = kind_of(model)
    if kind is None:
        return None
    profile = profile_of(user)
    action = _effective_action(action, prefix)
    rule = _rule(role, kind, action)
    condition = _where_q(kind, rule, profile, prefix) if rule else None
    if action == READ:
        published = _published_q(kind, prefix)
        if _everything(published) or (condition is not None and _everything(condition)):
            return Q()
        return published | condition if condition is not None else published
    return condition


# --- the checks --------------------------------------------------------------------------------------------------

def describe_refusal(action: str, target) -> str:
    """The refusal message: names the action and the record (or the kind of record), translated."""
    label = ACTION_LABELS.get(action, action)
    record = target._meta.verbose_name if isinstance(target, type) else f"{target._meta.verbose_name} “{target}”"
    return gettext("You may not %(action)s %(record)s: it is outside your role or scope.") % {
        "action": label, "record": record}


def _as_ids(value) -> set[int]:
    if value is None:
        return set()
    if isinstance(value, models.Model):
        return {value.pk}
    if isinstance(value, QuerySet):
        return set(value.values_list("pk", flat=True))
    if isinstance(value, Iterable) and not isinstance(value, str):
        ids: set[int] = set()
        for item in value:
            ids |= _as_ids(item)
        return ids
    return {int(value)}


def _may_create_there(user, model: type[models.Model], scope: dict[str, Any]) -> bool:
    """Creation with a model class: the role at all, then the scope the caller announces (if any)."""
    role = role_of(user)
    if role == Role.PROVINCIAL_ADMIN:
        return True
    kind, prefix = kind_of(model)
    if kind is None:
        return False
    rule = _rule(role, kind, _effective_action(CREATE, prefix))
    if rule is None:
        return False
    if rule.where == ALL:
        return True
    profile = profile_of(user)
    communes = _as_ids(scope.get("commune")) | _as_ids(scope.get("communes"))
    producers = _as_ids(scope.get("producer"))
    if profile is None:
        return False
    if rule.where == COMMUNES:
        if communes:
            return bool(communes & _commune_ids(profile))
        if producers:
            from apps.producers.models import Producer

            return Producer.objects.filter(pk__in=producers, commune_id__in=_commune_ids(profile)).exists()
        return True
    if rule.where == OWN:
        if producers:
            return producers == {profile.producer_id}
        return not communes
    return False


def can_on_some(user, action: str, model: type[models.Model]) -> bool:
    """Whether the user's role may do ``action`` on some records of ``model`` (the model-level answer)."""
    role = role_of(user)
    if role == Role.PROVINCIAL_ADMIN:
        return True
    kind, prefix = kind_of(model)
    if kind is None:
        return False
    if action == READ and kind.is_published:
        return True
    return _rule(role, kind, _effective_action(action, prefix)) is not None


def can(user, action: str, target, **scope) -> bool:
    """Whether ``user`` may do ``action`` on ``target`` (an instance, or a model class with an optional scope)."""
    if role_of(user) == Role.PROVINCIAL_ADMIN:
        return True
    if isinstance(target, type):
        if action == CREATE:
            return _may_create_there(user, target, scope)
        condition = allowed_q(user, action, target)
        return condition is not None
    model = type(target)
    kind, path = kind_of(model)
    if path:  # a part of a record: check the record it belongs to
        parent = target
        for name in path.split("__"):
            parent = getattr(parent, name) if parent is not None else None
        if parent is None:  # not attached to any record: only province-wide rules reach it
            condition = allowed_q(user, action, model)
            return condition is not None and _everything(condition)
        return can(user, _effective_action(action, path), parent)
    if target.pk is None:
        return _may_create_there(user, model, scope or _instance_scope(target))
    condition = allowed_q(user, action, model)
    if condition is None:
        return False
    if _everything(condition):
        return True
    return model._default_manager.filter(pk=target.pk).filter(condition).exists()


def authorize(user, action: str, target, **scope) -> None:
    """Raise :class:`PermissionDeniedError` unless ``user`` may do ``action`` on ``target`` (see the module doc)."""
    if not can(user, action, target, **scope):
        raise PermissionDeniedError("forbidden", describe_refusal(action, target), action=action,
                                    record=target._meta.label_lower)


def _instance_scope(instance: models.Model) -> dict[str, Any]:
    """Scope of an unsaved instance from its direct foreign keys (commune, producer, operator)."""
    scope: dict[str, Any] = {}
    for name, key in (("commune_id", "commune"), ("producer_id", "producer"), ("operator_id", "producer")):
        value = getattr(instance, name, None)
        if value is not None:
            scope[key] = value
    return scope


def scope_queryset(user, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` the user may see: published ones plus the unpublished ones in its scope."""
    condition = allowed_q(user, READ, queryset.model)
    if condition is None:
        return queryset.none()
    if _everything(condition):
        return queryset
    # A subquery keeps one row per record even when the scope goes through many-to-many relations.
    return queryset.filter(pk__in=queryset.model._default_manager.filter(condition).values("pk"))
