"""Issue #16, part 1: an escalation resolves when its cause ends, at any level. For every watch
of a call, ticket, unit or incident, the cause clearing before level 1, after level 1, after the
last level and during the repeats resolves exactly that subject's open escalations, at once, in
one event; nothing more is raised for it; another subject of the same watch stays open."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Agency
from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, Watch
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.incidents import close_incident
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.models import Call, Event
from incidents.services.calls import receive_call_event, take_call
from incidents.services.contacts import Sender, log_contact
from incidents.services.incidents import add_note
from tests.conftest import T0
from tests.dispatch.conftest import unit

pytestmark = pytest.mark.usefixtures("nobody_ready_aside")


@dataclass
class Room:
    """What a scenario needs to set a wait going and to end it."""

    make_incident: object
    operator: object
    dispatcher: object
    damkar: object


def ring(room, n):
    call, _changed = receive_call_event(
        call_id=f"lc-{n}", event="ringing", number=f"+62812000071{n:02d}", adapter="pbx"
    )
    return call, lambda: take_call(call=call, by=room.operator)


def message(room, n):
    call = log_contact(
        by=room.operator,
        channel=Call.Channel.WHATSAPP,
        received_at=timezone.now(),
        message="Jalan amblas di depan SD",
        sender=Sender(number=f"+62812000072{n:02d}", name="Budi"),
        take=False,
    )
    return call, lambda: take_call(call=call, by=room.operator)


def fire(room, n):
    return room.make_incident("kebakaran.rumah")


def fire_ticket(room, n):
    damkar = Agency.objects.get(code="damkar")
    return notify_agency(incident=fire(room, n), agency=damkar, by=room.dispatcher)


def not_forwarded(room, n):
    incident = fire(room, n)
    damkar = Agency.objects.get(code="damkar")
    return incident, lambda: notify_agency(incident=incident, agency=damkar, by=room.dispatcher)


def not_accepted(room, n):
    ticket = fire_ticket(room, n)
    return ticket, lambda: accept_ticket(ticket=ticket, by=room.damkar)


def accepted(room, n):
    ticket = fire_ticket(room, n)
    accept_ticket(ticket=ticket, by=room.damkar)
    return ticket


def no_unit_sent(room, n):
    ticket = accepted(room, n)
    return ticket, lambda: send(room, ticket, n)


def send(room, ticket, n):
    return dispatch_unit(ticket=ticket, unit=unit(f"DAMKAR-0{n + 1}"), by=room.damkar)


def no_unit_en_route(room, n):
    ticket = accepted(room, n)
    return ticket, lambda: advance(
        step="en_route", assignment=send(room, ticket, n), by=room.damkar
    )


def turnout(room, n):
    assignment = send(room, accepted(room, n), n)
    return assignment, lambda: advance(step="en_route", assignment=assignment, by=room.damkar)


def travel(room, n):
    assignment = send(room, accepted(room, n), n)
    assignment = advance(step="en_route", assignment=assignment, by=room.damkar)
    return assignment, lambda: advance(step="on_scene", assignment=assignment, by=room.damkar)


def no_operations(room, n):
    ticket = accepted(room, n)
    assignment = send(room, ticket, n)
    for step in ("en_route", "on_scene"):
        assignment = advance(step=step, assignment=assignment, by=room.damkar)
    return ticket.incident, lambda: advance(
        step="operations_started", assignment=assignment, by=room.damkar
    )


def idle(room, n):
    incident = fire(room, n)
    return incident, lambda: add_note(incident=incident, by=room.dispatcher, text="Warga melapor")


def closed(room, n):
    """An idle incident's cause also ends when it is closed."""
    incident = fire(room, n)
    return incident, lambda: close_incident(
        incident=incident, by=room.dispatcher, outcome="false_alarm"
    )


SCENARIOS = {
    Watch.CALL_UNANSWERED: ring,
    Watch.CONTACT_UNHANDLED: message,
    Watch.INCIDENT_NOT_FORWARDED: not_forwarded,
    Watch.TICKET_NOT_ACCEPTED: not_accepted,
    Watch.UNIT_NOT_DISPATCHED: no_unit_sent,
    Watch.NO_UNIT_EN_ROUTE: no_unit_en_route,
    Watch.UNIT_NOT_EN_ROUTE: turnout,
    Watch.UNIT_NOT_ON_SCENE: travel,
    Watch.FIRE_NO_OPERATIONS: no_operations,
    Watch.INCIDENT_IDLE: idle,
}
MOMENTS = ["before_l1", "after_l1", "after_last", "during_repeat"]


def key_of(subject) -> dict:
    return {"subject_type": subject._meta.model_name, "subject_id": str(subject.pk)}


def due_times(deadline, until_s: float) -> list[float]:
    """Seconds from the wait's start at which its levels and repeats fall due, up to until_s."""
    ladder = list(deadline.policy.levels.order_by("level"))
    times = [level.delay_s for level in ladder]
    last, repeat = ladder[-1].delay_s, deadline.policy.repeat_s
    times += [last + k * repeat for k in range(1, int((until_s - last) // repeat) + 1)]
    return [t for t in times if t <= until_s]


def stop_at(deadline, moment: str) -> float:
    ladder = list(deadline.policy.levels.order_by("level"))
    first, last, repeat = ladder[0].delay_s, ladder[-1].delay_s, deadline.policy.repeat_s
    return {
        "before_l1": first - 1,
        "after_l1": first + 0.5,
        "after_last": last + 0.5,
        "during_repeat": last + 2 * repeat + 0.5,
    }[moment]


def run_check_until(clock, deadline, stop_s: float) -> None:
    """The check, run live: at each level's due time, as the ticker would."""
    for t in due_times(deadline, stop_s):
        clock.move_to(deadline.started_at + timedelta(seconds=t))
        escalate_overdue()
    clock.move_to(deadline.started_at + timedelta(seconds=stop_s))
    escalate_overdue()


def escalations_of(watch, key) -> list[Escalation]:
    return list(Escalation.objects.filter(watch=watch, **key).order_by("level"))


def resolved_events_of(escalations) -> list[Event]:
    ids = {e.pk for e in escalations}
    return [
        event
        for event in Event.objects.filter(kind="escalation.resolved")
        if ids & set(event.payload["ids"])
    ]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("watch", list(SCENARIOS))
def test_the_cause_clearing_resolves_that_subjects_escalations_once(
    watch, moment, clock, make_incident, operator, dispatcher, damkar
):
    room = Room(make_incident, operator, dispatcher, damkar)
    subject, clear = SCENARIOS[watch](room, 0)
    other, _clear_other = SCENARIOS[watch](room, 1)
    key, other_key = key_of(subject), key_of(other)
    deadline = Deadline.objects.get(watch=watch, **key)
    stop_s = stop_at(deadline, moment)
    run_check_until(clock, deadline, stop_s)
    expected = len(due_times(deadline, stop_s))
    assert len(escalations_of(watch, key)) == expected
    cleared_at = timezone.now()
    clear()

    levels = escalations_of(watch, key)
    assert [e.level for e in levels] == list(range(1, expected + 1))  # each level once
    assert all(e.resolved_at == cleared_at for e in levels)
    events = resolved_events_of(levels)
    assert len(events) == (1 if levels else 0)  # one event for the subject
    if levels:
        assert sorted(events[0].payload["ids"]) == [e.pk for e in levels]
        assert events[0].payload["escalation"]["level"] == expected  # the highest
    # Another subject of the same watch goes on waiting, its escalations open.
    assert Deadline.objects.filter(watch=watch, **other_key).exists()
    assert not any(e.resolved_at for e in escalations_of(watch, other_key))

    # Nothing more is raised for it (an idle incident's wait starts again from the activity).
    restarted = Deadline.objects.filter(watch=watch, **key).first()
    if restarted is not None:
        assert watch == Watch.INCIDENT_IDLE
    escalate_overdue(cleared_at + timedelta(seconds=stop_s + 3600 * 0.25))
    this_wait = [e for e in escalations_of(watch, key) if e.started_at == deadline.started_at]
    assert len(this_wait) == expected


@pytest.mark.parametrize("moment", MOMENTS)
def test_closing_an_idle_incident_resolves_its_idle_alarm(
    moment, clock, make_incident, operator, dispatcher, damkar
):
    room = Room(make_incident, operator, dispatcher, damkar)
    incident, clear = closed(room, 0)
    key = key_of(incident)
    deadline = Deadline.objects.get(watch=Watch.INCIDENT_IDLE, **key)
    stop_s = stop_at(deadline, moment)
    run_check_until(clock, deadline, stop_s)
    clear()
    levels = escalations_of(Watch.INCIDENT_IDLE, key)
    assert len(levels) == len(due_times(deadline, stop_s))
    assert all(e.resolved_at == timezone.now() for e in levels)
    assert not Deadline.objects.filter(watch=Watch.INCIDENT_IDLE, **key).exists()


def test_activity_on_an_idle_incident_moves_its_wait_on_without_any_alarm(clock, make_incident):
    incident = make_incident("kebakaran.rumah")
    clock.move_to(T0 + timedelta(minutes=20))
    add_note(incident=incident, by=incident.created_by, text="Api mulai padam")
    clock.move_to(T0 + timedelta(minutes=30))
    escalate_overdue()  # due at 30 min, but there was activity at 20: not idle
    assert not Escalation.objects.filter(watch=Watch.INCIDENT_IDLE).exists()
    deadline = Deadline.objects.get(watch=Watch.INCIDENT_IDLE)
    assert deadline.started_at == T0 + timedelta(minutes=20)
    assert deadline.due_at == T0 + timedelta(minutes=50)
    clock.move_to(T0 + timedelta(minutes=50))
    assert escalate_overdue() >= 1
    assert Escalation.objects.get(watch=Watch.INCIDENT_IDLE).level == 1
