"""Database helpers shared by the apps: a transaction PostgreSQL gave up on is run again,
transactions about one thing (a telephone number) can be made to take turns, and a row read in
plain SQL on a hot path becomes the model instance the ORM would have built (`from_row`).

PostgreSQL resolves a deadlock by aborting one of the transactions in it (SQLSTATE 40P01), and
may abort one that cannot be serialised (40001). Nothing of the aborted transaction remains, so
running the *whole* service call again is safe, and it is what the database asks for. Only the
outermost transaction may be re-run: inside an atomic block the failure belongs to the caller's
transaction, which is aborted as a whole, so a retry there would only fail again.
"""

import functools
import logging
import zlib
from collections.abc import Callable
from random import uniform
from time import sleep
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)

DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
TRANSIENT = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})
ATTEMPTS = 4
FIRST_DELAY_S = 0.02  # doubled on every retry, each delay jittered by ±50 %

P = ParamSpec("P")
R = TypeVar("R")


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE behind an error: Django's error wraps the driver's one as `__cause__`
    (psycopg 3 names it `sqlstate`, psycopg2 `pgcode`)."""
    while exc is not None:
        code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if code:
            return code
        exc = exc.__cause__
    return None


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and sqlstate_of(exc) in TRANSIENT


def retry_transient(
    func: Callable[P, R] | None = None,
    *,
    attempts: int = ATTEMPTS,
    first_delay_s: float = FIRST_DELAY_S,
) -> Callable[P, R]:
    """Run `func` (an atomic service call) again when PostgreSQL aborted it as a deadlock
    victim or for a serialisation failure, up to `attempts` times in all, with a short
    jittered backoff; any other error, and the last transient one, goes to the caller.

    Called inside an atomic block it runs `func` once: the block is not ours to re-run.
    Use it as `@retry_transient` or `retry_transient(service)(**arguments)`.
    """
    if func is None:
        return functools.partial(retry_transient, attempts=attempts, first_delay_s=first_delay_s)

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, attempts + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if attempt == attempts or not is_transient(exc):
                    raise
                delay = first_delay_s * 2 ** (attempt - 1) * uniform(0.5, 1.5)
                logger.warning(
                    "%s: SQLSTATE %s, running it again in %.0f ms (attempt %d of %d)",
                    func.__qualname__,
                    sqlstate_of(exc),
                    delay * 1000,
                    attempt + 1,
                    attempts,
                )
                sleep(delay)
        raise AssertionError("unreachable")

    return run


def lock_until_commit(*, namespace: str, key: str) -> None:
    """Make the transactions about one `key` (e.g. one telephone number) take turns: the lock
    is held until the surrounding transaction ends. A no-op on SQLite, whose transactions
    already take the single write lock at BEGIN (settings: transaction_mode IMMEDIATE)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("lock_until_commit must run inside a transaction.")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_int4(namespace), _int4(key)])


def _int4(text: str) -> int:
    """A stable signed 32-bit number for a string (advisory lock keys are two int4)."""
    return zlib.crc32(text.encode()) - 2**31


def from_row(model, fields, values, connection=None):
    """A model instance from a plain-SQL row of these fields, converted as the ORM converts."""
    connection = connection or transaction.get_connection()
    converted = []
    for field, value in zip(fields, values, strict=True):
        column, converters = _converters(field, connection.vendor)
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


@functools.cache
def _converters(field, vendor: str) -> tuple:
    """The ORM's converters of a field's values on this kind of database (none, mostly, on
    PostgreSQL); they depend on the database's kind and the settings, not on one connection."""
    connection = transaction.get_connection()
    column = field.get_col(field.model._meta.db_table)
    return column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)
