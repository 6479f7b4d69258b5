"""An authentication backend that answers Django's permission checks from roles and scopes.

``user.has_perm("zones.change_rawmaterialzone")`` (without an object) says whether the role may change zones at
all; with ``obj`` it says whether it may change that zone. The admin's inlines and any code that asks Django's
permission API thus get the same answers as :mod:`apps.accounts.permissions`. It authenticates nobody.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib.auth.backends import BaseBackend

from apps.accounts import permissions

_ACTIONS = {"add": permissions.CREATE, "view": permissions.READ, "change": permissions.UPDATE,
            "delete": permissions.DELETE}


class RolePermissionBackend(BaseBackend):
    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        app_label, _dot, codename = perm.partition(".")
        verb, _underscore, model_name = codename.partition("_")
        action = _ACTIONS.get(verb)
        if action is None:
            return False
        try:
            model = django_apps.get_model(app_label, model_name)
        except LookupError:
            return False
        if obj is not None:
            return permissions.can(user_obj, action, obj)
        return permissions.can_on_some(user_obj, action, model)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        try:
            models = django_apps.get_app_config(app_label).get_models()
        except LookupError:
            return False
        return any(permissions.can_on_some(user_obj, permissions.READ, model) for model in models)
