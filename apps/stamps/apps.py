from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StampsConfig(AppConfig):
    name = "apps.stamps"
    label = "stamps"
    verbose_name = _("QR stamps and the resolver")

    def ready(self) -> None:
        from apps.stamps import freshness

        freshness.connect()
