"""The kinds of event hazards records (incidents.kinds holds the registry; registered from
HazardsConfig.ready): the operations room's alone."""

from django.utils.translation import gettext_lazy as _

from incidents.kinds import Audience, Kind

KINDS = [
    Kind("quake.received", "quake", _("Earthquake reported by BMKG"), Audience.ROOM),
    Kind("quake.updated", "quake", _("Earthquake report completed by BMKG"), Audience.ROOM),
    Kind("quake.reviewed", "quake", _("Earthquake alert reviewed"), Audience.ROOM),
    Kind("hazard_feed.failed", "hazardfeed", _("BMKG feed failing"), Audience.ROOM),
    Kind("hazard_feed.recovered", "hazardfeed", _("BMKG feed read again"), Audience.ROOM),
    Kind("major_incident.declared", "majorincident", _("Major incident declared"), Audience.ROOM),
    Kind("major_incident.closed", "majorincident", _("Major incident closed"), Audience.ROOM),
    Kind(
        "major_incident.call_attached",
        "majorincident",
        _("Call attached to the major incident"),
        Audience.ROOM,
    ),
    Kind(
        "major_incident.incident_linked",
        "majorincident",
        _("Incident linked to the major incident"),
        Audience.ROOM,
    ),
    Kind("warning.drafted", "publicwarning", _("Public warning drafted"), Audience.ROOM),
    Kind("warning.published", "publicwarning", _("Public warning published"), Audience.ROOM),
]
