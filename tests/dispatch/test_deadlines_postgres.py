"""The deadline check on PostgreSQL: two checkers at once raise each escalation once, and the
overdue rows are found through the due_at index."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, SlaPolicy, Watch
from incidents.models import Call, Event

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
