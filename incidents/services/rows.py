"""Plain-SQL reads on the telephony hot path (issue #18).

Every call action reads its call locked with the rows its events show (caller, who took and
answered it, where). Composing that query costs the ORM about 3 ms of CPU, ten times the
database's own work, so it is written here once from the models' own fields, and the rows come
back as the ORM builds them: each value through the ORM's converters (SQLite's datetimes and
booleans), each instance through `Model.from_db`, each related row cached on the call.
"""

import functools

from django.db import transaction

from incidents.models import Call


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


def call_stored(call_id: str) -> bool:
    """Whether a call is stored under this adapter id, locking it if so."""
    connection = transaction.get_connection()
    sql = "SELECT id FROM incidents_call WHERE call_id = %s"
    if connection.features.has_select_for_update:
        sql += " " + connection.ops.for_update_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [call_id])
        return cursor.fetchone() is not None


def locked_call(relations: tuple[str, ...], *, key: str, value) -> Call | None:
    """The call whose `key` column is `value`, its row alone locked, with these relations (each
    a nullable foreign key of the call) read in the same query; None for no such call."""
    connection = transaction.get_connection()
    sql, parts = _locked_call_sql(relations, key, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, fields in parts:
        values = row[start : start + len(fields)]
        start += len(fields)
        related = from_row(model, fields, values, connection) if values[0] is not None else None
        instances.append(related)
    call = instances[0]
    for name, related in zip(relations, instances[1:], strict=True):
        Call._meta.get_field(name).set_cached_value(call, related)
    return call


@functools.cache
def _locked_call_sql(relations: tuple[str, ...], key: str, vendor: str) -> tuple[str, tuple]:
    """locked_call's SQL on this kind of database, and the (model, fields) its row holds."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    aliases = [("c", Call, tuple(Call._meta.concrete_fields))]
    joins = []
    for index, name in enumerate(relations):
        field = Call._meta.get_field(name)
        model, alias = field.related_model, f"r{index}"
        aliases.append((alias, model, tuple(model._meta.concrete_fields)))
        joins.append(
            f"LEFT OUTER JOIN {quote(model._meta.db_table)} {alias} "
            f"ON {alias}.{quote(model._meta.pk.column)} = c.{quote(field.column)}"
        )
    columns = ", ".join(
        f"{alias}.{quote(field.column)}" for alias, _model, fields in aliases for field in fields
    )
    sql = (
        f"SELECT {columns} FROM {quote(Call._meta.db_table)} c {' '.join(joins)} "
        f"WHERE c.{quote(Call._meta.get_field(key).column)} = %s"
    )
    if connection.features.has_select_for_update_of:
        sql += " " + connection.ops.for_update_sql(of=("c",))
    elif connection.features.has_select_for_update:
        sql += " " + connection.ops.for_update_sql()
    return sql, tuple((model, fields) for _alias, model, fields in aliases)
