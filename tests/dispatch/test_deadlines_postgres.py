"""The deadline check on PostgreSQL: two checkers at once raise each escalation once, the
overdue rows are found through the due_at index, and services that end a wait while the check
runs never deadlock with it (the lock order of incidents/events.py)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, SlaPolicy, Watch
from dispatch.services.incidents import close_incident
from incidents.models import Call, Event
from incidents.services.calls import receive_call_event, take_call
from tests.threads import run_together, while_checking

pytestmark = [pytest.mark.postgres]


def waiting_calls(n: int, *, due_in_s: float) -> None:
    """n ringing calls whose first deadline is `due_in_s` from now, written in bulk."""
    policy = SlaPolicy.objects.get(watch=Watch.CALL_UNANSWERED)
    now = timezone.now()
    started = now + timedelta(seconds=due_in_s - 15)
    calls = Call.objects.bulk_create(
        Call(call_id=f"bulk-{due_in_s}-{i}", line="112-1", ringing_at=started) for i in range(n)
    )
    Deadline.objects.bulk_create(
        Deadline(
            watch=Watch.CALL_UNANSWERED,
            policy=policy,
            subject_type="call",
            subject_id=str(call.pk),
            started_at=started,
            level=1,
            due_at=now + timedelta(seconds=due_in_s),
        )
        for call in calls
    )


@pytest.mark.django_db(transaction=True)
def test_two_checkers_at_once_raise_each_escalation_once(ambon):
    waiting_calls(300, due_in_s=-1)
    barrier = threading.Barrier(2)
    counts = []

    def check():
        try:
            barrier.wait()
            counts.append(escalate_overdue())
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 300
    assert Escalation.objects.filter(level=1).count() == 300
    assert Event.objects.filter(kind="escalation.raised").count() == 300


@pytest.mark.django_db
def test_the_check_finds_overdue_rows_through_the_index(ambon):
    waiting_calls(5000, due_in_s=600)  # a crowd not yet due…
    waiting_calls(3, due_in_s=-1)  # …and three overdue
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dispatch_deadline")
    plan = (
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(due_at__lte=timezone.now())
        .order_by("due_at")[:500]
        .explain()
    )
    assert "Index Scan using dispatch_deadline_due_at" in plan, plan
    assert "Seq Scan" not in plan, plan


def overdue_ringing_calls(n: int, *, rang_s_ago: float) -> list[Call]:
    """n calls rung through the adapter's service (their deadlines started by the observer),
    moved back in time so that their first level is overdue."""
    calls = [
        receive_call_event(
            call_id=f"race-{i}", event="ringing", number=f"+62812000{i:05d}", adapter="pbx"
        )[0]
        for i in range(n)
    ]
    started = timezone.now() - timedelta(seconds=rang_s_ago)
    Call.objects.filter(pk__in=[c.pk for c in calls]).update(ringing_at=started)
    Deadline.objects.update(started_at=started, due_at=started + timedelta(seconds=15))
    return calls


@pytest.mark.django_db(transaction=True)
def test_takes_and_hang_ups_racing_the_check_never_deadlock_and_record_each_breach_once(
    ambon, operator
):
    """The drill's lock-order inversion: the check holds deadlines and wants the chain head
    while a take holds the head and wants the deadline. Every call here waited 20 s, so each
    has its 15-s level exactly once, raised by the check or, when the take came first, by the
    take itself; none is left open."""
    calls = overdue_ringing_calls(120, rang_s_ago=20)

    def end(call):
        if call.pk % 2:
            take_call(call=call, by=operator)
        else:
            receive_call_event(call_id=call.call_id, event="abandoned", number="", adapter="pbx")

    assert while_checking(end, calls) == []
    level_one = Escalation.objects.filter(watch=Watch.CALL_UNANSWERED, level=1)
    assert sorted(level_one.values_list("subject_id", flat=True)) == sorted(
        str(call.pk) for call in calls
    )
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
    assert not Deadline.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_closing_incidents_while_the_check_raises_their_priority_never_deadlocks(
    ambon, make_incident, dispatcher
):
    """The check raises an incident's priority while its dispatcher closes it: the check skips
    an incident a service holds (next run), so neither waits for the other."""
    SlaPolicy.objects.get(watch=Watch.INCIDENT_NOT_FORWARDED, active_from=None).levels.update(
        action="raise_priority"
    )
    incidents = [make_incident("kamtibmas.pencurian") for _ in range(40)]
    started = timezone.now() - timedelta(seconds=61)  # the 60-s level is overdue
    Deadline.objects.filter(watch=Watch.INCIDENT_NOT_FORWARDED).update(
        started_at=started, due_at=started + timedelta(seconds=60)
    )
    checking = threading.Event()

    def check():
        while not checking.is_set():
            escalate_overdue()

    def close_all():
        try:
            for incident in incidents:
                close_incident(incident=incident, by=dispatcher, outcome="false_alarm")
        finally:
            checking.set()

    assert run_together(check, close_all) == []
    assert Escalation.objects.filter(watch=Watch.INCIDENT_NOT_FORWARDED).count() == 40
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
