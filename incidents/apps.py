from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Calls and incidents")

    def ready(self):
        from agencies.models import Agency, Station, Unit, User
        from incidents import account_events  # noqa: F401 - connects the receivers
        from incidents.changelog import track
        from incidents.kinds import KINDS, register
        from incidents.models import IncidentType, IncidentTypeAgency

        register(KINDS)
        track(Agency, "agency")
        track(Station, "station")
        # A unit's status and position are the consoles' work, logged in events of their own.
        track(Unit, "unit", ignore=("status", "last_lat", "last_lon", "last_position_at"))
        # What a person may do and for whom; never the password, nor the sign-in times.
        track(
            User,
            "user",
            only=("username", "role", "agency", "is_active", "is_staff", "is_superuser"),
        )
        track(IncidentType, "incident_type")
        track(IncidentTypeAgency, "incident_routing", parent="incident_type")
