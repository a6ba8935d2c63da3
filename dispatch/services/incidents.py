"""An incident's status follows its tickets and units; the dispatcher closes it (T11)."""

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from core.db import lock_fresh, pipelined, read_row, read_rows, save_fields
from core.errors import Conflict, Forbidden, NotFound
from dispatch.models import Assignment, Ticket
from dispatch.routing import REFERENCE_TOKEN
from dispatch.selectors import INCIDENT_DEFERRED, INCIDENT_REFS, calls_count
from dispatch.services.common import (
    DISPATCH_ROLES,
    assignment_event,
    lock_row,
    ticket_event,
)
from incidents.events import NewEvent, record_events
from incidents.models import Incident
from incidents.selectors import with_incident_refs
from incidents.services.incidents import incident_event, publish_incident

ON_SCENE = {
    Assignment.Status.ON_SCENE,
    Assignment.Status.TRANSPORTING,
    Assignment.Status.AT_HOSPITAL,
}


def _listed(values) -> str:
    """Choices' values (the models' own constants, never input) as an SQL list."""
    return ", ".join(f"'{value}'" for value in values)


def status_facts(incident: str, but: str | None = None) -> tuple[tuple[str, str], ...]:
    """What an incident's status follows from, as (name, SQL) columns for an incident whose id
    is the SQL `incident`; `but`: the SQL id of an assignment left out (see with_assignment)."""
    assignments = f"SELECT 1 FROM dispatch_assignment a WHERE a.incident_id = {incident}"
    if but is not None:
        assignments += f" AND a.id <> {but}"
    active = f"{assignments} AND a.status IN ({_listed(Assignment.ACTIVE_STATUSES)})"
    tickets = (
        f"SELECT 1 FROM dispatch_ticket k WHERE k.incident_id = {incident} "
        f"AND k.status IN ({_listed(Ticket.OPEN_STATUSES)})"
    )
    return (
        ("has_on_scene", f"EXISTS ({assignments} AND a.status IN ({_listed(ON_SCENE)}))"),
        ("has_en_route", f"EXISTS ({assignments} AND a.status = '{Assignment.Status.EN_ROUTE}')"),
        ("has_active", f"EXISTS ({active})"),
        ("came_back", f"EXISTS ({assignments} AND a.on_scene_at IS NOT NULL)"),
        ("ticket_open", f"EXISTS ({tickets})"),
    )


FACTS = tuple(name for name, _sql in status_facts("0"))
# The SQL of an incident's facts, its id the one parameter.
FACTS_SQL = "SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in status_facts("%s"))


def read_facts(incident_id: int) -> dict:
    """The facts of an incident's status as committed now, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(FACTS_SQL, [incident_id] * len(FACTS))
        return dict(zip(FACTS, cursor.fetchone(), strict=True))


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
    return status_from(read_facts(incident.pk))


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
        facts = read_facts(incident.pk)
    else:
        current = read_row(
            Incident,
            INCIDENT_REFS,
            where="t.id = %s",
            params=[incident.pk],
            extra=(calls_count("t.id"), *status_facts("t.id")),
            defer=INCIDENT_DEFERRED,
        )
        facts = current.__dict__
    if current.is_open:
        status = status_from(facts)
        if status != current.status:
            previous, current.status = current.status, status
            save_fields(current, ["status"])
            changed = incident_event(
                "incident.status_changed", current, actor=actor, previous=previous
            )
            incident.status = status
            return [changed]
    incident.status = current.status
    return []


def lock_open_incident(incident: Incident, *, refs: bool = False, extra=(), params=()) -> Incident:
    """Lock the incident's row and read it as committed, with its calls count, in one
    statement; with what it is shown with (`refs`: type, places, creator), else the ones it
    was read with are kept (see core.db.lock_fresh). `extra`: more (name, SQL) columns read in
    that statement (`params` for their placeholders); a missing incident is a 404."""
    columns = (calls_count("t.id"), *extra)
    relations, deferred = (INCIDENT_REFS, INCIDENT_DEFERRED) if refs else ((), ())
    try:
        lock_fresh(incident, relations, extra=columns, params=params, defer=deferred)
    except Incident.DoesNotExist:
        raise NotFound(_("Not found.")) from None
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
    # The reference data's token too, for the answer's proposals (dispatch.routing.reference).
    incident = lock_open_incident(incident, refs=True, extra=(REFERENCE_TOKEN,))
    now = timezone.now()
    with pipelined():  # each row written goes with the next read
        assignments, released = _release_units(incident, by, now)
        tickets, ended = _end_tickets(incident, by, now)
        previous = incident.status
        incident.status = (
            Incident.Status.CANCELLED
            if outcome == Incident.Outcome.CANCELLED
            else Incident.Status.CLOSED
        )
        incident.outcome, incident.closed_at, incident.closed_by = outcome, now, by
        save_fields(incident, ["status", "outcome", "closed_at", "closed_by"])
        closed = incident_event("incident.closed", incident, actor=by, previous=previous, note=note)
        # Appended together once every row is written: one lock of the chain head.
        record_events([*released, *ended, closed])
    incident.ticket_list, incident.assignment_list = tickets, assignments
    return incident


def _release_units(incident: Incident, by, now) -> tuple[list[Assignment], list[NewEvent]]:
    """close_incident's units: every assignment of the incident, read locked; those still out
    released (cleared once on scene, else cancelled), their units available again."""
    assignments = read_rows(
        Assignment,
        ("unit__agency", "unit__station", "dispatched_by", "destination"),
        where="t.incident_id = %s",
        params=[incident.pk],
        lock=True,
        order_by="t.dispatched_at",
    )
    events = []
    for assignment in assignments:
        assignment.incident = incident
        if not assignment.is_active:
            continue
        release = (
            Assignment.Status.CLEARED if assignment.on_scene_at else Assignment.Status.CANCELLED
        )
        assignment.status = release
        if release == Assignment.Status.CLEARED:
            assignment.cleared_at = now
            save_fields(assignment, ["status", "cleared_at"])
        else:
            assignment.cancelled_at, assignment.cancel_reason = now, _("Incident closed")
            save_fields(assignment, ["status", "cancelled_at", "cancel_reason"])
        unit = assignment.unit
        unit.status = unit.Status.AVAILABLE
        save_fields(unit, ["status"])
        kind = (
            "assignment.cleared" if release == Assignment.Status.CLEARED else "assignment.cancelled"
        )
        events.append(assignment_event(kind, assignment, actor=by, by_closure=True))
    return assignments, events


def _end_tickets(incident: Incident, by, now) -> tuple[list[Ticket], list[NewEvent]]:
    """close_incident's tickets: every ticket of the incident; open ones ended (accepted ones
    completed, unanswered ones cancelled)."""
    tickets = read_rows(
        Ticket,
        ("agency", "notified_by", "accepted_by", "declined_by"),
        where="t.incident_id = %s",
        params=[incident.pk],
        order_by="t.notified_at",
    )
    events = []
    for ticket in tickets:
        ticket.incident = incident
        if ticket.status not in Ticket.OPEN_STATUSES:
            continue
        accepted = ticket.status == Ticket.Status.ACCEPTED
        ticket.status = Ticket.Status.COMPLETED if accepted else Ticket.Status.CANCELLED
        ticket.ended_at = now
        save_fields(ticket, ["status", "ended_at"])
        events.append(ticket_event(f"ticket.{ticket.status}", ticket, actor=by, by_closure=True))
    return tickets, events


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
    save_fields(incident, ["status", "outcome", "closed_at", "closed_by"])
    publish_incident("incident.reopened", incident, actor=by, reason=reason, closed=closed)
    return incident
