"""What the fault drills found in the deadline check, each proven gone at the service level: a
wait seen again after its ladder is climbed, one bad row, levels missed while the check was down,
and the check's own record of its last run."""

import pytest
from django.core.cache import cache

from ambon112.health import check_deadline_check
from core.health import DEADLINE_CHECK_KEY, DEADLINE_FAILURE_KEY
from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, Watch
from dispatch.services.incidents import close_incident, reopen_incident
from incidents.models import Event
from incidents.services.calls import Fix, receive_call_event, take_call
from tests.conftest import at

NUMBER = "+6281200007777"


# Each wait's own ladder here; the room's "nobody ready" is tested on its own.
pytestmark = pytest.mark.usefixtures("nobody_ready_aside")


@pytest.fixture(autouse=True)
def _no_recorded_check():
    cache.delete_many([DEADLINE_CHECK_KEY, DEADLINE_FAILURE_KEY])


def ring(call_id: str, number: str = NUMBER):
    call, _changed = receive_call_event(
        call_id=call_id, event="ringing", number=number, adapter="pbx"
    )
    return call


def levels(call) -> list[int]:
    return sorted(
        Escalation.objects.filter(subject_id=str(call.pk)).values_list("level", flat=True)
    )


def test_a_late_location_after_the_whole_ladder_neither_repeats_it_nor_stops_the_check(
    ambon, clock
):
    first = ring("a")
    clock.move_to(at(34))
    assert escalate_overdue(at(34)) == 2  # both levels; the ladder is climbed
    fix = Fix(lat=-3.69, lon=128.18, radius_m=15)  # the adapter's late location for the call
    receive_call_event(call_id="a", event="ringing", number=NUMBER, adapter="pbx", fix=fix)
    clock.move_to(at(40))
    second = ring("b", number="+6281200008888")
    assert escalate_overdue(at(55)) == 1  # b's first level, nothing of a again
    assert levels(first) == [1, 2] and levels(second) == [1]


def test_a_take_after_the_whole_ladder_resolves_every_level(ambon, clock, operator):
    call = ring("a")
    escalate_overdue(at(34))
    clock.move_to(at(40))
    take_call(call=call, by=operator)
    assert not Deadline.objects.exists()
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
    resolved = Event.objects.get(kind="escalation.resolved")  # one event for the subject
    assert len(resolved.payload["ids"]) == 2


def test_reopening_an_incident_continues_its_ladder_instead_of_repeating_it(
    make_incident, clock, dispatcher, supervisor
):
    incident = make_incident("kamtibmas.pencurian")  # not forwarded: one level at 60 s
    clock.move_to(at(61))
    assert escalate_overdue(at(61)) == 1
    close_incident(incident=incident, by=dispatcher, outcome="false_alarm")
    reopen_incident(incident=incident, by=supervisor, reason="Penelepon menelepon lagi")
    deadline = Deadline.objects.get(watch=Watch.INCIDENT_NOT_FORWARDED)
    assert deadline.level == 2  # its one level fired already for this wait: repeats follow
    assert escalate_overdue(at(119)) == 0
    assert escalate_overdue(at(120)) == 1
    assert Escalation.objects.get(level=2).repeat


def test_one_bad_row_is_put_back_and_every_other_deadline_still_escalates(ambon, clock):
    bad, good = ring("bad"), ring("good", number="+6281200008888")
    escalate_overdue(at(15))
    # A row edited by hand back to a level that has fired: raising it again breaks the
    # once-per-level constraint, and it sorts first.
    Deadline.objects.filter(subject_id=str(bad.pk)).update(level=1, due_at=at(1))
    assert escalate_overdue(at(30)) == 1  # good's level 2
    assert levels(good) == [1, 2] and levels(bad) == [1]
    assert Deadline.objects.get(subject_id=str(bad.pk)).due_at == at(60)  # tried again later
    status = check_deadline_check()
    assert status["ok"] and status["last_failure"]["deadlines"]


def test_a_level_that_fell_due_while_the_check_was_down_is_recorded_when_the_wait_ends(
    ambon, clock, operator
):
    call = ring("a")
    clock.move_to(at(20))  # level 1 fell due at 15 s; no check ran
    take_call(call=call, by=operator)
    (escalation,) = Escalation.objects.all()
    assert escalation.level == 1 and escalation.due_at == at(15)
    assert escalation.raised_at == escalation.resolved_at == at(20)
    kinds = list(
        Event.objects.filter(kind__startswith="escalation.").values_list("kind", flat=True)
    )
    assert kinds == ["escalation.raised", "escalation.resolved"]
    assert escalate_overdue(at(100)) == 0


def test_a_call_answered_in_time_records_no_breach(ambon, clock, operator):
    call = ring("a")
    clock.move_to(at(14))
    take_call(call=call, by=operator)
    assert not Escalation.objects.exists()


def test_the_check_records_its_last_run_for_healthz(ambon, clock, settings):
    assert check_deadline_check() == {"ok": False, "last_success": None}
    escalate_overdue()
    assert check_deadline_check() == {"ok": True, "age_s": 0.0, "raised_last_run": 0}
    clock.move_to(at(settings.DEADLINE_CHECK_STALE_AFTER_S + 1))
    assert not check_deadline_check()["ok"]
