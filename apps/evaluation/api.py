"""Evaluation API (``/api/v1/evaluation/…``): every step of the cycle, the boards and the published results.

A step is ``POST candidacies/{id}/{action}/`` with the action's fields as JSON; views only parse input, call the
service and translate a refusal's code into a status: 403 for the wrong role or scope, 409 for a step the state
does not allow, 400 for invalid input.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import DomainError
from apps.evaluation import selectors, services
from apps.evaluation.models import Candidacy
from apps.evaluation.permissions import Actor, EvaluationError, actor_for
from apps.evaluation.workflow import Action
from apps.producers.models import Producer
from apps.products.models import Product, ProductCategory
from apps.ratings.models import CriteriaSet, OcopRating

_FORBIDDEN = {"not_allowed_for_role", "outside_scope", "forbidden"}
_CONFLICT = {"illegal_transition", "candidacy_open", "already_published"}


def status_for(error: DomainError) -> int:
    """The HTTP status of a refusal: 403 wrong role or scope, 409 a step the state does not allow, 400 bad input."""
    return 403 if error.code in _FORBIDDEN else 409 if error.code in _CONFLICT else 400


def error_response(error: DomainError) -> Response:
    return Response(error.as_dict(), status=status_for(error))


def _date(data: dict, name: str, *, required: bool = False) -> datetime.date | None:
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            raise EvaluationError(f"{name}_required", _("%(field)s: enter a date (YYYY-MM-DD).") % {"field": name},
                                  field=name)
        return None
    try:
        return datetime.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise EvaluationError("invalid_date", _("%(field)s: %(value)s is not a date (YYYY-MM-DD).")
                              % {"field": name, "value": raw}, field=name) from exc


def _object(model, data: dict, name: str):
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        return model.objects.get(pk=int(raw))
    except (ValueError, TypeError, model.DoesNotExist) as exc:
        raise EvaluationError("not_found", _("%(field)s: %(value)s does not exist.")
                              % {"field": name, "value": raw}, field=name) from exc


def _text(data: dict, name: str) -> str:
    return str(data.get(name) or "")


def _members(data: dict) -> list:
    ids = data.get("members") or []
    users = list(get_user_model().objects.filter(pk__in=[int(pk) for pk in ids]))
    if len(users) != len(set(ids)):
        raise EvaluationError("not_found", _("Council: a member does not exist."), field="members")
    return users


# Each step: how its JSON body becomes the service's keyword arguments.
STEPS: dict[str, tuple[Callable[..., Any], Callable[[dict], dict]]] = {
    Action.ACCEPT_IDEA: (services.accept_idea, lambda d: {"note": _text(d, "note")}),
    Action.REJECT_IDEA: (services.reject_idea, lambda d: {"note": _text(d, "note")}),
    Action.RESUBMIT_IDEA: (services.resubmit_idea, lambda d: {"idea_description": _text(d, "idea_description")}),
    Action.SUBMIT_PLAN: (services.submit_plan, lambda d: {"plan_summary": _text(d, "plan_summary")}),
    Action.APPROVE_PLAN: (services.approve_plan, lambda d: {"note": _text(d, "note")}),
    Action.REJECT_PLAN: (services.reject_plan, lambda d: {"note": _text(d, "note")}),
    Action.RESUBMIT_PLAN: (services.resubmit_plan, lambda d: {"plan_summary": _text(d, "plan_summary")}),
    Action.REPORT_PROGRESS: (services.report_progress,
                             lambda d: {"note": _text(d, "note"), "percent_done": d.get("percent_done")}),
    Action.SUBMIT_DOSSIER: (services.submit_dossier,
                            lambda d: {"documents": [(str(title), None) for title in d.get("documents") or []]}),
    Action.RETURN_DOSSIER: (services.return_dossier, lambda d: {"note": _text(d, "note")}),
    Action.CONFIRM_DOSSIER: (services.confirm_dossier, lambda d: {
        "samples_received_on": _date(d, "samples_received_on"), "local_labour_share": d.get("local_labour_share"),
        "local_material_share": d.get("local_material_share"), "note": _text(d, "note")}),
    Action.OPEN_EVALUATION: (services.open_evaluation, lambda d: {
        "members": _members(d), "criteria_set": _object(CriteriaSet, d, "criteria_set"),
        "council_level": d.get("council_level") or "province", "evaluation_round": _text(d, "evaluation_round")}),
    Action.SCORE: (services.submit_scores, lambda d: {
        "score_a": d.get("score_a"), "score_b": d.get("score_b"), "score_c": d.get("score_c"),
        "criterion_scores": d.get("criterion_scores") or None, "comment": _text(d, "comment")}),
    Action.CLOSE_EVALUATION: (services.close_evaluation, lambda d: {}),
    Action.ISSUE_DECISION: (services.issue_decision, lambda d: {
        "decision_number": _text(d, "decision_number"), "decision_date": _date(d, "decision_date"),
        "issuing_authority": _text(d, "issuing_authority")}),
    Action.PUBLISH_RESULT: (services.publish_result, lambda d: {}),
    Action.REVOKE_RECOGNITION: (services.revoke_recognition, lambda d: {
        "reason": _text(d, "reason"), "revoked_on": _date(d, "revoked_on", required=True)}),
}


def _actor(request: Request) -> Actor:
    actor = actor_for(request.user)
    if actor is None:
        raise EvaluationError("not_allowed_for_role", _("Your account has no role in the OCOP evaluation cycle."))
    return actor


def serialize_candidacy(candidacy: Candidacy, *, due_on: datetime.date | None = None) -> dict:
    rating = candidacy.rating
    return {
        "id": candidacy.pk, "kind": candidacy.kind, "cycle_year": candidacy.cycle_year,
        "state": candidacy.state, "state_label": str(candidacy.get_state_display()),
        "state_since": candidacy.state_since.isoformat(), "due_on": due_on.isoformat() if due_on else None,
        "product": {"id": candidacy.product_id, "name": candidacy.product.name, "slug": candidacy.product.slug},
        "producer": {"id": candidacy.producer_id, "name": candidacy.producer.name},
        "commune": {"id": candidacy.commune_id, "name": candidacy.commune.name},
        "scores": None if candidacy.total is None else {
            "a": str(candidacy.score_a), "b": str(candidacy.score_b), "c": str(candidacy.score_c),
            "total": str(candidacy.total)},
        "rating": None if rating is None else serialize_rating(rating),
        "published_at": candidacy.published_at.isoformat() if candidacy.published_at else None,
    }


def serialize_rating(rating: OcopRating) -> dict:
    return {
        "id": rating.pk, "product": rating.product.name, "stars": rating.stars, "total": str(rating.total),
        "status": rating.status, "council_level": rating.council_level, "era": rating.era,
        "decision_number": rating.decision_number,
        "decision_date": rating.decision_date.isoformat() if rating.decision_date else None,
        "issuing_authority": rating.issuing_authority,
        "valid_until": rating.valid_until.isoformat() if rating.valid_until else None,
    }


class CandidacyList(APIView):
    """GET: the candidacies in your scope. POST: register a product idea (producer, product or name + category)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="evaluation_candidacies_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        try:
            actor = _actor(request)
        except DomainError as error:
            return error_response(error)
        return Response([serialize_candidacy(candidacy) for candidacy in selectors.candidacies_for(actor)])

    @extend_schema(operation_id="evaluation_candidacies_register", request=OpenApiTypes.OBJECT,
                   responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = request.data
        try:
            actor = _actor(request)
            producer = _object(Producer, data, "producer")
            if producer is None:
                raise EvaluationError("producer_required", _("Producer: choose the producer."), field="producer")
            candidacy = services.register_idea(
                actor=actor, producer=producer, product=_object(Product, data, "product"),
                product_name=_text(data, "product_name"), category=_object(ProductCategory, data, "category"),
                idea_description=_text(data, "idea_description"), cycle_year=data.get("cycle_year"))
        except DomainError as error:
            return error_response(error)
        return Response(serialize_candidacy(candidacy), status=201)


class CandidacyStep(APIView):
    """POST one step of the cycle on a candidacy (see ``STEPS`` for each action's fields)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="evaluation_candidacies_step", request=OpenApiTypes.OBJECT,
                   responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in STEPS:
            return Response({"code": "unknown_action", "message": _("Unknown step %(action)s.") % {"action": action}},
                            status=404)
        candidacy = get_object_or_404(Candidacy, pk=pk)
        service, arguments = STEPS[action]
        try:
            actor = _actor(request)
            result = service(actor=actor, candidacy=candidacy, **arguments(request.data))
        except DomainError as error:
            return error_response(error)
        candidacy.refresh_from_db()
        body = serialize_candidacy(candidacy)
        if action == Action.SCORE:
            body["member_score"] = {"a": str(result.score_a), "b": str(result.score_b), "c": str(result.score_c)}
        return Response(body)


class ReEvaluation(APIView):
    """POST: start the re-evaluation of a recognised rating."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        rating = get_object_or_404(OcopRating, pk=pk)
        try:
            candidacy = services.start_re_evaluation(actor=_actor(request), rating=rating)
        except DomainError as error:
            return error_response(error)
        return Response(serialize_candidacy(candidacy), status=201)


def serialize_board(board: selectors.Board) -> dict:
    return {
        "role": board.actor.role, "today": board.today.isoformat(),
        "waiting": [serialize_candidacy(candidacy, due_on=board.due.get(candidacy.pk)) for candidacy in board.waiting],
        "late": [serialize_candidacy(candidacy, due_on=board.due.get(candidacy.pk)) for candidacy in board.late],
        "expiring": [{**serialize_rating(rating), "days_left": (rating.valid_until - board.today).days,
                      "reminders": [{"days_ahead": reminder.days_ahead, "sent_on": reminder.sent_on.isoformat()}
                                    for reminder in board.reminders.get(rating.pk, [])]}
                     for rating in board.expiring],
    }


class BoardApi(APIView):
    """GET the board of a level (commune, province, council, producer): waiting, late, expiring soon."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, level: str) -> Response:
        if level not in selectors.BOARD_ROLES:
            return Response({"code": "unknown_board", "message": _("Unknown board %(level)s.") % {"level": level}},
                            status=404)
        actor = actor_for(request.user)
        if actor is None or actor.role not in selectors.BOARD_ROLES[level]:
            return Response({"code": "not_allowed_for_role", "message": _("This board is not for your role.")},
                            status=403)
        return Response(serialize_board(selectors.board(actor)))


class ResultList(APIView):
    """GET the published evaluation results (public transparency list)."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="evaluation_results_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response([serialize_candidacy(candidacy) for candidacy in selectors.published_results()])
