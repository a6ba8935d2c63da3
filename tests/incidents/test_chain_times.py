"""Reported times are the chain's times (issue #17): every time a report reads is held against
the event that set it, and every tampering with a row's time, an event's payload, the events'
order or their presence is caught and named. Runs on SQLite and on PostgreSQL alike."""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.clock import days
from dispatch.models import Assignment, Ticket
from incidents.chain_times import TABLES, check_incident, check_period, check_times
from incidents.models import Call, Event, Incident

ROWS = {"calls": Call, "incidents": Incident, "tickets": Ticket, "assignments": Assignment}
EVERY_TIME = [(table.name, stamp.field) for table in TABLES for stamp in table.stamps]


def today() -> dict:
    since, until = days(timezone.localdate() - timedelta(days=1), timezone.localdate())
    return {"since": since, "until": until}


def set_column(table: str, field: str, row_id: int, value) -> None:
    ROWS[table].objects.filter(pk=row_id).update(**{field: value})


def row_of(table: str, incident: Incident):
    model = ROWS[table]
    return (
        model.objects.get(pk=incident.pk)
        if table == "incidents"
        else (model.objects.filter(incident=incident).order_by("pk").first())
    )


def test_an_untouched_history_is_intact(fire):
    period = check_period(**today())
    assert period.intact, period.problems()
    assert period.chain.checked > 10
    assert period.times.checked == 1 + 1 + 2 + 1  # call, incident, two tickets, the engine
    assert check_incident(fire.pk).intact


def test_every_time_a_report_reads_is_declared():
    """The rows export's clock columns and every metric's interval come from declared times."""
    from reports.definitions import METRICS

    fed = {key for table in TABLES for stamp in table.stamps for key in stamp.feeds}
    assert {metric.key for metric in METRICS} <= fed
    assert {"calls", "incidents", "tickets", "assignments"} == {t.name for t in TABLES}


@pytest.mark.parametrize("table, field", EVERY_TIME)
def test_a_changed_time_is_caught_and_named(fire, table, field):
    row = row_of(table, fire)
    stored = getattr(row, field)
    changed = stored - timedelta(minutes=3, seconds=13) if stored else timezone.now()
    set_column(table, field, row.pk, changed)
    for integrity in (check_period(**today()), check_incident(fire.pk)):
        assert not integrity.intact
        assert integrity.chain.intact  # the rows changed, not the log
        [mismatch] = integrity.times.mismatches
        assert (mismatch.table, mismatch.row, mismatch.field) == (table, row.pk, field)
        assert (mismatch.stored, mismatch.event) == (changed, stored)
        assert str(row.pk) in integrity.problems()[0]


@pytest.mark.parametrize("table, field", EVERY_TIME)
def test_a_time_cleared_from_its_row_is_caught(fire, table, field):
    row = row_of(table, fire)
    if getattr(row, field) is None or not ROWS[table]._meta.get_field(field).null:
        pytest.skip("the time is empty here, or required by the database")
    set_column(table, field, row.pk, None)
    [mismatch] = check_times(**today()).mismatches
    assert (mismatch.field, mismatch.stored, mismatch.event) == (field, None, getattr(row, field))


def test_a_row_moved_out_of_the_period_is_still_checked(fire):
    call = fire.calls.get()
    set_column("calls", "ringing_at", call.pk, call.ringing_at - timedelta(days=40))
    [mismatch] = check_times(**today()).mismatches
    assert (mismatch.table, mismatch.field) == ("calls", "ringing_at")


def test_a_row_without_events_is_caught(fire):
    Ticket.objects.filter(pk=row_of("tickets", fire).pk).update(incident=fire)
    clone = row_of("tickets", fire)
    clone.pk, clone.status = None, Ticket.Status.CANCELLED
    clone.save()
    found = check_times(**today()).mismatches
    assert {(m.row, m.field) for m in found} == {
        (clone.pk, "notified_at"),
        (clone.pk, "accepted_at"),
        (clone.pk, "ended_at"),
    }
    assert all(m.seq is None for m in found)


def test_a_deleted_row_is_caught_by_its_events(fire):
    assignment = row_of("assignments", fire)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dispatch_assignment WHERE id = %s", [assignment.pk])
    found = check_times(**today()).mismatches
    assert {m.table for m in found} == {"assignments"}
    assert {m.field for m in found} >= {"dispatched_at", "en_route_at", "on_scene_at"}
    assert all(m.stored is None for m in found)


def last_event_of(table: str, incident: Incident) -> Event:
    subject = next(t.subject for t in TABLES if t.name == table)
    row = row_of(table, incident)
    return Event.objects.filter(subject_type=subject, subject_id=str(row.pk)).last()


@pytest.mark.parametrize("table", list(ROWS))
def test_an_altered_event_payload_breaks_the_chain(fire, table):
    event = last_event_of(table, fire)
    payload = event.payload
    subject = next(t.subject for t in TABLES if t.name == table)
    field = next(t.stamps[0].field for t in TABLES if t.name == table)
    payload[subject][field] = "2026-01-01T00:00:00+09:00"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_event SET payload = %s WHERE seq = %s",
            [__import__("json").dumps(payload), event.seq],
        )
    for integrity in (check_period(**today()), check_incident(fire.pk)):
        assert not integrity.intact
        assert integrity.chain.first_bad_seq == event.seq
        assert any(m.field == field for m in integrity.times.mismatches)


def test_events_swapped_in_order_break_the_chain(fire):
    first, second = last_event_of("tickets", fire), last_event_of("incidents", fire)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_event SET seq = -1 WHERE seq = %s", [first.seq])
        cursor.execute(
            "UPDATE incidents_event SET seq = %s WHERE seq = %s", [first.seq, second.seq]
        )
        cursor.execute("UPDATE incidents_event SET seq = %s WHERE seq = -1", [second.seq])
    for integrity in (check_period(**today()), check_incident(fire.pk)):
        assert integrity.chain.first_bad_seq == min(first.seq, second.seq)


@pytest.mark.parametrize("table", list(ROWS))
def test_a_deleted_event_breaks_the_chain(fire, table):
    event = last_event_of(table, fire)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_eventaudience WHERE event_id = %s", [event.seq])
        cursor.execute("DELETE FROM incidents_event WHERE seq = %s", [event.seq])
    for integrity in (check_period(**today()), check_incident(fire.pk)):
        assert not integrity.intact
        assert integrity.chain.first_bad_seq == event.seq


def test_a_period_without_rows_or_events_is_intact(fire):
    empty = days(date(2020, 1, 1), date(2020, 1, 31))
    integrity = check_period(since=empty[0], until=empty[1])
    assert integrity.intact
    assert (integrity.chain.checked, integrity.times.checked) == (0, 0)


def test_marking_a_real_event_synthetic_breaks_the_chain(fire):
    """The synthetic mark is under the hash: nobody passes real history off as a demo's."""
    event = last_event_of("calls", fire)
    Event.objects.filter(seq=event.seq).update(synthetic=True)
    for integrity in (check_period(**today()), check_incident(fire.pk)):
        assert integrity.chain.first_bad_seq == event.seq
