"""Nobody ready is an alarm: a call rings and no call-taker is ready, the supervisor is told at
once through the escalation ladder; the wallboard shows the positions staffed and their states."""

import pytest

from dispatch import situation
from dispatch.deadlines import RINGING_COUNTED, escalate_overdue
from dispatch.models import Deadline, Escalation, Watch
from incidents.models import Call, Room
from incidents.services.calls import dispose_call, receive_call_event, take_call
from incidents.services.presence import change_state, create_position, sign_in
from tests.conftest import at


@pytest.fixture
def desk(admin_user):
    return create_position(name="Meja 1", extensions=["201"], by=admin_user)


def ring(call_id="n-1"):
    return receive_call_event(
        call_id=call_id, event="ringing", number="+6281200008888", adapter="pbx"
    )[0]


def nobody_ready() -> list[tuple[int, bool, bool]]:
    """(level, to supervisors, to call-takers) of the nobody-ready escalations, in order."""
    return list(
        Escalation.objects.filter(watch=Watch.NOBODY_READY)
        .order_by("level")
        .values_list("level", "to_supervisors", "to_call_takers")
    )


def test_a_call_ringing_with_nobody_signed_in_alerts_the_supervisor_at_once(ambon, clock):
    ring()
    clock.move_to(at(1))
    escalate_overdue()
    assert nobody_ready() == [(1, True, False)]
    clock.move_to(at(30))
    escalate_overdue()
    assert nobody_ready() == [(1, True, False), (2, True, True)]  # then the call-takers too


def test_a_ready_call_taker_means_no_alarm(ambon, clock, desk, operator):
    sign_in(user=operator, position=desk)
    ring()
    assert not Deadline.objects.filter(watch=Watch.NOBODY_READY).exists()


def test_the_last_ready_call_taker_taking_a_call_while_another_rings_starts_it(
    ambon, clock, desk, operator
):
    sign_in(user=operator, position=desk)
    first = ring("n-1")
    ring("n-2")
    take_call(call=first, by=operator)  # now on a call, and n-2 still rings
    assert Deadline.objects.filter(watch=Watch.NOBODY_READY).exists()
    clock.move_to(at(2))
    escalate_overdue()
    assert nobody_ready() == [(1, True, False)]
    dispose_call(call=first, by=operator, disposition="test")  # wrap-up: still not ready
    change_state(user=operator, state="ready")
    assert not Deadline.objects.filter(watch=Watch.NOBODY_READY).exists()
    escalation = Escalation.objects.get(watch=Watch.NOBODY_READY)
    assert escalation.resolved_at is not None


def test_a_call_answered_ends_the_alarm_when_no_other_rings(ambon, clock, desk, operator):
    call = ring()
    clock.move_to(at(1))
    escalate_overdue()
    take_call(call=call, by=operator)
    assert not Deadline.objects.filter(watch=Watch.NOBODY_READY).exists()
    assert Escalation.objects.get(watch=Watch.NOBODY_READY).resolved_at is not None


def test_with_no_call_ringing_nobody_ready_is_an_alarm_only_if_the_room_says_so(
    ambon, clock, desk, operator
):
    sign_in(user=operator, position=desk)
    change_state(user=operator, state="break", reason="Makan")
    assert not Deadline.objects.filter(watch=Watch.NOBODY_READY).exists()
    Room.objects.filter(pk=1).update(nobody_ready_when_idle=True)
    change_state(user=operator, state="away")
    assert Deadline.objects.filter(watch=Watch.NOBODY_READY).exists()


def test_two_calls_ringing_at_once_start_one_wait(ambon, clock):
    ring("n-1")
    ring("n-2")
    assert Deadline.objects.filter(watch=Watch.NOBODY_READY).count() == 1


def test_the_wallboard_shows_positions_staffed_and_their_states(
    ambon, desk, admin_user, operator, supervisor
):
    sign_in(user=operator, position=desk)
    sign_in(
        user=supervisor,
        position=create_position(name="Meja 2", extensions=["202"], by=admin_user),
    )
    change_state(user=supervisor, state="break", reason="Rapat")
    take_call(call=ring(), by=operator)
    assert situation.wallboard()["call_takers"] == {
        "staffed": 2,
        "ready": 0,
        "on_call": 1,
        "wrap_up": 0,
        "on_break": 1,
        "away": 0,
    }


def test_the_alarm_says_what_rings_and_who_sits_where(ambon, clock, desk, admin_user, operator):
    sign_in(user=operator, position=desk)
    change_state(user=operator, state="break", reason="Makan")
    ring("n-1")  # counted by the same read as the wait's start: its own call rings too
    assert Deadline.objects.get(watch=Watch.NOBODY_READY).summary == "☎ 1 · Meja 1: break"


def test_the_alarm_counts_the_calls_ringing_up_to_a_bound(ambon, clock, desk, operator):
    """Each ringing, take and hang-up reads the count, so it stops at RINGING_COUNTED: a surge
    (or an adapter that never reports hang-ups) does not make every post slower than the last."""
    sign_in(user=operator, position=desk)
    change_state(user=operator, state="break", reason="Makan")
    Call.objects.bulk_create(
        Call(call_id=f"left-{i}", ringing_at=at(0), line="112-1")
        for i in range(RINGING_COUNTED + 5)
    )
    ring("n-1")
    assert Deadline.objects.get(watch=Watch.NOBODY_READY).summary == "☎ 100+ · Meja 1: break"
