"""Deadlines and escalation (DESIGN.md §6): nothing waits unseen.

Every appended event is seen by `on_event` in its own transaction, before the event log locks
its chain head: it works out, for the call, ticket or incident the event is about, whether each
watched wait is running, and starts or clears that wait's `Deadline` row accordingly. So the
deadline changes in the same commit as the thing it watches, and no timer lives in memory or in
the broker. A wait that starts again with the same start (a late AML, a reopened incident)
continues its ladder after the levels already raised; one whose levels fell due while the check
was not running records them, raised and resolved at once, when it ends.

`escalate_overdue(now)` is the check that Celery beat (production) or the embedded ticker runs
every second: it claims the rows whose indexed `due_at` has passed with SELECT … FOR UPDATE
SKIP LOCKED, raises an `Escalation` for the due level, appends its event (broadcast after
commit) and moves the row to the next level; at the top of the ladder the row stays, with no
`due_at`, until the wait ends. A row claimed by one worker is skipped by the others, and each
level is raised once (a unique constraint stands behind that); after downtime every overdue
level is raised on the first run. One bad row never stops the check: a batch that fails is
retried row by row, and a row that fails alone is logged and put back for later.

Locks, in this order (incidents/events.py): the rows a service changes, then the deadlines of
its subject, then the chain head. The check takes deadline rows with SKIP LOCKED, incidents
whose priority it raises with SKIP LOCKED (a busy one waits for the next run), and the head
last, so it never waits for anything a service holds.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import InterfaceError, OperationalError, models, transaction
from django.db.models import Min
from django.utils import timezone

from ambon112 import health
from ambon112.api import represent
from dispatch.models import (
    Action,
    Assignment,
    Deadline,
    Escalation,
    EscalationLevel,
    Recipient,
    SlaPolicy,
    Ticket,
    Watch,
)
from dispatch.serializers import EscalationSerializer
from incidents.events import NewEvent, record_events
from incidents.models import Call, Incident, Presence, Room
from incidents.selectors import T1_FIELD, ringing_queue, with_incident_refs
from incidents.services.incidents import publish_incident

logger = logging.getLogger(__name__)

BATCH = 500
RETRY_FAILED_AFTER = timedelta(seconds=30)  # a row that failed alone is tried again then
TRANSIENT = (OperationalError, InterfaceError)  # the database, not a row: the next run retries


@dataclass(frozen=True)
class Wait:
    """One watched wait that is running now."""

    watch: str
    subject: models.Model
    started_at: datetime
    incident: Incident | None = None
    ticket: Ticket | None = None


# --- What is waiting --------------------------------------------------------------------------


def call_waits(call: Call) -> dict[str, Wait | None]:
    waiting = call.answered_at is None and call.ended_at is None  # it ends at T1
    started = call.ringing_at or call.created_at
    # A message has no ring clock: it waits for its first response from when it was received.
    watch = (
        Watch.CONTACT_UNHANDLED if call.channel in Call.MESSAGE_CHANNELS else Watch.CALL_UNANSWERED
    )
    return {watch: Wait(watch, call, started) if waiting else None}


def incident_waits(incident: Incident) -> dict[str, Wait | None]:
    waits: dict[str, Wait | None] = {
        Watch.INCIDENT_NOT_FORWARDED: None,
        Watch.FIRE_NO_OPERATIONS: None,
    }
    if not incident.is_open:
        return waits
    calls = incident.calls.aggregate(t0=Min("ringing_at"), t1=Min(T1_FIELD))
    if not incident.tickets.exists():
        answered = calls["t1"] or incident.created_at
        waits[Watch.INCIDENT_NOT_FORWARDED] = Wait(
            Watch.INCIDENT_NOT_FORWARDED, incident, answered, incident
        )
    if (
        incident.category == "kebakaran"
        and not incident.assignments.filter(operations_started_at__isnull=False).exists()
    ):
        waits[Watch.FIRE_NO_OPERATIONS] = Wait(
            Watch.FIRE_NO_OPERATIONS, incident, calls["t0"] or incident.created_at, incident
        )
    return waits


def room_waits(room: Room) -> dict[str, Wait | None]:
    """Nobody ready: no signed-in call-taker is ready while a call rings (or, by the room's
    rule, at all). The wait starts when it is first seen and ends when someone is ready."""
    ready = Presence.objects.filter(signed_out_at__isnull=True, state=Presence.State.READY)
    running = not ready.exists() and (
        room.nobody_ready_when_idle or ringing_queue().filter(channel=Call.Channel.PHONE).exists()
    )
    wait = Wait(Watch.NOBODY_READY, room, timezone.now()) if running else None
    return {Watch.NOBODY_READY: wait}


def ticket_waits(ticket: Ticket) -> dict[str, Wait | None]:
    waits: dict[str, Wait | None] = {Watch.TICKET_NOT_ACCEPTED: None, Watch.NO_UNIT_EN_ROUTE: None}
    if ticket.status == Ticket.Status.NOTIFIED:
        waits[Watch.TICKET_NOT_ACCEPTED] = Wait(
            Watch.TICKET_NOT_ACCEPTED, ticket, ticket.notified_at, ticket.incident, ticket
        )
    elif (
        ticket.status == Ticket.Status.ACCEPTED
        and not ticket.assignments.filter(en_route_at__isnull=False).exists()
    ):
        waits[Watch.NO_UNIT_EN_ROUTE] = Wait(
            Watch.NO_UNIT_EN_ROUTE, ticket, ticket.accepted_at, ticket.incident, ticket
        )
    return waits


# --- Keeping deadlines in step with events ----------------------------------------------------


def policy_for(wait: Wait) -> SlaPolicy | None:
    """The most specific active policy whose scope matches the wait, with its ladder."""
    incident, ticket = wait.incident, wait.ticket
    best = None
    for policy in SlaPolicy.objects.filter(watch=wait.watch, is_active=True).prefetch_related(
        "levels"
    ):
        if policy.category and (incident is None or incident.category != policy.category):
            continue
        if policy.priority and (incident is None or incident.priority != policy.priority):
            continue
        if policy.agency_id and (ticket is None or ticket.agency_id != policy.agency_id):
            continue
        if not policy.levels.all():
            continue
        if best is None or policy.specificity > best.specificity:
            best = policy
    return best


def subject_key(subject: models.Model) -> dict:
    return {"subject_type": subject._meta.model_name, "subject_id": str(subject.pk)}


def reconcile(waits: dict[str, Wait | None], subject: models.Model) -> list[NewEvent]:
    """Start the deadline of each wait that runs and has none; clear each one that stopped.
    Returns the escalation events this needs."""
    key = subject_key(subject)
    existing = {
        d.watch: d
        for d in Deadline.objects.select_for_update(of=("self",)).filter(
            watch__in=list(waits), **key
        )
    }
    events: list[NewEvent] = []
    for watch, wait in waits.items():
        if wait is None and watch in existing:
            events += raise_missed_levels(existing[watch])
            existing[watch].delete()
            events += resolve(watch, key)
        elif wait is not None and watch not in existing:
            start(wait)
    return events


def start(wait: Wait) -> None:
    """The wait's deadline at its first level not yet raised for this start; a ladder already
    climbed (the same wait seen again) keeps a row with nothing more due."""
    policy = policy_for(wait)
    if policy is None:
        return
    ladder = list(policy.levels.all())
    raised = set()
    if wait.started_at + timedelta(seconds=ladder[0].delay_s) <= timezone.now():
        raised = set(
            Escalation.objects.filter(
                watch=wait.watch, started_at=wait.started_at, **subject_key(wait.subject)
            ).values_list("level", flat=True)
        )
    pending = [level for level in ladder if level.level not in raised]
    Deadline.objects.create(
        watch=wait.watch,
        policy=policy,
        incident=wait.incident,
        agency=wait.ticket.agency if wait.ticket else None,
        started_at=wait.started_at,
        level=pending[0].level if pending else ladder[-1].level + 1,
        due_at=wait.started_at + timedelta(seconds=pending[0].delay_s) if pending else None,
        summary=summary_of(wait)[:200],
        **subject_key(wait.subject),
    )


def raise_missed_levels(deadline: Deadline) -> list[NewEvent]:
    """A wait ends with levels that fell due and were never raised (the check was down, or had
    not come round yet): the breach happened, so they are raised now (and resolved with it)."""
    now = timezone.now()
    if deadline.due_at is None or deadline.due_at > now:
        return []
    escalations = fire(deadline, ladders_of({deadline.policy_id})[deadline.policy_id], now)
    Escalation.objects.bulk_create(escalations)
    return [escalation_event("escalation.raised", e) for e in escalations]


def summary_of(wait: Wait) -> str:
    """What waits, in facts that read the same in any language: number and line, or the
    incident's number and type (and the agency of a ticket)."""
    if isinstance(wait.subject, Room):
        return room_summary()
    if isinstance(wait.subject, Call):
        call, caller = wait.subject, wait.subject.caller
        channel = call.channel if call.channel in Call.MESSAGE_CHANNELS else ""
        return " · ".join(filter(None, [channel, caller.number if caller else "", call.line]))
    incident = wait.incident
    if incident is None:  # a wait about something else (a hazard alert): it names itself
        return str(wait.subject)
    parts = [f"#{incident.pk}", incident.incident_type.name_id]
    if wait.ticket is not None:
        parts.append(wait.ticket.agency.short_name)
    return " · ".join(parts)


def resolve(watch: str, key: dict) -> list[NewEvent]:
    """The thing stopped waiting: its open escalations say so (they stay until acknowledged)."""
    open_ones = list(
        Escalation.objects.filter(watch=watch, resolved_at__isnull=True, **key).select_related(
            "incident", "agency", "acknowledged_by"
        )
    )
    now = timezone.now()
    for escalation in open_ones:
        escalation.resolved_at = now
    Escalation.objects.bulk_update(open_ones, ["resolved_at"])
    return [escalation_event("escalation.resolved", e) for e in open_ones]


# Which events can start or end a wait on something other than their own subject.
INCIDENT_WAIT_EVENTS = {
    "incident.created",
    "incident.closed",
    "incident.reopened",
    "ticket.notified",  # the first ticket ends "not forwarded"
    "assignment.operations_started",  # ends "fire: no operations started"
}
TICKET_WAIT_EVENTS = {"assignment.en_route"}  # ends "no unit en route"
# What can start or end "nobody ready": a call that rings or stops ringing, a presence change.
ROOM_WAIT_EVENTS = {"call.ringing", "call.answered", "call.taken", "call.ended", "call.abandoned"}


def room_summary() -> str:
    """Facts that read the same in any language: calls ringing, and the positions staffed
    with their states (codes, as the API gives them)."""
    ringing = ringing_queue().filter(channel=Call.Channel.PHONE).count()
    staffed = Presence.objects.filter(signed_out_at__isnull=True).select_related("position")
    return " · ".join([f"☎ {ringing}", *(f"{p.position.name}: {p.state}" for p in staffed)])


def on_event(new: NewEvent) -> list[NewEvent]:
    """Registered with incidents.events: keep the deadlines of what the event touched."""
    subject, events = new.subject, []
    if isinstance(subject, Call):
        events += reconcile(call_waits(subject), subject)
    elif isinstance(subject, Ticket):
        events += reconcile(ticket_waits(subject), subject)
    elif isinstance(subject, Assignment) and new.kind in TICKET_WAIT_EVENTS:
        ticket = Ticket.objects.select_related("incident__incident_type", "agency").get(
            pk=subject.ticket_id
        )
        events += reconcile(ticket_waits(ticket), ticket)
    if new.kind in ROOM_WAIT_EVENTS or isinstance(subject, Presence):
        # Locked, so that two calls ringing at once start one wait (lock order: the room after
        # the rows the service changed, before the chain head).
        room = Room.objects.select_for_update().get_or_create(pk=1)[0]
        events += reconcile(room_waits(room), room)
    if new.incident_id is not None and new.kind in INCIDENT_WAIT_EVENTS:
        incident = Incident.objects.select_related("incident_type").get(pk=new.incident_id)
        events += reconcile(incident_waits(incident), incident)
    return events


# --- The check ----------------------------------------------------------------------------------


def escalate_overdue(now: datetime | None = None) -> int:
    """Raise every escalation whose deadline has passed; returns how many were raised.

    A batch that fails on a row's data is retried one row at a time, so one bad row is logged
    and put back for later while every other row is raised. A database that is unreachable or
    busy (deadlock, restart) fails the run instead: the next run, a second later, retries it
    all. Each completed run is recorded for /healthz.
    """
    now = now or timezone.now()
    raised, failed = 0, []
    while True:
        try:
            count, claimed = escalate_batch(now)
        except TRANSIENT:
            raise
        except Exception:
            logger.exception("deadline check: a batch failed; checking its rows one by one")
            count, claimed = escalate_one_by_one(now, failed)
        raised += count
        if claimed < BATCH:
            health.record_deadline_check(raised=raised, failed=failed)
            return raised


def escalate_one_by_one(now: datetime, failed: list[int]) -> tuple[int, int]:
    """The due rows of a failed batch, each in its own transaction; a row that fails on its
    own is logged, added to `failed` and put back RETRY_FAILED_AFTER later."""
    ids = list(
        Deadline.objects.filter(due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    raised = 0
    for pk in ids:
        try:
            raised += escalate_batch(now, only=pk)[0]
        except TRANSIENT:
            raise
        except Exception:
            logger.exception("deadline check: deadline %s failed; tried again later", pk)
            Deadline.objects.filter(pk=pk).update(due_at=now + RETRY_FAILED_AFTER)
            failed.append(pk)
    return raised, len(ids)


def escalate_batch(now: datetime, *, only: int | None = None) -> tuple[int, int]:
    """One transaction of the check over up to BATCH due rows (or the one row `only`):
    returns (escalations raised, rows claimed)."""
    with transaction.atomic():
        due_rows = (
            Deadline.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("incident", "agency__backup")
            .filter(due_at__lte=now)
        )
        if only is not None:
            due_rows = due_rows.filter(pk=only)
        due = list(due_rows.order_by("due_at")[:BATCH])
        claimed = len(due)
        ladders = ladders_of({deadline.policy_id for deadline in due})
        fired = {deadline.pk: fire(deadline, ladders[deadline.policy_id], now) for deadline in due}
        busy = busy_incidents(e for escalations in fired.values() for e in escalations)
        due = [d for d in due if not any(e.incident_id in busy for e in fired[d.pk])]
        escalations = [e for d in due for e in fired[d.pk]]
        Escalation.objects.bulk_create(escalations)
        record_events([escalation_event("escalation.raised", e) for e in escalations])
        for escalation in escalations:
            if escalation.action == Action.RAISE_PRIORITY and escalation.incident_id:
                raise_priority(escalation.incident)
        Deadline.objects.bulk_update(due, ["level", "due_at"])
    return len(escalations), claimed


def busy_incidents(escalations) -> set[int]:
    """Incidents whose priority a level raises but which a service holds right now: their
    deadlines wait for the next run rather than for the service (no lock-order inversion)."""
    wanted = {
        e.incident_id
        for e in escalations
        if e.action == Action.RAISE_PRIORITY and e.incident_id is not None
    }
    if not wanted:
        return set()
    locked = Incident.objects.select_for_update(skip_locked=True).filter(pk__in=wanted)
    return wanted - set(locked.values_list("pk", flat=True))


def ladders_of(policy_ids: set[int]) -> dict[int, list[EscalationLevel]]:
    ladders: dict[int, list[EscalationLevel]] = {pk: [] for pk in policy_ids}
    for level in EscalationLevel.objects.filter(policy_id__in=policy_ids).order_by("level"):
        ladders[level.policy_id].append(level)
    return ladders


def fire(deadline: Deadline, ladder: list[EscalationLevel], now: datetime) -> list[Escalation]:
    """The escalations of every level of one claimed deadline that is due by `now`. Afterwards
    the deadline holds its next level and time (due_at > now), or it has climbed the whole
    ladder (due_at is None)."""
    escalations = []
    deadline.due_at = None
    for level in ladder:
        if level.level < deadline.level:
            continue
        due_at = deadline.started_at + timedelta(seconds=level.delay_s)
        if due_at > now:
            deadline.level, deadline.due_at = level.level, due_at
            break
        escalations.append(
            Escalation(
                watch=deadline.watch,
                policy_id=deadline.policy_id,
                level=level.level,
                subject_type=deadline.subject_type,
                subject_id=deadline.subject_id,
                incident=deadline.incident,
                agency=deadline.agency,
                started_at=deadline.started_at,
                due_at=due_at,
                raised_at=now,
                to_call_takers=Recipient.CALL_TAKERS in level.recipients,
                to_supervisors=Recipient.SUPERVISORS in level.recipients,
                to_agency=bool(
                    {Recipient.AGENCY_DESK, Recipient.AGENCY_LIAISON} & set(level.recipients)
                ),
                action=level.action,
                summary=deadline.summary,
            )
        )
        deadline.level = level.level + 1
    return escalations


def raise_priority(incident: Incident) -> None:
    incident = with_incident_refs(Incident.objects.all()).get(pk=incident.pk)
    if incident.priority > 1:
        previous, incident.priority = incident.priority, incident.priority - 1
        incident.save(update_fields=["priority"])
        publish_incident("incident.priority_raised", incident, actor=None, previous=previous)


def escalation_event(kind: str, escalation: Escalation, *, actor=None, **extra) -> NewEvent:
    return NewEvent(
        kind,
        subject=escalation,
        actor=actor,
        actor_label="" if actor else "deadline-check",
        payload={"escalation": represent(EscalationSerializer, escalation), **extra},
        agencies=[escalation.agency] if escalation.to_agency and escalation.agency else (),
        incident=escalation.incident,
    )


def publish_escalation(kind: str, escalation: Escalation, *, actor=None, **extra) -> None:
    record_events([escalation_event(kind, escalation, actor=actor, **extra)])
