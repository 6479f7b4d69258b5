from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "apps.facilities"
    label = "facilities"
    verbose_name = _("Packing and production facilities")
