"""Database helpers shared by the apps: a transaction PostgreSQL gave up on is run again,
transactions about one thing (a telephone number) can be made to take turns, and a row read in
plain SQL on a hot path becomes the model instance the ORM would have built (`read_row`,
`lock_fresh`, `from_row`).

PostgreSQL resolves a deadlock by aborting one of the transactions in it (SQLSTATE 40P01), and
may abort one that cannot be serialised (40001). Nothing of the aborted transaction remains, so
running the *whole* service call again is safe, and it is what the database asks for. Only the
outermost transaction may be re-run: inside an atomic block the failure belongs to the caller's
transaction, which is aborted as a whole, so a retry there would only fail again.
"""

import functools
import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def pipelined() -> Iterator[None]:
    """Send the block's statements without waiting for each one's answer (PostgreSQL's pipeline
    mode, through psycopg): writes queue up and go with the next statement whose rows are
    fetched, or at the block's end, in one round trip. Elsewhere the block runs as it is.

    Only inside a service's transaction, for a block that does not catch a database error: an
    error surfaces at that later fetch or at the block's end, and aborts the transaction as it
    would have anyway. A row count read in the block waits for its statement's answer
    (core/pipeline_cursor.py)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("pipelined must run inside a transaction.")
    if connection.vendor != "postgresql" or connection.connection.pgconn.pipeline_status:
        yield  # not PostgreSQL, or in an enclosing block already (whose end is the one sync)
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def witness_commit(sql: str, params: list) -> None:
    """Name the current transaction's witness: a statement that finds a row only this
    transaction writes. Should the connection be lost while it commits, the witness tells
    whether the commit happened (core/postgresql); a later call replaces an earlier one.
    SQLite, in this process, loses no answer: it needs none."""
    connection = transaction.get_connection()
    if hasattr(connection, "commit_witness"):
        connection.commit_witness = (sql, params)


def _int4(text: str) -> int:
    """A stable signed 32-bit number for a string (advisory lock keys are two int4)."""
    return zlib.crc32(text.encode()) - 2**31


def from_row(model, fields, values, connection=None):
    """A model instance from a plain-SQL row of these fields, converted as the ORM converts."""
    connection = connection or transaction.get_connection()
    return _built_one(model, _row_shape(tuple(fields), connection.vendor), values, connection)


@functools.cache
def _row_shape(fields: tuple, vendor: str) -> tuple:
    """The attribute names of these fields, and the ORM's converters of those whose values need
    one on this kind of database (none, mostly, on PostgreSQL), by position: worked out once per
    query shape (hashing a field is not free); they depend on the database's kind and the
    settings, not on one connection."""
    connection = transaction.get_connection()
    conversions = []
    for index, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            conversions.append((index, column, tuple(converters)))
    return [field.attname for field in fields], tuple(conversions)


def _built_one(model, shape, values, connection):
    attnames, conversions = shape
    if conversions:
        values = list(values)
        for index, column, converters in conversions:
            value = values[index]
            for convert in converters:
                value = convert(value, column, connection)
            values[index] = value
    return model.from_db(connection.alias, attnames, values)


def read_row(model, relations: tuple[str, ...] = (), **query):
    """The one row `read_rows` finds, or None."""
    rows = read_rows(model, relations, **query)
    return rows[0] if rows else None


def read_rows(
    model,
    relations: tuple[str, ...] = (),
    *,
    where: str,
    params=(),
    lock: bool = False,
    extra: tuple[tuple[str, str], ...] = (),
    defer: tuple[str, ...] = (),
    order_by: str = "",
    limit: int | None = None,
) -> list:
    """The rows of `model` matching `where` (SQL on its alias `t`) as the ORM would build them.
    In the same query: the rows of these `relations` (foreign keys, followed with `__` as in
    select_related: `unit__agency`), cached on each, and the `extra` columns, (name, SQL) pairs
    set on each as attributes; `params` fill the placeholders of `extra`, then of `where`.
    `defer`: fields left unread (`area__geometry`), loaded if asked. `lock`: the rows of
    `model` alone are locked until commit (FOR UPDATE OF t; SQLite's transactions already
    write alone). `order_by`: SQL on the aliases; `limit`: at most that many rows.

    Composing such a query costs the ORM several times the database's own work, so it is
    built once per shape, from the models' own fields. A row locked after waiting for another
    writer is its newest version, but the rows joined to it are those of the first look: a
    related row that no longer matches its key is forgotten, and read again when shown.
    """
    connection = transaction.get_connection()
    shape = (model, relations, where, lock, extra, defer, order_by, limit is not None)
    sql, parts = _row_sql(*shape, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params if limit is None else [*params, limit])
        rows = cursor.fetchall()
    return [_built(row, parts, extra, connection) for row in rows]


def _built(row, parts, extra, connection):
    instances, start = {}, 0
    for path, part, fields, shape in parts:
        values = row[start : start + len(fields)]
        start += len(fields)
        instance = _built_one(part, shape, values, connection) if values[0] is not None else None
        instances[path] = instance
        if path:
            parent_path, _, name = path.rpartition("__")
            parent = instances[parent_path]
            if parent is not None:
                field = parent._meta.get_field(name)
                if instance is None or getattr(parent, field.attname) == instance.pk:
                    field.set_cached_value(parent, instance)
    found = instances[""]
    for (name, _sql), value in zip(extra, row[start:], strict=True):
        setattr(found, name, value)
    return found


def lock_fresh(instance, relations: tuple[str, ...] = (), *, extra=(), params=(), defer=()) -> None:
    """Lock the instance's row until commit and bring it to its newest version in one statement
    (see read_row): its own columns, these `relations` and `extra` columns read with it. A
    relation it was read with before is kept while its key is unchanged, so the rows it joined
    need not be read again. A row that is gone is the model's DoesNotExist."""
    model = type(instance)
    pk = model._meta.pk.column
    fresh = read_row(
        model,
        relations,
        where=f"t.{_quote(pk)} = %s",
        params=[*params, instance.pk],
        lock=True,
        extra=extra,
        defer=defer,
    )
    if fresh is None:
        raise model.DoesNotExist(f"{model._meta.object_name} {instance.pk} is gone.")
    for field in model._meta.concrete_fields:
        value = getattr(fresh, field.attname)
        setattr(instance, field.attname, value)  # forgets a related row of another key
        if field.is_relation and (field.is_cached(fresh) or value is None):
            field.set_cached_value(instance, field.get_cached_value(fresh, default=None))
    for name, _sql in extra:
        setattr(instance, name, getattr(fresh, name))


def _quote(name: str) -> str:
    return transaction.get_connection().ops.quote_name(name)


@functools.cache
def _row_sql(model, relations, where, lock, extra, defer, order_by, limited, vendor: str):
    """read_rows's SQL on this kind of database, and the (path, model, fields) its row holds."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    steps = [relation.split("__") for relation in relations]
    paths = {"__".join(names[: i + 1]) for names in steps for i in range(len(names))}
    aliases = {"": "t"}
    parts = [("", model, _fields(model, "", defer))]
    joins = []
    for index, path in enumerate(sorted(paths, key=lambda p: (p.count("__"), p))):
        parent_path, _, name = path.rpartition("__")
        parent = next(part for p, part, _f in parts if p == parent_path)
        field = parent._meta.get_field(name)
        related, alias = field.related_model, f"r{index}"
        aliases[path] = alias
        parts.append((path, related, _fields(related, path, defer)))
        joins.append(
            f"LEFT OUTER JOIN {quote(related._meta.db_table)} {alias} "
            f"ON {alias}.{quote(related._meta.pk.column)} = "
            f"{aliases[parent_path]}.{quote(field.column)}"
        )
    columns = [
        f"{aliases[path]}.{quote(field.column)}" for path, _m, fields in parts for field in fields
    ]
    columns += [f"({sql}) AS {quote(name)}" for name, sql in extra]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t {' '.join(joins)} "
        f"WHERE {where}"
    )
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limited:
        sql += " LIMIT %s"
    if lock:
        sql += locking()
    return sql, tuple(
        (path, part, fields, _row_shape(fields, vendor)) for path, part, fields in parts
    )


def locking() -> str:
    """What ends a statement that locks the rows of its alias `t` until commit: nothing on
    SQLite, whose transactions already write alone (settings: IMMEDIATE)."""
    connection = transaction.get_connection()
    if connection.features.has_select_for_update_of:
        return " " + connection.ops.for_update_sql(of=("t",))
    if connection.features.has_select_for_update:
        return " " + connection.ops.for_update_sql()
    return ""


def _fields(model, path: str, defer: tuple[str, ...]) -> tuple:
    """The model's columns read at `path`, in the model's order (the key first: NULL, no row)."""
    prefix = f"{path}__" if path else ""
    fields = tuple(f for f in model._meta.concrete_fields if f"{prefix}{f.name}" not in defer)
    if not fields[0].primary_key:
        raise ValueError(f"{model._meta.label}: the primary key is not the first column.")
    return fields


def insert_row(instance) -> None:
    """Store a new instance in one plain-SQL INSERT and give it its id, as its save() would
    (`auto_now_add` times set; same refusals); no model signal: never for a model the change
    log tracks (incidents.changelog)."""
    connection = transaction.get_connection()
    sql, fields, returning = _insert_sql(type(instance), connection.vendor)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    instance._state.adding, instance._state.db = False, connection.alias


def save_fields(instance, names: list[str] | tuple[str, ...]) -> None:
    """`instance.save(update_fields=names)` in one plain-SQL UPDATE, for a row the caller holds
    locked; no model signal: never for a field the change log tracks."""
    connection = transaction.get_connection()
    sql, fields = _update_sql(type(instance), tuple(names), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, _update_values(instance, fields, connection))


def save_fields_of(instances: list, names: list[str] | tuple[str, ...]) -> None:
    """save_fields for many rows of one model, as one batch of the same UPDATE (psycopg sends
    them in one round trip). Where the ORM's bulk_update builds and compiles a CASE expression
    per row and value, about 0.4 ms of Python a row."""
    if not instances:
        return
    connection = transaction.get_connection()
    sql, fields = _update_sql(type(instances[0]), tuple(names), connection.vendor)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [_update_values(i, fields, connection) for i in instances])


def _update_values(instance, fields, connection) -> list:
    values = [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields]
    return [*values, instance.pk]


@functools.cache
def _insert_sql(model, vendor: str) -> tuple[str, tuple, bool]:
    """insert_row's SQL on this kind of database, its fields, and whether it returns the id
    (else the cursor's lastrowid has it)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields, returning


@functools.cache
def _update_sql(model, names: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    quote = transaction.get_connection().ops.quote_name
    fields = tuple(dict.fromkeys(model._meta.get_field(name) for name in names))
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    return f"UPDATE {table} SET {columns} WHERE {pk} = %s", fields
