"""Who may import what, feature by feature, and who may download EUDR geolocation — in apps.accounts' rule language.

Imports: every feature an import writes passes the same checks as a form or the records API
(:func:`apps.accounts.permissions.authorize`): before the registry service runs, the role and the scope the feature
announces (its producers or operator); after it, the saved record itself (its communes, its producers), inside the
import's transaction; joining a growing-area code is a change of that code. A refusal rejects that feature with
code ``forbidden`` and a message naming the feature and why (outside the officer's communes, not the producer's own
record); the import then saves nothing. An import run without a user (the ``import_features`` command without
``--user``) runs with the system's rights, like any management command.

EUDR: ``transfer.export_eudr`` is a named action on producers, lots and trace events (shipments). Producers are
published records, so plain "read" would let anybody download a producer's plots: the action limits the download to
the provincial office and inspectors (all), commune officers (their communes), legacy district officers (their
district) and producer accounts (their own records).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext as _

from apps.accounts import permissions
from apps.accounts.models import Role

EXPORT_EUDR = "transfer.export_eudr"
EUDR_KINDS = ("producer", "lot", "trace_event")
EUDR_EXPORTERS = {Role.PROVINCIAL_OFFICE: permissions.ALL, Role.INSPECTOR: permissions.ALL,
                  Role.COMMUNE_OFFICER: permissions.COMMUNES, Role.LEGACY_DISTRICT_OFFICER: permissions.DISTRICT,
                  Role.PRODUCER: permissions.OWN}


def register_with_accounts() -> None:
    """Declare ``transfer.export_eudr`` on producers, lots and trace events (called by the app config)."""
    for kind in EUDR_KINDS:
        permissions.register_action(EXPORT_EUDR, kind, dict(EUDR_EXPORTERS))


# --- imports ---------------------------------------------------------------------------------------------------


def _names(values: Iterable) -> str:
    return ", ".join(str(value) for value in values) or "—"


def _scope_of_rule(user, action: str, model: type[models.Model]) -> str | None:
    """Where the user's role may do ``action`` on ``model`` (all / communes / district / own), or None."""
    kind, path = permissions.kind_of(model)
    if kind is None:
        return None
    rule = permissions.RULES.get(permissions.role_of(user), {}).get(kind.name, {}).get(action)
    return rule.where if rule is not None else None


def refusal(user, action: str, target, *, index: int, name: str, communes: Iterable[str] | None = None,
            producers: Iterable[str] = ()) -> permissions.PermissionDeniedError:
    """The error rejecting feature ``index`` (``name``): why the user may not ``action`` it, in the user's words.

    ``target`` is the record (or its model); ``communes`` and ``producers`` are where it lies and whose it is
    (``communes`` is None before the record exists: the early check looks at the producers only).
    """
    model = target if isinstance(target, type) else type(target)
    where = _scope_of_rule(user, action, model)
    profile = permissions.profile_of(user)
    if where == permissions.COMMUNES and profile is not None:
        yours = _names(profile.communes.order_by("name").values_list("name", flat=True))
        if communes is None:
            message = _("Feature #%(index)s “%(name)s” names producers outside your communes (%(producers)s): you "
                        "may not import it.") % {"index": index, "name": name, "producers": _names(producers)}
            return permissions.PermissionDeniedError("forbidden", message, field="producers")
        message = _("Feature #%(index)s “%(name)s” lies in %(communes)s, outside your communes (%(yours)s): you may "
                    "not import it.") % {"index": index, "name": name, "communes": _names(communes), "yours": yours}
        return permissions.PermissionDeniedError("forbidden", message, field="geometry")
    if where == permissions.OWN and profile is not None:
        message = _("Feature #%(index)s “%(name)s” is not a record of your producer %(producer)s (it names "
                    "%(producers)s): a producer account imports only its own records.") % {
            "index": index, "name": name, "producer": profile.producer or "—", "producers": _names(producers)}
        return permissions.PermissionDeniedError("forbidden", message, field="producers")
    message = _("Feature #%(index)s: %(refusal)s") % {"index": index,
                                                      "refusal": permissions.describe_refusal(action, target)}
    return permissions.PermissionDeniedError("forbidden", message)


def _record_communes(record: models.Model) -> list[str]:
    if hasattr(record, "communes"):
        return list(record.communes.order_by("code").values_list("name", flat=True))
    commune = getattr(record, "commune", None)
    if commune is None and getattr(record, "producer", None) is not None:
        commune = record.producer.commune
    return [commune.name] if commune is not None else []


def _record_producers(record: models.Model) -> list[str]:
    if hasattr(record, "producers"):
        return [str(producer) for producer in record.producers.all()]
    owner = getattr(record, "producer", None) or getattr(record, "operator", None)
    return [str(owner)] if owner is not None else []


class ImportGuard:
    """The permission checks of one import run, for one user (``None``: the system, no checks)."""

    def __init__(self, user) -> None:
        self.user = user
        self._before: dict = {}

    @property
    def is_checking(self) -> bool:
        return self.user is not None

    def before(self, model: type[models.Model], *, index: int, name: str, producers: Iterable = ()) -> None:
        """The role, and the producers the feature names (the early check of the records API)."""
        if not self.is_checking:
            return
        producers = [producer for producer in producers if producer is not None]
        key = (model, tuple(sorted(producer.pk for producer in producers)))
        if key not in self._before:
            scope = {"producer": producers} if producers else {}
            self._before[key] = permissions.can(self.user, permissions.CREATE, model, **scope)
        if not self._before[key]:
            raise refusal(self.user, permissions.CREATE, model, index=index, name=name,
                          producers=[str(producer) for producer in producers])

    def created(self, record: models.Model, *, index: int, name: str) -> None:
        """The saved record: the authoritative check (its communes, its producers, its status)."""
        if self.is_checking and not permissions.can(self.user, permissions.CREATE, record):
            raise refusal(self.user, permissions.CREATE, record, index=index, name=name,
                          communes=_record_communes(record), producers=_record_producers(record))

    def may_change(self, record: models.Model, *, index: int, name: str) -> None:
        """A record the feature changes (a growing-area code the zone joins)."""
        if self.is_checking and not permissions.can(self.user, permissions.UPDATE, record):
            raise refusal(self.user, permissions.UPDATE, record, index=index, name=name)


__all__ = ["EXPORT_EUDR", "ImportGuard", "refusal", "register_with_accounts"]
