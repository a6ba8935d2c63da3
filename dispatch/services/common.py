"""What the dispatch services share: who may act for an agency, and how events are written."""

import functools

from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from agencies.models import Agency, Role
from core.api import represent
from core.errors import Forbidden
from dispatch.models import Assignment, CrewShift, Ticket
from dispatch.serializers import AssignmentSerializer, TicketSerializer, UnitStateSerializer
from incidents.events import NewEvent, record_event, record_events

DISPATCH_ROLES = {Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}


def lock_row(model, pk) -> None:
    """Lock one row until commit. Read its relations after: a join read while waiting for the
    lock would show them as they were before the other transaction committed."""
    model.objects.select_for_update().values_list("pk", flat=True).get(pk=pk)


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def wit_time(moment) -> str:
    """14:03:22 in the centre's time zone (WIT)."""
    return time_format(timezone.localtime(moment), "H:i:s")


def require_desk(user, agency: Agency) -> None:
    """Only the agency's own desk accepts or declines its tickets."""
    if user.role != Role.AGENCY_DESK or user.agency_id != agency.pk:
        raise Forbidden(_("Only %(agency)s's desk may do this.") % {"agency": agency})


def require_agency_operator(user, agency: Agency) -> None:
    """The agency's desk sends and moves its units; the 112 dispatcher too where it allows."""
    if user.role == Role.AGENCY_DESK and user.agency_id == agency.pk:
        return
    if user.role in DISPATCH_ROLES and agency.dispatcher_may_assign:
        return
    raise Forbidden(_("Only %(agency)s's desk may do this.") % {"agency": agency})


def require_unit_operator(user, unit) -> None:
    """Who moves a unit through its steps: the agency's operators, and the crew signed in to
    that unit (a crew signed in to another unit, or to none, is told so)."""
    if user.role != Role.CREW:
        require_agency_operator(user, unit.agency)
        return
    if not CrewShift.objects.filter(user=user, unit=unit, ended_at__isnull=True).exists():
        raise Forbidden(
            _("You are not signed in to %(unit)s; choose your unit first.")
            % {"unit": unit.call_sign}
        )


def ticket_event(kind: str, ticket: Ticket, *, actor, **extra) -> NewEvent:
    return NewEvent(
        kind,
        subject=ticket,
        actor=actor,
        payload={"ticket": represent(TicketSerializer, ticket), **extra},
        agencies=[ticket.agency],
        incident=ticket.incident,
    )


def assignment_event(kind: str, assignment: Assignment, *, actor, **extra) -> NewEvent:
    return NewEvent(
        kind,
        subject=assignment,
        actor=actor,
        payload={"assignment": represent(AssignmentSerializer, assignment), **extra},
        agencies=[assignment.unit.agency],
        incident=assignment.incident,
    )


def publish_ticket(kind: str, ticket: Ticket, *, actor, **extra) -> None:
    record_events([ticket_event(kind, ticket, actor=actor, **extra)])


def publish_unit(kind: str, unit, *, actor=None, actor_label: str = "", **extra) -> None:
    record_event(
        kind,
        subject=unit,
        actor=actor,
        actor_label=actor_label,
        payload={"unit": represent(UnitStateSerializer, unit), **extra},
        agencies=[unit.agency],
    )


def save_fields(instance, names: list[str]) -> None:
    """Write these fields of an instance read before to its row, in one plain-SQL UPDATE (the
    ORM's save composes several times what the database does). For the work these services log
    in events of their own: no model signal runs, so never for a field the change log tracks
    (incidents.changelog)."""
    connection = transaction.get_connection()
    model = type(instance)
    fields = [model._meta.get_field(name) for name in names]
    values = [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, tuple(names), connection.vendor), [*values, instance.pk])


@functools.cache
def _update_sql(model, names: tuple[str, ...], vendor: str) -> str:
    quote = transaction.get_connection().ops.quote_name
    columns = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in names)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    return f"UPDATE {table} SET {columns} WHERE {pk} = %s"


def insert_row(instance) -> None:
    """Store a new instance in one plain-SQL INSERT and give it its id, as its save() would
    (which composes several times what the database does); same refusals (IntegrityError), no
    model signal: never for a model the change log tracks (incidents.changelog)."""
    connection = transaction.get_connection()
    model = type(instance)
    sql, fields, returning = _insert_sql(model, connection.vendor)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    instance._state.adding, instance._state.db = False, connection.alias


@functools.cache
def _insert_sql(model, vendor: str) -> tuple[str, tuple, bool]:
    """insert_row's SQL on this kind of database, its fields, and whether it returns the id
    (else the cursor's lastrowid has it)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields, returning
