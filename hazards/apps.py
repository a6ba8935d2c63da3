from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = _("Hazards")

    def ready(self):
        # incidents and dispatch never import hazards: hazards hooks into the event log (quake
        # alerts waiting for review, incidents created inside a major incident's area), and
        # offers the reports a filter by major incident.
        from dispatch.reports.scopes import IncidentScope, register_incident_scope
        from hazards import selectors
        from hazards.kinds import KINDS
        from hazards.services import majors, quakes
        from incidents.events import observe_events
        from incidents.kinds import register

        register(KINDS)
        observe_events(quakes.on_event)
        observe_events(majors.on_event)
        register_incident_scope(
            IncidentScope(
                name="major_incident",
                label=lambda: str(_("Major incident")),
                choices=selectors.major_incident_choices,
                incidents=selectors.major_incident_incidents,
            )
        )
