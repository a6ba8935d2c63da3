"""The telephony adapter's writes under concurrency: a transaction PostgreSQL aborts as a
deadlock victim is run again whole, and an AML SMS and a call from the same number, written at
the same moment by two web processes, neither deadlock nor miss each other."""

import logging
import threading
from datetime import UTC, datetime

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, transaction

from core import db
from core.db import retry_transient
from incidents.aml import build_aml_body, parse_aml
from incidents.models import AmlMessage, Call, Caller, Event
from incidents.services.calls import receive_aml, receive_call_event, take_call
from tests.threads import run_together


def aborted(driver_error: type[psycopg.Error]):
    """A function failing as Django reports a PostgreSQL abort: its error wraps the driver's."""
    calls = []

    def service(*, fail_times: int):
        calls.append(1)
        if len(calls) <= fail_times:
            try:
                raise driver_error("aborted by the server")
            except psycopg.Error as exc:
                raise OperationalError(str(exc)) from exc
        return "done"

    return service, calls


@pytest.fixture
def sleeps(monkeypatch):
    """The backoff's delays, recorded instead of slept."""
    slept = []
    monkeypatch.setattr(db, "sleep", slept.append)
    return slept


def test_a_deadlock_victim_is_run_again_and_each_retry_is_logged(sleeps, caplog):
    service, calls = aborted(psycopg.errors.DeadlockDetected)
    with caplog.at_level(logging.WARNING, logger="core.db"):
        assert retry_transient(service)(fail_times=2) == "done"
    assert len(calls) == 3
    assert len(sleeps) == 2 and all(0 < delay < 1 for delay in sleeps)
    assert [r.getMessage().split(",")[0] for r in caplog.records] == [
        "aborted.<locals>.service: SQLSTATE 40P01"
    ] * 2


def test_a_serialization_failure_is_run_again_too(sleeps):
    service, calls = aborted(psycopg.errors.SerializationFailure)
    assert retry_transient(service)(fail_times=1) == "done"
    assert len(calls) == 2


def test_it_gives_up_after_the_last_attempt_with_the_databases_error(sleeps):
    service, calls = aborted(psycopg.errors.DeadlockDetected)
    with pytest.raises(OperationalError) as caught:
        retry_transient(attempts=3)(service)(fail_times=10)
    assert len(calls) == 3 and len(sleeps) == 2
    assert db.sqlstate_of(caught.value) == "40P01"


def test_the_backoff_grows_with_jitter(sleeps, monkeypatch):
    monkeypatch.setattr(db, "uniform", lambda low, high: high)
    service, _calls = aborted(psycopg.errors.DeadlockDetected)
    with pytest.raises(OperationalError):
        retry_transient(attempts=4, first_delay_s=0.01)(service)(fail_times=10)
    assert sleeps == pytest.approx([0.015, 0.03, 0.06])


def test_other_errors_are_not_run_again(sleeps):
    lost, lost_calls = aborted(psycopg.errors.AdminShutdown)  # the server went away
    with pytest.raises(OperationalError):
        retry_transient(lost)(fail_times=1)
    calls = []

    def duplicate():
        calls.append(1)
        raise IntegrityError("duplicate key")

    with pytest.raises(IntegrityError):
        retry_transient(duplicate)()
    assert len(lost_calls) == len(calls) == 1 and not sleeps


@pytest.mark.django_db
def test_inside_a_transaction_it_runs_once_and_leaves_the_failure_to_the_outer_one(sleeps):
    service, calls = aborted(psycopg.errors.DeadlockDetected)
    with pytest.raises(OperationalError), transaction.atomic():
        retry_transient(service)(fail_times=1)
    assert len(calls) == 1 and not sleeps


# --- On PostgreSQL ------------------------------------------------------------------------------

NUMBER = "+6281200003333"


def aml_body(radius_m: int) -> str:
    return build_aml_body(
        lat=-3.69540, lon=128.18140, radius_m=radius_m, positioned_at=datetime.now(UTC)
    )


def send_aml(number: str, body: str) -> None:
    receive_aml(number=number, body=body, aml=parse_aml(body), adapter="sms-gw")


def ring(call_id: str, number: str) -> None:
    receive_call_event(call_id=call_id, event="ringing", number=number, adapter="pbx")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_retried_until_both_transactions_commit(ambon, sleeps):
    first, second = (Caller.objects.create(number=f"+62812000099{i}") for i in (1, 2))
    barrier = threading.Barrier(2)
    attempts = []

    def lock_both(one: Caller, other: Caller) -> None:
        """Lock two rows in the opposite order of the other thread: PostgreSQL must abort one."""
        attempts.append(one.number)
        with transaction.atomic():
            Caller.objects.select_for_update().get(pk=one.pk)
            if len(attempts) <= 2:
                barrier.wait()
            Caller.objects.select_for_update().get(pk=other.pk)

    errors = run_together(
        lambda: retry_transient(lock_both)(first, second),
        lambda: retry_transient(lock_both)(second, first),
    )
    assert errors == []
    assert len(attempts) == 3 and len(sleeps) == 1  # one victim, run again once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_aml_and_a_new_call_from_the_same_number_never_deadlock(ambon, operator):
    """The fault drill's deadlock: the AML locked the caller's row through its join while a new
    call from that number referenced it. Here, each round, an AML, a new ringing call and the
    call-taker taking the previous call, all from one number, at once, without retries."""
    ring("round-0", NUMBER)
    for round_ in range(1, 31):
        previous = Call.objects.get(call_id=f"round-{round_ - 1}")
        errors = run_together(
            lambda r=round_: send_aml(NUMBER, aml_body(radius_m=r)),
            lambda r=round_: ring(f"round-{r}", NUMBER),
            lambda p=previous: take_call(call=p, by=operator),
        )
        assert errors == [], f"round {round_}: {errors!r}"
    assert AmlMessage.objects.filter(call__isnull=False).count() == 30
    assert Event.objects.filter(kind="call.taken").count() == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_aml_racing_the_first_ring_of_its_call_always_locates_it(ambon):
    """Two web processes: whichever of the SMS and the ringing commits second finds the other."""
    for round_ in range(30):
        number = f"+628120000{4000 + round_}"
        errors = run_together(
            lambda n=number: send_aml(n, aml_body(radius_m=12)),
            lambda n=number, r=round_: ring(f"race-{r}", n),
        )
        assert errors == [], f"round {round_}: {errors!r}"
        call = Call.objects.get(call_id=f"race-{round_}")
        assert AmlMessage.objects.get(number=number).call == call
        assert call.aml_radius_m == 12
        located = Event.objects.filter(kind="call.located", subject_id=str(call.pk))
        assert located.count() == 1
