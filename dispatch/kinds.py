"""The kinds of event dispatch records (incidents.kinds holds the registry; registered from
DispatchConfig.ready). Everything here names the agency it concerns, if any."""

from django.utils.translation import gettext_lazy as _

from incidents.kinds import Audience, Kind, changes

KINDS = [
    Kind("ticket.notified", "ticket", _("Agency notified"), Audience.AGENCIES),
    Kind("ticket.accepted", "ticket", _("Agency accepted"), Audience.AGENCIES),
    Kind("ticket.declined", "ticket", _("Agency declined"), Audience.AGENCIES),
    Kind("ticket.cancelled", "ticket", _("Ticket cancelled"), Audience.AGENCIES),
    Kind("ticket.completed", "ticket", _("Ticket completed"), Audience.AGENCIES),
    Kind("assignment.dispatched", "assignment", _("Unit dispatched"), Audience.AGENCIES),
    Kind("assignment.en_route", "assignment", _("Unit en route"), Audience.AGENCIES),
    Kind("assignment.on_scene", "assignment", _("Unit on scene"), Audience.AGENCIES),
    Kind("assignment.operations_started", "assignment", _("Operations started"), Audience.AGENCIES),
    Kind(
        "assignment.transporting", "assignment", _("Unit transporting a patient"), Audience.AGENCIES
    ),
    Kind("assignment.at_hospital", "assignment", _("Unit at hospital"), Audience.AGENCIES),
    Kind("assignment.cleared", "assignment", _("Unit cleared"), Audience.AGENCIES),
    Kind("assignment.cancelled", "assignment", _("Unit called back"), Audience.AGENCIES),
    Kind("unit.moved", "unit", _("Unit position updated"), Audience.AGENCIES),
    Kind("unit.status_changed", "unit", _("Unit service status changed"), Audience.AGENCIES),
    Kind("crew.signed_in", "unit", _("Crew signed in to a unit"), Audience.AGENCIES),
    Kind("crew.signed_out", "unit", _("Crew signed off a unit"), Audience.AGENCIES),
    Kind(
        "call.location_link_created", "call", _("Location link made for the caller"), Audience.ROOM
    ),
    # An escalation goes to an agency when its level is addressed to one.
    Kind("escalation.raised", "escalation", _("Deadline passed: alert raised"), Audience.AGENCIES),
    Kind(
        "escalation.resolved",
        "escalation",
        _("Alert resolved: no longer waiting"),
        Audience.AGENCIES,
    ),
    Kind("escalation.acknowledged", "escalation", _("Alert acknowledged"), Audience.AGENCIES),
    Kind(
        "escalation.resolved_acknowledged",
        "escalation",
        _("Ended alert acknowledged"),
        Audience.AGENCIES,
    ),
    Kind("escalation.shelved", "shelf", _("Alerts shelved by a supervisor"), Audience.AGENCIES),
    Kind("escalation.unshelved", "shelf", _("Alerts no longer shelved"), Audience.AGENCIES),
    *changes(
        "sla_policy",
        "slapolicy",
        _("SLA policy added"),
        _("SLA policy changed"),
        _("SLA policy deleted"),
    ),
    *changes(
        "sla_level",
        "escalationlevel",
        _("Escalation level added"),
        _("Escalation level changed"),
        _("Escalation level deleted"),
    ),
]
