"""Units on an incident: dispatched (T4d), en route (T5), on scene (T6), operations started
(T6f), transporting (T8), at hospital (T9), cleared (T10) or cancelled.

One active assignment per unit is a database constraint; the unit row is locked first so that
the loser of two simultaneous dispatches gets a 409 naming the call, and the constraint stands
behind it for anything that bypasses this service.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit
from core.db import insert_row, lock_fresh, locking, pipelined, read_row, save_fields
from core.errors import Conflict, Forbidden, NotFound
from dispatch.eta import estimate_eta_s
from dispatch.models import Assignment, Ticket
from dispatch.recommend import plan_position
from dispatch.selectors import INCIDENT_DEFERRED, INCIDENT_REFS, calls_count
from dispatch.services.common import (
    assignment_event,
    require_agency_operator,
    require_unit_operator,
)
from dispatch.services.incidents import (
    FACTS,
    lock_open_incident,
    refresh_status,
    status_facts,
    with_assignment,
)
from dispatch.services.tickets import accept
from dispatch.steps import STEPS, carries_patients, is_fire, next_steps
from incidents.events import record_events

# The unit's status while on each step of an assignment.
UNIT_STATUS = {
    Assignment.Status.DISPATCHED: Unit.Status.DISPATCHED,
    Assignment.Status.EN_ROUTE: Unit.Status.EN_ROUTE,
    Assignment.Status.ON_SCENE: Unit.Status.ON_SCENE,
    Assignment.Status.TRANSPORTING: Unit.Status.TRANSPORTING,
    Assignment.Status.AT_HOSPITAL: Unit.Status.AT_HOSPITAL,
    Assignment.Status.CLEARED: Unit.Status.AVAILABLE,
    Assignment.Status.CANCELLED: Unit.Status.AVAILABLE,
}


def _busy_conflict(unit: Unit) -> Conflict:
    current = (
        Assignment.objects.filter(unit=unit, status__in=Assignment.ACTIVE_STATUSES)
        .select_related("incident__incident_type")
        .first()
    )
    if current is None:
        return Conflict(
            _("%(unit)s is %(status)s.")
            % {"unit": unit.call_sign, "status": unit.get_status_display().lower()}
        )
    return Conflict(
        _("%(unit)s is already on incident #%(id)s (%(type)s).")
        % {
            "unit": unit.call_sign,
            "id": current.incident_id,
            "type": current.incident.incident_type,
        }
    )


@transaction.atomic
def dispatch_unit(*, ticket: Ticket, unit: Unit, by) -> Assignment:
    """T4d: send one of the agency's units to the incident of an accepted ticket.

    Where the agency lets the 112 dispatcher send its units, a dispatch on a ticket still
    waiting accepts it on the agency's behalf (T4 = now, by the dispatcher).
    """
    require_agency_operator(by, ticket.agency)
    # The ticket's status as committed, read with the incident's lock: a closure, the one
    # writer of an accepted ticket's status, holds that lock (and then the incident is closed).
    status = ("ticket_status", "SELECT k.status FROM dispatch_ticket k WHERE k.id = %s")
    incident = lock_open_incident(ticket.incident, extra=(status,), params=[ticket.pk])
    ticket.status = incident.ticket_status
    if unit.agency_id != ticket.agency_id:
        raise Conflict(_("%(unit)s belongs to another agency.") % {"unit": unit.call_sign})
    if ticket.status == Ticket.Status.NOTIFIED and by.agency_id != ticket.agency_id:
        ticket = accept(ticket, by)
    elif ticket.status != Ticket.Status.ACCEPTED:
        raise Conflict(
            _("Accept the ticket first.")
            if ticket.status == Ticket.Status.NOTIFIED
            else _("This ticket is %(status)s.") % {"status": ticket.get_status_display().lower()}
        )
    lock_fresh(unit)
    unit.agency = ticket.agency
    if unit.status != Unit.Status.AVAILABLE:
        raise _busy_conflict(unit)
    now = timezone.now()
    where = plan_position(_planned(unit, now))
    eta_s = None
    if where is not None and incident.lat is not None:
        eta_s, _metres = estimate_eta_s(unit.kind, where[0], where[1], incident.lat, incident.lon)
    assignment = Assignment(
        incident=incident,
        ticket=ticket,
        unit=unit,
        dispatched_at=now,
        dispatched_by=by,
        eta_s=eta_s,
    )
    try:
        # No savepoint: under the unit's lock only a write that bypassed this service can break
        # the constraint, and the Conflict ends the transaction.
        insert_row(assignment)
    except IntegrityError as exc:
        raise Conflict(
            _("%(unit)s is already on another incident.") % {"unit": unit.call_sign}
        ) from exc
    unit.status = Unit.Status.DISPATCHED
    with pipelined():  # the unit's row goes with the incident's facts read
        save_fields(unit, ["status"])
        dispatched = assignment_event("assignment.dispatched", assignment, actor=by)
        record_events([dispatched, *refresh_status(incident, actor=by, fresh=True)])
    return assignment


def _planned(unit: Unit, now: datetime) -> dict:
    """The unit as dispatch.recommend.plan_position reads it, from its locked row and station."""
    cutoff = now - timedelta(minutes=settings.UNIT_POSITION_MAX_AGE_MIN)
    station = unit.station
    return {
        "fresh": unit.last_position_at is not None and unit.last_position_at >= cutoff,
        "last_lat": unit.last_lat,
        "last_lon": unit.last_lon,
        "station_lat": station.lat if station else None,
        "station_lon": station.lon if station else None,
        "station_quality": station.position_quality if station else None,
    }


# The locking read of a step: the assignment's row alone, and whose unit it moves.
LOCK_SQL = (
    "SELECT u.agency_id FROM dispatch_assignment t JOIN agencies_unit u ON u.id = t.unit_id "
    "WHERE t.id = %s"
)
# What a step shows: the unit, who sent it, where it takes a patient, the incident as events
# show it (and its calls count), and the facts of the incident's status but this assignment's.
SHOWN = (
    "unit__agency",
    "unit__station",
    "dispatched_by",
    "destination",
    *(f"incident__{name}" for name in INCIDENT_REFS),
)
SHOWN_DEFERRED = tuple(f"incident__{name}" for name in INCIDENT_DEFERRED)
SHOWN_EXTRA = (calls_count("t.incident_id"), *status_facts("t.incident_id", but="t.id"))


def _lock(pk: int, only_agency: int | None) -> Assignment:
    """Lock the assignment's row (refused when its unit is not `only_agency`'s), then read it
    with all it shows. Two statements: a join read while waiting for the lock would show the
    unit and incident as they were before the transaction waited for."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL + locking(), [pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("Not found."))
    if only_agency is not None and row[0] != only_agency:
        raise Forbidden(_("This unit belongs to another agency."))
    found = read_row(
        Assignment,
        SHOWN,
        where="t.id = %s",
        params=[pk],
        extra=SHOWN_EXTRA,
        defer=SHOWN_DEFERRED,
    )
    found.incident.calls_count = found.calls_count
    return found


def _refuse_step(assignment: Assignment, step_name: str) -> Conflict:
    allowed = next_steps(assignment)
    names = ", ".join(str(STEPS[name].label).lower() for name in allowed) or _("none")
    return Conflict(
        _("%(unit)s is %(status)s: %(step)s is not possible now. Next: %(next)s.")
        % {
            "unit": assignment.unit.call_sign,
            "status": assignment.get_status_display().lower(),
            "step": str(STEPS[step_name].label).lower(),
            "next": names,
        },
        allowed=allowed,
    )


def _step_time(assignment: Assignment, at: datetime | None, now: datetime) -> datetime:
    """When a step happened: now, or the time a crew's phone tapped it (kept while offline),
    never in the future nor before the assignment's latest step, so the steps stay in order
    whatever the phone's clock says."""
    if at is None:
        return now
    earlier = [getattr(assignment, rule.field) for rule in STEPS.values()]
    return max([min(at, now), assignment.dispatched_at, *(t for t in earlier if t is not None)])


@transaction.atomic
def advance(
    *,
    assignment: Assignment,
    step: str,
    by,
    reason: str = "",
    destination=None,
    at: datetime | None = None,
    only_agency: int | None = None,
):
    """Take one step (see dispatch.steps.STEPS); a step out of order is a 409 naming the next.

    `at` is when a crew tapped it on the phone; a tap that reaches the server more than
    CREW_LATE_AFTER_S later (no signal) is recorded at its tap time and marked late.
    `only_agency`: a unit of another agency is refused (a desk's or crew's, who may not see it).
    """
    assignment = _lock(assignment.pk, only_agency)
    require_unit_operator(by, assignment.unit)
    rule = STEPS[step]
    if step not in next_steps(assignment):
        if step == "operations_started" and not is_fire(assignment):
            raise Conflict(_("Operations started is recorded for fires only."))
        if step == "transporting" and not carries_patients(assignment):
            raise Conflict(_("Only an ambulance transports a patient."))
        raise _refuse_step(assignment, step)
    now = timezone.now()
    when = _step_time(assignment, at, now)
    late = at is not None and (now - at).total_seconds() > settings.CREW_LATE_AFTER_S
    setattr(assignment, rule.field, when)
    changed = ["status", rule.field]
    if late:
        assignment.late_steps = {**assignment.late_steps, step: now.isoformat()}
        changed.append("late_steps")
    assignment.status = rule.to
    if step == "transporting":
        assignment.destination = destination
        changed.append("destination")
    if step == "cancel":
        assignment.cancel_reason = reason
        changed.append("cancel_reason")
    kind = "cleared" if step == "clear" else "cancelled" if step == "cancel" else step
    extra = {"late": True, "at": when, "received_at": now} if late else {}
    with pipelined():  # the assignment's, the unit's and the incident's rows in one round trip
        save_fields(assignment, changed)
        unit = assignment.unit
        if unit.status != UNIT_STATUS[assignment.status]:
            unit.status = UNIT_STATUS[assignment.status]
            save_fields(unit, ["status"])
        stepped = assignment_event(f"assignment.{kind}", assignment, actor=by, **extra)
        facts = with_assignment({name: getattr(assignment, name) for name in FACTS}, assignment)
        record_events([stepped, *refresh_status(assignment.incident, actor=by, facts=facts)])
    return assignment
