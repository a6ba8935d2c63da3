"""The policies are kept in memory between events and read again only when their version token
changes: any write to a policy or a level changes it, whoever makes it (a trigger), so the next
event anywhere starts its deadlines from the policies as they are now."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dispatch.models import Deadline, EscalationLevel, PolicyVersion, Watch
from incidents.services.calls import receive_call_event

pytestmark = pytest.mark.usefixtures("nobody_ready_aside")


def ring(call_id: str) -> Deadline:
    call, _changed = receive_call_event(
        call_id=call_id, event="ringing", number="+6281200007777", adapter="pbx"
    )
    return Deadline.objects.get(watch=Watch.CALL_UNANSWERED, subject_id=str(call.pk))


def first_delay(deadline: Deadline) -> float:
    return (deadline.due_at - deadline.started_at).total_seconds()


def first_level():
    return EscalationLevel.objects.filter(
        policy__watch=Watch.CALL_UNANSWERED, policy__category="", level=1
    )


def test_the_policies_are_read_once_while_their_token_stays(ambon):
    ring("v-1")
    with CaptureQueriesContext(connection) as queries:
        assert first_delay(ring("v-2")) == 15
    assert not [q for q in queries if "dispatch_escalationlevel" in q["sql"]]


def test_a_change_by_a_plain_update_is_seen_by_the_next_event(ambon):
    """No model signal runs for a queryset's update: the trigger sees it all the same."""
    assert first_delay(ring("v-1")) == 15
    token = PolicyVersion.objects.get().token
    first_level().update(delay_s=20)
    assert PolicyVersion.objects.get().token != token
    assert first_delay(ring("v-2")) == 20
    with connection.cursor() as cursor:  # nor for SQL written by hand
        cursor.execute("UPDATE dispatch_escalationlevel SET delay_s = 25 WHERE delay_s = 20")
    assert first_delay(ring("v-3")) == 25


def test_a_change_rolled_back_is_forgotten(ambon):
    assert first_delay(ring("v-1")) == 15
    with pytest.raises(RuntimeError), transaction.atomic():
        first_level().update(delay_s=20)
        assert first_delay(ring("v-2")) == 20  # kept in memory with its token…
        raise RuntimeError
    assert first_delay(ring("v-3")) == 15  # …which is never current again
