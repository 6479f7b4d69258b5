from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "apps.transfer"
    label = "transfer"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from apps.transfer.permissions import register_with_accounts

        register_with_accounts()
