"""Deadlines and escalation (docs/architecture.md "Deadlines"): nothing waits unseen.

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

Locks, in this order (incidents/events.py): the rows a service changes; then the room row, for
the events that can change who is ready or what rings; then, in one locked read, the deadlines
of everything the event touches (its subject, a unit's ticket, the incident, the room); then the
chain head. The check takes deadline rows with SKIP LOCKED, incidents whose priority it raises
with SKIP LOCKED (a busy one waits for the next run), and the head last, so it never waits for
anything a service holds.

Each event costs few statements here: that one read also brings who is ready and what rings
(after the room's lock, so two calls ringing at once see each other) and the policies' version
token, and the policies and their levels are read only when that token changed
(dispatch.policies.ladders); the deadlines that end go in one delete, those that start in one
insert.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from agencies.models import Agency
from core import health
from core.api import represent
from core.db import read_row, save_fields_of
from dispatch import policies
from dispatch.models import (
    TO_AGENCY,
    TO_CALL_TAKERS,
    TO_SUPERVISORS,
    Action,
    Assignment,
    Deadline,
    Escalation,
    EscalationLevel,
    Shelf,
    SlaPolicy,
    Ticket,
    Watch,
)
from dispatch.serializers import EscalationSerializer, ShelfSerializer
from incidents.events import NewEvent, record_events
from incidents.models import Call, Event, Incident, Presence, Room
from incidents.selectors import T1_FIELD, with_incident_refs
from incidents.services.incidents import incident_event

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
    agency: Agency | None = None  # a ticket's or a unit's agency
    phones_ringing: int = 0  # the room's: telephone calls ringing when it was seen


INCIDENT_WATCHES = (Watch.INCIDENT_NOT_FORWARDED, Watch.FIRE_NO_OPERATIONS, Watch.INCIDENT_IDLE)
TICKET_WATCHES = (Watch.TICKET_NOT_ACCEPTED, Watch.NO_UNIT_EN_ROUTE, Watch.UNIT_NOT_DISPATCHED)

WIT = ZoneInfo("Asia/Jayapura")  # policies' time windows are the room's local time

# When the dispatch gave no ETA (no position known): NFPA 1710's 240 s travel
# (docs/architecture.md "The clock").
DEFAULT_TRAVEL_S = 240


def db_time(value: datetime | str | None) -> datetime | None:
    """A timestamp as a raw cursor returns it: aware on PostgreSQL, UTC text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


# --- What is waiting --------------------------------------------------------------------------


def call_waits(call: Call) -> dict[str, Wait | None]:
    waiting = call.answered_at is None and call.ended_at is None  # it ends at T1
    started = call.ringing_at or call.created_at
    # A message has no ring clock: it waits for its first response from when it was received.
    watch = (
        Watch.CONTACT_UNHANDLED if call.channel in Call.MESSAGE_CHANNELS else Watch.CALL_UNANSWERED
    )
    return {watch: Wait(watch, call, started) if waiting else None}


def incident_waits(incident: Incident, seen: "Seen") -> dict[str, Wait | None]:
    """`seen`: when the incident's calls first rang and were answered, whether it was forwarded
    and whether operations started, read with its deadlines (see read_locked)."""
    waits: dict[str, Wait | None] = dict.fromkeys(INCIDENT_WATCHES)
    if not incident.is_open:
        return waits
    # Idle from now: the event that brought us here is activity (see idle_activity).
    waits[Watch.INCIDENT_IDLE] = Wait(Watch.INCIDENT_IDLE, incident, timezone.now(), incident)
    if not seen.forwarded:
        answered = seen.first_answer or incident.created_at
        waits[Watch.INCIDENT_NOT_FORWARDED] = Wait(
            Watch.INCIDENT_NOT_FORWARDED, incident, answered, incident
        )
    if incident.category == "kebakaran" and not seen.operations_started:
        waits[Watch.FIRE_NO_OPERATIONS] = Wait(
            Watch.FIRE_NO_OPERATIONS, incident, seen.first_ring or incident.created_at, incident
        )
    return waits


def room_waits(room: Room, seen: "Seen") -> dict[str, Wait | None]:
    """Nobody ready: no signed-in call-taker is ready while a call rings (or, by the room's
    rule, at all). The wait starts when it is first seen and ends when someone is ready. `seen`:
    who is ready and what rings, read after the room's lock."""
    running = not seen.someone_ready and (room.nobody_ready_when_idle or seen.phones_ringing)
    wait = None
    if running:
        wait = Wait(Watch.NOBODY_READY, room, timezone.now(), phones_ringing=seen.phones_ringing)
    return {Watch.NOBODY_READY: wait}


def ticket_waits(ticket: Ticket, seen: "Seen") -> dict[str, Wait | None]:
    """`seen`: whether a unit was sent on the ticket, and one is en route (see read_locked)."""
    waits: dict[str, Wait | None] = dict.fromkeys(TICKET_WATCHES)

    def wait(watch, started_at):
        return Wait(watch, ticket, started_at, ticket.incident, ticket.agency)

    if ticket.status == Ticket.Status.NOTIFIED:
        waits[Watch.TICKET_NOT_ACCEPTED] = wait(Watch.TICKET_NOT_ACCEPTED, ticket.notified_at)
    elif ticket.status == Ticket.Status.ACCEPTED:
        if not seen.unit_en_route:
            waits[Watch.NO_UNIT_EN_ROUTE] = wait(Watch.NO_UNIT_EN_ROUTE, ticket.accepted_at)
        if not seen.unit_sent:  # T4 → T4d
            waits[Watch.UNIT_NOT_DISPATCHED] = wait(Watch.UNIT_NOT_DISPATCHED, ticket.accepted_at)
    return waits


def assignment_waits(assignment: Assignment) -> dict[str, Wait | None]:
    """One unit's way to the scene: turnout (T4d → T5), then travel past its ETA (T5 → T6)."""
    waits: dict[str, Wait | None] = {Watch.UNIT_NOT_EN_ROUTE: None, Watch.UNIT_NOT_ON_SCENE: None}

    def wait(watch, started_at):
        return Wait(watch, assignment, started_at, assignment.incident, assignment.unit.agency)

    if assignment.status == Assignment.Status.DISPATCHED:
        waits[Watch.UNIT_NOT_EN_ROUTE] = wait(Watch.UNIT_NOT_EN_ROUTE, assignment.dispatched_at)
    elif assignment.status == Assignment.Status.EN_ROUTE:
        # It waits from when the unit should have arrived; the ladder's delays are the margin.
        travel = assignment.eta_s if assignment.eta_s is not None else DEFAULT_TRAVEL_S
        due = assignment.en_route_at + timedelta(seconds=travel)
        waits[Watch.UNIT_NOT_ON_SCENE] = wait(Watch.UNIT_NOT_ON_SCENE, due)
    return waits


# --- Keeping deadlines in step with events ----------------------------------------------------


def policy_for(wait: Wait, ladders: dict[SlaPolicy, list[EscalationLevel]]) -> SlaPolicy | None:
    """The most specific of the active policies with levels (`ladders`, see policies.ladders)
    whose scope matches the wait: category, priority, incident type and agency of what waits,
    and the WIT time it started."""
    incident, agency = wait.incident, wait.agency
    started = timezone.localtime(wait.started_at, WIT).time()
    best = None
    for policy in ladders:
        if policy.watch != wait.watch:
            continue
        if policy.category and (incident is None or incident.category != policy.category):
            continue
        if policy.priority and (incident is None or incident.priority != policy.priority):
            continue
        if policy.agency_id and (agency is None or agency.pk != policy.agency_id):
            continue
        if not policy.in_window(started):
            continue
        if policy.incident_types and (
            incident is None or incident.incident_type.code not in policy.incident_types
        ):
            continue
        if best is None or policy.specificity > best.specificity:
            best = policy
    return best


# The waits worked out for one subject, and the subject.
Watched = tuple[dict[str, Wait | None], models.Model]


def subject_key(subject: models.Model) -> dict:
    return {"subject_type": subject._meta.model_name, "subject_id": str(subject.pk)}


def reconcile(waits: dict[str, Wait | None], subject: models.Model) -> list[NewEvent]:
    """Start the deadline of each wait that runs and has none; clear each one that stopped.
    Returns the escalation events this needs."""
    events, starting, token = keep_in_step([(waits, subject)])
    start(starting, token)
    return events


@dataclass(frozen=True)
class Seen:
    """What the one locked read of an event found: the deadlines of what it touches, by
    wait_key; the policies' version token (dispatch.policies.ladders); with the room locked,
    whether a call-taker is ready and how many telephone calls ring (up to RINGING_COUNTED);
    for an incident, its calls' first ring (T0) and answer (T1), whether it was forwarded,
    whether operations started; for a ticket, whether a unit was sent and whether one is en
    route."""

    deadlines: dict[tuple[str, str, str], Deadline]
    token: str | None
    someone_ready: bool
    phones_ringing: int
    first_ring: datetime | None
    first_answer: datetime | None
    forwarded: bool
    operations_started: bool
    unit_sent: bool
    unit_en_route: bool


DEADLINE_COLUMNS = ", ".join(f.column for f in Deadline._meta.concrete_fields)
# The ringing telephone calls are counted up to this many. Every ringing, take and hang-up
# reads the count, so counting them all would make each post of a surge (or of an adapter that
# never reports hang-ups) cost more than the one before; the wait only needs "any", its summary
# says "100+".
RINGING_COUNTED = 100
# After the room's lock (so two calls ringing at once see each other): a signed-in call-taker
# ready, and the ringing queue's telephone calls (incidents.selectors.ringing_queue).
ROOM_FACTS = f"""
    EXISTS (SELECT 1 FROM incidents_presence WHERE signed_out_at IS NULL AND state = %s),
    (SELECT COUNT(*) FROM (SELECT 1 FROM incidents_call
        WHERE {T1_FIELD} IS NULL AND ended_at IS NULL AND channel = %s
        LIMIT {RINGING_COUNTED}) AS ringing)
"""
INCIDENT_FACTS = f"""
    (SELECT MIN(ringing_at) FROM incidents_call WHERE incident_id = %s),
    (SELECT MIN({T1_FIELD}) FROM incidents_call WHERE incident_id = %s),
    EXISTS (SELECT 1 FROM dispatch_ticket WHERE incident_id = %s),
    EXISTS (SELECT 1 FROM dispatch_assignment
        WHERE incident_id = %s AND operations_started_at IS NOT NULL)
"""
FACT_COLUMNS = 9  # the token, then the room's, the incident's and the ticket's facts
TICKET_FACTS = """
    EXISTS (SELECT 1 FROM dispatch_assignment WHERE ticket_id = %s),
    EXISTS (SELECT 1 FROM dispatch_assignment WHERE ticket_id = %s AND en_route_at IS NOT NULL)
"""


def read_locked(
    waits: list[tuple[str, str, str]],
    *,
    fired_idle: str | None,
    room: bool,
    incident_id: int | None,
    ticket_id: int | None,
) -> Seen:
    """One statement: the deadlines of these waits (watch, subject type, subject id) and the
    fired idle wait of incident `fired_idle`, locked; the policies' token; the room's facts
    (`room`), the incident's (`incident_id`) and the ticket's (`ticket_id`). The one row of
    facts comes back even when no deadline matches."""
    conditions, params = [], []
    for watch, subject_type, subject_id in waits:
        conditions.append("(watch = %s AND subject_type = %s AND subject_id = %s)")
        params += [watch, subject_type, subject_id]
    if fired_idle is not None:
        conditions.append(
            "(watch = %s AND subject_type = 'incident' AND subject_id = %s AND level > 1)"
        )
        params += [Watch.INCIDENT_IDLE, fired_idle]
    facts = [ROOM_FACTS if room else "NULL, NULL"]
    facts.append(INCIDENT_FACTS if incident_id is not None else "NULL, NULL, NULL, NULL")
    facts_params = [Presence.State.READY, Call.Channel.PHONE] if room else []
    facts_params += [incident_id] * 4 if incident_id is not None else []
    facts.append(TICKET_FACTS if ticket_id is not None else "NULL, NULL")
    facts_params += [ticket_id] * 2 if ticket_id is not None else []
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    where = " OR ".join(conditions) or "1 = 0"
    sql = f"""
        SELECT facts.*, d.* FROM (
            SELECT (SELECT MAX(token) FROM dispatch_policyversion) AS token, {", ".join(facts)}
        ) AS facts LEFT JOIN (
            SELECT {DEADLINE_COLUMNS} FROM dispatch_deadline WHERE {where}{lock}
        ) AS d ON 1 = 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, facts_params + params)
        rows = cursor.fetchall()
    deadlines = {}
    for row in rows:
        if row[FACT_COLUMNS] is not None:
            deadline = Deadline.from_db(connection.alias, None, row[FACT_COLUMNS:])
            deadline.started_at = db_time(deadline.started_at)
            deadline.due_at = db_time(deadline.due_at)
            deadlines[wait_key(deadline)] = deadline
    facts_row = rows[0]
    return Seen(
        deadlines,
        token=facts_row[0],
        someone_ready=bool(facts_row[1]),
        phones_ringing=facts_row[2] or 0,
        first_ring=db_time(facts_row[3]),
        first_answer=db_time(facts_row[4]),
        forwarded=bool(facts_row[5]),
        operations_started=bool(facts_row[6]),
        unit_sent=bool(facts_row[7]),
        unit_en_route=bool(facts_row[8]),
    )


def keep_in_step(
    watched: list[Watched],
    *,
    active_incident: int | None = None,
    room: Room | None = None,
    incident: Incident | None = None,
    ticket: Ticket | None = None,
) -> tuple[list[NewEvent], list[Wait], str | None]:
    """`reconcile` for several subjects with one locked read of their deadlines: clears the
    deadlines of waits that stopped (one delete), and returns the escalation events this needs,
    the waits to start and the policies' token (for one `start` of them all).
    `active_incident`: the event was activity on that incident, whose fired idle wait starts
    again (see idle_activity). `room` (locked by the caller), `incident` and `ticket`: their
    waits are worked out from facts read in the same statement, and kept too."""
    keys = [
        (watch, *subject_key(subject).values()) for waits, subject in watched for watch in waits
    ]
    if incident is not None:
        keys += [(watch, *subject_key(incident).values()) for watch in INCIDENT_WATCHES]
    if ticket is not None:
        keys += [(watch, *subject_key(ticket).values()) for watch in TICKET_WATCHES]
    if room is not None:
        keys.append((Watch.NOBODY_READY, *subject_key(room).values()))
    fired_idle = str(active_incident) if active_incident is not None else None
    if not keys and fired_idle is None:
        return [], [], None
    open_incident = incident.pk if incident is not None and incident.is_open else None
    accepted = ticket.pk if ticket is not None and ticket.status == Ticket.Status.ACCEPTED else None
    seen = read_locked(
        keys,
        fired_idle=fired_idle,
        room=room is not None,
        incident_id=open_incident,
        ticket_id=accepted,
    )
    if ticket is not None:
        watched = [*watched, (ticket_waits(ticket, seen), ticket)]
    if incident is not None:
        watched = [*watched, (incident_waits(incident, seen), incident)]
    if room is not None:
        watched = [*watched, (room_waits(room, seen), room)]
    existing = dict(seen.deadlines)
    events: list[NewEvent] = []
    starting: list[Wait] = []
    ended: list[Deadline] = []
    for waits, subject in watched:
        key = subject_key(subject)
        for watch, wait in waits.items():
            deadline = existing.get((watch, key["subject_type"], key["subject_id"]))
            if wait is None and deadline is not None:
                ended.append(existing.pop(wait_key(deadline)))
            elif wait is not None and deadline is None:
                starting.append(wait)
    fired = existing.get((Watch.INCIDENT_IDLE, "incident", fired_idle)) if fired_idle else None
    if fired is not None and fired.level > 1:
        ended.append(fired)
        starting += idle_activity(fired)
    for deadline in ended:
        events += end(deadline)
    if ended:  # before the waits that start again are inserted
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM dispatch_deadline WHERE id IN ({', '.join(['%s'] * len(ended))})",
                [deadline.pk for deadline in ended],
            )
    return events, starting, seen.token


def end(deadline: Deadline) -> list[NewEvent]:
    """The wait stopped: missed levels recorded, its open escalations resolved (the caller
    deletes the row)."""
    events = raise_missed_levels(deadline)
    if deadline.level == 1 and not events:  # nothing was ever raised for it (levels count from 1)
        return []
    return events + resolve(deadline.watch, deadline_key(deadline))


def deadline_key(deadline: Deadline) -> dict:
    return {"subject_type": deadline.subject_type, "subject_id": deadline.subject_id}


def start(waits: list[Wait], token: str | None) -> None:
    """Each wait's deadline at its first level not yet raised for this start; a ladder already
    climbed (the same wait seen again) goes on with its repeats, or keeps a row with nothing
    more due. The policies as of `token` (kept in memory while it stays), one insert."""
    if not waits:
        return
    ladders = policies.ladders(token)
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for wait in waits:
        policy = policy_for(wait, ladders)
        if policy is None:
            continue
        ladder = ladders[policy]
        raised = set()
        if wait.started_at + timedelta(seconds=ladder[0].delay_s) <= timezone.now():
            raised = set(
                Escalation.objects.filter(
                    watch=wait.watch, started_at=wait.started_at, **subject_key(wait.subject)
                ).values_list("level", flat=True)
            )
        pending = [level for level in ladder if level.level not in raised]
        if pending:
            level = pending[0].level
            due_at = wait.started_at + timedelta(seconds=pending[0].delay_s)
        else:
            level = max(raised) + 1
            due_at = repeat_due(ladder[-1], policy, wait.started_at, level)
        key = subject_key(wait.subject)
        rows.append(
            (
                wait.watch,
                policy.pk,
                key["subject_type"],
                key["subject_id"],
                wait.incident.pk if wait.incident is not None else None,
                wait.agency.pk if wait.agency is not None else None,
                adapt(wait.started_at),
                level,
                adapt(due_at),
                summary_of(wait)[:200],
            )
        )
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT_DEADLINES + ", ".join([INSERT_ROW] * len(rows)),
                [value for row in rows for value in row],
            )


# Every wait that starts is one row of this (plain SQL: it runs on most writes).
INSERTED = (
    "watch",
    "policy_id",
    "subject_type",
    "subject_id",
    "incident_id",
    "agency_id",
    "started_at",
    "level",
    "due_at",
    "summary",
)
INSERT_DEADLINES = f"INSERT INTO dispatch_deadline ({', '.join(INSERTED)}) VALUES "
INSERT_ROW = f"({', '.join(['%s'] * len(INSERTED))})"


def repeat_due(last: EscalationLevel, policy: SlaPolicy, started_at, level: int):
    """When repeat `level` (a number past the ladder's last) falls due; None without repeats."""
    if not policy.repeat_s:
        return None
    return started_at + timedelta(seconds=last.delay_s + (level - last.level) * policy.repeat_s)


def raise_missed_levels(deadline: Deadline) -> list[NewEvent]:
    """A wait ends with levels that fell due and were never raised (the check was down, or had
    not come round yet): the breach happened, so they are raised now (and resolved with it)."""
    now = timezone.now()
    if deadline.due_at is None or deadline.due_at > now:
        return []
    shelved = shelved_keys([deadline], now)
    ladder = ladders_of({deadline.policy_id})[deadline.policy_id]
    escalations = fire(deadline, ladder, now, shelved=wait_key(deadline) in shelved)
    Escalation.objects.bulk_create(escalations)
    return [escalation_event("escalation.raised", e) for e in escalations]


def summary_of(wait: Wait) -> str:
    """What waits, in facts that read the same in any language: number and line, or the
    incident's number and type (and the agency of a ticket, the unit of an assignment)."""
    if isinstance(wait.subject, Room):
        return room_summary(wait.phones_ringing)
    if isinstance(wait.subject, Call):
        call, caller = wait.subject, wait.subject.caller
        channel = call.channel if call.channel in Call.MESSAGE_CHANNELS else ""
        return " · ".join(filter(None, [channel, caller.number if caller else "", call.line]))
    incident = wait.incident
    if incident is None:  # a wait about something else (a hazard alert): it names itself
        return str(wait.subject)
    parts = [f"#{incident.pk}", incident.incident_type.name_id]
    if wait.agency is not None:
        parts.append(wait.agency.short_name)
    if isinstance(wait.subject, Assignment):
        parts.append(wait.subject.unit.call_sign)
    return " · ".join(parts)


def resolve(watch: str, key: dict) -> list[NewEvent]:
    """The thing stopped waiting: every open escalation of it is resolved at once, whichever
    level fired last (they stay listed until acknowledged), and a shelf on it ends. One event
    says so for the subject, with the ids."""
    open_ones = list(
        Escalation.objects.filter(watch=watch, resolved_at__isnull=True, **key)
        .select_related("incident", "agency__backup", "acknowledged_by")
        .order_by("level")
    )
    if not open_ones:
        return []
    now = timezone.now()
    for escalation in open_ones:
        escalation.resolved_at = now
    save_fields_of(open_ones, ["resolved_at"])
    Shelf.objects.filter(watch=watch, ended_at=None, **key).update(
        ended_at=now, end=Shelf.End.RESOLVED
    )
    top = open_ones[-1]
    return [
        escalation_event(
            "escalation.resolved",
            top,
            agencies={e.agency for e in open_ones if e.to_agency and e.agency},
            ids=[e.pk for e in open_ones],
            escalations=[represent(EscalationSerializer, e) for e in open_ones],
        )
    ]


def idle_activity(fired: Deadline) -> list[Wait]:
    """Anything that happens on an open incident is activity. An idle wait that has not fired
    yet is left alone (the check moves it on when it falls due, see postpone_idle); one that
    `fired` (past its first level) ends (keep_in_step ends it, its escalations resolved) and
    starts again from now: returns the wait to start."""
    incident = Incident.objects.select_related("incident_type").get(pk=fired.incident_id)
    return (
        [Wait(Watch.INCIDENT_IDLE, incident, timezone.now(), incident)] if incident.is_open else []
    )


# Which events can start or end a wait on something other than their own subject.
INCIDENT_WAIT_EVENTS = {
    "incident.created",
    "incident.closed",
    "incident.reopened",
    "ticket.notified",  # the first ticket ends "not forwarded"
    "assignment.operations_started",  # ends "fire: no operations started"
}
# End "no unit sent" (T4d) and "no unit en route" (T5) of the unit's ticket.
TICKET_WAIT_EVENTS = {"assignment.dispatched", "assignment.en_route"}
# What can start or end "nobody ready": a call that rings or stops ringing, a presence change.
ROOM_WAIT_EVENTS = {"call.ringing", "call.answered", "call.taken", "call.ended", "call.abandoned"}


def room_summary(phones_ringing: int) -> str:
    """Facts that read the same in any language: telephone calls ringing (as read_locked
    counts them, up to RINGING_COUNTED), and the positions staffed with their states (codes,
    as the API gives them)."""
    with connection.cursor() as cursor:
        cursor.execute(STAFFED)
        staffed = cursor.fetchall()
    ringing = f"{phones_ringing}+" if phones_ringing >= RINGING_COUNTED else str(phones_ringing)
    return " · ".join([f"☎ {ringing}", *(f"{name}: {state}" for name, state in staffed)])


# The positions staffed now, in the presence board's order (Presence.Meta.ordering).
STAFFED = """
    SELECT pos.name, p.state FROM incidents_presence p
    JOIN incidents_position pos ON pos.id = p.position_id
    WHERE p.signed_out_at IS NULL ORDER BY pos.name
"""


def event_incident(new: NewEvent) -> Incident:
    """The incident an event is filed under, as the service that wrote it holds it (locked, or
    just created); read only when the event names it by id alone."""
    for incident in (new.incident, new.subject):
        if isinstance(incident, Incident):
            return incident
    return Incident.objects.select_related("incident_type").get(pk=new.incident_id)


def lock_room() -> Room:
    """The room's row, locked (created the first time), with what its waits need."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nobody_ready_when_idle FROM incidents_room WHERE id = 1{lock}")
        row = cursor.fetchone()
    if row is None:
        return Room.objects.select_for_update().get_or_create(pk=1)[0]
    return Room.from_db(connection.alias, ["id", "nobody_ready_when_idle"], [1, bool(row[0])])


def on_event(new: NewEvent) -> list[NewEvent]:
    """Registered with incidents.events: keep the deadlines of what the event touched (the room
    locked first when the event can change who is ready or what rings; then one locked read of
    the deadlines, with the policies' token and the room's and the incident's facts), and start
    what began from the policies kept in memory."""
    subject = new.subject
    watched: list[Watched] = []
    ticket = None
    if isinstance(subject, Call):
        watched.append((call_waits(subject), subject))
    elif isinstance(subject, Ticket):
        ticket = subject
    elif isinstance(subject, Assignment):
        watched.append((assignment_waits(subject), subject))
        if new.kind in TICKET_WAIT_EVENTS:
            ticket = read_row(
                Ticket,
                ("incident__incident_type", "agency"),
                where="t.id = %s",
                params=[subject.ticket_id],
            )
    incident = None
    if new.incident_id is not None and new.kind in INCIDENT_WAIT_EVENTS:
        incident = event_incident(new)
    room = None
    if new.kind in ROOM_WAIT_EVENTS or isinstance(subject, Presence):
        # Locked, so that two calls ringing at once start one wait (lock order: the room after
        # the rows the service changed, before the deadlines).
        room = lock_room()
    activity = (
        new.incident_id is not None
        and not new.kind.startswith(SYSTEM_KINDS)
        and new.kind not in DERIVED_KINDS
    )
    events, starting, token = keep_in_step(
        watched,
        active_incident=new.incident_id if activity else None,
        room=room,
        incident=incident,
        ticket=ticket,
    )
    start(starting, token)
    return events


# The check's own events: not activity on an incident.
SYSTEM_KINDS = ("escalation.", "incident.priority_raised")
# Always appended with the change they follow from, which was activity on the same incident
# (dispatch.services.incidents.refresh_status): nothing more to restart.
DERIVED_KINDS = {"incident.status_changed"}


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
            end_expired_shelves(now)
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
        postponed = postpone_idle(due)
        due = [d for d in due if d not in postponed]
        ladders = ladders_of({deadline.policy_id for deadline in due})
        shelved = shelved_keys(due, now)
        fired = {
            d.pk: fire(d, ladders[d.policy_id], now, shelved=wait_key(d) in shelved) for d in due
        }
        busy = busy_incidents(e for escalations in fired.values() for e in escalations)
        due = [d for d in due if not any(e.incident_id in busy for e in fired[d.pk])]
        escalations = [e for d in due for e in fired[d.pk]]
        Escalation.objects.bulk_create(escalations)
        raised = [escalation_event("escalation.raised", e) for e in escalations]
        priorities = [
            event
            for e in escalations
            if e.action == Action.RAISE_PRIORITY and e.incident_id
            for event in raise_priority(e.incident)
        ]
        save_fields_of(due, ["level", "due_at"])
        save_fields_of(postponed, ["started_at", "due_at"])
        # The chain head last (lock order): held for the append and the commit alone.
        record_events([*raised, *priorities])
    return len(escalations), claimed


def postpone_idle(due: list[Deadline]) -> list[Deadline]:
    """Idle waits that fall due before any level fired, on incidents with activity since they
    started: not idle after all, so each starts again from its last activity (activity moves
    them here, lazily, so that a busy incident's events cost nothing)."""
    idle = [d for d in due if d.watch == Watch.INCIDENT_IDLE and d.level == 1]
    if not idle:
        return []
    last = dict(
        Event.objects.filter(incident_id__in={d.incident_id for d in idle})
        .exclude(kind__startswith=SYSTEM_KINDS[0])
        .exclude(kind=SYSTEM_KINDS[1])
        .values("incident_id")
        .annotate(last=Max("at"))
        .values_list("incident_id", "last")
    )
    postponed = []
    for deadline in idle:
        active_at = last.get(deadline.incident_id)
        if active_at is not None and active_at > deadline.started_at:
            deadline.due_at = active_at + (deadline.due_at - deadline.started_at)
            deadline.started_at = active_at
            postponed.append(deadline)
    return postponed


def wait_key(deadline: Deadline | Escalation) -> tuple[str, str, str]:
    return (deadline.watch, deadline.subject_type, deadline.subject_id)


def shelved_keys(deadlines: list[Deadline], now: datetime) -> set[tuple[str, str, str]]:
    """The waits among these whose alarms a supervisor has shelved right now."""
    if not deadlines:
        return set()
    running = Shelf.objects.filter(
        ended_at=None,
        until__gt=now,
        watch__in={d.watch for d in deadlines},
        subject_id__in={d.subject_id for d in deadlines},
    )
    return {wait_key(shelf) for shelf in running}


def end_expired_shelves(now: datetime) -> int:
    """Shelves whose time is up end by themselves, each with its event: new levels sound again."""
    with transaction.atomic():
        expired = list(
            Shelf.objects.select_for_update(skip_locked=True)
            .filter(ended_at=None, until__lte=now)
            .select_related("shelved_by")
        )
        if not expired:
            return 0
        for shelf in expired:
            shelf.ended_at, shelf.end = now, Shelf.End.EXPIRED
        save_fields_of(expired, ["ended_at", "end"])
        record_events([shelf_event("escalation.unshelved", shelf) for shelf in expired])
    return len(expired)


def shelf_event(kind: str, shelf: Shelf, *, actor=None) -> NewEvent:
    """A shelf begun or ended, filed with the subject's incident and told to its agency."""
    top = (
        Escalation.objects.filter(
            watch=shelf.watch, subject_type=shelf.subject_type, subject_id=shelf.subject_id
        )
        .select_related("incident", "agency")
        .order_by("-raised_at", "-level")
        .first()
    )
    return NewEvent(
        kind,
        subject=shelf,
        actor=actor,
        actor_label="" if actor else "deadline-check",
        payload={"shelf": represent(ShelfSerializer, shelf)},
        agencies=[top.agency] if top and top.to_agency and top.agency else (),
        incident=top.incident if top else None,
    )


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
    """Each policy's levels in order, each with its policy (the repeat) at hand."""
    ladders: dict[int, list[EscalationLevel]] = {pk: [] for pk in policy_ids}
    levels = EscalationLevel.objects.filter(policy_id__in=policy_ids).select_related("policy")
    for level in levels.order_by("level"):
        ladders[level.policy_id].append(level)
    return ladders


def fire(
    deadline: Deadline, ladder: list[EscalationLevel], now: datetime, *, shelved: bool = False
) -> list[Escalation]:
    """The escalations of every level of one claimed deadline that is due by `now`. Afterwards
    the deadline holds its next level and time (due_at > now): a level of the ladder, or past
    its last the next repeat; without repeats the climbed ladder has no due_at.

    Repeats missed while the check was down come as one (the latest), not as a flood."""
    escalations = []

    def raise_level(number, due_at, recipients, action="", repeat=False):
        escalations.append(
            Escalation(
                watch=deadline.watch,
                policy_id=deadline.policy_id,
                level=number,
                subject_type=deadline.subject_type,
                subject_id=deadline.subject_id,
                incident=deadline.incident,
                agency=deadline.agency,
                started_at=deadline.started_at,
                due_at=due_at,
                raised_at=now,
                to_call_takers=bool(TO_CALL_TAKERS & set(recipients)),
                to_supervisors=bool(TO_SUPERVISORS & set(recipients)),
                to_agency=bool(TO_AGENCY & set(recipients)),
                action=action,
                summary=deadline.summary,
                repeat=repeat,
                shelved=shelved,
            )
        )

    for level in ladder:
        if level.level < deadline.level:
            continue
        due_at = deadline.started_at + timedelta(seconds=level.delay_s)
        if due_at > now:
            deadline.level, deadline.due_at = level.level, due_at
            return escalations
        raise_level(level.level, due_at, level.recipients, level.action)
        deadline.level = level.level + 1
    deadline.due_at = None
    if not ladder or not ladder[-1].policy.repeat_s:
        return escalations
    last, policy = ladder[-1], ladder[-1].policy
    base = deadline.started_at + timedelta(seconds=last.delay_s)
    step = timedelta(seconds=policy.repeat_s)
    repeat = deadline.level - last.level  # the next repeat's number, from 1
    if base + repeat * step <= now:
        repeat = max(repeat, (now - base) // step)
        raise_level(last.level + repeat, base + repeat * step, policy.repeat_recipients, "", True)
        repeat += 1
    deadline.level = last.level + repeat
    deadline.due_at = base + repeat * step
    return escalations


def raise_priority(incident: Incident) -> list[NewEvent]:
    """The incident (locked by busy_incidents) one priority higher, 1 being the highest, and
    the event that says so; nothing when it is at 1."""
    incident = with_incident_refs(Incident.objects.all()).get(pk=incident.pk)
    if incident.priority <= 1:
        return []
    previous, incident.priority = incident.priority, incident.priority - 1
    incident.save(update_fields=["priority"])
    return [incident_event("incident.priority_raised", incident, actor=None, previous=previous)]


def escalation_event(
    kind: str, escalation: Escalation, *, actor=None, agencies=None, **extra
) -> NewEvent:
    if agencies is None:
        agencies = [escalation.agency] if escalation.to_agency and escalation.agency else ()
    return NewEvent(
        kind,
        subject=escalation,
        actor=actor,
        actor_label="" if actor else "deadline-check",
        payload={"escalation": represent(EscalationSerializer, escalation), **extra},
        agencies=agencies,
        incident=escalation.incident,
    )


def publish_escalation(kind: str, escalation: Escalation, *, actor=None, **extra) -> None:
    record_events([escalation_event(kind, escalation, actor=actor, **extra)])
