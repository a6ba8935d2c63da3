"""The event log: append in the service's transaction, broadcast after commit, verify the chain.

Sequence numbers are handed out in commit order: `record_event` locks the chain head row, and
the lock is held until the surrounding transaction commits, so no event can commit before an
event with a smaller number (docs/architecture.md "The write path"). Services call it as their last
step.

Lock order, for every write (so that no two writes can deadlock): first the rows the service
changes (call, ticket, incident …), then what observers keep in step with them (deadlines,
escalations), and the chain head last. `record_events` therefore runs the observers before it
locks the head, and events an observer adds (an escalation resolved by a take) are appended after
the event that caused them, in the same lock. The deadline check takes the deadline rows it
claims with SKIP LOCKED and the head last, so it never waits for a service that holds a deadline.

Every console follows exactly one feed: the operations room follows `ops` (every event), an
agency desk and its crews follow `agency.<code>` (the events naming its agency). Each pushed
event carries `prev`, its feed's previous sequence number, so a console can tell an event it was
never meant to see from one it missed, and resync over REST only in the second case. Which
events name agencies, and which are not pushed at all, each kind says (incidents.kinds).
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Role
from core.db import pipelined, read_rows, witness_commit
from incidents.kinds import Audience, kind_named
from incidents.models import Event, EventChainHead
from incidents.push import broadcast_all
from incidents.serializers import render_event

# Called with each new event inside its transaction, before the chain head is locked: the one
# hook by which another app keeps derived state (dispatch's deadlines) in step with what
# happened. An observer returns the events its own changes need (appended after the cause).
Observer = Callable[["NewEvent"], list["NewEvent"]]
_observers: list[Observer] = []

OPS_FEED = "ops"
OPS_ROLES = {Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.VERIFIER}
GENESIS_HASH = "0" * 64


# Set while generate_demo_history writes: every event appended is marked synthetic.
_synthetic: ContextVar[bool] = ContextVar("synthetic_events", default=False)


@contextmanager
def synthetic_history():
    """Mark every event appended inside as synthetic (under its hash), and push none live."""
    token = _synthetic.set(True)
    try:
        yield
    finally:
        _synthetic.reset(token)


def observe_events(callback: Observer) -> None:
    """Register a callback run for every appended event, in the same transaction."""
    if callback not in _observers:
        _observers.append(callback)


def agency_feed(code: str) -> str:
    return f"agency.{code}"


def feed_for_user(user) -> str | None:
    """The one feed a signed-in user's consoles follow, or None when they may follow none."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.role in (Role.AGENCY_DESK, Role.CREW):  # a crew follows its agency's desk
        return agency_feed(user.agency.code)
    if user.role in OPS_ROLES:
        return OPS_FEED
    return None


def events_visible_to(user) -> models.QuerySet[Event]:
    """The events a user may read: all of them for the operations room, its own for a desk."""
    feed = feed_for_user(user)
    if feed is None:
        return Event.objects.none()
    if feed == OPS_FEED:
        return Event.objects.all()
    return Event.objects.filter(audience__agency_id=user.agency_id)


def events_after(user, after: int, count: int) -> tuple[list[Event], int]:
    """At most `count` of the events after sequence `after` that `user` may read (as
    events_visible_to filters them), oldest first, and the head of the user's feed as of the
    same read. Plain SQL, one statement when there are events: every console's resync reads it.
    """
    feed = feed_for_user(user)
    if feed is None:
        return [], 0
    if feed == OPS_FEED:
        where, params = "t.seq > %s", [after]
    else:
        where = (
            "t.seq IN (SELECT a.event_id FROM incidents_eventaudience a "
            "WHERE a.agency_id = %s AND a.event_id > %s)"
        )
        params = [user.agency_id, after]
    events = read_rows(
        Event, where=where, params=params, order_by="t.seq", limit=count, extra=_HEAD_COLUMNS
    )
    if not events:
        return [], feed_head(feed)
    return events, _head_of(feed, events[0].head_seq, events[0].head_feeds)


def feed_head(feed: str) -> int:
    """The sequence number of the newest committed event on a feed (0 when there is none)."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_READ_HEAD.format(""))
        row = cursor.fetchone()
    if row is None:  # a database flushed since its migrations: no event yet
        return 0
    seq, _hash, feeds = row
    return _head_of(feed, seq, feeds)


def _head_of(feed: str, seq: int, feeds: str) -> int:
    return seq if feed == OPS_FEED else json.loads(feeds).get(feed, 0)


# The chain head read with a page of events, as columns of each row (events_after).
_HEAD_COLUMNS = (
    ("head_seq", 'SELECT "seq" FROM "incidents_eventchainhead" WHERE "id" = 1'),
    ("head_feeds", 'SELECT "feeds" FROM "incidents_eventchainhead" WHERE "id" = 1'),
)


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hash_of(event: Event) -> str:
    return _hash(*(getattr(event, name) for name in HASHED))


# An event's fields under its hash, in the order `_hash` takes them (and the walk reads them).
HASHED = (
    "prev_hash",
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "kind",
    "subject_type",
    "subject_id",
    "payload",
    "agencies",
    "incident_id",
    "synthetic",
)


def _hash(
    prev_hash,
    seq,
    at,
    actor,
    actor_label,
    kind,
    subject_type,
    subject_id,
    payload,
    agencies,
    incident,
    synthetic,
) -> str:
    fields = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "actor_label": actor_label,
        "kind": kind,
        "subject": [subject_type, subject_id],
        "payload": payload,
        "agencies": agencies,
    }
    if incident is not None:
        fields["incident"] = incident
    if synthetic:  # the mark of a demo's invented history is hashed
        fields["synthetic"] = True
    body = _canonical(fields)
    return hashlib.sha256(f"{prev_hash}{body}".encode()).hexdigest()


class ForwardedTo:
    """The agencies an incident was forwarded to, as they are when its event is appended (after
    the write that forwarded it): read in the statement that locks the chain head (`_lock_head`),
    so naming them costs an incident event no statement of its own."""

    def __init__(self, incident_id: int):
        self.incident_id = incident_id

    def __iter__(self):  # read on its own only where an event is checked (`_check`)
        where = "t.id IN (SELECT agency_id FROM incidents_incident_agencies WHERE incident_id = %s)"
        return iter(read_rows(Agency, where=where, params=[self.incident_id]))


@dataclass(frozen=True)
class NewEvent:
    """What one event says, before it gets its place in the chain (see record_event)."""

    kind: str
    subject: models.Model | None = None
    actor: object = None
    actor_label: str = ""
    payload: dict | None = None
    agencies: Iterable[Agency] | ForwardedTo = ()
    incident: models.Model | None = None

    @property
    def incident_id(self) -> int | None:
        """The incident whose timeline files the event; an incident subject is its own."""
        if self.incident is not None:
            return self.incident.pk
        subject = self.subject
        if subject is not None and subject._meta.label == "incidents.Incident":
            return subject.pk
        return None


def record_event(kind: str, **fields) -> Event:
    """Append one event inside the caller's transaction and broadcast it once that commits.

    `incident` files the event in that incident's timeline; an incident subject is its own.
    """
    return record_events([NewEvent(kind, **fields)])[0]


def record_events(new_events: list[NewEvent]) -> list[Event]:
    """Append events in order with one lock of the chain head and one write for them all.

    Observers see each event first (and the events they add, in turn); the head is locked last.
    An event its kind does not allow (incidents.kinds) is refused before anything is written.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the service's transaction.")
    with pipelined():  # what observers write goes with the next read, or with the append
        events, pushes = _appended(connection, list(new_events))

    def push_committed() -> None:
        # Rendered after commit: not while every other write waits for the head.
        broadcast_all([(render_event(event), prev) for event, prev in pushes])

    if pushes and not _synthetic.get():  # invented history is not news
        transaction.on_commit(push_committed)
    return events


def _appended(connection, new_events: list[NewEvent]) -> tuple[list[Event], list[tuple]]:
    """record_events' work: the events stored (with those their observers added), and those to
    push with each one's previous number per feed."""
    for new in new_events:  # grows while observers add the events their changes need
        _check(new)
        for observer in _observers:
            new_events += observer(new)
    if not new_events:
        return [], []
    incidents = sorted(
        {new.agencies.incident_id for new in new_events if isinstance(new.agencies, ForwardedTo)}
    )
    now = timezone.now()
    stored_at = connection.ops.adapt_datetimefield_value(now)
    synthetic = _synthetic.get()
    events, rows, audiences, pushes = [], [], [], []
    with connection.cursor() as cursor:
        seq, prev_hash, feeds, forwarded = _lock_head(cursor, incidents)
        for new in new_events:
            if isinstance(new.agencies, ForwardedTo):
                named = forwarded.get(new.agencies.incident_id, [])
            else:
                named = [(agency.pk, agency.code) for agency in new.agencies]
            agency_list = sorted(set(named), key=lambda agency: agency[1])  # (id, code) by code
            seq += 1
            subject, actor = new.subject, new.actor
            payload = json.dumps(new.payload or {}, cls=DjangoJSONEncoder)
            codes = [code for _id, code in agency_list]
            event = Event.from_db(
                connection.alias,
                EVENT_COLUMNS,
                (
                    seq,
                    now,
                    actor.pk if actor is not None else None,
                    new.actor_label or (actor.get_username() if actor else "system"),
                    new.kind,
                    subject._meta.model_name if subject is not None else "",
                    str(subject.pk) if subject is not None else "",
                    json.loads(payload),  # what is hashed is what the database returns
                    codes,
                    new.incident_id,
                    prev_hash,
                    "",  # its own hash, over the rest: below
                    synthetic,
                ),
            )
            event.hash = prev_hash = _hash_of(event)
            events.append(event)
            row = (seq, stored_at, event.actor_id, event.actor_label, event.kind)
            row += (event.subject_type, event.subject_id, payload, json.dumps(codes))
            rows.append((*row, event.incident_id, event.prev_hash, event.hash, synthetic))
            audiences += [(seq, agency_id) for agency_id, _code in agency_list]
            prev_by_feed = {OPS_FEED: seq - 1}
            for code in codes:
                prev_by_feed[agency_feed(code)] = feeds.get(agency_feed(code), 0)
                feeds[agency_feed(code)] = seq
            # Setting the centre up is not consoles' news, and `load_ambon`'s hundreds of
            # changes in one commit would flood every one: a console learns that the head moved
            # past them from its heartbeat, or from the next event's `prev`, and resyncs.
            if kind_named(event.kind).audience != Audience.LOG:
                pushes.append((event, prev_by_feed))
        _append(cursor, rows, audiences, (seq, prev_hash, json.dumps(feeds)))
    witness_commit(_WITNESS, [seq, prev_hash])
    return events, pushes


# The log is written in plain SQL (SQLite's and PostgreSQL's alike): every write of the centre
# appends, and the ORM's compiling and model building cost more than the statements themselves.
EVENT_COLUMNS = (  # Event's columns, in the model's order (Event.from_db takes them so)
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "kind",
    "subject_type",
    "subject_id",
    "payload",
    "agencies",
    "incident_id",
    "prev_hash",
    "hash",
    "synthetic",
)
_INSERT_EVENTS = 'INSERT INTO "incidents_event" ({}) VALUES '.format(
    ", ".join(f'"{column}"' for column in EVENT_COLUMNS)
)
_INSERT_AUDIENCES = 'INSERT INTO "incidents_eventaudience" ("event_id", "agency_id") VALUES '
_UPDATE_HEAD = (
    'UPDATE "incidents_eventchainhead" SET "seq" = %s, "hash" = %s, "feeds" = %s WHERE "id" = 1'
)
_READ_HEAD = 'SELECT "seq", "hash", "feeds"{} FROM "incidents_eventchainhead" WHERE "id" = 1'
_POSTGRES_MAX_PARAMS = 65535
# The transaction's last event: a commit whose answer was lost happened if it is stored.
_WITNESS = 'SELECT 1 FROM "incidents_event" WHERE "seq" = %s AND "hash" = %s'


# The agencies of incidents, as one JSON array of [incident, agency id, agency code].
_FORWARDED = (
    '(SELECT {} FROM "incidents_incident_agencies" f JOIN "agencies_agency" a '
    'ON a."id" = f."agency_id" WHERE f."incident_id" IN ({}))'
)
_JSON_TRIPLES = {
    "postgresql": 'json_agg(json_build_array(f."incident_id", a."id", a."code"))::text',
    "sqlite": 'json_group_array(json_array(f."incident_id", a."id", a."code"))',
}


def _lock_head(cursor, incidents: list[int]) -> tuple[int, str, dict[str, int], dict]:
    """The chain head's number, hash and feeds, its row locked until commit (on SQLite the
    transaction itself holds the one write lock, taken at BEGIN), and in the same statement the
    agencies these incidents were forwarded to: {incident: [(agency id, code)]}."""
    column = ""
    if incidents:
        placeholders = ", ".join(["%s"] * len(incidents))
        column = ", " + _FORWARDED.format(_JSON_TRIPLES[cursor.db.vendor], placeholders)
    locking = " FOR UPDATE" if cursor.db.features.has_select_for_update else ""
    cursor.execute(_READ_HEAD.format(column) + locking, incidents)
    seq, hash_, feeds, *forwarded = cursor.fetchone()
    by_incident: dict[int, list[tuple[int, str]]] = {}
    for incident, agency_id, code in json.loads(forwarded[0] or "[]") if forwarded else []:
        by_incident.setdefault(incident, []).append((agency_id, code))
    return seq, hash_, json.loads(feeds), by_incident


def _values(width: int, count: int) -> str:
    row = f"({', '.join(['%s'] * width)})"
    return ", ".join([row] * count)


def _append(cursor, rows: list[tuple], audiences: list[tuple], head: tuple) -> None:
    """Insert the events and their audiences and move the head: on PostgreSQL in one statement
    (data-modifying CTEs), elsewhere (or for a batch beyond its parameters) in three."""
    params = [value for row in rows for value in row] + [v for pair in audiences for v in pair]
    if cursor.db.vendor == "postgresql" and len(params) + len(head) <= _POSTGRES_MAX_PARAMS:
        inserts = [f'"e" AS ({_INSERT_EVENTS}{_values(len(EVENT_COLUMNS), len(rows))})']
        if audiences:
            inserts.append(f'"a" AS ({_INSERT_AUDIENCES}{_values(2, len(audiences))})')
        cursor.execute(f"WITH {', '.join(inserts)} {_UPDATE_HEAD}", [*params, *head])
        return
    cursor.executemany(_INSERT_EVENTS + _values(len(EVENT_COLUMNS), 1), rows)
    if audiences:
        cursor.executemany(_INSERT_AUDIENCES + _values(2, 1), audiences)
    cursor.execute(_UPDATE_HEAD, head)


def _check(new: NewEvent) -> None:
    """Refuse an event of an unknown kind, about another record than its kind's, or naming an
    agency when its kind is the operations room's alone."""
    kind = kind_named(new.kind)
    subject_type = new.subject._meta.model_name if new.subject is not None else ""
    if subject_type != kind.subject:
        raise ValueError(f"{kind.name} is about a {kind.subject!r}, not a {subject_type!r}")
    if kind.audience != Audience.AGENCIES and list(new.agencies):
        raise ValueError(f"{kind.name} is for the operations room alone: it names no agency")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None


def verify_chain(*, since: datetime | None = None, until: datetime | None = None) -> ChainReport:
    """Walk the log in order and name the first row that was altered, inserted or removed.

    With `since` / `until` only the events of that period are walked, from the hash of the event
    before the first one.
    """
    events = Event.objects.order_by("seq")
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    if until is not None:
        last = events.filter(at__lt=until).order_by("-seq").first()
        if last is None:
            return ChainReport(checked=0)
        events = events.filter(seq__lte=last.seq)
    if since is not None:
        first = events.filter(at__gte=since).first()
        if first is None:
            return ChainReport(checked=0)
        before = events.filter(seq__lt=first.seq).last()
        expected_seq = first.seq
        prev_hash = before.hash if before else GENESIS_HASH
        events = events.filter(seq__gte=first.seq)
    # Plain tuples in server-side batches: no model instance per event.
    for row in events.values_list(*HASHED, "hash").iterator(chunk_size=5000):
        prev, seq, stored = row[0], row[1], row[-1]
        if seq != expected_seq:
            problem = _("sequence %(seq)s is missing") % {"seq": expected_seq}
            return ChainReport(checked, expected_seq, problem)
        if prev != prev_hash:
            return ChainReport(checked, seq, _("it does not follow the previous event"))
        if _hash(*row[:-1]) != stored:
            return ChainReport(checked, seq, _("its content does not match its hash"))
        expected_seq, prev_hash, checked = seq + 1, stored, checked + 1
    head = EventChainHead.objects.get(pk=1)
    # Walked to the end of the log (the whole of it or from `since`): the head must be its end.
    if until is None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problem = _("the log ends before sequence %(seq)s") % {"seq": head.seq}
        return ChainReport(checked, expected_seq, problem)
    return ChainReport(checked)


def verify_around(seqs: Iterable[int]) -> ChainReport:
    """Check some events (an incident's) against their own hashes and their neighbours' links:
    an altered event, or one inserted or removed next to them, is named; the cost follows the
    number of events, not the length of the log (a timeline's check)."""
    wanted = sorted(set(seqs))
    near = {n for s in wanted for n in (s - 1, s, s + 1) if n > 0}
    got = {}
    ordered = sorted(near)
    for start in range(0, len(ordered), 900):  # SQLite's limit on a statement's parameters
        got |= {e.seq: e for e in Event.objects.filter(seq__in=ordered[start : start + 900])}
    head = EventChainHead.objects.get(pk=1).seq
    for checked, seq in enumerate(wanted):
        event, before, after = got.get(seq), got.get(seq - 1), got.get(seq + 1)
        if event is None:
            return ChainReport(checked, seq, _("sequence %(seq)s is missing") % {"seq": seq})
        if _hash_of(event) != event.hash:
            return ChainReport(checked, seq, _("its content does not match its hash"))
        if seq > 1 and before is None:
            problem = _("sequence %(seq)s is missing") % {"seq": seq - 1}
            return ChainReport(checked, seq - 1, problem)
        if event.prev_hash != (before.hash if before else GENESIS_HASH):
            return ChainReport(checked, seq, _("it does not follow the previous event"))
        if after is None and seq < head:
            problem = _("sequence %(seq)s is missing") % {"seq": seq + 1}
            return ChainReport(checked, seq + 1, problem)
        if after is not None and after.prev_hash != event.hash:
            return ChainReport(checked, seq + 1, _("it does not follow the previous event"))
    return ChainReport(len(wanted))
