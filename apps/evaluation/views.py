"""Pages of the evaluation cycle: the boards per level, a candidacy's history, the certificate PDF and the public
transparency page of published results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.errors import DomainError
from apps.evaluation import selectors
from apps.evaluation.certificate import certificate_pdf
from apps.evaluation.models import Candidacy
from apps.evaluation.permissions import actor_for
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
    return render(request, "evaluation/board.html", {
        "board": selectors.board(actor), "level": level, "title": BOARD_TITLES[level]})


@login_required
def candidacy_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request.user)
    if actor is None:
        return _forbidden(request, _("Your account has no role in the OCOP evaluation cycle."))
    candidacy = get_object_or_404(selectors.candidacies_for(actor), pk=pk)
    return render(request, "evaluation/candidacy.html", {
        "candidacy": candidacy, "events": candidacy.events.select_related("actor"),
        "documents": candidacy.documents.all(), "scores": candidacy.member_scores.select_related("member"),
        "due_on": selectors.due_on(candidacy)})


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
