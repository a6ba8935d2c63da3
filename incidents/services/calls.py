"""Writes on calls: the telephony adapter's events, take, disposition, incident, duplicate.

Call states follow docs/architecture.md "States". The adapter's events may come twice or out of
order: each one only fills its own timestamp when that is still empty, and the status is derived
from the timestamps, so a repeat changes nothing and a late "ringing" after "ended" reconciles. An
AML SMS is kept as an `AmlMessage`; a repeat of one (same message id, or same body without one)
changes nothing, and one that arrives before its call is held until a call from that number rings.

Locks, in this order in every telephony write, so that two of them never deadlock: the number
(an advisory lock, so that an AML and the first event of a call from the same number take turns
and whichever commits second sees the other; a withheld number's events take turns by their call
id; the later events of a stored call skip it, they lock the call row alone), the call row (never
its caller's row, which a new call from the number must reference), the held AML rows, then what
the event log's observers keep (deadlines), and the chain head last. A new call's held AML rows
are locked before it is stored: nobody else sees the call until then.
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.geo import locate
from agencies.models import Area
from core.db import insert_row, lock_until_commit, pipelined, save_fields
from core.errors import Conflict, NotFound
from incidents.aml import AmlFix
from incidents.events import NewEvent, record_events
from incidents.models import (
    AmlMessage,
    Call,
    Incident,
    IncidentType,
    PositionExtension,
    Presence,
)
from incidents.serializers import render_call
from incidents.services.callers import call_and_caller, caller_for_number, count_nuisance
from incidents.services.incidents import incident_event
from incidents.services.presence import current_presence, follow_calls, presence_follows_calls
from incidents.services.rows import locked_call

EVENT_FIELD = {
    "ringing": "ringing_at",
    "answered": "answered_at",
    "ended": "ended_at",
    "abandoned": "ended_at",
}
ANSWER_FIELDS = (
    "answered_at",
    "answered_via",
    "answered_by",
    "answered_position",
    "answered_extension",
)
# What each event may write on a call (its status aside); a PBX answer may also take the call.
EVENT_WRITES = {
    "ringing": ("ringing_at",),
    "answered": (*ANSWER_FIELDS, "taken_by", "taken_at"),
    "ended": ("ended_at",),
    "abandoned": ("ended_at",),
}
LOCATION_FIELDS = ("aml_lat", "aml_lon", "aml_radius_m", "aml_source", "aml_at")
DETAIL_FIELDS = ("caller_name", "callback_number", "notes")
# What a call's events and answers show of its relations, read with it in one query.
SHOWN_WITH = ("caller", "taken_by", "answered_by", "answered_position")
NON_INCIDENT_DISPOSITIONS = [
    Call.Disposition.INFORMATION,
    Call.Disposition.PRANK,
    Call.Disposition.GHOST,
    Call.Disposition.DROPPED,
    Call.Disposition.TEST,
]


@dataclass(frozen=True)
class Fix:
    """A handset location (AML, ETSI TS 103 625) or one given by the adapter."""

    lat: float
    lon: float
    radius_m: float | None = None
    source: str = "aml"
    at: datetime | None = None


def derived_status(call: Call) -> str:
    if call.ended_at:
        return Call.Status.ENDED if call.answered_at else Call.Status.ABANDONED
    if call.answered_at:
        return Call.Status.ANSWERED
    return Call.Status.RINGING


def first_answer(
    call: Call, *, at: datetime, via: str, by=None, position=None, extension: str = ""
) -> bool:
    """T1 (docs/architecture.md "The clock") is the first of the PBX's `answered` and the console's
    take, tied to who answered and where; returns whether this answer was the first (it changes the
    call)."""
    if call.answered_at is not None:
        return False
    call.answered_at, call.answered_via = at, via
    call.answered_by, call.answered_position, call.answered_extension = by, position, extension
    return True


def answer_at_handset(call: Call, *, at: datetime, extension: str, now: datetime) -> bool:
    """The PBX reports the answer at an extension: T1, and the call opens on the console of
    whoever is signed in at that extension's position (the screen-pop follows the handset).
    With nobody signed in there, it is recorded as such for the supervisor to see."""
    position = occupant = None
    if extension:
        position = PositionExtension.objects.select_related("position").get(extension=extension)
        position = position.position
        occupant = (
            Presence.objects.select_related("user")
            .filter(position=position, signed_out_at__isnull=True)
            .first()
        )
    person = occupant.user if occupant else None
    if not first_answer(
        call, at=at, via=Call.AnsweredVia.PBX, by=person, position=position, extension=extension
    ):
        return False
    if person is not None and call.taken_by_id is None:
        call.taken_by, call.taken_at = person, now
    return True


NUMBER_LOCK = "incidents.number"
CALL_LOCK = "incidents.call"


def _locked_call(key: str, value, *related: str) -> Call | None:
    """The call row only (see receive_aml), locked, read with what its events show."""
    call = locked_call((*SHOWN_WITH, *related), key=key, value=value)
    if call is not None:
        _forget_stale_relations(call, (*SHOWN_WITH, *related))
    return call


def _forget_stale_relations(call: Call, names: tuple[str, ...]) -> None:
    """A row locked after waiting for another writer is PostgreSQL's newest version of it, but
    the rows joined to it are those of the first look (a person who just took the call is
    missing): a related row that no longer matches its id is read again when it is shown."""
    for name in names:
        field = Call._meta.get_field(name)
        cached = field.get_cached_value(call, default=None)
        if getattr(call, field.attname) != (cached.pk if cached is not None else None):
            field.delete_cached_value(call)


def _claimed_call(call: Call) -> Call:
    """The call a call-taker acts on, read again locked (only its id is taken from `call`)."""
    locked = _locked_call("id", call.pk)
    if locked is None:
        raise NotFound(_("Not found."))
    return locked


def _call_event(kind: str, call: Call, *, actor=None, actor_label: str = "") -> NewEvent:
    return NewEvent(
        kind,
        subject=call,
        actor=actor,
        actor_label=actor_label,
        payload={"call": render_call(call)},
        incident=call.incident,
    )


def _publish(kind: str, call: Call, *, actor=None, actor_label: str = "") -> None:
    record_events([_call_event(kind, call, actor=actor, actor_label=actor_label)])


def _locate_call(call: Call, fix: Fix) -> None:
    call.aml_lat, call.aml_lon = fix.lat, fix.lon
    call.aml_radius_m, call.aml_source = fix.radius_m, fix.source
    call.aml_at = fix.at or timezone.now()


def _locate_by_aml(call: Call, messages: list[AmlMessage]) -> bool:
    """Locate the call with the newest of these fixes, unless it already holds a later one;
    returns whether its location changed."""
    newest = max(messages, key=lambda message: message.positioned_at)
    if call.aml_at is not None and call.aml_at > newest.positioned_at:
        return False
    fix = Fix(newest.lat, newest.lon, newest.radius_m, source="aml", at=newest.positioned_at)
    _locate_call(call, fix)
    return True


def _held_aml(number: str, now: datetime) -> list[AmlMessage]:
    """The AML messages a number sent shortly before its new call rang, locked (held: two web
    processes may see the SMS before the ringing)."""
    return list(
        AmlMessage.objects.select_for_update()
        .filter(number=number, call__isnull=True, received_at__gte=_aml_window_start(now))
        .order_by("received_at")
    )


def _aml_window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.AML_HOLD_S)


def _apply_event(call: Call, *, event: str, at, now: datetime, extension: str) -> list[str]:
    """Fill the event's own timestamp when it is still empty; returns the fields it wrote."""
    field = EVENT_FIELD[event]
    if getattr(call, field) is not None:
        return []
    if event == "answered":
        answer_at_handset(call, at=at or now, extension=extension, now=now)
    else:
        setattr(call, field, at or now)
    written = list(EVENT_WRITES[event])
    if at is not None and abs((at - now).total_seconds()) > settings.CLOCK_SKEW_LIMIT_S:
        call.clock_skew_s = round((at - now).total_seconds(), 3)
        written.append("clock_skew_s")
    return written


def _stored_or_new(
    call_id: str, *, event: str, number: str, now: datetime
) -> tuple[Call, list[AmlMessage]]:
    """The stored call an adapter's event is about, locked; or, for its first event, a new call
    (not stored yet) with its caller, and the AML messages held for it, locked. A stored call's
    row lock is all its later events need: the number's lock guards the storing of a call (a
    ringing, or an event that came before it), so that nobody else stores it meanwhile."""
    if event != "ringing":
        call = _locked_call("call_id", call_id, "incident")
        if call is not None:
            return call, []
    if number:
        lock_until_commit(namespace=NUMBER_LOCK, key=number)
    else:
        lock_until_commit(namespace=CALL_LOCK, key=call_id)
    stored, caller, may_hold = call_and_caller(call_id, number, since=_aml_window_start(now))
    if stored:
        return _locked_call("call_id", call_id, "incident"), []
    if number and caller is None:  # a new number: its AML message may have come first
        caller, may_hold = caller_for_number(number), True
    return Call(call_id=call_id, caller=caller), _held_aml(number, now) if may_hold else []


@transaction.atomic
def receive_call_event(
    *,
    call_id: str,
    event: str,
    number: str,
    adapter: str,
    at: datetime | None = None,
    line: str = "",
    channel: str = Call.Channel.PHONE,
    fix: Fix | None = None,
    extension: str = "",
) -> tuple[Call, bool]:
    """Apply one telephony event; returns the call and whether anything changed. An `answered`
    after the call was taken on a console changes nothing: T1 was the take."""
    now = timezone.now()
    call, held = _stored_or_new(call_id, event=event, number=number, now=now)
    created = call.pk is None
    if created:
        call.line, call.channel = line, channel
    written = _apply_event(call, event=event, at=at, now=now, extension=extension)
    if fix is not None and call.aml_lat is None:
        _locate_call(call, fix)
        written += LOCATION_FIELDS
    held_located = bool(held) and _locate_by_aml(call, held)
    if not (created or written):
        return call, False
    call.status = derived_status(call)
    if created:
        insert_row(call)
        if held:
            AmlMessage.objects.filter(pk__in=[message.pk for message in held]).update(
                call=call, attached_at=now
            )
    with pipelined():  # a stored call's row goes with the next read
        if not created:
            save_fields(call, [*written, "status"])
        timed = event == "answered" and "answered_at" in written
        # The call in someone's hands puts them on the call (locked after the call, as everywhere).
        presence_events = follow_calls(call.taken_by) if timed else []
        kind = f"call.{call.status}" if created or EVENT_FIELD[event] in written else "call.located"
        events = [_call_event(kind, call, actor_label=f"cti:{adapter}")]
        if held_located:
            events.append(_call_event("call.located", call, actor_label=f"cti:{adapter}"))
        record_events(events + presence_events)
    return call, True


@transaction.atomic
def receive_aml(
    *, number: str, body: str, aml: AmlFix, adapter: str, message_id: str = ""
) -> AmlMessage:
    """Keep an AML SMS and locate its call: the newest call from that number that rang within
    AML_HOLD_S, live or just ended (a call-taker calls back); with none, hold it (`call` None)
    for a call that rings within AML_HOLD_S. A repeat (same message id; without one, same body)
    changes nothing and returns the message received first."""
    now = timezone.now()
    lock_until_commit(namespace=NUMBER_LOCK, key=number)
    body_sha256 = hashlib.sha256(body.strip().encode()).hexdigest()
    earlier = _earlier_aml(number=number, message_id=message_id, body_sha256=body_sha256)
    if earlier is not None:
        return earlier
    call = (
        # The call row only: locking its caller too would make this wait for, and deadlock
        # with, a new call from the same number that references that caller.
        Call.objects.select_for_update(of=("self",))
        .select_related(*SHOWN_WITH)
        .filter(caller__number=number, created_at__gte=_aml_window_start(now))
        .order_by("-created_at")
        .first()
    )
    message = AmlMessage.objects.create(
        number=number,
        message_id=message_id,
        body=body,
        body_sha256=body_sha256,
        lat=aml.lat,
        lon=aml.lon,
        radius_m=aml.radius_m,
        positioned_at=aml.positioned_at,
        received_at=now,
        adapter=adapter,
        call=call,
        attached_at=now if call is not None else None,
    )
    if call is not None and _locate_by_aml(call, [message]):
        save_fields(call, LOCATION_FIELDS)
        _publish("call.located", call, actor_label=f"cti:{adapter}")
    return message


def _earlier_aml(*, number: str, message_id: str, body_sha256: str) -> AmlMessage | None:
    earlier = AmlMessage.objects.select_related("call__caller", "call__taken_by")
    if message_id:
        return earlier.filter(number=number, message_id=message_id).first()
    return earlier.filter(number=number, message_id="", body_sha256=body_sha256).first()


@transaction.atomic
def take_call(*, call: Call, by) -> Call:
    """A call-taker takes a call on the console: exactly one wins, the others are told who did.
    A ringing call is answered by the take (T1). A call answered at a handset with nobody
    signed in at its position can be taken too (even after the caller hung up) to be handled.
    The call is read again locked, so that two takes wait for each other."""
    call = _claimed_call(call)
    if call.taken_by_id is not None:
        if call.taken_by_id == by.pk:
            return call
        raise Conflict(taken_by_other(call))
    if call.ended_at is not None and call.answered_at is None:
        raise Conflict(_("The caller hung up before anyone answered."))
    now = timezone.now()
    presence = current_presence(by, lock=True)  # locked after the call, as everywhere
    call.taken_by, call.taken_at = by, now
    written = ["taken_by", "taken_at"]
    if first_answer(
        call, at=now, via=Call.AnsweredVia.CONSOLE, by=by, position=presence and presence.position
    ):
        call.status = derived_status(call)
        written += [*ANSWER_FIELDS, "status"]
    with pipelined():  # the call's row goes with the next read
        save_fields(call, written)
        presence_events = presence_follows_calls(presence)
        record_events([_call_event("call.taken", call, actor=by), *presence_events])
    return call


def taken_by_other(call: Call) -> str:
    """Who has the call, and where when they answered it at their handset."""
    name = call.taken_by.get_full_name() or call.taken_by.get_username()
    if call.answered_via == Call.AnsweredVia.PBX and call.answered_by_id == call.taken_by_id:
        return _("Already answered by %(name)s at %(position)s (extension %(extension)s).") % {
            "name": name,
            "position": call.answered_position.name,
            "extension": call.answered_extension,
        }
    return _("Already taken by %(name)s.") % {"name": name}


def _claim_for_disposition(call: Call, by) -> Call:
    call = _claimed_call(call)
    if call.taken_by_id != by.pk:
        raise Conflict(_("Take the call before classifying it."))
    if call.disposition:
        raise Conflict(_("This call is already classified."))
    return call


def _fill_caller_details(call: Call, details: dict) -> list[str]:
    """Set the caller's details given; returns the fields set."""
    given = [field for field in DETAIL_FIELDS if details.get(field)]
    for field in given:
        setattr(call, field, details[field])
    return given


@transaction.atomic
def dispose_call(*, call: Call, by, disposition: str, **details) -> Call:
    """Classify a call that is not an emergency: information, prank, ghost, dropped, test."""
    if disposition not in NON_INCIDENT_DISPOSITIONS:
        raise Conflict(_("Use 'create incident' or 'attach' for emergencies and duplicates."))
    call = _claim_for_disposition(call, by)
    call.disposition, call.disposed_at = disposition, timezone.now()
    given = _fill_caller_details(call, details)
    save_fields(call, ["disposition", "disposed_at", *given])
    presence_events = follow_calls(by)  # locked before count_nuisance appends its events
    count_nuisance(caller=call.caller, disposition=disposition, actor=by)
    record_events([_call_event("call.disposed", call, actor=by), *presence_events])
    return call


def place_incident(
    incident: Incident, *, lat: float | None, lon: float | None, area: Area | None
) -> None:
    """Where it is: a point located to its desa (or marked outside coverage), or a desa alone."""
    if lat is not None and lon is not None:
        incident.lat, incident.lon = lat, lon
        location = locate(lat, lon)
        if location is None:
            incident.outside_coverage = True
            return
        incident.area, incident.kecamatan = location.desa, location.kecamatan
        incident.location_approximate = location.approximate
    elif area is not None:
        incident.lat, incident.lon = area.label_lat, area.label_lon
        incident.area, incident.kecamatan = area, area.parent
        incident.location_approximate = True


@transaction.atomic
def create_incident(
    *,
    call: Call,
    by,
    incident_type: IncidentType,
    priority: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    area: Area | None = None,
    address: str = "",
    description: str = "",
    **details,
) -> Incident:
    """Log a new incident from the call being handled (T2); the call becomes its first report."""
    call = _claim_for_disposition(call, by)
    now = timezone.now()
    incident = Incident(
        incident_type=incident_type,
        category=incident_type.category,
        priority=priority or incident_type.default_priority,
        address=address,
        description=description,
        created_at=now,
        created_by=by,
    )
    place_incident(incident, lat=lat, lon=lon, area=area)
    insert_row(incident)
    call.disposition, call.disposed_at, call.incident = Call.Disposition.EMERGENCY, now, incident
    given = _fill_caller_details(call, details)
    with pipelined():  # the call's row goes with the next read
        save_fields(call, ["disposition", "disposed_at", "incident", *given])
        presence_events = follow_calls(by)
        incident.calls_count = 1  # this call, its first report (IncidentSerializer shows it)
        created = incident_event("incident.created", incident, actor=by, call=call.pk)
        created = replace(created, agencies=())  # not forwarded to any agency yet
        record_events([created, _call_event("call.disposed", call, actor=by), *presence_events])
    return incident


@transaction.atomic
def attach_call_to_incident(*, call: Call, by, incident: Incident, **details) -> Call:
    """Another call about an incident already open: attach it instead of logging a new one."""
    call = _claim_for_disposition(call, by)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open:
        raise Conflict(_("This incident is closed; log a new one."))
    call.disposition, call.disposed_at, call.incident = (
        Call.Disposition.DUPLICATE,
        timezone.now(),
        incident,
    )
    given = _fill_caller_details(call, details)
    save_fields(call, ["disposition", "disposed_at", "incident", *given])
    presence_events = follow_calls(by)
    attached = incident_event("incident.call_attached", incident, actor=by, call=call.pk)
    record_events([attached, _call_event("call.disposed", call, actor=by), *presence_events])
    return call


@transaction.atomic
def locate_call(*, call: Call, fix: Fix, actor_label: str) -> bool:
    """A fix from the caller's own phone (a location link, issue #19) locates the call as an
    AML message does: the newest fix wins, and the call-taker's screen hears `call.located`.
    Returns whether the call's location changed."""
    call = _claimed_call(call)
    if call.aml_at is not None and fix.at is not None and call.aml_at > fix.at:
        return False
    _locate_call(call, fix)
    save_fields(call, LOCATION_FIELDS)
    _publish("call.located", call, actor_label=actor_label)
    return True
