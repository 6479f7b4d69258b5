"""Checks for uploaded documents (dossiers, business plans): not empty, not too large, of a document type.

Photos are checked by decoding them where they are taken (``apps.traceability.services.check_inspection_photo``);
documents cannot be decoded generically, so the extension must be one of :data:`DOCUMENT_EXTENSIONS` and the size
at most ``settings.OCOP_DOCUMENT_MAX_BYTES``. Services call :func:`check_document` for every file *before* they
save anything, so a refused upload leaves neither a row nor a file behind.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from apps.common.errors import DomainError

DOCUMENT_EXTENSIONS = frozenset({"pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "jpg", "jpeg", "png", "webp"})
_MEGABYTE = 1024 * 1024


class UploadError(DomainError):
    default_code = "invalid_upload"


def document_max_bytes() -> int:
    """The largest accepted document, in bytes (setting ``OCOP_DOCUMENT_MAX_BYTES``, 20 MB by default)."""
    return int(getattr(settings, "OCOP_DOCUMENT_MAX_BYTES", 20 * _MEGABYTE))


def check_document(upload: File, *, field: str, label: str) -> None:
    """Refuse an empty or too large file, or one that is not a document (``label`` names the field to the user)."""
    name = PurePath(getattr(upload, "name", "") or "").name or "∅"
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise UploadError("file_empty", _("%(field)s: %(name)s is empty.") % {"field": label, "name": name},
                          field=field)
    limit = document_max_bytes()
    if size > limit:
        raise UploadError("file_too_large", _("%(field)s: %(name)s is %(size)s MB; a file may be at most %(limit)s MB.")
                          % {"field": label, "name": name, "size": f"{size / _MEGABYTE:.1f}",
                             "limit": f"{limit / _MEGABYTE:.0f}"}, field=field)
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in DOCUMENT_EXTENSIONS:
        raise UploadError("file_type_not_allowed",
                          _("%(field)s: %(name)s is not a document we accept (%(types)s).")
                          % {"field": label, "name": name, "types": ", ".join(sorted(DOCUMENT_EXTENSIONS))},
                          field=field)
