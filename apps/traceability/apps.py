from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceabilityConfig(AppConfig):
    name = "apps.traceability"
    label = "traceability"
    verbose_name = _("Traceability")

    def ready(self) -> None:
        from apps.traceability.permissions import register_with_accounts

        register_with_accounts()
