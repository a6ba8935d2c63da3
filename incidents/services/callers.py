"""Writes on callers: who a number is, the nuisance policy, and blocks."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import represent
from core.db import from_row
from core.errors import Conflict
from incidents.events import record_event
from incidents.models import Call, Caller
from incidents.serializers import CallerSerializer

NUISANCE = {Call.Disposition.PRANK: "prank_calls", Call.Disposition.GHOST: "ghost_calls"}


def caller_for_number(number: str) -> Caller | None:
    """The caller behind an E.164 number; None for a withheld number."""
    if not number:
        return None
    caller, _created = Caller.objects.get_or_create(number=number)
    return caller


def call_and_caller(
    call_id: str, number: str, *, since: datetime
) -> tuple[bool, Caller | None, bool]:
    """Before a call may be stored: whether a call is stored under this adapter id, the caller
    behind the number if seen before (None for a new or withheld number), and whether AML
    messages it sent since `since` wait for a call. One plain-SQL statement, run under the
    number's lock: the ORM would spend ten times the database's own cost composing it."""
    fields = Caller._meta.concrete_fields
    columns = ", ".join(f"c.{connection.ops.quote_name(field.column)}" for field in fields)
    sql = (
        f"SELECT (SELECT id FROM incidents_call WHERE call_id = %s), {columns}, "
        "EXISTS (SELECT 1 FROM incidents_amlmessage m WHERE m.number = c.number "
        "AND m.call_id IS NULL AND m.received_at >= %s) "
        "FROM (SELECT 1 AS one) x LEFT JOIN incidents_caller c ON c.number = %s"
    )
    since = connection.ops.adapt_datetimefield_value(since)
    with connection.cursor() as cursor:
        cursor.execute(sql, [call_id, since, number or None])
        row = cursor.fetchone()
    stored, values, held = row[0] is not None, row[1:-1], bool(row[-1])
    if values[0] is None:
        return stored, None, False
    return stored, from_row(Caller, fields, values, connection), held


def count_nuisance(*, caller: Caller, disposition: str, actor) -> None:
    """Count a prank or ghost call; flag the number when the policy's threshold is crossed."""
    field = NUISANCE.get(disposition)
    if field is None or caller is None:
        return
    Caller.objects.filter(pk=caller.pk).update(**{field: F(field) + 1})
    caller.refresh_from_db()
    since = timezone.now() - timedelta(hours=settings.NUISANCE_WINDOW_H)
    recent = Call.objects.filter(
        caller=caller, disposition__in=list(NUISANCE), disposed_at__gte=since
    ).count()
    if recent >= settings.NUISANCE_CALLS and caller.flagged_at is None:
        caller.flagged_at = timezone.now()
        caller.save(update_fields=["flagged_at"])
        record_event(
            "caller.flagged",
            subject=caller,
            actor=actor,
            payload={"caller": represent(CallerSerializer, caller), "nuisance_calls": recent},
        )


@transaction.atomic
def block_caller(*, caller: Caller, by, reason: str, hours: float | None = None) -> Caller:
    """Mark a number's calls as blocked for a time. Its calls are still shown, never dropped."""
    now = timezone.now()
    caller = Caller.objects.select_for_update().get(pk=caller.pk)
    caller.blocked_until = now + timedelta(hours=hours or settings.BLOCK_HOURS)
    caller.block_reason = reason
    caller.blocked_by = by
    caller.save(update_fields=["blocked_until", "block_reason", "blocked_by"])
    record_event(
        "caller.blocked",
        subject=caller,
        actor=by,
        payload={"caller": represent(CallerSerializer, caller), "reason": reason},
    )
    return caller


@transaction.atomic
def unblock_caller(*, caller: Caller, by) -> Caller:
    """Lift a block (and the policy's flag) before it runs out."""
    caller = Caller.objects.select_for_update().get(pk=caller.pk)
    if not caller.is_blocked(timezone.now()) and caller.flagged_at is None:
        raise Conflict(_("This number is not blocked."))
    caller.blocked_until = None
    caller.flagged_at = None
    caller.save(update_fields=["blocked_until", "flagged_at"])
    record_event(
        "caller.unblocked",
        subject=caller,
        actor=by,
        payload={"caller": represent(CallerSerializer, caller)},
    )
    return caller
