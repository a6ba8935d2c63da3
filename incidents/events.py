"""The event log: append in the service's transaction, broadcast after commit, verify the chain.

Sequence numbers are handed out in commit order: `record_event` locks the chain head row, and
the lock is held until the surrounding transaction commits, so no event can commit before an
event with a smaller number (DESIGN.md §5). Services call it as their last step.

Every console follows exactly one feed: the operations room follows `ops` (every event), an
agency desk follows `agency.<code>` (the events naming its agency). Each pushed event carries
`prev`, its feed's previous sequence number, so a console can tell an event it was never meant
to see from one it missed, and resync over REST only in the second case.
"""

import asyncio
import functools
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Role
from ambon112.api import represent
from incidents.models import Event, EventAudience, EventChainHead
from incidents.serializers import EventSerializer

logger = logging.getLogger(__name__)

# Called with (event, subject) inside the transaction of every appended event: the one hook by
# which another app keeps derived state (dispatch's deadlines) in step with what happened.
_observers: list[Callable[[Event, models.Model | None], None]] = []

OPS_FEED = "ops"
OPS_ROLES = {Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.VERIFIER}
GENESIS_HASH = "0" * 64


def observe_events(callback: Callable[[Event, models.Model | None], None]) -> None:
    """Register a callback run for every appended event, in the same transaction."""
    if callback not in _observers:
        _observers.append(callback)


def agency_feed(code: str) -> str:
    return f"agency.{code}"


def feed_for_user(user) -> str | None:
    """The one feed a signed-in user's consoles follow, or None when they may follow none."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.AGENCY_DESK:
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


def feed_head(feed: str) -> int:
    """The sequence number of the newest committed event on a feed (0 when there is none)."""
    head = EventChainHead.objects.get(pk=1)
    return head.seq if feed == OPS_FEED else head.feeds.get(feed, 0)


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hash_of(event: Event) -> str:
    fields = {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "kind": event.kind,
        "subject": [event.subject_type, event.subject_id],
        "payload": event.payload,
        "agencies": event.agencies,
    }
    if event.incident_id is not None:
        fields["incident"] = event.incident_id
    body = _canonical(fields)
    return hashlib.sha256(f"{event.prev_hash}{body}".encode()).hexdigest()


@dataclass(frozen=True)
class NewEvent:
    """What one event says, before it gets its place in the chain (see record_event)."""

    kind: str
    subject: models.Model | None = None
    actor: object = None
    actor_label: str = ""
    payload: dict | None = None
    agencies: Iterable[Agency] = ()
    incident: models.Model | None = None


def record_event(kind: str, **fields) -> Event:
    """Append one event inside the caller's transaction and broadcast it once that commits.

    `incident` files the event in that incident's timeline; an incident subject is its own.
    """
    return record_events([NewEvent(kind, **fields)])[0]


def record_events(new_events: list[NewEvent]) -> list[Event]:
    """Append events in order with one lock of the chain head and one insert for them all."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the service's transaction.")
    head = EventChainHead.objects.select_for_update().get(pk=1)
    now = timezone.now()
    events, audiences, pushes = [], [], []
    for new in new_events:
        agency_list = sorted({a.pk: a for a in new.agencies}.values(), key=lambda a: a.code)
        subject, actor = new.subject, new.actor
        event = Event(
            seq=head.seq + 1,
            at=now,
            actor=actor,
            actor_label=new.actor_label or (actor.get_username() if actor else "system"),
            kind=new.kind,
            subject_type=subject._meta.model_name if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            # Round-trip through JSON so that what is hashed is what the database returns.
            payload=json.loads(json.dumps(new.payload or {}, cls=DjangoJSONEncoder)),
            agencies=[a.code for a in agency_list],
            prev_hash=head.hash,
            incident_id=new.incident.pk if new.incident is not None else _incident_id_of(subject),
        )
        event.hash = _hash_of(event)
        events.append(event)
        audiences += [EventAudience(event=event, agency=a) for a in agency_list]
        prev_by_feed = {OPS_FEED: head.seq}
        for code in event.agencies:
            prev_by_feed[agency_feed(code)] = head.feeds.get(agency_feed(code), 0)
            head.feeds[agency_feed(code)] = event.seq
        head.seq, head.hash = event.seq, event.hash
        pushes.append((represent(EventSerializer, event), prev_by_feed))
    Event.objects.bulk_create(events)
    EventAudience.objects.bulk_create(audiences)
    head.save(update_fields=["seq", "hash", "feeds"])
    transaction.on_commit(partial(broadcast_all, pushes), robust=True)
    for new, event in zip(new_events, events, strict=True):
        for observer in _observers:
            observer(event, new.subject)
    return events


def _incident_id_of(subject) -> int | None:
    return (
        subject.pk if subject is not None and subject._meta.label == "incidents.Incident" else None
    )


def broadcast_all(pushes: list[tuple[dict, dict[str, int]]]) -> None:
    """Push committed events, in order, to every feed that may see each one. A lost push is
    resynced later by the console."""
    layer = get_channel_layer()

    async def send_all() -> None:
        for message, prev_by_feed in pushes:
            for feed, prev in prev_by_feed.items():
                await layer.group_send(
                    feed, {"type": "event.message", "event": {**message, "prev": prev}}
                )

    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the server's event loop: hop back onto it.
        async_to_sync(send_all)()
    else:
        # A shared layer (Redis) is reachable from any loop: one long-lived loop per process
        # keeps one connection pool, where async_to_sync in a worker thread or a Celery task
        # would open a new loop and new connections for every event.
        asyncio.run_coroutine_threadsafe(send_all(), _push_loop()).result(timeout=5)


@functools.cache
def _push_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="event-push", daemon=True).start()
    return loop


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
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            problem = _("sequence %(seq)s is missing") % {"seq": expected_seq}
            return ChainReport(checked, expected_seq, problem)
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, _("it does not follow the previous event"))
        if _hash_of(event) != event.hash:
            return ChainReport(checked, event.seq, _("its content does not match its hash"))
        expected_seq, prev_hash, checked = event.seq + 1, event.hash, checked + 1
    head = EventChainHead.objects.get(pk=1)
    if since is None and until is None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problem = _("the log ends before sequence %(seq)s") % {"seq": head.seq}
        return ChainReport(checked, expected_seq, problem)
    return ChainReport(checked)
