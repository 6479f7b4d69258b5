"""Who may take which step of the cycle: an :class:`Actor` (a user acting in one role over a scope) checked against
the role and scope columns of ``workflow.TRANSITIONS``.

``actor_for(user)`` turns a user into the actor they act as, from the role and scope of their apps.accounts
profile; :func:`register_with_accounts` declares the same table there as named actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.evaluation.workflow import CYCLE_ROLES, TRANSITIONS, Action, Role, Scope, actions_from


class EvaluationError(DomainError):
    default_code = "invalid_evaluation_step"


@dataclass(frozen=True)
class Actor:
    """A user acting in one role, with the units and producers that role covers."""

    role: str
    user: object | None = None
    commune_ids: frozenset[int] = field(default_factory=frozenset)
    province_ids: frozenset[int] = field(default_factory=frozenset)
    producer_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def in_scope(actor: Actor, scope: str, *, producer_id: int | None, commune_id: int | None,
             province_id: int | None, candidacy=None) -> bool:
    """Whether ``actor`` covers a candidacy (or a producer about to start one) under ``scope``."""
    if scope == Scope.PRODUCER:
        return producer_id in actor.producer_ids
    if scope == Scope.COMMUNE:
        return commune_id in actor.commune_ids
    if scope == Scope.PROVINCE:
        return province_id in actor.province_ids
    if scope == Scope.ASSIGNED:
        return candidacy is not None and actor.user_id is not None and candidacy.assignments.filter(
            member_id=actor.user_id).exists()
    return False


def check_allowed(actor: Actor, action: str, *, producer, commune, candidacy=None) -> None:
    """Refuse ``action`` unless the table gives ``actor``'s role the action and the actor covers the record.

    Raises ``not_allowed_for_role`` (the role may not take this step at all) or ``outside_scope`` (the role may,
    but not for this producer / commune / province / evaluation).
    """
    rule = TRANSITIONS[action]
    scope = rule.roles.get(actor.role)
    label = Action(action).label
    if scope is None:
        allowed = ", ".join(_role_label(role) for role in rule.roles)
        raise EvaluationError(
            "not_allowed_for_role",
            _("“%(action)s” is not a step for a %(role)s (it is for: %(allowed)s).")
            % {"action": label, "role": _role_label(actor.role).lower(), "allowed": allowed.lower()},
            role=actor.role,
        )
    if not in_scope(actor, scope, producer_id=producer.pk, commune_id=commune.pk, province_id=commune.parent_id,
                    candidacy=candidacy):
        raise EvaluationError(
            "outside_scope",
            _("“%(action)s”: %(producer)s (%(commune)s) is outside what you manage as %(role)s.")
            % {"action": label, "producer": producer, "commune": commune, "role": _role_label(actor.role).lower()},
            role=actor.role,
        )


def may(actor: Actor | None, action: str, *, producer, commune, candidacy=None) -> bool:
    """Whether the table gives ``actor`` ``action`` over this producer / commune / candidacy (role and scope only)."""
    if actor is None:
        return False
    try:
        check_allowed(actor, action, producer=producer, commune=commune, candidacy=candidacy)
    except EvaluationError:
        return False
    return True


def may_register(actor: Actor | None) -> bool:
    """Whether ``actor``'s role registers product ideas at all (the producer it registers for is checked later)."""
    return actor is not None and actor.role in TRANSITIONS[Action.REGISTER_IDEA].roles


def allowed_actions(actor: Actor | None, candidacy) -> list[str]:
    """The steps ``actor`` may take on ``candidacy`` now, in the table's order: those the table allows from its
    state, for the actor's role and scope.

    A published result offers no second publication: the table lets ``publish_result`` start from every decided
    state, and the service refuses a repeat (``already_published``).
    """
    actions = []
    for action in actions_from(candidacy.state):
        if action == Action.PUBLISH_RESULT and candidacy.published_at is not None:
            continue
        if may(actor, action, producer=candidacy.producer, commune=candidacy.commune, candidacy=candidacy):
            actions.append(action)
    return actions


def _installation_province_ids() -> frozenset[int]:
    from apps.territory.models import AdministrativeUnit, Era, Level

    return frozenset(AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.PROVINCE,
                                                       code=settings.OCOP_PROVINCE_CODE).values_list("pk", flat=True))


def actor_for(user) -> Actor | None:
    """The actor ``user`` acts as, from its accounts profile (None for the public and roles outside the cycle).

    Provincial administrators and the OCOP office cover the installation's province (OCOP_PROVINCE_CODE), commune
    officers their communes, producer accounts their producer; council members act where they are assigned.
    """
    from apps.accounts.permissions import profile_of, role_of

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    role = role_of(user)
    if role not in CYCLE_ROLES:
        return None
    profile = profile_of(user)
    if role in (Role.PROVINCIAL_ADMIN, Role.PROVINCIAL_OFFICE):
        return Actor(role=role, user=user, province_ids=_installation_province_ids())
    if role == Role.COMMUNE_OFFICER:
        communes = frozenset(profile.communes.values_list("pk", flat=True)) if profile else frozenset()
        return Actor(role=role, user=user, commune_ids=communes)
    if role == Role.PRODUCER:
        producers = frozenset([profile.producer_id]) if profile and profile.producer_id else frozenset()
        return Actor(role=role, user=user, producer_ids=producers)
    return Actor(role=role, user=user)


# How each scope of the transition table reads in apps.accounts' rule language.
_ACCOUNTS_WHERE = {Scope.PRODUCER: "own", Scope.COMMUNE: "communes", Scope.PROVINCE: "all", Scope.ASSIGNED: "all"}


def register_with_accounts() -> None:
    """Declare every step of the cycle as a named action on products in apps.accounts (``evaluation.<action>``),
    from the transition table, so ``accounts.can(user, "evaluation.accept_idea", product)`` answers the same."""
    from apps.accounts.permissions import register_action

    for action, rule in TRANSITIONS.items():
        register_action(f"evaluation.{action}", "product",
                        {role: _ACCOUNTS_WHERE[scope] for role, scope in rule.roles.items()})
