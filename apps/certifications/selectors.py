"""Reads over certifications: a certificate's state on a date and the valid certificates of a subject.

An expired certificate is never reported as valid: validity is always computed from the dates.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.certifications.models import Certification
from apps.certifications.services import subject_field


class CertificationState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    NOT_YET_VALID = "not_yet_valid", _("Not yet valid")


def _today() -> datetime.date:
    return timezone.localdate()


def certification_state(certification: Certification, *, on: datetime.date | None = None) -> str:
    """``valid``, ``expired`` (the day after ``valid_to`` onwards) or ``not_yet_valid`` on ``on`` (today)."""
    on = on or _today()
    if on < certification.valid_from:
        return CertificationState.NOT_YET_VALID
    if certification.valid_to is not None and on > certification.valid_to:
        return CertificationState.EXPIRED
    return CertificationState.VALID


def _valid_on(on: datetime.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def certifications_of(subject: models.Model) -> QuerySet[Certification]:
    """Every certification of a zone, facility, producer or product, latest first."""
    return Certification.objects.filter(**{subject_field(subject): subject})


def valid_certifications(subject: models.Model, *, on: datetime.date | None = None) -> QuerySet[Certification]:
    """The subject's certifications valid on ``on`` (today by default)."""
    return certifications_of(subject).filter(_valid_on(on or _today()))


def with_state(queryset: QuerySet[Certification] | None = None, *, on: datetime.date | None = None
               ) -> QuerySet[Certification]:
    """Annotate ``state`` (valid / expired / not_yet_valid) computed in the database, for lists and filters."""
    on = on or _today()
    queryset = queryset if queryset is not None else Certification.objects.all()
    return queryset.annotate(state=Case(
        When(valid_from__gt=on, then=Value(CertificationState.NOT_YET_VALID)),
        When(valid_to__lt=on, then=Value(CertificationState.EXPIRED)),
        default=Value(CertificationState.VALID),
        output_field=CharField(),
    ))
