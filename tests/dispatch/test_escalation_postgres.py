"""Issue #16 on PostgreSQL: a worker killed in the middle of the check leaves every level and
repeat to be raised exactly once by the next one, and takes racing the check resolve every open
escalation of their call, whichever level fired last, in one event each."""

import threading

import pytest
from django.db import connection

from dispatch import deadlines
from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, Watch
from incidents.models import Event
from incidents.services.calls import take_call
from tests.dispatch.test_deadlines_postgres import overdue_ringing_calls
from tests.threads import while_checking

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("nobody_ready_aside")]


class Killed(BaseException):
    """The worker's process dies: no except clause of the check catches it."""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_check_leaves_each_level_to_be_raised_once(
    ambon, operator, monkeypatch
):
    # 15 s, 30 s and the first repeat (90 s) are due
    calls = overdue_ringing_calls(40, rang_s_ago=100)
    holding, release = threading.Event(), threading.Event()
    record = deadlines.record_events

    def dying_record(events):
        if threading.current_thread().name == "doomed":
            holding.set()  # it has claimed the rows and written its escalations…
            release.wait(30)
            raise Killed  # …and dies before it commits
        return record(events)

    monkeypatch.setattr(deadlines, "record_events", dying_record)
    died = []

    def doomed():
        try:
            escalate_overdue()
        except Killed:
            died.append(True)
        finally:
            connection.close()

    worker = threading.Thread(target=doomed, name="doomed")
    worker.start()
    assert holding.wait(30)
    other = []
    survivor = threading.Thread(
        target=lambda: (other.append(escalate_overdue()), connection.close())
    )
    survivor.start()
    survivor.join(30)
    assert other == [0]  # the rows the dying worker holds are skipped, not waited for
    release.set()
    worker.join(30)
    assert died == [True] and not Escalation.objects.exists()  # its work rolled back

    assert escalate_overdue() == 3 * len(calls)
    assert escalate_overdue() == 0
    levels = Escalation.objects.values_list("subject_id", "level")
    assert len(set(levels)) == len(levels) == 3 * len(calls)
    assert set(Escalation.objects.values_list("level", flat=True)) == {1, 2, 3}
    assert Escalation.objects.filter(level=3, repeat=True).count() == len(calls)

    for call in calls:
        take_call(call=call, by=operator)
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
    resolved = Event.objects.filter(kind="escalation.resolved")
    assert resolved.count() == len(calls)  # one per call, with its three levels
    assert all(len(event.payload["ids"]) == 3 for event in resolved)


@pytest.mark.django_db(transaction=True)
def test_takes_racing_repeats_resolve_every_level_once(ambon, operator):
    """Calls at their repeats while the check runs and call-takers take them: each call ends
    with every raised level resolved and exactly one resolved event; no level twice."""
    # levels 1, 2 and repeat 1 overdue; repeat 2 at 150 s
    calls = overdue_ringing_calls(60, rang_s_ago=145)
    assert while_checking(lambda call: take_call(call=call, by=operator), calls) == []
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
    assert not Deadline.objects.filter(watch=Watch.CALL_UNANSWERED).exists()
    levels = list(Escalation.objects.values_list("subject_id", "level"))
    assert len(set(levels)) == len(levels)
    for call in calls:
        mine = Escalation.objects.filter(subject_id=str(call.pk), watch=Watch.CALL_UNANSWERED)
        assert sorted(mine.values_list("level", flat=True))[:3] == [1, 2, 3]
        events = [
            e
            for e in Event.objects.filter(kind="escalation.resolved")
            if e.payload["escalation"]["subject"]["id"] == str(call.pk)
        ]
        assert len(events) == 1 and sorted(events[0].payload["ids"]) == sorted(
            mine.values_list("pk", flat=True)
        )
