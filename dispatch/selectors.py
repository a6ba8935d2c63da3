"""Reads for the dispatch consoles, scoped to who is asking: a desk sees its own agency only."""

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from agencies.models import Role, Unit
from core.db import read_row
from dispatch.models import Assignment, CrewShift, Escalation, Ticket
from incidents.models import Incident
from incidents.selectors import with_incident_refs


def is_desk(user) -> bool:
    return user.role == Role.AGENCY_DESK


def tickets_for_all() -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("agency", "notified_by", "accepted_by", "declined_by")
    return with_incident_refs(tickets, via="incident")


# What an incident is shown with (see incidents.selectors.with_incident_refs), for plain-SQL
# reads of it (core.db.read_row).
INCIDENT_REFS = ("incident_type", "area", "kecamatan", "created_by")
INCIDENT_DEFERRED = ("area__geometry", "kecamatan__geometry")
# A ticket as its actions show it: its agency, sender and incident; the one or two people who
# answered it are read when shown.
TICKET_SHOWN = ("agency", "notified_by", *(f"incident__{name}" for name in INCIDENT_REFS))


def calls_count(incident: str) -> tuple[str, str]:
    """The incident's number of calls (IncidentSerializer's calls_count) as a (name, SQL)
    column for an incident whose id is the SQL `incident`."""
    calls = f"SELECT COUNT(*) FROM incidents_call c WHERE c.incident_id = {incident}"
    return ("calls_count", calls)


def one_ticket(pk: int) -> Ticket | None:
    """One ticket with what it is shown with, its incident's calls counted, in one plain-SQL
    statement (composed by the ORM, the read cost several times the database's work)."""
    ticket = read_row(
        Ticket,
        TICKET_SHOWN,
        where="t.id = %s",
        params=[pk],
        extra=(calls_count("t.incident_id"),),
        defer=tuple(f"incident__{name}" for name in INCIDENT_DEFERRED),
    )
    if ticket is not None:
        ticket.incident.calls_count = ticket.calls_count
    return ticket


def tickets_for(user) -> QuerySet[Ticket]:
    tickets = tickets_for_all().annotate(incident_calls=Count("incident__calls"))
    return tickets.filter(agency_id=user.agency_id) if is_desk(user) else tickets


def assignments_for_all() -> QuerySet[Assignment]:
    return Assignment.objects.select_related(
        "incident", "unit__agency", "unit__station", "dispatched_by", "destination"
    )


def assignments_for(user) -> QuerySet[Assignment]:
    assignments = assignments_for_all()
    return assignments.filter(unit__agency_id=user.agency_id) if is_desk(user) else assignments


def units_for_all() -> QuerySet[Unit]:
    return Unit.objects.select_related("agency", "station")


def units_for(user) -> QuerySet[Unit]:
    units = units_for_all()
    return units.filter(agency_id=user.agency_id) if is_desk(user) else units


def open_shift(user) -> CrewShift | None:
    """The unit a crew member is signed in to now, if any."""
    shifts = CrewShift.objects.select_related("unit__agency", "unit__station")
    return shifts.filter(user=user, ended_at__isnull=True).first()


def crew_assignment(unit: Unit) -> Assignment | None:
    """The unit's current job with the incident in full and its calls (the crew page)."""
    assignments = with_incident_refs(assignments_for_all(), via="incident")
    return (
        assignments.prefetch_related("incident__calls__caller")
        .filter(unit=unit, status__in=Assignment.ACTIVE_STATUSES)
        .first()
    )


def incidents_for(user) -> QuerySet[Incident]:
    """Incidents a person may open in the dispatch views: all, or those forwarded to the desk."""
    incidents = with_incident_refs(Incident.objects.all())
    if is_desk(user):
        incidents = incidents.filter(agencies=user.agency_id)
    return incidents


def with_call_counts(tickets) -> list[Ticket]:
    """Hand each ticket's incident the call count annotated on the ticket (one query in all)."""
    tickets = list(tickets)
    for ticket in tickets:
        ticket.incident.calls_count = ticket.incident_calls
    return tickets


def dispatch_board(limit: int = 500) -> list[Incident]:
    """Open incidents, newest first, each with its tickets and the units still out."""
    incidents = list(
        with_incident_refs(Incident.objects.filter(status__in=Incident.OPEN_STATUSES))
        .annotate(calls_count=Count("calls"))
        .prefetch_related(
            Prefetch(
                "tickets",
                queryset=Ticket.objects.select_related(
                    "agency", "notified_by", "accepted_by", "declined_by"
                ).order_by("notified_at"),
                to_attr="ticket_list",
            ),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(status__in=Assignment.ACTIVE_STATUSES)
                .select_related("incident", "unit__agency", "unit__station", "dispatched_by")
                .select_related("destination"),
                to_attr="active_assignments",
            ),
        )
        .order_by("-created_at")[:limit]
    )
    for incident in incidents:
        for ticket in incident.ticket_list:
            ticket.incident = incident
    return incidents


def escalations_for(user) -> QuerySet[Escalation]:
    """The alerts a person was sent: supervisors and dispatchers see every one."""
    escalations = Escalation.objects.select_related("agency__backup", "acknowledged_by")
    if user.role in {Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN}:
        return escalations
    if user.role == Role.CALL_TAKER:
        return escalations.filter(to_call_takers=True)
    if is_desk(user):
        return escalations.filter(to_agency=True, agency_id=user.agency_id)
    return escalations.none()


def unit_on_call(sender, *, unit: Unit, **kwargs) -> str | None:
    """Answers agencies.signals.unit_in_use: a unit on a call is never deleted under its crew."""
    current = (
        Assignment.objects.filter(unit=unit, status__in=Assignment.ACTIVE_STATUSES)
        .select_related("incident__incident_type")
        .first()
    )
    if current is None:
        return None
    return _(
        "%(unit)s is on a call, incident #%(id)s (%(type)s): clear it or call it back before "
        "deleting it."
    ) % {"unit": unit.call_sign, "id": current.incident_id, "type": current.incident.incident_type}
