"""Reads over code formats: the format in force, validating a code, proposing the next one."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.codes.models import CodeFormat, CodeKind
from apps.common.errors import DomainError


class CodeFormatError(DomainError):
    default_code = "code_format"


class ParsedCode(NamedTuple):
    """The parts of a valid code: the province letters it was issued with and its sequence number."""

    letters: str
    sequence: int


def canonical_code(code: str) -> str:
    """Return ``code`` as stored: surrounding spaces removed, upper case."""
    return (code or "").strip().upper()


def format_in_force(kind: str, on: datetime.date | None = None) -> CodeFormat:
    """Return the format of ``kind`` in force on ``on`` (today by default): the latest not starting later."""
    on = on or timezone.localdate()
    code_format = CodeFormat.objects.filter(kind=kind, valid_from__lte=on).order_by("-valid_from").first()
    if code_format is None:
        label = CodeKind(kind).label if kind in CodeKind.values else kind
        raise CodeFormatError("no_code_format", _("No format of %(kind)s is in force on %(date)s.")
                              % {"kind": label, "date": on.isoformat()}, field="code", kind=kind)
    return code_format


def parse_code(code_format: CodeFormat, code: str) -> ParsedCode | None:
    """Parse ``code`` with one format; ``None`` when it does not match."""
    match = re.fullmatch(code_format.pattern, canonical_code(code))
    if match is None:
        return None
    return ParsedCode(match.group("letters"), int(match.group("sequence")))


def validate_code(kind: str, code: str, *, on: datetime.date | None = None, field_name: str = "code") -> ParsedCode:
    """Return ``(letters, sequence)`` of ``code`` under the format in force, or raise ``code_format``.

    The message names the expected example, so officers see what a valid code looks like.
    """
    code_format = format_in_force(kind, on)
    parsed = parse_code(code_format, code)
    if parsed is None:
        raise CodeFormatError(
            "code_format",
            _("The code %(code)s does not match the format of %(kind)s: expected something like %(example)s.")
            % {"code": canonical_code(code) or "∅", "kind": code_format.get_kind_display(),
               "example": code_format.example},
            field=field_name,
            example=code_format.example,
        )
    return parsed


def _codes_of(existing_codes: Iterable[str] | QuerySet) -> Iterable[str]:
    if isinstance(existing_codes, QuerySet) and not existing_codes.query.values_select:
        return existing_codes.values_list("code", flat=True)
    return existing_codes


def propose_next_code(
    kind: str, letters: str, existing_codes: Iterable[str] | QuerySet, *, on: datetime.date | None = None
) -> str:
    """Propose the next code of ``kind`` for ``letters``: one past the highest sequence already used.

    ``existing_codes`` is a queryset of records with a ``code`` field, a ``values_list`` of codes or any
    iterable of strings. Existing codes are parsed with every format of the kind (older formats too);
    gaps are never reused, because a revoked code must not be issued again. Raises ``code_format``
    when the letters are not valid for the format or the sequence would overflow it.
    """
    code_format = format_in_force(kind, on)
    letters = canonical_code(letters)
    formats = list(CodeFormat.objects.filter(kind=kind))
    highest = 0
    for code in _codes_of(existing_codes):
        for candidate_format in formats:
            parsed = parse_code(candidate_format, code)
            if parsed is not None:
                if parsed.letters == letters:
                    highest = max(highest, parsed.sequence)
                break
    proposal = code_format.template.format(letters=letters, sequence=highest + 1)
    if parse_code(code_format, proposal) is None:
        raise CodeFormatError(
            "code_format",
            _("Cannot propose a code of %(kind)s for the letters %(letters)s: %(proposal)s does not match the "
              "format (expected something like %(example)s).")
            % {"kind": code_format.get_kind_display(), "letters": letters or "∅", "proposal": proposal,
               "example": code_format.example},
            field="province_letters",
            example=code_format.example,
        )
    return proposal
