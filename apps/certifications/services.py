"""State changes for third-party certifications (VietGAP, GlobalG.A.P., Organic, HACCP…)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files import File
from django.db import models, transaction
from django.utils.translation import gettext as _

from apps.certifications.models import Certification, Scheme
from apps.common.errors import DomainError


class CertificationError(DomainError):
    default_code = "invalid_certification"


def subject_field(subject: Any) -> str:
    """The certification field that holds ``subject`` (a zone, facility, producer or product), or raise."""
    for name in Certification.SCOPE_FIELDS:
        if isinstance(subject, Certification._meta.get_field(name).related_model):
            if subject.pk is None:
                break
            return name
    raise CertificationError(
        "unsupported_subject",
        _("Subject: a certification belongs to a saved raw-material zone, packing facility, production facility, "
          "producer or product, not %(subject)s.") % {"subject": type(subject).__name__},
        field="subject",
    )


def _check(values: dict[str, Any], *, exclude_pk: int | None) -> None:
    if values["scheme"] not in Scheme.values:
        raise CertificationError("unknown_scheme", _("Scheme: %(scheme)s is unknown.") % {"scheme": values["scheme"]},
                                 field="scheme")
    for name, label in (("certifying_body", _("Certifying body")), ("number", _("Certificate number"))):
        values[name] = (values[name] or "").strip()
        if not values[name]:
            raise CertificationError(f"{name}_required", _("%(field)s: required.") % {"field": label}, field=name)
    valid_from: datetime.date | None = values["valid_from"]
    valid_to: datetime.date | None = values["valid_to"]
    if valid_from is None:
        raise CertificationError("valid_from_required", _("Valid from: required."), field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise CertificationError(
            "valid_to_before_valid_from",
            _("Valid to: %(to)s is before the start of validity %(from)s.")
            % {"to": valid_to.strftime("%d/%m/%Y"), "from": valid_from.strftime("%d/%m/%Y")},
            field="valid_to",
        )
    field = subject_field(values["subject"])
    duplicate = Certification.objects.filter(
        scheme=values["scheme"], number__iexact=values["number"], **{field: values["subject"]}
    ).exclude(pk=exclude_pk)
    if duplicate.exists():
        raise CertificationError(
            "duplicate_certification",
            _("Certificate number: %(number)s is already recorded for this subject.") % {"number": values["number"]},
            field="number",
        )


def _fill(certification: Certification, values: dict[str, Any]) -> Certification:
    field = subject_field(values["subject"])
    for name in Certification.SCOPE_FIELDS:
        setattr(certification, name, values["subject"] if name == field else None)
    for name in ("scheme", "certifying_body", "number", "valid_from", "valid_to"):
        setattr(certification, name, values[name])
    if values.get("document"):
        certification.document = values["document"]
    certification.save()
    return certification


@transaction.atomic
def add_certification(
    *,
    scheme: str,
    certifying_body: str,
    number: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    subject: models.Model,
    document: File | None = None,
) -> Certification:
    """Record a certificate held by ``subject`` (a zone, packing or production facility, producer or product).

    Refuses any other subject (``unsupported_subject``), an end before the start, and the same scheme and
    number twice for one subject. An open end (``valid_to`` empty) means valid until withdrawn.
    """
    values = {"scheme": scheme, "certifying_body": certifying_body, "number": number, "valid_from": valid_from,
              "valid_to": valid_to, "subject": subject, "document": document}
    _check(values, exclude_pk=None)
    return _fill(Certification(), values)


@transaction.atomic
def update_certification(*, certification: Certification, **changes: Any) -> Certification:
    """Correct a certificate's fields (including its subject) with the checks of :func:`add_certification`."""
    allowed = {"scheme", "certifying_body", "number", "valid_from", "valid_to", "subject", "document"}
    unknown = set(changes) - allowed
    if unknown:
        raise CertificationError("unknown_field", _("Unknown field(s): %(fields)s.")
                                 % {"fields": ", ".join(sorted(unknown))})
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    values = {name: getattr(certification, name) for name in allowed - {"subject", "document"}}
    values["subject"] = certification.subject
    values.update(changes)
    _check(values, exclude_pk=certification.pk)
    return _fill(certification, values)
