"""State changes for code formats (which are decree-driven data, versioned by date)."""

from __future__ import annotations

import datetime
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.codes.models import CodeFormat, CodeKind
from apps.codes.selectors import CodeFormatError, canonical_code, parse_code


def _check_format(code_format: CodeFormat) -> None:
    try:
        compiled = re.compile(code_format.pattern)
    except re.error as exc:
        raise CodeFormatError("bad_pattern", _("The pattern is not a valid regular expression: %(error)s")
                              % {"error": exc}, field="pattern") from exc
    if not {"letters", "sequence"} <= set(compiled.groupindex):
        raise CodeFormatError("bad_pattern", _("The pattern needs the named groups (?P<letters>…) and "
                                               "(?P<sequence>…)."), field="pattern")
    if parse_code(code_format, code_format.example) is None:
        raise CodeFormatError("bad_example", _("The example %(example)s does not match the pattern.")
                              % {"example": code_format.example}, field="example")
    letters, sequence = parse_code(code_format, code_format.example)
    try:
        rendered = code_format.template.format(letters=letters, sequence=sequence)
    except (KeyError, IndexError, ValueError) as exc:
        raise CodeFormatError("bad_template", _("The template cannot be filled with {letters} and {sequence}: "
                                                "%(error)s") % {"error": exc}, field="template") from exc
    if rendered != canonical_code(code_format.example):
        raise CodeFormatError("bad_template", _("The template gives %(rendered)s for the example's parts, not "
                                                "%(example)s.") % {"rendered": rendered,
                                                                   "example": code_format.example},
                              field="template")


@transaction.atomic
def create_code_format(
    *, kind: str, pattern: str, template: str, example: str, valid_from: datetime.date, basis: str = ""
) -> CodeFormat:
    """Add a format of ``kind`` in force from ``valid_from``; the example must match and the template rebuild it."""
    if kind not in CodeKind.values:
        raise CodeFormatError("unknown_kind", _("Unknown kind of code %(kind)s.") % {"kind": kind}, field="kind")
    code_format = CodeFormat(kind=kind, pattern=pattern.strip(), template=template.strip(),
                             example=canonical_code(example), valid_from=valid_from, basis=basis)
    _check_format(code_format)
    if CodeFormat.objects.filter(kind=kind, valid_from=valid_from).exists():
        raise CodeFormatError("duplicate_format", _("A format of this kind already starts on %(date)s.")
                              % {"date": valid_from.isoformat()}, field="valid_from")
    try:
        with transaction.atomic():
            code_format.save()
    except IntegrityError as exc:  # a concurrent insert of the same kind and date
        raise CodeFormatError("duplicate_format", _("A format of this kind already starts on %(date)s.")
                              % {"date": valid_from.isoformat()}, field="valid_from") from exc
    return code_format


@transaction.atomic
def update_code_format(*, code_format: CodeFormat, **changes) -> CodeFormat:
    """Change a format's pattern, template, example, basis or start date, checking it like a new one."""
    allowed = {"kind", "pattern", "template", "example", "basis", "valid_from"}
    unknown = set(changes) - allowed
    if unknown:
        raise CodeFormatError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                              % {"fields": ", ".join(sorted(unknown))})
    code_format = CodeFormat.objects.select_for_update().get(pk=code_format.pk)
    for name, value in changes.items():
        setattr(code_format, name, value)
    code_format.example = canonical_code(code_format.example)
    _check_format(code_format)
    if CodeFormat.objects.filter(kind=code_format.kind, valid_from=code_format.valid_from).exclude(
            pk=code_format.pk).exists():
        raise CodeFormatError("duplicate_format", _("A format of this kind already starts on %(date)s.")
                              % {"date": code_format.valid_from.isoformat()}, field="valid_from")
    code_format.save()
    return code_format
