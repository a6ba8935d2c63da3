"""Reads for the dispatch consoles, scoped to who is asking: a desk sees its own agency only."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from agencies.models import Role, Unit
from dispatch.models import Assignment, CrewShift, Escalation, Ticket
from incidents.models import Call, Incident
from incidents.selectors import with_incident_refs


def is_desk(user) -> bool:
    return user.role == Role.AGENCY_DESK


def tickets_for_all() -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("agency", "notified_by", "accepted_by", "declined_by")
    return with_incident_refs(tickets, via="incident")


def one_ticket() -> QuerySet[Ticket]:
    """For reading a single ticket: its agency, sender and incident joined, the incident's
    calls counted in a subquery (`incident_calls`), the one or two people who answered read
    when shown. PostgreSQL takes ~3 ms to plan the ten-table join of tickets_for_all, several
    times the lookups it saves on one row (issue #18)."""
    tickets = Ticket.objects.select_related("agency", "notified_by")
    return with_incident_refs(tickets.annotate(incident_calls=incident_calls()), via="incident")


def incident_calls(ref: str = "incident_id") -> Coalesce:
    """The number of calls of the incident whose id is the `ref` column, as a subquery (for
    IncidentSerializer's calls_count where a row about the incident is read)."""
    calls = (
        Call.objects.filter(incident=OuterRef(ref))
        .order_by()
        .values("incident")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(calls), 0)


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
