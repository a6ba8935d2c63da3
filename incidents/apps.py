from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Calls and incidents")

    def ready(self):
        from incidents import account_events  # noqa: F401 - connects the receivers
