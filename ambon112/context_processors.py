from django.utils.translation import gettext_lazy as _

from agencies.models import Landing
from agencies.permissions import (
    AUDIT_ROLES,
    CALLS_CONSOLE_ROLES,
    CREW_CONSOLE_ROLES,
    DESK_CONSOLE_ROLES,
    DISPATCH_CONSOLE_ROLES,
    INCIDENT_ROLES,
    MAP_ROLES,
    REPORT_ROLES,
)
from agencies.services import LANDING_ROLES
from incidents.kinds import labels

# The consoles in the header, in order; a role's first console is its home page.
CONSOLES = [
    ("calls_console", _("Calls"), CALLS_CONSOLE_ROLES),
    ("dispatch_console", _("Dispatch"), DISPATCH_CONSOLE_ROLES),
    ("map_console", _("Map"), MAP_ROLES),
    ("hazards_page", _("Hazards"), MAP_ROLES),
    ("agency_console", _("Agency desk"), DESK_CONSOLE_ROLES),
    ("crew_console", _("Crew"), CREW_CONSOLE_ROLES),
    ("report_page", _("Reports"), REPORT_ROLES),  # a verifier's home: what they come to read
    ("audit", _("Audit"), AUDIT_ROLES),
    ("incident_list", _("Incidents"), INCIDENT_ROLES),
]


def consoles_for(user) -> list[tuple[str, str]]:
    role = getattr(user, "role", "")
    return [(name, label) for name, label, roles in CONSOLES if role in roles]


def landing_here(request) -> str | None:
    """This console's URL name when a supervisor or an administrator may land on it (issue
    #16): the page then offers "land here" (ambon112.views.landing)."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if getattr(user, "role", "") not in LANDING_ROLES or match is None:
        return None
    return match.url_name if match.url_name in Landing.values else None


def console(request):
    return {
        "consoles": consoles_for(getattr(request, "user", None)),
        "landing_here": landing_here(request),
        # What every kind of event is called, in the request's language: ui.js `eventLabel`.
        "event_kinds": labels(),
    }
