"""The base of the record write API (``/api/v1/records/…``): role and scope checks around the services.

A :class:`ScopedServiceViewSet` lists and shows what :func:`~apps.accounts.permissions.scope_queryset` lets the
user see, and creates, updates and deletes through the domain services, calling
:func:`~apps.accounts.permissions.authorize` before the service (the role, and the scope the request announces)
and again on the saved record inside the same transaction (the authoritative scope check: a refused save leaves
nothing behind). Errors keep their stable code: 403 ``{"code": "forbidden", …}`` for a refusal, 400 with the
domain error's dict for a refused change, 401 without credentials.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts import permissions
from apps.common.errors import DomainError


class RecordInUseError(DomainError):
    default_code = "in_use"


@transaction.atomic
def delete_record(*, record: models.Model, user) -> None:
    """Delete ``record`` if ``user`` may; a record others depend on is refused (``in_use``), nothing deleted."""
    permissions.authorize(user, permissions.DELETE, record)
    try:
        record.delete()
    except (ProtectedError, RestrictedError) as error:
        raise RecordInUseError(
            "in_use", _("%(record)s “%(name)s” cannot be deleted: other records depend on it.")
            % {"record": record._meta.verbose_name, "name": record}) from error


class ScopedServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List / retrieve / create / update / destroy one kind of record through its services.

    Subclasses set ``queryset``, ``serializer_class`` (output), ``input_serializer_class`` and implement
    :meth:`create_record` and :meth:`update_record`; :meth:`creation_scope` tells where a new record would be.
    """

    # Reading is open (the published records); every write is checked by authorize() below. Token first, so an
    # anonymous write is answered 401 with "WWW-Authenticate: Token".
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    input_serializer_class: type | None = None

    def get_queryset(self):
        return permissions.scope_queryset(self.request.user, super().get_queryset())

    def handle_exception(self, exc):
        if isinstance(exc, permissions.PermissionDeniedError):
            if not self.request.user.is_authenticated:
                exc = exceptions.NotAuthenticated()
            else:
                return Response(exc.as_dict(), status=status.HTTP_403_FORBIDDEN)
        elif isinstance(exc, DomainError):
            return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        elif isinstance(exc, exceptions.ValidationError):
            return Response({"code": "invalid", "message": _("Some fields are not valid."), "fields": exc.detail},
                            status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    # --- hooks -----------------------------------------------------------------------------------------------

    def creation_scope(self, data: dict[str, Any]) -> dict[str, Any]:
        """Where the new record would be (``commune=``, ``communes=``, ``producer=``), for the early check."""
        return {}

    def create_record(self, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def update_record(self, record: models.Model, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    # --- actions ---------------------------------------------------------------------------------------------

    def _input(self, *, partial: bool = False, instance=None) -> dict[str, Any]:
        serializer = self.input_serializer_class(data=self.request.data, partial=partial, instance=instance,
                                                 context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, record: models.Model, code: int = status.HTTP_200_OK) -> Response:
        record = self.get_queryset().model._default_manager.get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=code)

    def create(self, request, *args, **kwargs):
        model = self.get_queryset().model
        permissions.authorize(request.user, permissions.CREATE, model)  # the role, before reading the input
        data = self._input()
        permissions.authorize(request.user, permissions.CREATE, model, **self.creation_scope(data))
        with transaction.atomic():
            record = self.create_record(data)
            permissions.authorize(request.user, permissions.CREATE, record)
        return self._answer(record, status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        record = self.get_object()
        permissions.authorize(request.user, permissions.UPDATE, record)
        data = self._input(partial=partial, instance=record)
        with transaction.atomic():
            saved = self.update_record(record, data)
            permissions.authorize(request.user, permissions.UPDATE, saved)
        return self._answer(saved)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        delete_record(record=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
