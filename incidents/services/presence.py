"""Positions and presence: who sits at which desk (meja), and whether they can answer now.

A call-taker signs in at a position, a desk with its PBX extensions, and has a state that the
supervisor watches: ready, on a call, wrap-up, on break (with a reason) or away. The call-taker
chooses ready, wrap-up, break and away; taking or answering a call puts them on the call
(`follow_calls`, run by the call services), and classifying the last call in hand puts them in
wrap-up. `check_presence`, run every few seconds by Celery beat (or the embedded ticker),
returns wrap-up to ready after the room's maximum, and marks away a call-taker whose console
socket has been silent longer than the room's grace period: every console socket refreshes
`last_seen_at` with its heartbeat, from whichever web process holds it, so the check relies on
no process's memory and a web process that dies takes no one's presence with it.

Locks, in this order: the position (sign-in), the presence row, then what the event log's
observers keep (the room's "nobody ready" deadline), and the chain head last. The call services
lock the call first and the presence after, and nothing here locks a call.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from core.api import represent
from core.db import read_row
from core.errors import Conflict, Invalid
from incidents.events import NewEvent, record_events
from incidents.models import Call, Position, PositionExtension, Presence, Room
from incidents.serializers import PositionSerializer, PresenceSerializer

# What a call-taker may choose; on a call is what taking or answering a call sets.
CHOSEN_STATES = {
    Presence.State.READY,
    Presence.State.WRAP_UP,
    Presence.State.BREAK,
    Presence.State.AWAY,
}
ANSWERING_ROLES = {Role.CALL_TAKER, Role.SUPERVISOR, Role.ADMIN}


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def presence_event(kind: str, presence: Presence, *, actor=None, **extra) -> NewEvent:
    return NewEvent(
        kind,
        subject=presence,
        actor=actor,
        actor_label="" if actor else "presence-check",
        payload={"presence": represent(PresenceSerializer, presence), **extra},
    )


def position_event(kind: str, position: Position, *, by) -> NewEvent:
    return NewEvent(
        kind,
        subject=position,
        actor=by,
        payload={"position": represent(PositionSerializer, position)},
    )


# --- Positions (admin) ------------------------------------------------------------------------


def check_extensions(extensions: list[str], position: Position | None) -> list[str]:
    wanted = sorted({extension.strip() for extension in extensions if extension.strip()})
    taken = PositionExtension.objects.filter(extension__in=wanted).select_related("position")
    if position is not None:
        taken = taken.exclude(position=position)
    for other in taken:
        raise Invalid(
            {
                "extensions": [
                    _("Extension %(extension)s is already on position %(position)s.")
                    % {"extension": other.extension, "position": other.position.name}
                ]
            }
        )
    return wanted


@transaction.atomic
def create_position(*, name: str, extensions: list[str], by, is_active: bool = True) -> Position:
    """A new desk with the PBX extensions whose handsets sit on it."""
    wanted = check_extensions(extensions, None)
    if Position.objects.filter(name__iexact=name).exists():
        raise Invalid({"name": [_("A position with this name already exists.")]})
    position = Position.objects.create(name=name, is_active=is_active)
    PositionExtension.objects.bulk_create(
        [PositionExtension(position=position, extension=extension) for extension in wanted]
    )
    record_events([position_event("position.created", position, by=by)])
    return position


@transaction.atomic
def update_position(
    *,
    position: Position,
    by,
    name: str | None = None,
    extensions: list[str] | None = None,
    is_active: bool | None = None,
) -> Position:
    """Rename a desk, change its extensions, or take it out of use (only when nobody is on it)."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    if name is not None and name != position.name:
        if Position.objects.filter(name__iexact=name).exclude(pk=position.pk).exists():
            raise Invalid({"name": [_("A position with this name already exists.")]})
        position.name = name
    if is_active is False and position.is_active:
        sitting = occupant(position)
        if sitting is not None:
            raise Conflict(
                _("%(name)s is signed in at this position; they sign out first.")
                % {"name": person_name(sitting.user)}
            )
    if is_active is not None:
        position.is_active = is_active
    position.save()
    if extensions is not None:
        wanted = check_extensions(extensions, position)
        position.extensions.exclude(extension__in=wanted).delete()
        have = set(position.extensions.values_list("extension", flat=True))
        PositionExtension.objects.bulk_create(
            [PositionExtension(position=position, extension=e) for e in wanted if e not in have]
        )
    record_events([position_event("position.updated", position, by=by)])
    return position


@transaction.atomic
def update_room(*, by, **rules) -> Room:
    """Change the room's presence rules (wrap-up maximum, away grace, nobody-ready alarm)."""
    room = Room.get()
    room = Room.objects.select_for_update().get(pk=room.pk)
    for field, value in rules.items():
        setattr(room, field, value)
    room.save()
    record_events(
        [
            NewEvent(
                "room.updated",
                subject=room,
                actor=by,
                payload={
                    "wrapup_max_s": room.wrapup_max_s,
                    "away_grace_s": room.away_grace_s,
                    "nobody_ready_when_idle": room.nobody_ready_when_idle,
                },
            )
        ]
    )
    return room


def occupant(position: Position) -> Presence | None:
    return (
        Presence.objects.select_related("user")
        .filter(position=position, signed_out_at__isnull=True)
        .first()
    )


# --- Sign in, sign out, state -----------------------------------------------------------------


def current_presence(user, *, lock: bool = False) -> Presence | None:
    """The user's presence at a position, with the position (every call action reads it)."""
    presence = read_row(
        Presence,
        ("position",),
        where="t.user_id = %s AND t.signed_out_at IS NULL",
        params=[user.pk],
        lock=lock,
    )
    if presence is not None:
        presence.user = user  # the person asked about: not read again
    return presence


def _has_calls_in_hand(user) -> bool:
    return Call.objects.filter(taken_by=user, disposition="").exists()


@transaction.atomic
def sign_in(*, user, position: Position) -> Presence:
    """The call-taker takes a desk for the shift: ready at once (on a call if a call is already
    in hand). Signing in again where one already is changes nothing."""
    if user.role not in ANSWERING_ROLES:
        raise Conflict(_("Only call-takers and supervisors sign in at a position."))
    position = Position.objects.select_for_update().get(pk=position.pk)
    if not position.is_active:
        raise Conflict(_("This position is out of use."))
    mine = current_presence(user, lock=True)
    if mine is not None:
        if mine.position_id == position.pk:
            return mine
        raise Conflict(
            _("You are signed in at %(position)s; sign out there first.")
            % {"position": mine.position.name}
        )
    sitting = occupant(position)
    if sitting is not None:
        raise Conflict(
            _("%(name)s is signed in at %(position)s.")
            % {"name": person_name(sitting.user), "position": position.name}
        )
    now = timezone.now()
    state = Presence.State.ON_CALL if _has_calls_in_hand(user) else Presence.State.READY
    try:
        with transaction.atomic():
            presence = Presence.objects.create(
                position=position,
                user=user,
                state=state,
                state_since=now,
                signed_in_at=now,
                last_seen_at=now,  # the console's socket has the grace period to report in
            )
    except IntegrityError as exc:  # the same person signing in from two browsers at once
        raise Conflict(_("You are already signed in at a position.")) from exc
    record_events([presence_event("presence.signed_in", presence, actor=user)])
    return presence


@transaction.atomic
def sign_out(*, user) -> Presence:
    """The end of the shift at the desk; refused while a call is still in hand."""
    presence = current_presence(user, lock=True)
    if presence is None:
        raise Conflict(_("You are not signed in at a position."))
    if _has_calls_in_hand(user):
        raise Conflict(_("Classify the calls in your hands before signing out."))
    presence.signed_out_at = timezone.now()
    presence.save(update_fields=["signed_out_at"])
    record_events([presence_event("presence.signed_out", presence, actor=user)])
    return presence


@transaction.atomic
def change_state(*, user, state: str, reason: str = "") -> Presence:
    """The call-taker says whether they can answer: ready, wrap-up, break (why), away.
    Refused while a call is in hand (that is "on a call" until it is classified)."""
    if state not in CHOSEN_STATES:
        raise Invalid({"state": [_("Choose ready, wrap-up, break or away.")]})
    reason = reason.strip()
    if state == Presence.State.BREAK and not reason:
        raise Invalid({"reason": [_("Say why you are taking a break.")]})
    presence = current_presence(user, lock=True)
    if presence is None:
        raise Conflict(_("You are not signed in at a position."))
    if _has_calls_in_hand(user):
        raise Conflict(_("You still have a call in hand: classify it first."))
    reason = reason if state == Presence.State.BREAK else ""
    if presence.state == state and presence.break_reason == reason:
        return presence
    events = _set_state(presence, state, reason=reason, actor=user)
    record_events(events)
    return presence


def _set_state(
    presence: Presence, state: str, *, reason: str = "", actor=None, why: str = ""
) -> list[NewEvent]:
    """Change a locked presence row; returns its event (`why` says what the system saw)."""
    previous = presence.state
    presence.state, presence.state_since, presence.break_reason = state, timezone.now(), reason
    presence.save(update_fields=["state", "state_since", "break_reason"])
    extra = {"previous": previous}
    if why:
        extra["why"] = why
    return [presence_event("presence.changed", presence, actor=actor, **extra)]


def follow_calls(user) -> list[NewEvent]:
    """Keep a signed-in call-taker's state in step with the calls in their hands: on a call
    while one is, wrap-up after the last is classified. Run by the call services after their
    own change and before they record it (the events this returns go with theirs)."""
    if user is None:
        return []
    return presence_follows_calls(current_presence(user, lock=True))


def presence_follows_calls(presence: Presence | None) -> list[NewEvent]:
    """follow_calls for the presence row the call service has already locked (or None)."""
    if presence is None:
        return []
    busy = _has_calls_in_hand(presence.user)
    if busy and presence.state != Presence.State.ON_CALL:
        return _set_state(presence, Presence.State.ON_CALL, actor=presence.user)
    if not busy and presence.state == Presence.State.ON_CALL:
        return _set_state(presence, Presence.State.WRAP_UP, actor=presence.user)
    return []


def touch(*, user) -> None:
    """A console socket of the user is alive (its heartbeat); not an event."""
    Presence.objects.filter(user=user, signed_out_at__isnull=True).update(
        last_seen_at=timezone.now()
    )


def check_presence(now: datetime | None = None) -> int:
    """Wrap-up longer than the room's maximum becomes ready; a console silent longer than the
    grace period marks its call-taker away. Returns how many changed. Safe to run twice, and
    from two workers at once (rows are claimed with SKIP LOCKED)."""
    now = now or timezone.now()
    room = Room.get()
    with transaction.atomic():
        rows = Presence.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            signed_out_at__isnull=True
        )
        wrap_up_over = rows.filter(
            state=Presence.State.WRAP_UP,
            state_since__lte=now - timedelta(seconds=room.wrapup_max_s),
        )
        silent = rows.exclude(state=Presence.State.AWAY).filter(
            last_seen_at__lte=now - timedelta(seconds=room.away_grace_s)
        )
        events = []
        for presence in silent.select_related("position", "user"):
            events += _set_state(presence, Presence.State.AWAY, why="console_silent")
        for presence in wrap_up_over.exclude(pk__in=[e.subject.pk for e in events]).select_related(
            "position", "user"
        ):
            events += _set_state(presence, Presence.State.READY, why="wrap_up_over")
        if events:
            record_events(events)
    return len(events)
