"""Helpers to post admin forms the way the browser does."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse


def management_forms(model) -> dict:
    """Management-form data with no rows for every inline of ``model``'s admin (ours are read-only)."""
    model_admin = admin.site._registry[model]
    data = {}
    for inline_class in model_admin.inlines:
        inline = inline_class(model, admin.site)
        prefix = inline.get_formset(None).get_default_prefix()
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def form_errors(response) -> dict:
    """The admin form's errors from a re-rendered page, as {field: [messages]}."""
    form = response.context["adminform"].form
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}
