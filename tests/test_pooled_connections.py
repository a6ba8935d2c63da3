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
    connection.close()  # back to the pool, idle with the others
    pool = connection.pool
    idle = [pool.getconn() for _ in range(pool.get_stats()["pool_available"])]
    cut = {conn.info.backend_pid for conn in idle}
    for conn in idle:
        pool.putconn(conn)
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        # A restart, as the pool's idle connections see it: the server ends their backends
        # (only theirs: other threads of this test run keep their own connections).
        for pid in cut:
            assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]

    assert Agency.objects.filter(code="damkar").exists()  # no error: a new connection

    assert connection.connection.info.backend_pid not in cut
    assert empty_statements  # the cut ones were found by their sockets, then checked
    assert set(empty_statements) <= cut
