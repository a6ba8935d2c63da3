"""An incident's status follows its tickets and units; the dispatcher closes it (T11)."""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from core.errors import Conflict, Forbidden
from dispatch.models import Assignment, Ticket
from dispatch.services.common import (
    DISPATCH_ROLES,
    assignment_event,
    lock_fresh,
    lock_row,
    ticket_event,
)
from incidents.events import NewEvent, record_events
from incidents.models import Incident
from incidents.selectors import with_calls_count, with_incident_refs
from incidents.services.incidents import incident_event, publish_incident

ON_SCENE = {
    Assignment.Status.ON_SCENE,
    Assignment.Status.TRANSPORTING,
    Assignment.Status.AT_HOSPITAL,
}


def status_facts(incident: str = "pk", but: int | None = None) -> dict:
    """What an incident's status follows from, as annotations of a query whose `incident`
    column is the incident's id; `but`: an assignment left out (see with_assignment)."""
    assignments = Assignment.objects.filter(incident=OuterRef(incident))
    if but is not None:
        assignments = assignments.exclude(pk=but)
    active = assignments.filter(status__in=Assignment.ACTIVE_STATUSES)
    return {
        "has_on_scene": Exists(active.filter(status__in=ON_SCENE)),
        "has_en_route": Exists(active.filter(status=Assignment.Status.EN_ROUTE)),
        "has_active": Exists(active),
        "came_back": Exists(assignments.filter(on_scene_at__isnull=False)),
        "ticket_open": Exists(
            Ticket.objects.filter(incident=OuterRef(incident), status__in=Ticket.OPEN_STATUSES)
        ),
    }


FACTS = tuple(status_facts())


def with_assignment(facts, assignment: Assignment) -> dict:
    """Facts read with one assignment left out, completed with that assignment as it is now."""
    return {
        **facts,
        "has_on_scene": facts["has_on_scene"] or assignment.status in ON_SCENE,
        "has_en_route": facts["has_en_route"] or assignment.status == Assignment.Status.EN_ROUTE,
        "has_active": facts["has_active"] or assignment.is_active,
        "came_back": facts["came_back"] or assignment.on_scene_at is not None,
    }


def status_from(facts) -> str:
    """docs/architecture.md "States" from the facts: the furthest step of any unit still out, else
    resolved when units went and came back, else dispatched while a ticket is open, else new."""
    if facts["has_on_scene"]:
        return Incident.Status.ON_SCENE
    if facts["has_en_route"]:
        return Incident.Status.RESPONDING
    if facts["has_active"]:
        return Incident.Status.DISPATCHED
    if facts["came_back"]:
        return Incident.Status.RESOLVED
    if facts["ticket_open"]:
        return Incident.Status.DISPATCHED
    return Incident.Status.NEW


def derived_status(incident: Incident) -> str:
    """The status the incident's facts give, read in one statement."""
    return status_from(Incident.objects.filter(pk=incident.pk).values(**status_facts())[0])


def refresh_status(incident: Incident, *, actor, fresh: bool = False, facts=None) -> list[NewEvent]:
    """Recompute an open incident's status after a ticket or unit changed; returns the event
    logging a change, for the caller to record with its own (one lock of the chain head, and
    the incident's row written before the head is locked, as the lock order wants).

    The incident is read again as committed (the caller's copy may be older), with what the
    event shows and the facts, in one statement; unless the caller's copy is `fresh` (read
    with its row's lock, see lock_open_incident), when only the facts are read, or it was read
    after the lock of the row that changed, with the `facts` (see with_assignment).
    """
    if facts is not None:
        current = incident
    elif fresh:
        current = incident
        facts = Incident.objects.filter(pk=incident.pk).values(**status_facts())[0]
    else:
        current = (
            with_calls_count(with_incident_refs(Incident.objects.all()))
            .annotate(**status_facts())
            .get(pk=incident.pk)
        )
        facts = current.__dict__
    if current.is_open:
        status = status_from(facts)
        if status != current.status:
            previous, current.status = current.status, status
            Incident.objects.filter(pk=current.pk).update(status=status)
            changed = incident_event(
                "incident.status_changed", current, actor=actor, previous=previous
            )
            incident.status = status
            return [changed]
    incident.status = current.status
    return []


def lock_open_incident(incident: Incident, **also) -> Incident:
    """Lock the incident's row and read it as committed, with its calls count, in one statement;
    the type, places and creator it was read with are kept (see lock_fresh). `also`: more
    expressions read in that statement, set on the incident as attributes of those names."""
    incidents = with_calls_count(Incident.objects.all()).annotate(**also)
    lock_fresh(incident, incidents, extra=("calls_count", *also))
    if not incident.is_open:
        raise Conflict(
            _("Incident #%(id)s is %(status)s.")
            % {"id": incident.pk, "status": incident.get_status_display().lower()}
        )
    return incident


@transaction.atomic
def close_incident(*, incident: Incident, by, outcome: str, note: str = "") -> Incident:
    """T11: the dispatcher or supervisor closes the incident with its outcome.

    Units still out are released (T10 now, marked as released by the closure) and open tickets
    end: accepted ones completed, unanswered ones cancelled. The incident comes back with all
    its tickets (`ticket_list`, oldest first) and units (`assignment_list`, in order sent) as
    they are now, every one of them read locked or written here.
    """
    if by.role not in DISPATCH_ROLES:
        raise Forbidden(_("Only a dispatcher or a supervisor closes incidents."))
    incident = lock_open_incident(incident)
    now = timezone.now()
    events = []  # appended together once every row is written: one lock of the chain head
    assignments = list(
        incident.assignments.select_related(
            "unit__agency", "unit__station", "dispatched_by", "destination"
        )
        .select_for_update(of=("self",))
        .order_by("dispatched_at")
    )
    for assignment in assignments:
        if not assignment.is_active:
            continue
        release = (
            Assignment.Status.CLEARED if assignment.on_scene_at else Assignment.Status.CANCELLED
        )
        assignment.status = release
        if release == Assignment.Status.CLEARED:
            assignment.cleared_at = now
            assignment.save(update_fields=["status", "cleared_at"])
        else:
            assignment.cancelled_at, assignment.cancel_reason = now, _("Incident closed")
            assignment.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        unit = assignment.unit
        unit.status = unit.Status.AVAILABLE
        unit.save(update_fields=["status"])
        kind = (
            "assignment.cleared" if release == Assignment.Status.CLEARED else "assignment.cancelled"
        )
        events.append(assignment_event(kind, assignment, actor=by, by_closure=True))
    tickets = list(
        incident.tickets.select_related(
            "agency", "notified_by", "accepted_by", "declined_by"
        ).order_by("notified_at")
    )
    for ticket in tickets:
        if ticket.status not in Ticket.OPEN_STATUSES:
            continue
        accepted = ticket.status == Ticket.Status.ACCEPTED
        ticket.status = Ticket.Status.COMPLETED if accepted else Ticket.Status.CANCELLED
        ticket.ended_at = now
        ticket.save(update_fields=["status", "ended_at"])
        events.append(ticket_event(f"ticket.{ticket.status}", ticket, actor=by, by_closure=True))
    previous = incident.status
    incident.status = (
        Incident.Status.CANCELLED
        if outcome == Incident.Outcome.CANCELLED
        else Incident.Status.CLOSED
    )
    incident.outcome, incident.closed_at, incident.closed_by = outcome, now, by
    incident.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    closed = incident_event("incident.closed", incident, actor=by, previous=previous, note=note)
    record_events([*events, closed])
    incident.ticket_list, incident.assignment_list = tickets, assignments
    return incident


@transaction.atomic
def reopen_incident(*, incident: Incident, by, reason: str) -> Incident:
    """A supervisor reopens a closed incident; the closure stays in the event log."""
    if by.role not in {Role.SUPERVISOR, Role.ADMIN}:
        raise Forbidden(_("Only a supervisor reopens incidents."))
    lock_row(Incident, incident.pk)
    incident = with_incident_refs(Incident.objects.all()).get(pk=incident.pk)
    if incident.is_open:
        raise Conflict(_("Incident #%(id)s is still open.") % {"id": incident.pk})
    closed = {"closed_at": incident.closed_at, "outcome": incident.outcome}
    if incident.closed_by:
        closed["closed_by"] = incident.closed_by.get_username()
    incident.closed_at, incident.closed_by, incident.outcome = None, None, ""
    incident.status = derived_status(incident)
    incident.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    publish_incident("incident.reopened", incident, actor=by, reason=reason, closed=closed)
    return incident
