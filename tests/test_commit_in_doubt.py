"""A commit whose answer was lost (core/postgresql): PostgreSQL ends the connection while the
COMMIT is on its way, after making it durable or before. A write that was stored is answered as
stored, with its live push; one that was not is still an error, and nothing of it remains.

The loss is made here as a crash makes it: the server ends the connection's backend (from
another connection), around the real COMMIT, and psycopg finds the connection gone."""

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from agencies.models import MachineToken
from agencies.services import create_machine_token
from incidents import events
from incidents.models import Call, Caller, Event
from incidents.services.calls import receive_call_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def end_backend(pid: int) -> None:
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


@pytest.fixture
def next_commit_lost(monkeypatch):
    """The next COMMIT loses its connection: after it is carried out (`"after"`) or before it
    reaches the server (`"before"`); later ones are left alone."""
    real_commit = psycopg.Connection.commit
    lose = []

    def commit(conn):
        if not lose:
            return real_commit(conn)
        when = lose.pop()
        pid = conn.info.backend_pid
        if when == "after":
            real_commit(conn)
        end_backend(pid)
        if when == "before":
            return real_commit(conn)
        conn.execute("SELECT 1")  # the answer that never comes: the server is gone
        raise AssertionError("the connection survived its backend")

    monkeypatch.setattr(psycopg.Connection, "commit", commit)
    return lose


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(events, "broadcast_all", sent.extend)
    return sent


def ring(call_id: str) -> None:
    receive_call_event(call_id=call_id, event="ringing", number="+6281200001122", adapter="pbx")


def test_a_cti_event_whose_commit_answer_was_lost_is_answered_as_stored(
    ambon, next_commit_lost, pushed
):
    _token, secret = create_machine_token(name="pbx", kind=MachineToken.Kind.CTI)
    pbx = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    post = {"call_id": "doubt-1", "event": "ringing", "number": "+6281200001122"}
    next_commit_lost.append("after")

    response = pbx.post("/api/cti/events/", post, content_type="application/json")

    assert response.status_code == 201, response.content
    call = Call.objects.get(call_id="doubt-1")
    assert response.json()["id"] == call.pk
    assert [e["kind"] for e, _feeds in pushed] == ["call.ringing"]  # its live push went out
    assert Event.objects.filter(kind="call.ringing", subject_id=str(call.pk)).count() == 1
    # The adapter's retry changes nothing, and the next write works on a new connection.
    assert pbx.post("/api/cti/events/", post, content_type="application/json").status_code == 200
    ended = {**post, "event": "ended"}
    assert pbx.post("/api/cti/events/", ended, content_type="application/json").status_code == 201


def test_a_commit_lost_before_it_was_carried_out_is_an_error_and_stores_nothing(
    ambon, next_commit_lost, pushed
):
    next_commit_lost.append("before")
    with pytest.raises(OperationalError):
        ring("doubt-2")
    assert not Call.objects.filter(call_id="doubt-2").exists()
    assert pushed == []
    ring("doubt-3")  # the next one is stored
    assert Call.objects.filter(call_id="doubt-3").exists()


def test_a_transaction_that_names_no_witness_is_told_its_commit_failed(ambon, next_commit_lost):
    """Without a witness nothing can tell a lost answer from a lost commit: the caller is told
    of the failure, as Django does (every write of the centre appends events, so has one)."""
    next_commit_lost.append("after")
    with pytest.raises(OperationalError), transaction.atomic():
        Caller.objects.create(number="+6281200003344")
    assert Caller.objects.filter(number="+6281200003344").exists()
