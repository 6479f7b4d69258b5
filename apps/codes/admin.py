"""Admin for code formats; saves go through apps.codes.services so every format is checked."""

from __future__ import annotations

from django.contrib import admin

from apps.codes import services
from apps.codes.models import CodeFormat
from apps.common.admin import ServiceAdminMixin

_FIELDS = ("kind", "pattern", "template", "example", "basis", "valid_from")


@admin.register(CodeFormat)
class CodeFormatAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "example", "valid_from", "basis"]
    list_filter = ["kind"]
    search_fields = ["example", "basis", "pattern"]
    fields = list(_FIELDS)

    def create_through_service(self, request, data):
        return services.create_code_format(**{name: data.get(name) or "" for name in _FIELDS if name != "valid_from"},
                                           valid_from=data["valid_from"])

    def update_through_service(self, request, code_format, data):
        return services.update_code_format(code_format=code_format, **{name: data[name] for name in _FIELDS})
