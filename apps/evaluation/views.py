"""Pages of the evaluation cycle: the boards per level, a candidacy's page with the steps the user may take as
forms, the registration of a product idea, the certificate PDF and the public transparency page.

Thin views: a step's form parses the input, the step's service decides. Which steps a page offers comes from
``permissions.allowed_actions`` (the transition table); a POST for a step the user's role or scope does not allow is
refused with 403 before the form is read, and the service refuses everything else with a coded error shown next to
the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.common.errors import DomainError
from apps.evaluation import selectors, services
from apps.evaluation.api import STEPS, status_for
from apps.evaluation.certificate import certificate_pdf
from apps.evaluation.forms import (
    ConfirmDossierForm,
    ConfirmForm,
    DecisionForm,
    DossierForm,
    IdeaForm,
    NoteForm,
    OpenEvaluationForm,
    PlanForm,
    ProgressForm,
    ReasonForm,
    ResubmitIdeaForm,
    RevokeForm,
    ScoreForm,
    StepForm,
)
from apps.evaluation.models import Candidacy
from apps.evaluation.permissions import (
    Actor,
    EvaluationError,
    actor_for,
    allowed_actions,
    check_allowed,
    may,
    may_register,
)
from apps.evaluation.workflow import WAITING_FOR, Action, State
from apps.ratings.models import OcopRating

BOARD_TITLES = {
    "commune": gettext_lazy("Commune board"),
    "province": gettext_lazy("Provincial board"),
    "council": gettext_lazy("Council member board"),
    "producer": gettext_lazy("Producer board"),
}


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "evaluation/forbidden.html", {"message": message}, status=403)


@login_required
def board_page(request: HttpRequest, level: str) -> HttpResponse:
    if level not in selectors.BOARD_ROLES:
        raise Http404
    actor = actor_for(request.user)
    if actor is None or actor.role not in selectors.BOARD_ROLES[level]:
        return _forbidden(request, _("This board is not for your role."))
    board = selectors.board(actor)
    re_evaluable = {rating.pk for rating in board.expiring
                    if may(actor, Action.START_RE_EVALUATION, producer=rating.product.producer,
                           commune=rating.product.producer.commune)}
    recent = list(selectors.recent(actor))
    days_by_state = selectors.deadlines()
    for candidacy in recent:
        candidacy.due = selectors.due_on(candidacy, days_by_state)
    return render(request, "evaluation/board.html", {
        "board": board, "level": level, "title": BOARD_TITLES[level], "may_register": may_register(actor),
        "re_evaluable": re_evaluable, "recent": recent})


# The form and the service of each step taken on an existing candidacy.
# The form of each step; the service it calls is the API's (apps.evaluation.api.STEPS), so pages and API agree.
_FORMS: dict[str, type[StepForm]] = {
    Action.ACCEPT_IDEA: NoteForm,
    Action.REJECT_IDEA: ReasonForm,
    Action.RESUBMIT_IDEA: ResubmitIdeaForm,
    Action.SUBMIT_PLAN: PlanForm,
    Action.APPROVE_PLAN: NoteForm,
    Action.REJECT_PLAN: ReasonForm,
    Action.RESUBMIT_PLAN: PlanForm,
    Action.REPORT_PROGRESS: ProgressForm,
    Action.SUBMIT_DOSSIER: DossierForm,
    Action.RETURN_DOSSIER: ReasonForm,
    Action.CONFIRM_DOSSIER: ConfirmDossierForm,
    Action.OPEN_EVALUATION: OpenEvaluationForm,
    Action.SCORE: ScoreForm,
    Action.CLOSE_EVALUATION: ConfirmForm,
    Action.ISSUE_DECISION: DecisionForm,
    Action.PUBLISH_RESULT: ConfirmForm,
    Action.REVOKE_RECOGNITION: RevokeForm,
}
STEP_FORMS: dict[str, tuple[type[StepForm], Callable[..., Any]]] = {
    action: (form_class, STEPS[action][0]) for action, form_class in _FORMS.items()}

NO_ROLE = gettext_lazy("Your account has no role in the OCOP evaluation cycle.")


def _step_form(action: str, candidacy: Candidacy, actor: Actor, data=None, files=None) -> StepForm:
    form_class, _service = STEP_FORMS[action]
    return form_class(data, files, action=action, candidacy=candidacy, actor=actor)


def _render_candidacy(request: HttpRequest, actor: Actor, candidacy: Candidacy, *, bound: StepForm | None = None,
                      status: int = 200) -> HttpResponse:
    """The candidacy page with a form for every step the user may take now (``bound`` replaces its blank form)."""
    actions = allowed_actions(actor, candidacy)
    step_forms = [bound if bound is not None and bound.action == action else _step_form(action, candidacy, actor)
                  for action in actions]
    # A refusal for a step the page no longer offers (the state moved on) is shown above the steps.
    refusal = bound.non_field_errors() if bound is not None and bound.action not in actions else None
    re_evaluation = None
    if candidacy.state == State.RECOGNISED and candidacy.rating_id and may(
            actor, Action.START_RE_EVALUATION, producer=candidacy.producer, commune=candidacy.commune):
        re_evaluation = {"open": selectors.open_candidacy(candidacy.product)}
    return render(request, "evaluation/candidacy.html", {
        "candidacy": candidacy, "events": candidacy.events.select_related("actor"),
        "documents": candidacy.documents.all(), "scores": candidacy.member_scores.select_related("member"),
        "assignments": candidacy.assignments.select_related("member"),
        "due_on": selectors.due_on(candidacy), "step_forms": step_forms, "refusal": refusal,
        "waiting_for": [Role(role).label for role in WAITING_FOR.get(candidacy.state, ())],
        "re_evaluation": re_evaluation, "board_level": selectors.board_level(actor),
    }, status=status)


@login_required
def candidacy_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    if actor is None:
        return _forbidden(request, NO_ROLE)
    candidacy = get_object_or_404(selectors.candidacies_for(actor), pk=pk)
    return _render_candidacy(request, actor, candidacy)


@login_required
@require_POST
def candidacy_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one step on a candidacy from its page; back to the page with a message, or the page with the errors."""
    if action not in STEP_FORMS:
        raise Http404
    actor = actor_for(request.user)
    if actor is None:
        return _forbidden(request, NO_ROLE)
    candidacy = get_object_or_404(selectors.candidacies_for(actor), pk=pk)
    try:
        check_allowed(actor, action, producer=candidacy.producer, commune=candidacy.commune, candidacy=candidacy)
    except EvaluationError as error:
        return _forbidden(request, error.message)
    form = _step_form(action, candidacy, actor, request.POST, request.FILES)
    status = 400
    if form.is_valid():
        _form_class, service = STEP_FORMS[action]
        try:
            service(actor=actor, candidacy=candidacy, **form.service_arguments())
        except DomainError as error:
            status = status_for(error)
            if status == 403:
                return _forbidden(request, error.message)
            form.add_domain_error(error)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
            return redirect("evaluation:candidacy", pk=candidacy.pk)
    candidacy.refresh_from_db()
    return _render_candidacy(request, actor, candidacy, bound=form, status=status)


@login_required
def register_idea_page(request: HttpRequest) -> HttpResponse:
    """Register a product idea (producer or commune officer); on success, go to the new candidacy's page."""
    actor = actor_for(request.user)
    if not may_register(actor):
        return _forbidden(request, _("Registering a product idea is for producers and commune officers."))
    form = IdeaForm(request.POST or None, producers=selectors.producers_for(actor), actor=actor)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                candidacy = services.register_idea(actor=actor, **form.service_arguments())
            except DomainError as error:
                status = status_for(error)
                if status == 403:
                    return _forbidden(request, error.message)
                form.add_domain_error(error)
            else:
                messages.success(request, _("Product idea registered: the commune will review it."))
                return redirect("evaluation:candidacy", pk=candidacy.pk)
    return render(request, "evaluation/register_idea.html", {
        "form": form, "board_level": selectors.board_level(actor)}, status=status)


@login_required
@require_POST
def re_evaluation_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the re-evaluation of a recognised rating; go to the new candidacy, or back with the reason why not."""
    actor = actor_for(request.user)
    if actor is None:
        return _forbidden(request, NO_ROLE)
    rating = get_object_or_404(selectors.ratings_for(actor), pk=pk)
    try:
        candidacy = services.start_re_evaluation(actor=actor, rating=rating)
    except DomainError as error:
        if status_for(error) == 403:
            return _forbidden(request, error.message)
        messages.error(request, error.message)
        previous = Candidacy.objects.filter(rating=rating).first()
        if previous is not None:
            return redirect("evaluation:candidacy", pk=previous.pk)
        return redirect("evaluation:board", level=selectors.board_level(actor))
    messages.success(request, _("Re-evaluation started: prepare and submit the dossier."))
    return redirect("evaluation:candidacy", pk=candidacy.pk)


def results_page(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluation/results.html", {"results": selectors.published_results()})


def certificate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate PDF: public once the result is published, else only for actors who cover the product."""
    rating = get_object_or_404(OcopRating.objects.select_related("product__producer__commune", "criteria_set"),
                               pk=pk)
    is_published = Candidacy.objects.filter(rating=rating, published_at__isnull=False).exists()
    if not is_published:
        actor = actor_for(request.user)
        if actor is None or not selectors.ratings_for(actor).filter(pk=rating.pk).exists():
            raise Http404
    try:
        pdf = certificate_pdf(rating)
    except DomainError as error:
        return render(request, "evaluation/forbidden.html", {"message": error.message}, status=404)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ocop-certificate-{rating.pk}.pdf"'
    return response
