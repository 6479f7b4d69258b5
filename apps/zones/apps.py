from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "apps.zones"
    label = "zones"
    verbose_name = _("Raw-material zones and growing-area codes")
