"""A connection taken from the pool (core/postgresql): one the database cut while it was idle is
never handed to a request, and a healthy one is handed out without a round trip."""

import psycopg
import pytest
from django.db import connection

from agencies.models import Agency

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def empty_statements(monkeypatch):
    """The backends of the connections checked with an empty statement (a round trip each)."""
    checked = []
    real_execute = psycopg.Connection.execute

    def execute(conn, query, *args, **kwargs):
        if query == "":
            checked.append(conn.info.backend_pid)
        return real_execute(conn, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", execute)
    return checked


def test_a_healthy_pooled_connection_is_handed_out_without_a_round_trip(ambon, empty_statements):
    for _request in range(3):
        assert Agency.objects.filter(code="damkar").exists()
        connection.close()  # back to the pool, as at a request's end
    assert empty_statements == []


def test_connections_the_database_cut_while_idle_are_replaced_before_use(ambon, empty_statements):
    connection.ensure_connection()
    connection.close()
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        # A restart, as the pool's idle connections see it: the server ends every backend.
        ended = other.execute(
            "SELECT pid, pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert ended and all(done for _pid, done in ended)

    assert Agency.objects.filter(code="damkar").exists()  # no error: a new connection

    assert connection.connection.info.backend_pid not in {pid for pid, _done in ended}
    assert empty_statements  # the cut ones were found by their sockets, then checked
    assert set(empty_statements) <= {pid for pid, _done in ended}
