"""Writes on calls: the telephony adapter's events, take, disposition, incident, duplicate.

Call states follow docs/architecture.md "States". The adapter's events may come twice or out of
order: each one only fills its own timestamp when that is still empty, and the status is derived
from the timestamps, so a repeat changes nothing and a late "ringing" after "ended" reconciles. An
AML SMS is kept as an `AmlMessage`; a repeat of one (same message id, or same body without one)
changes nothing, and one that arrives before its call is held until a call from that number rings.

Locks, in this order in every telephony write, so that two of them never deadlock: the number
(an advisory lock, so that an AML and the first event of a call from the same number take turns
and whichever commits second sees the other), the call row (never its caller's row, which a
new call from the number must reference), the held AML rows, then what the event log's
observers keep (deadlines), and the chain head last.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.geo import locate
from agencies.models import Area
from core.api import represent
from core.db import lock_until_commit
from core.errors import Conflict
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
from incidents.serializers import CallSerializer
from incidents.services.callers import caller_for_number, count_nuisance
from incidents.services.incidents import incident_event
from incidents.services.presence import current_presence, follow_calls

EVENT_FIELD = {
    "ringing": "ringing_at",
    "answered": "answered_at",
    "ended": "ended_at",
    "abandoned": "ended_at",
}
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


def _call_event(kind: str, call: Call, *, actor=None, actor_label: str = "") -> NewEvent:
    return NewEvent(
        kind,
        subject=call,
        actor=actor,
        actor_label=actor_label,
        payload={"call": represent(CallSerializer, call)},
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


def _attach_held_aml(call: Call, *, number: str, now: datetime) -> bool:
    """A new call takes the AML messages its number sent shortly before it (held: two web
    processes may see the SMS before the ringing); returns whether they located it."""
    held = list(
        AmlMessage.objects.select_for_update()
        .filter(number=number, call__isnull=True, received_at__gte=_aml_window_start(now))
        .order_by("received_at")
    )
    if not held:
        return False
    AmlMessage.objects.filter(pk__in=[message.pk for message in held]).update(
        call=call, attached_at=now
    )
    return _locate_by_aml(call, held)


def _aml_window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.AML_HOLD_S)


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
    if number:
        lock_until_commit(namespace=NUMBER_LOCK, key=number)
    # The call row only (see receive_aml), read with what its event shows.
    calls = Call.objects.select_for_update(of=("self",))
    calls = calls.select_related("caller", "taken_by", "answered_by", "incident")
    call, created = calls.get_or_create(
        call_id=call_id,
        defaults={"caller": caller_for_number(number), "line": line, "channel": channel},
    )
    field = EVENT_FIELD[event]
    timed = getattr(call, field) is None
    if timed and event == "answered":
        answer_at_handset(call, at=at or now, extension=extension, now=now)
    elif timed:
        setattr(call, field, at or now)
    if timed:
        if at is not None and abs((at - now).total_seconds()) > settings.CLOCK_SKEW_LIMIT_S:
            call.clock_skew_s = round((at - now).total_seconds(), 3)
    located = fix is not None and call.aml_lat is None
    if located:
        _locate_call(call, fix)
    held_located = created and bool(number) and _attach_held_aml(call, number=number, now=now)
    if not (created or timed or located):
        return call, False
    call.status = derived_status(call)
    call.save()
    # The call in someone's hands puts them on the call (locked after the call, as everywhere).
    presence_events = follow_calls(call.taken_by) if timed and event == "answered" else []
    kind = f"call.{call.status}" if created or timed else "call.located"
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
        .select_related("caller", "taken_by")
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
        call.save()
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
    signed in at its position can be taken too (even after the caller hung up) to be handled."""
    now = timezone.now()
    won = (
        Call.objects.filter(pk=call.pk, taken_by__isnull=True)
        .filter(Q(ended_at__isnull=True) | Q(answered_at__isnull=False))
        .update(taken_by=by, taken_at=now)
    )
    # With what the call.* event shows of it (one query, not one per relation).
    call.refresh_from_db(from_queryset=Call.objects.select_related("caller", "taken_by"))
    if not won:
        if call.taken_by_id == by.pk:
            return call
        if call.taken_by is not None:
            raise Conflict(taken_by_other(call))
        raise Conflict(_("The caller hung up before anyone answered."))
    presence = current_presence(by)
    if first_answer(
        call, at=now, via=Call.AnsweredVia.CONSOLE, by=by, position=presence and presence.position
    ):
        call.status = derived_status(call)
        call.save()
    record_events([_call_event("call.taken", call, actor=by), *follow_calls(by)])
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
    # The call row only (see receive_aml), read with what its event shows.
    calls = Call.objects.select_for_update(of=("self",)).select_related("caller", "taken_by")
    call = calls.get(pk=call.pk)
    if call.taken_by_id != by.pk:
        raise Conflict(_("Take the call before classifying it."))
    if call.disposition:
        raise Conflict(_("This call is already classified."))
    return call


def _fill_caller_details(call: Call, details: dict) -> None:
    for field in ("caller_name", "callback_number", "notes"):
        if details.get(field):
            setattr(call, field, details[field])


@transaction.atomic
def dispose_call(*, call: Call, by, disposition: str, **details) -> Call:
    """Classify a call that is not an emergency: information, prank, ghost, dropped, test."""
    if disposition not in NON_INCIDENT_DISPOSITIONS:
        raise Conflict(_("Use 'create incident' or 'attach' for emergencies and duplicates."))
    call = _claim_for_disposition(call, by)
    call.disposition, call.disposed_at = disposition, timezone.now()
    _fill_caller_details(call, details)
    call.save()
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
    incident.save()
    call.disposition, call.disposed_at, call.incident = Call.Disposition.EMERGENCY, now, incident
    _fill_caller_details(call, details)
    call.save()
    presence_events = follow_calls(by)
    created = incident_event("incident.created", incident, actor=by, call=call.pk)
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
    _fill_caller_details(call, details)
    call.save()
    presence_events = follow_calls(by)
    attached = incident_event("incident.call_attached", incident, actor=by, call=call.pk)
    record_events([attached, _call_event("call.disposed", call, actor=by), *presence_events])
    return call


@transaction.atomic
def locate_call(*, call: Call, fix: Fix, actor_label: str) -> bool:
    """A fix from the caller's own phone (a location link, issue #19) locates the call as an
    AML message does: the newest fix wins, and the call-taker's screen hears `call.located`.
    Returns whether the call's location changed."""
    calls = Call.objects.select_for_update(of=("self",)).select_related("caller", "taken_by")
    call = calls.get(pk=call.pk)
    if call.aml_at is not None and fix.at is not None and call.aml_at > fix.at:
        return False
    _locate_call(call, fix)
    call.save()
    _publish("call.located", call, actor_label=actor_label)
    return True
