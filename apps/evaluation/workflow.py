"""The OCOP evaluation cycle as data: states, roles and the transition table (chu trình OCOP hằng năm).

One candidacy (hồ sơ tham gia OCOP) follows one product through one cycle::

    register_idea ──▶ idea_submitted ──accept_idea──▶ idea_accepted ──submit_plan──▶ plan_submitted
                        │   ▲                                                      │    ▲
              reject_idea   resubmit_idea                                 reject_plan   resubmit_plan
                        ▼   │                                                      ▼    │
                     idea_rejected                                              plan_rejected
    plan_submitted ──approve_plan──▶ implementing (report_progress keeps it there)
    implementing ──submit_dossier──▶ dossier_submitted ──confirm_dossier──▶ proposed
                                        └──return_dossier──▶ implementing
    proposed ──open_evaluation──▶ under_evaluation (score_candidacy keeps it there)
    under_evaluation ──close_evaluation──▶ evaluated ──issue_decision──▶ recognised | not_recognised
    recognised / not_recognised ──publish_result──▶ (same state, published)
    recognised ──revoke_recognition──▶ revoked
    start_re_evaluation (of a recognised rating) ──▶ a new candidacy in implementing

``TRANSITIONS`` maps each action to the states it may start from (``None`` = it creates the candidacy), the
state it leads to (``None`` = decided by the service, e.g. the stars of a decision) and the roles that may take
it, each with the scope the actor must hold over the candidacy:

- ``producer``: the producer account of the candidacy's producer;
- ``commune``: an officer of the candidacy's (2025) commune;
- ``province``: an officer of the province that contains that commune;
- ``assigned``: a council member assigned to this candidacy's evaluation.

Services refuse a move the table does not allow with ``illegal_transition``, a role it does not name with
``not_allowed_for_role`` and a role without the scope with ``outside_scope``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Role

# The roles that take part in the cycle; the roles themselves are the accounts app's.
CYCLE_ROLES = (Role.PROVINCIAL_ADMIN, Role.PROVINCIAL_OFFICE, Role.COMMUNE_OFFICER, Role.COUNCIL_MEMBER,
               Role.PRODUCER)


class Scope(models.TextChoices):
    PRODUCER = "producer", _("own producer")
    COMMUNE = "commune", _("own communes")
    PROVINCE = "province", _("own province")
    ASSIGNED = "assigned", _("assigned evaluation")


class State(models.TextChoices):
    IDEA_SUBMITTED = "idea_submitted", _("Idea registered")
    IDEA_REJECTED = "idea_rejected", _("Idea rejected")
    IDEA_ACCEPTED = "idea_accepted", _("Idea accepted")
    PLAN_SUBMITTED = "plan_submitted", _("Business plan submitted")
    PLAN_REJECTED = "plan_rejected", _("Business plan rejected")
    IMPLEMENTING = "implementing", _("Implementing the plan")
    DOSSIER_SUBMITTED = "dossier_submitted", _("Dossier submitted")
    PROPOSED = "proposed", _("Proposed for evaluation")
    UNDER_EVALUATION = "under_evaluation", _("Under council evaluation")
    EVALUATED = "evaluated", _("Evaluated, awaiting decision")
    RECOGNISED = "recognised", _("Recognised")
    NOT_RECOGNISED = "not_recognised", _("Not recognised")
    REVOKED = "revoked", _("Recognition revoked")


class Action(models.TextChoices):
    REGISTER_IDEA = "register_idea", _("Register a product idea")
    ACCEPT_IDEA = "accept_idea", _("Accept the idea")
    REJECT_IDEA = "reject_idea", _("Reject the idea")
    RESUBMIT_IDEA = "resubmit_idea", _("Resubmit the idea")
    SUBMIT_PLAN = "submit_plan", _("Submit the business plan")
    APPROVE_PLAN = "approve_plan", _("Approve the business plan")
    REJECT_PLAN = "reject_plan", _("Reject the business plan")
    RESUBMIT_PLAN = "resubmit_plan", _("Resubmit the business plan")
    REPORT_PROGRESS = "report_progress", _("Report implementation progress")
    SUBMIT_DOSSIER = "submit_dossier", _("Submit the dossier")
    RETURN_DOSSIER = "return_dossier", _("Return the dossier for completion")
    CONFIRM_DOSSIER = "confirm_dossier", _("Confirm the dossier and propose it")
    OPEN_EVALUATION = "open_evaluation", _("Open the council evaluation")
    SCORE = "score_candidacy", _("Score the product")
    CLOSE_EVALUATION = "close_evaluation", _("Close the evaluation")
    ISSUE_DECISION = "issue_decision", _("Record the recognition decision")
    PUBLISH_RESULT = "publish_result", _("Publish the result")
    REVOKE_RECOGNITION = "revoke_recognition", _("Revoke the recognition")
    START_RE_EVALUATION = "start_re_evaluation", _("Start a re-evaluation")


@dataclass(frozen=True)
class Rule:
    """Who may take an action from which states, and where it leads."""

    sources: tuple[str | None, ...]
    target: str | None
    roles: dict[str, str]  # role → scope


_PRODUCER_OR_COMMUNE = {Role.PRODUCER: Scope.PRODUCER, Role.COMMUNE_OFFICER: Scope.COMMUNE}
_COMMUNE = {Role.COMMUNE_OFFICER: Scope.COMMUNE}
_PROVINCE = {Role.PROVINCIAL_OFFICE: Scope.PROVINCE, Role.PROVINCIAL_ADMIN: Scope.PROVINCE}

TRANSITIONS: dict[str, Rule] = {
    Action.REGISTER_IDEA: Rule((None,), State.IDEA_SUBMITTED, _PRODUCER_OR_COMMUNE),
    Action.ACCEPT_IDEA: Rule((State.IDEA_SUBMITTED,), State.IDEA_ACCEPTED, _COMMUNE),
    Action.REJECT_IDEA: Rule((State.IDEA_SUBMITTED,), State.IDEA_REJECTED, _COMMUNE),
    Action.RESUBMIT_IDEA: Rule((State.IDEA_REJECTED,), State.IDEA_SUBMITTED, _PRODUCER_OR_COMMUNE),
    Action.SUBMIT_PLAN: Rule((State.IDEA_ACCEPTED,), State.PLAN_SUBMITTED, _PRODUCER_OR_COMMUNE),
    Action.APPROVE_PLAN: Rule((State.PLAN_SUBMITTED,), State.IMPLEMENTING, _COMMUNE),
    Action.REJECT_PLAN: Rule((State.PLAN_SUBMITTED,), State.PLAN_REJECTED, _COMMUNE),
    Action.RESUBMIT_PLAN: Rule((State.PLAN_REJECTED,), State.PLAN_SUBMITTED, _PRODUCER_OR_COMMUNE),
    Action.REPORT_PROGRESS: Rule((State.IMPLEMENTING,), State.IMPLEMENTING, _PRODUCER_OR_COMMUNE),
    Action.SUBMIT_DOSSIER: Rule((State.IMPLEMENTING,), State.DOSSIER_SUBMITTED, _PRODUCER_OR_COMMUNE),
    Action.RETURN_DOSSIER: Rule((State.DOSSIER_SUBMITTED,), State.IMPLEMENTING, _COMMUNE),
    Action.CONFIRM_DOSSIER: Rule((State.DOSSIER_SUBMITTED,), State.PROPOSED, _COMMUNE),
    Action.OPEN_EVALUATION: Rule((State.PROPOSED,), State.UNDER_EVALUATION, _PROVINCE),
    Action.SCORE: Rule((State.UNDER_EVALUATION,), State.UNDER_EVALUATION, {Role.COUNCIL_MEMBER: Scope.ASSIGNED}),
    Action.CLOSE_EVALUATION: Rule((State.UNDER_EVALUATION,), State.EVALUATED, _PROVINCE),
    # The stars of the decision choose recognised / not recognised.
    Action.ISSUE_DECISION: Rule((State.EVALUATED,), None, _PROVINCE),
    Action.PUBLISH_RESULT: Rule((State.RECOGNISED, State.NOT_RECOGNISED, State.REVOKED), None, _PROVINCE),
    Action.REVOKE_RECOGNITION: Rule((State.RECOGNISED,), State.REVOKED, _PROVINCE),
    # Creates a new candidacy for a product whose recognition nears expiry (or has expired).
    Action.START_RE_EVALUATION: Rule((None,), State.IMPLEMENTING, _PRODUCER_OR_COMMUNE),
}

# Who is expected to act in each state: the boards list a candidacy under "waiting for me" for these roles.
WAITING_FOR: dict[str, tuple[str, ...]] = {
    State.IDEA_SUBMITTED: (Role.COMMUNE_OFFICER,),
    State.IDEA_REJECTED: (Role.PRODUCER,),
    State.IDEA_ACCEPTED: (Role.PRODUCER,),
    State.PLAN_SUBMITTED: (Role.COMMUNE_OFFICER,),
    State.PLAN_REJECTED: (Role.PRODUCER,),
    State.IMPLEMENTING: (Role.PRODUCER,),
    State.DOSSIER_SUBMITTED: (Role.COMMUNE_OFFICER,),
    State.PROPOSED: (Role.PROVINCIAL_OFFICE,),
    State.UNDER_EVALUATION: (Role.COUNCIL_MEMBER, Role.PROVINCIAL_OFFICE),
    State.EVALUATED: (Role.PROVINCIAL_OFFICE,),
}

# States a candidacy no longer moves out of by itself (only publication or revocation may follow).
DECIDED_STATES = frozenset({State.RECOGNISED, State.NOT_RECOGNISED, State.REVOKED})


def actions_from(state: str | None) -> list[str]:
    """Actions the table allows from ``state`` (``None``: actions that create a candidacy)."""
    return [action for action, rule in TRANSITIONS.items() if state in rule.sources]
