"""Reads of the evaluation cycle: what an actor may see, the boards per level, the public results."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.evaluation.models import Candidacy, ExpiryReminder, MemberScore, StepDeadline
from apps.evaluation.permissions import Actor
from apps.evaluation.services import current_recognitions, reminder_days
from apps.evaluation.workflow import DECIDED_STATES, WAITING_FOR, Role, State
from apps.producers.models import Producer
from apps.ratings.models import OcopRating

_PROVINCIAL = (Role.PROVINCIAL_ADMIN, Role.PROVINCIAL_OFFICE)

# The board a role sees (URL segment → roles allowed to open it).
BOARD_ROLES: dict[str, tuple[str, ...]] = {
    "commune": (Role.COMMUNE_OFFICER,),
    "province": _PROVINCIAL,
    "council": (Role.COUNCIL_MEMBER,),
    "producer": (Role.PRODUCER,),
}


def candidacies_for(actor: Actor) -> QuerySet[Candidacy]:
    """Candidacies within ``actor``'s scope (own producer, own communes, own province, assigned evaluations)."""
    queryset = Candidacy.objects.select_related("product", "producer", "commune", "rating", "criteria_set")
    if actor.role in _PROVINCIAL:
        return queryset.filter(commune__parent_id__in=actor.province_ids)
    if actor.role == Role.COMMUNE_OFFICER:
        return queryset.filter(commune_id__in=actor.commune_ids)
    if actor.role == Role.PRODUCER:
        return queryset.filter(producer_id__in=actor.producer_ids)
    if actor.role == Role.COUNCIL_MEMBER and actor.user_id:
        return queryset.filter(assignments__member_id=actor.user_id)
    return queryset.none()


def producers_for(actor: Actor) -> QuerySet[Producer]:
    """Producers ``actor`` may start a candidacy for: its own producer, or the producers of its communes."""
    if actor.role == Role.PRODUCER:
        return Producer.objects.filter(pk__in=actor.producer_ids)
    if actor.role == Role.COMMUNE_OFFICER:
        return Producer.objects.filter(commune_id__in=actor.commune_ids)
    return Producer.objects.none()


def open_candidacy(product) -> Candidacy | None:
    """The product's candidacy still on its way through the cycle (not yet decided), if any."""
    return product.ocop_candidacies.exclude(state__in=DECIDED_STATES).order_by("-created_at").first()


def board_level(actor: Actor) -> str | None:
    """The board (URL segment) of ``actor``'s role."""
    return next((level for level, roles in BOARD_ROLES.items() if actor.role in roles), None)


def ratings_for(actor: Actor) -> QuerySet[OcopRating]:
    """Ratings of the products within ``actor``'s scope (council members follow no certificates)."""
    queryset = OcopRating.objects.select_related("product__producer__commune")
    if actor.role in _PROVINCIAL:
        return queryset.filter(product__producer__commune__parent_id__in=actor.province_ids)
    if actor.role == Role.COMMUNE_OFFICER:
        return queryset.filter(product__producer__commune_id__in=actor.commune_ids)
    if actor.role == Role.PRODUCER:
        return queryset.filter(product__producer_id__in=actor.producer_ids)
    return queryset.none()


def deadlines() -> dict[str, int]:
    return dict(StepDeadline.objects.values_list("state", "days"))


def due_on(candidacy: Candidacy, days_by_state: dict[str, int] | None = None) -> datetime.date | None:
    """The day by which the candidacy should leave its current state (None when the state has no deadline)."""
    days = (days_by_state if days_by_state is not None else deadlines()).get(candidacy.state)
    return candidacy.state_since + datetime.timedelta(days=days) if days is not None else None


def waiting_for(actor: Actor) -> QuerySet[Candidacy]:
    """Candidacies whose next step is the actor's to take (a council member: those it has not scored yet)."""
    role = Role.PROVINCIAL_OFFICE if actor.role == Role.PROVINCIAL_ADMIN else actor.role
    states = [state for state, roles in WAITING_FOR.items() if role in roles]
    condition = Q(state__in=states)
    if role == Role.PROVINCIAL_OFFICE:
        # Decided results wait for the office until they are published.
        condition |= Q(state__in=DECIDED_STATES, published_at__isnull=True)
    queryset = candidacies_for(actor).filter(condition)
    if actor.role == Role.COUNCIL_MEMBER:
        scored = MemberScore.objects.filter(candidacy=OuterRef("pk"), member_id=actor.user_id)
        queryset = queryset.exclude(Exists(scored))
    return queryset.order_by("state_since", "pk")


def recent(actor: Actor, *, limit: int = 50) -> QuerySet[Candidacy]:
    """Candidacies in scope, the latest changed first (the board's list of everything, to reach any candidacy)."""
    return candidacies_for(actor).order_by("-updated_at", "-pk")[:limit]


def late(actor: Actor, *, today: datetime.date | None = None) -> QuerySet[Candidacy]:
    """Undecided candidacies in scope that stayed in their state longer than the step's deadline."""
    today = today or timezone.localdate()
    condition = Q(pk__in=[])
    for state, days in deadlines().items():
        condition |= Q(state=state, state_since__lt=today - datetime.timedelta(days=days))
    return candidacies_for(actor).exclude(state__in=DECIDED_STATES).filter(condition).order_by("state_since", "pk")


def expiring(actor: Actor, *, today: datetime.date | None = None) -> QuerySet[OcopRating]:
    """Current certificates in scope that expire within the longest reminder lead time (90 days by default)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(reminder_days(), default=0))
    in_scope = ratings_for(actor).values("pk")
    return (current_recognitions(today).filter(pk__in=in_scope, valid_until__lte=horizon)
            .select_related("product__producer__commune", "candidacy").order_by("valid_until", "pk"))


@dataclass
class Board:
    """What an actor's board shows: waiting for me, late, expiring soon (with the reminders already sent)."""

    actor: Actor
    today: datetime.date
    waiting: list[Candidacy] = field(default_factory=list)
    late: list[Candidacy] = field(default_factory=list)
    expiring: list[OcopRating] = field(default_factory=list)
    reminders: dict[int, list[ExpiryReminder]] = field(default_factory=dict)
    due: dict[int, datetime.date | None] = field(default_factory=dict)


def board(actor: Actor, *, today: datetime.date | None = None) -> Board:
    today = today or timezone.localdate()
    days_by_state = deadlines()
    result = Board(actor=actor, today=today, waiting=list(waiting_for(actor)), late=list(late(actor, today=today)),
                   expiring=list(expiring(actor, today=today)))
    for candidacy in [*result.waiting, *result.late]:
        candidacy.due = result.due[candidacy.pk] = due_on(candidacy, days_by_state)
    for reminder in ExpiryReminder.objects.filter(rating__in=[rating.pk for rating in result.expiring]):
        result.reminders.setdefault(reminder.rating_id, []).append(reminder)
    for rating in result.expiring:
        rating.sent_reminders = result.reminders.get(rating.pk, [])
    return result


def published_results() -> QuerySet[Candidacy]:
    """Published decisions for the public transparency page, latest decision first."""
    return (Candidacy.objects.filter(published_at__isnull=False, rating__isnull=False)
            .select_related("product", "producer", "commune", "rating", "rating__issuing_unit")
            .order_by("-rating__decision_date", "-published_at", "pk"))


__all__ = ["BOARD_ROLES", "Board", "board", "board_level", "candidacies_for", "due_on", "expiring", "late",
           "open_candidacy", "producers_for", "published_results", "ratings_for", "recent", "waiting_for", "State"]
