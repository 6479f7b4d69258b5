from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "apps.layers"
    label = "layers"
    verbose_name = _("Map layers and open GIS interfaces")
