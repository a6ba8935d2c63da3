from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = _("Hazards")

    def ready(self):
        # incidents and dispatch never import hazards: hazards hooks into the event log (quake
        # alerts waiting for review, incidents created inside a major incident's area). The
        # reports, above every app, read its major incidents themselves (reports/scopes.py).
        from hazards.kinds import KINDS
        from hazards.services import majors, quakes
        from incidents.events import observe_events
        from incidents.kinds import register

        register(KINDS)
        observe_events(quakes.on_event)
        observe_events(majors.on_event)
