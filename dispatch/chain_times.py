"""The times of tickets and assignments that the reports read, held against the event log like
the calls' and incidents' (incidents.chain_times, which cannot import this app)."""

from django.utils.translation import gettext_lazy as _

from incidents.chain_times import Stamp, Table, register

BY_INCIDENT = "JOIN incidents_incident i ON i.id = r.incident_id"

TICKETS = Table(
    name="tickets",
    label=_("ticket"),
    db_table="dispatch_ticket",
    subject="ticket",
    stamps=(
        Stamp("notified_at", "T3", ("processing", "acknowledgment")),
        Stamp("accepted_at", "T4", ("acknowledgment",)),
        # Declined or ended before acceptance: not awaited, so out of the acknowledgment's count.
        Stamp("declined_at", "declined", ("acknowledgment",)),
        Stamp("ended_at", "ended", ("acknowledgment",)),
    ),
    period="i.created_at",
    incident="r.incident_id",
    join=BY_INCIDENT,
)
ASSIGNMENTS = Table(
    name="assignments",
    label=_("unit assignment"),
    db_table="dispatch_assignment",
    subject="assignment",
    stamps=(
        Stamp("dispatched_at", "T4d", ("turnout",)),
        Stamp("en_route_at", "T5", ("turnout", "travel")),
        Stamp("on_scene_at", "T6", ("travel", "response")),
        Stamp("operations_started_at", "T6f", ("spm_fire",)),
        Stamp("transporting_at", "T8"),
        Stamp("at_hospital_at", "T9"),
        Stamp("cleared_at", "T10"),
        # Cancelled before leaving or arriving: out of the turnout's or the travel's count.
        Stamp("cancelled_at", "cancelled", ("turnout", "travel")),
    ),
    period="i.created_at",
    incident="r.incident_id",
    join=BY_INCIDENT,
)


def register_tables() -> None:
    register(TICKETS)
    register(ASSIGNMENTS)
