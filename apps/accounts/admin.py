"""Accounts in the admin: a user's role and scope (provincial administrators only)."""

from django.contrib import admin

from apps.accounts.models import OfficerProfile
from apps.common.admin import ScopedAdminMixin


@admin.register(OfficerProfile)
class OfficerProfileAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "legacy_district", "producer", "organisation"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation", "producer__name"]
    raw_id_fields = ["user", "producer"]
    filter_horizontal = ["communes"]
