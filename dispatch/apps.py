from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self):
        from dispatch.deadlines import on_event
        from incidents.events import observe_events

        observe_events(on_event)
