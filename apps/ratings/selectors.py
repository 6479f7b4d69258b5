"""Reads over OCOP ratings: a product's current OCOP status, and products annotated with it.

The current status is always derived from the latest recognised (or since revoked) rating by decision date —
never stored a second time — so it changes by itself when a certificate expires.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, CharField, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.products.models import Product
from apps.ratings.models import OcopRating, RatingStatus


class OcopState:
    RECOGNISED = "recognised"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NONE = "none"


@dataclass(frozen=True)
class OcopStatus:
    """A product's OCOP status on a date.

    - ``recognised``: ``stars``, ``certificate_number`` (the decision number), ``valid_until``;
    - ``expired``: the same, ``valid_until`` being the last day it was valid (see ``expired_on``);
    - ``revoked``: ``revoked_on`` and ``revocation_reason`` (and the stars it had);
    - ``none``: never recognised (or only rated 1-2 stars).
    """

    state: str
    stars: int | None = None
    certificate_number: str = ""
    decision_date: datetime.date | None = None
    valid_until: datetime.date | None = None
    revoked_on: datetime.date | None = None
    revocation_reason: str = ""
    rating: OcopRating | None = None

    @property
    def is_recognised(self) -> bool:
        return self.state == OcopState.RECOGNISED

    @property
    def expired_on(self) -> datetime.date | None:
        """The certificate's expiry date (its last valid day) when the state is ``expired``."""
        return self.valid_until if self.state == OcopState.EXPIRED else None


def _today() -> datetime.date:
    return timezone.localdate()


def _latest_decisions(on: datetime.date) -> QuerySet[OcopRating]:
    """Recognised (or since revoked) ratings decided on or before ``on``, latest decision first."""
    return OcopRating.objects.filter(
        status__in=[RatingStatus.RECOGNISED, RatingStatus.REVOKED], decision_date__isnull=False,
        decision_date__lte=on,
    ).order_by("-decision_date", "-evaluation_date", "-pk")


def current_ocop_status(product: Product, *, on: datetime.date | None = None) -> OcopStatus:
    """The product's OCOP status on ``on`` (today by default), from its latest recognised rating."""
    on = on or _today()
    rating = _latest_decisions(on).filter(product=product).first()
    if rating is None:
        return OcopStatus(state=OcopState.NONE)
    common = {"stars": rating.stars, "certificate_number": rating.decision_number,
              "decision_date": rating.decision_date, "valid_until": rating.valid_until, "rating": rating}
    if rating.status == RatingStatus.REVOKED and rating.revoked_on <= on:
        return OcopStatus(state=OcopState.REVOKED, revoked_on=rating.revoked_on,
                          revocation_reason=rating.revocation_reason, **common)
    if rating.valid_until is not None and on > rating.valid_until:
        return OcopStatus(state=OcopState.EXPIRED, **common)
    return OcopStatus(state=OcopState.RECOGNISED, **common)


def _state_expression(on: datetime.date) -> Case:
    return Case(
        When(status=RatingStatus.REVOKED, revoked_on__lte=on, then=Value(OcopState.REVOKED)),
        When(valid_until__lt=on, then=Value(OcopState.EXPIRED)),
        default=Value(OcopState.RECOGNISED),
        output_field=CharField(),
    )


def products_with_status(
    queryset: QuerySet[Product] | None = None,
    *,
    on: datetime.date | None = None,
    stars: int | None = None,
    min_stars: int | None = None,
    state: str | None = None,
) -> QuerySet[Product]:
    """Products annotated with their OCOP status on ``on`` (today by default), for lists, maps and filters.

    Annotations (one correlated subquery each, on the (product, status, decision_date) index):
    ``ocop_state`` ("recognised" / "expired" / "revoked" / "none"), ``ocop_stars`` (the stars while recognised,
    else NULL) and ``ocop_valid_until``. ``stars`` / ``min_stars`` keep products currently recognised at that
    level; ``state`` keeps one state.
    """
    on = on or _today()
    latest = _latest_decisions(on).filter(product=OuterRef("pk")).annotate(current_state=_state_expression(on))
    queryset = (queryset if queryset is not None else Product.objects.all()).annotate(
        ocop_state=Coalesce(Subquery(latest.values("current_state")[:1]), Value(OcopState.NONE),
                            output_field=CharField()),
        ocop_stars=Subquery(
            latest.annotate(current_stars=Case(When(current_state=OcopState.RECOGNISED, then=F("stars")),
                                                default=None, output_field=IntegerField()))
            .values("current_stars")[:1],
            output_field=IntegerField(),
        ),
        ocop_valid_until=Subquery(latest.values("valid_until")[:1]),
    )
    if stars is not None:
        queryset = queryset.filter(ocop_stars=stars)
    if min_stars is not None:
        queryset = queryset.filter(ocop_stars__gte=min_stars)
    if state:
        queryset = queryset.filter(ocop_state=state)
    return queryset


def ratings_of(product: Product) -> QuerySet[OcopRating]:
    """All ratings of a product, latest decision first (history, including 1-2 star results)."""
    return product.ratings.select_related("criteria_set", "issuing_unit").order_by(
        F("decision_date").desc(nulls_last=True), "-evaluation_date", "-pk"
    )


__all__ = ["OcopState", "OcopStatus", "current_ocop_status", "products_with_status", "ratings_of"]
