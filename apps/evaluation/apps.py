from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "apps.evaluation"
    label = "evaluation"
    verbose_name = _("OCOP evaluation cycle")

    def ready(self) -> None:
        from apps.evaluation.permissions import register_with_accounts

        register_with_accounts()
