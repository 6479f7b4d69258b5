"""Admin plumbing: saves go through the services, and their domain errors show as form errors.

A ``ModelAdmin`` mixing in :class:`ServiceAdminMixin` implements ``create_through_service`` and
``update_through_service``. They run during form validation (inside the admin's transaction, in a
savepoint), so a :class:`DomainError` becomes an error on the field it names and nothing is saved;
``save_model`` and the form's many-to-many save then have nothing left to do. With ``status_service``
set, the change form also offers a dated status change (new status, effective date, reason).

:class:`ScopedAdminMixin` (included in :class:`ServiceAdminMixin`) makes the admin ask
:mod:`apps.accounts.permissions`: lists show what the user may see, add / change / delete / view follow the role
and scope, foreign-key choices are limited to what the user may see, bulk actions are all-or-nothing on what the
user may change, and a record the service saved is checked again (a commune officer cannot move a record out of
their communes); a refusal is a form error and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts import permissions
from apps.common.errors import DomainError

STATUS_FIELDS = ("new_status", "status_effective_date", "status_reason")
# Service argument names → the admin form's field names.
_STATUS_FIELD_ALIASES = {"to_status": "new_status", "effective_date": "status_effective_date",
                         "reason": "status_reason"}


class ScopedAdminMixin:
    """Admin permissions, lists and choices from the user's role and scope (see the module docstring)."""

    def get_queryset(self, request):
        return permissions.scope_queryset(request.user, super().get_queryset(request))

    def _can(self, request, action: str, obj=None) -> bool:
        if obj is None:
            return permissions.can_on_some(request.user, action, self.model)
        return permissions.can(request.user, action, obj)

    def has_module_permission(self, request) -> bool:
        return self._can(request, "read")

    def has_view_permission(self, request, obj=None) -> bool:
        return self._can(request, "read", obj)

    def has_add_permission(self, request) -> bool:
        return self._can(request, "create")

    def has_change_permission(self, request, obj=None) -> bool:
        return self._can(request, "update", obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._can(request, "delete", obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scoped_choices(formfield, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scoped_choices(formfield, request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            permissions.authorize(request.user, "delete", obj)
        super().delete_queryset(request, queryset)

    def delete_model(self, request, obj):
        permissions.authorize(request.user, "delete", obj)
        super().delete_model(request, obj)

    def response_action(self, request, queryset):
        """Run a bulk action only when the user may do it on every selected record."""
        name = request.POST.get("action", "")
        action = self.get_actions(request).get(name)
        if action is not None:
            needed = {"view": "read", "delete": "delete", "add": "create"}.get(
                (getattr(action[0], "allowed_permissions", None) or ("change",))[0], "update")
            selected = queryset
            if request.POST.get("select_across", "0") == "0":
                selected = queryset.filter(pk__in=request.POST.getlist(ACTION_CHECKBOX_NAME))
            refused = [obj for obj in selected if not permissions.can(request.user, needed, obj)]
            if refused:
                self.message_user(request, permissions.describe_refusal(needed, refused[0]), messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


def _scoped_choices(formfield, request):
    queryset = getattr(formfield, "queryset", None)
    if queryset is not None:
        formfield.queryset = permissions.scope_queryset(request.user, queryset)
    return formfield


class ServiceAdminMixin(ScopedAdminMixin):
    """Route admin saves through services (see the module docstring)."""

    status_service: Callable[..., models.Model] | None = None
    status_choices: list[tuple[str, str]] | None = None
    field_aliases: dict[str, str] = {}

    def create_through_service(self, request, data: dict) -> models.Model:
        raise NotImplementedError

    def update_through_service(self, request, obj: models.Model, data: dict) -> models.Model:
        raise NotImplementedError

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is None or self.status_service is None:
            fields = [name for name in fields if name not in STATUS_FIELDS]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        admin = self
        is_change = obj is not None
        with_status = is_change and admin.status_service is not None
        # The status fields are declared on the form below, not model fields: keep them out of the factory.
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if name not in STATUS_FIELDS]
        base = super().get_form(request, obj, change=change, **kwargs)

        class ServiceForm(base):
            if with_status:
                new_status = forms.ChoiceField(label=_("new status"), required=False,
                                               choices=[("", "—"), *(admin.status_choices or [])])
                status_effective_date = forms.DateField(label=_("effective date"), required=False,
                                                        initial=timezone.localdate)
                status_reason = forms.CharField(label=_("reason"), required=False, widget=forms.Textarea(
                    attrs={"rows": 2}))

            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        if is_change:
                            saved = admin.update_through_service(request, obj, self.cleaned_data)
                        else:
                            saved = admin.create_through_service(request, self.cleaned_data)
                        if with_status and self.cleaned_data.get("new_status"):
                            saved = admin.status_service(
                                saved,
                                to_status=self.cleaned_data["new_status"],
                                effective_date=self.cleaned_data.get("status_effective_date")
                                or timezone.localdate(),
                                reason=self.cleaned_data.get("status_reason") or "",
                                user=request.user,
                            )
                        # The saved record must still be within the user's role and scope.
                        permissions.authorize(request.user, "update" if is_change else "create", saved)
                except DomainError as error:
                    self.add_error(admin.form_field_for(error, self), error.message)
                else:
                    self.instance = saved

            def _save_m2m(self):
                """The service has set the relations already."""

        return ServiceForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Undo what the service saved during validation when the form is shown again (e.g. an inline failed).

        A successful POST redirects; any other answer to a POST re-shows the form, and nothing of that
        submission may stay saved.
        """
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and response.status_code != 302:
                transaction.set_rollback(True)
        return response

    def form_field_for(self, error: DomainError, form: forms.Form) -> str | None:
        name = self.field_aliases.get(error.field or "", _STATUS_FIELD_ALIASES.get(error.field or "", error.field))
        return name if name in form.fields else None

    def save_model(self, request, obj, form, change):
        """Already saved by the service during validation."""

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class StatusHistoryInline:
    """Read-only inline of a record's dated status history (changes go through the service)."""

    extra = 0
    can_delete = False
    fields = ["effective_date", "from_status", "to_status", "reason", "changed_by", "recorded_at"]
    readonly_fields = fields
    ordering = ["-effective_date", "-recorded_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FoldedSearchMixin:
    """Search ``search_name`` with the query folded (diacritics-insensitive), codes as typed."""

    def get_search_results(self, request, queryset, search_term):
        from apps.common.text import fold

        return super().get_search_results(request, queryset, fold(search_term) if search_term else search_term)
