"""Plain-SQL reads on the telephony hot path (issue #18).

Every call action reads its call locked with the rows its events show (caller, who took and
answered it, where), and the presence of who acts. Composing such a query costs the ORM about
3 ms of CPU, ten times the database's own work, so it is written here once from the models' own
fields, and the rows come back as the ORM builds them: each value through the ORM's converters
(SQLite's datetimes and booleans), each instance through `Model.from_db`, each related row
cached on its instance. The call-taker's writes store their rows the same way (`insert_row`,
`save_fields`): what `save()` would send, without composing it through the ORM each time.
"""

import functools

from django.db import transaction

from core.db import from_row
from incidents.models import Call


def locked_call(relations: tuple[str, ...], *, key: str, value) -> Call | None:
    """The call whose `key` column is `value`, its row alone locked, with these relations (each
    a nullable foreign key of the call) read in the same query; None for no such call."""
    column = Call._meta.get_field(key).column
    return read_row(Call, relations, where=f"t.{column} = %s", params=[value], lock=True)


def read_row(model, relations: tuple[str, ...], *, where: str, params, lock: bool):
    """The one row of `model` matching `where` (SQL on its alias `t`), locked alone if `lock`,
    with these foreign keys' rows read in the same query and cached on it; None for none."""
    connection = transaction.get_connection()
    sql, parts = _row_sql(model, relations, where, lock, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for part, fields in parts:
        values = row[start : start + len(fields)]
        start += len(fields)
        related = from_row(part, fields, values, connection) if values[0] is not None else None
        instances.append(related)
    instance = instances[0]
    for name, related in zip(relations, instances[1:], strict=True):
        model._meta.get_field(name).set_cached_value(instance, related)
    return instance


@functools.cache
def _row_sql(model, relations: tuple[str, ...], where: str, lock: bool, vendor: str):
    """read_row's SQL on this kind of database, and the (model, fields) its row holds."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    aliases = [("t", model, tuple(model._meta.concrete_fields))]
    joins = []
    for index, name in enumerate(relations):
        field = model._meta.get_field(name)
        related, alias = field.related_model, f"r{index}"
        aliases.append((alias, related, tuple(related._meta.concrete_fields)))
        joins.append(
            f"LEFT OUTER JOIN {quote(related._meta.db_table)} {alias} "
            f"ON {alias}.{quote(related._meta.pk.column)} = t.{quote(field.column)}"
        )
    columns = ", ".join(
        f"{alias}.{quote(field.column)}" for alias, _model, fields in aliases for field in fields
    )
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} t {' '.join(joins)} WHERE {where}"
    if lock and connection.features.has_select_for_update_of:
        sql += " " + connection.ops.for_update_sql(of=("t",))
    elif lock and connection.features.has_select_for_update:
        sql += " " + connection.ops.for_update_sql()
    return sql, tuple((part, fields) for _alias, part, fields in aliases)


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
    values = [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, instance.pk])


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
