"""Units on an incident: dispatched (T4d), en route (T5), on scene (T6), operations started
(T6f), transporting (T8), at hospital (T9), cleared (T10) or cancelled.

One active assignment per unit is a database constraint; the unit row is locked first so that
the loser of two simultaneous dispatches gets a 409 naming the call, and the constraint stands
behind it for anything that bypasses this service.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit
from core.errors import Conflict
from dispatch.eta import estimate_eta_s
from dispatch.models import Assignment, Ticket
from dispatch.recommend import plan_position, unit_rows
from dispatch.selectors import incident_calls
from dispatch.services.common import (
    assignment_event,
    lock_fresh,
    lock_row,
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
from incidents.selectors import with_incident_refs

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
    status = Subquery(Ticket.objects.filter(pk=ticket.pk).values("status"))
    incident = lock_open_incident(ticket.incident, ticket_status=status)
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
    where = plan_position(unit_rows(now, pk=unit.pk)[0])
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
        assignment.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(unit)s is already on another incident.") % {"unit": unit.call_sign}
        ) from exc
    unit.status = Unit.Status.DISPATCHED
    unit.save(update_fields=["status"])
    dispatched = assignment_event("assignment.dispatched", assignment, actor=by)
    record_events([dispatched, *refresh_status(incident, actor=by, fresh=True)])
    return assignment


def _lock(assignment: Assignment) -> Assignment:
    """Lock the assignment's row, then read it with all it shows, its incident as events show
    it and the facts of the incident's status but this assignment's (see refresh_status)."""
    lock_row(Assignment, assignment.pk)
    assignments = Assignment.objects.select_related(
        "unit__agency", "unit__station", "dispatched_by", "destination"
    ).annotate(incident_calls=incident_calls(), **status_facts("incident_id", but=assignment.pk))
    found = with_incident_refs(assignments, via="incident").get(pk=assignment.pk)
    found.incident.calls_count = found.incident_calls
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
):
    """Take one step (see dispatch.steps.STEPS); a step out of order is a 409 naming the next.

    `at` is when a crew tapped it on the phone; a tap that reaches the server more than
    CREW_LATE_AFTER_S later (no signal) is recorded at its tap time and marked late.
    """
    assignment = _lock(assignment)
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
    assignment.save(update_fields=changed)
    unit = assignment.unit
    if unit.status != UNIT_STATUS[assignment.status]:
        unit.status = UNIT_STATUS[assignment.status]
        unit.save(update_fields=["status"])
    kind = "cleared" if step == "clear" else "cancelled" if step == "cancel" else step
    extra = {"late": True, "at": when, "received_at": now} if late else {}
    stepped = assignment_event(f"assignment.{kind}", assignment, actor=by, **extra)
    facts = with_assignment({name: getattr(assignment, name) for name in FACTS}, assignment)
    record_events([stepped, *refresh_status(assignment.incident, actor=by, facts=facts)])
    return assignment
