"""Times read from PostgreSQL (core/postgresql/timestamps.py): psycopg's compiled loader gives
every timestamptz exactly as Django's own loader does, an aware datetime in UTC."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils import timezone
from psycopg import postgres, pq

from agencies.models import User
from core.postgresql.timestamps import UtcTimestamptzLoader

pytestmark = pytest.mark.postgres

TIMESTAMPTZ = postgres.types["timestamptz"].oid
# Whole and fractional seconds, the far past and future, and text with other offsets.
VALUES = (
    "2026-12-03 20:18:04+00",
    "2026-12-03 20:18:04.000001+00",
    "2026-06-30 23:59:59.999999+09",  # WIT
    "1970-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2024-02-29 12:00:00-11:30",
)
SELECT = "SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n"


def test_connections_read_timestamptz_with_the_compiled_loader(db):
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, pq.Format.TEXT)
    assert loader is UtcTimestamptzLoader
    with connection.cursor() as cursor:  # Django keeps it: same zone, nothing re-registered
        assert cursor.cursor.adapters.get_loader(TIMESTAMPTZ, pq.Format.TEXT) is loader


def test_each_time_reads_as_djangos_loader_reads_it(db):
    with connection.cursor() as cursor:
        cursor.execute(SELECT, [list(VALUES)])
        ours = [row[0] for row in cursor.fetchall()]
    with connection.cursor() as cursor:
        register_tzloader(datetime.UTC, cursor.cursor)  # Django's own, on this cursor only
        cursor.execute(SELECT, [list(VALUES)])
        djangos = [row[0] for row in cursor.fetchall()]
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [datetime.UTC] * len(VALUES)
    assert [value.utcoffset() for value in ours] == [datetime.timedelta(0)] * len(VALUES)
    assert ours[2] == datetime.datetime(2026, 6, 30, 14, 59, 59, 999999, tzinfo=datetime.UTC)


def test_a_time_stored_through_the_orm_reads_back_the_same(operator):
    now = timezone.now()
    User.objects.filter(pk=operator.pk).update(last_login=now)
    operator.refresh_from_db()
    assert operator.last_login == now
    assert operator.last_login.tzinfo is datetime.UTC
