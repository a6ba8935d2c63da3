import json
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, Area
from core.api import represent
from incidents import events
from incidents.events import (
    EVENT_COLUMNS,
    GENESIS_HASH,
    ForwardedTo,
    NewEvent,
    record_event,
    record_events,
    verify_chain,
)
from incidents.models import Event, EventAudience, EventChainHead, Incident, IncidentType
from incidents.serializers import EventSerializer, render_event
from incidents.services.calls import create_incident, receive_call_event, take_call

pytestmark = pytest.mark.usefixtures("made_up_kinds")

WIT = ZoneInfo("Asia/Jayapura")


@pytest.fixture
def ambon(ambon):
    """These tests read the chain from its genesis: the events of loading the reference data
    (its change log) are set aside first, within the test."""
    EventAudience.objects.all().delete()
    Event.objects.all().delete()
    EventChainHead.objects.filter(pk=1).update(seq=0, hash=GENESIS_HASH, feeds={})


def record(n: int, *, agencies=()) -> list[Event]:
    with transaction.atomic():
        return [
            record_event("test.happened", payload={"n": i, "note": "ü €"}, agencies=agencies)
            for i in range(n)
        ]


def test_events_are_numbered_in_order_and_chained_by_hash(ambon):
    first, second, third = record(3)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert verify_chain().intact
    assert verify_chain().checked == 3


@pytest.mark.django_db(transaction=True)
def test_record_event_outside_a_transaction_is_refused(ambon):
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        record_event("test.happened")
    assert not Event.objects.exists()


def test_verify_events_names_an_edited_row(ambon):
    record(5)
    Event.objects.filter(seq=3).update(payload={"n": 99, "note": "edited"})
    report = verify_chain()
    assert not report.intact
    assert report.first_bad_seq == 3
    with pytest.raises(CommandError, match="BROKEN at sequence 3"):
        call_command("verify_events")


def test_verify_events_over_a_period_checks_only_that_periods_events(ambon, capsys):
    record(5)
    # Event 2 happened on 1 October (WIT), the others today; event 2 is then altered.
    Event.objects.filter(seq=2).update(at=datetime(2026, 10, 1, 12, tzinfo=WIT))
    with pytest.raises(CommandError, match="BROKEN at sequence 2"):
        call_command("verify_events", "--from", "2026-10-01", "--to", "2026-10-31")
    call_command("verify_events", "--from", "2026-09-01", "--to", "2026-09-30")
    assert "intact: 0 events checked" in capsys.readouterr().out


def test_verify_events_names_a_deleted_row(ambon):
    record(5)
    Event.objects.filter(seq=2).delete()
    assert verify_chain().first_bad_seq == 2


def test_verify_events_notices_the_newest_row_removed(ambon):
    record(4)
    Event.objects.filter(seq=4).delete()
    report = verify_chain()
    assert report.first_bad_seq == 4


def test_verify_events_names_a_reordered_row(ambon):
    record(5)
    # Swap rows 2 and 3, each keeping its own content and hashes: a reordering.
    fields = ["at", "kind", "payload", "prev_hash", "hash"]
    two, three = (Event.objects.values(*fields).get(seq=n) for n in (2, 3))
    Event.objects.filter(seq=2).update(hash="swap")
    Event.objects.filter(seq=3).update(**two)
    Event.objects.filter(seq=2).update(**three)
    assert verify_chain().first_bad_seq == 2


def test_verify_events_names_an_inserted_row(ambon):
    record(3)
    forged = Event.objects.get(seq=3)
    Event.objects.filter(seq=3).update(seq=4)
    EventChainHead.objects.filter(pk=1).update(seq=4)
    Event.objects.create(
        seq=3,
        at=forged.at,
        actor_label="mallory",
        kind="test.forged",
        prev_hash=forged.prev_hash,
        hash="f" * 64,
    )
    assert verify_chain().first_bad_seq == 3


def test_the_verify_events_command_succeeds_on_an_intact_log(ambon, capsys):
    record(2)
    call_command("verify_events")
    assert "intact: 2 events" in capsys.readouterr().out


def test_the_log_refuses_updates_and_deletes_through_the_model(ambon):
    (event,) = record(1)
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()


def test_an_event_is_broadcast_only_after_commit(ambon, django_capture_on_commit_callbacks):
    sent = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("incidents.events.broadcast_all", sent.extend)
        with django_capture_on_commit_callbacks() as callbacks:
            record(1, agencies=[Agency.objects.get(code="damkar")])
            assert sent == []  # nothing pushed while the transaction is open
        assert len(callbacks) == 1
        callbacks[0]()
    message, prev_by_feed = sent[0]
    assert message["seq"] == 1
    assert prev_by_feed == {"ops": 0, "agency.damkar": 0}


def test_each_feed_knows_its_previous_event(ambon, django_capture_on_commit_callbacks):
    damkar, pln = Agency.objects.get(code="damkar"), Agency.objects.get(code="pln")
    sent = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("incidents.events.broadcast_all", sent.extend)
        with django_capture_on_commit_callbacks(execute=True):
            record(1, agencies=[damkar])
            record(1, agencies=[pln])
            record(1, agencies=[damkar, pln])
    assert sent[2][1] == {"ops": 2, "agency.damkar": 1, "agency.pln": 2}
    assert EventChainHead.objects.get().feeds == {"agency.damkar": 3, "agency.pln": 3}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_no_gap_for_a_console_following_after_n(ambon):
    """8 threads × 200 events: what a follower of ?after=N sees has no gap and no reordering."""
    writers, per_writer = 8, 200
    seen: list[int] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def write():
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    record_event("test.concurrent", payload={"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def follow():
        # A console that polls `after=last` as fast as it can, during the writes.
        last = 0
        try:
            while True:
                finished = done.is_set()
                batch = list(Event.objects.filter(seq__gt=last).values_list("seq", flat=True))
                seen.extend(batch)
                if batch:
                    last = batch[-1]
                if finished and not batch:
                    return
                time.sleep(0.001)
        finally:
            connection.close()

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    follower.join()

    assert not errors
    assert seen == list(range(1, writers * per_writer + 1))
    assert verify_chain().intact


def test_a_batch_is_appended_in_order_under_one_lock(ambon, django_assert_num_queries):
    damkar = Agency.objects.get(code="damkar")
    # Lock the head, then write: on PostgreSQL the events, audiences and head in one statement,
    # elsewhere one each.
    with transaction.atomic():
        with django_assert_num_queries(2 if connection.vendor == "postgresql" else 4):
            events = record_events(
                [NewEvent("test.batch", payload={"i": i}, agencies=[damkar]) for i in range(50)]
            )
    assert [e.seq for e in events] == list(range(1, 51))
    assert verify_chain().intact
    assert EventChainHead.objects.get().feeds == {"agency.damkar": 50}


def an_incident(operator, call_id: str = "log-1", number: str = "+6281200009999") -> Incident:
    call, _changed = receive_call_event(
        call_id=call_id, event="ringing", number=number, adapter="pbx"
    )
    take_call(call=call, by=operator)
    area = Area.objects.get(code="81.71.02.2003")
    kind = IncidentType.objects.get(code="kebakaran.rumah")
    return create_incident(
        call=call, by=operator, incident_type=kind, lat=area.label_lat, lon=area.label_lon
    )


def test_an_event_is_written_as_the_model_reads_it_back(ambon, operator):
    """The log is written in plain SQL: what record_events returns is what the database holds,
    column by column, and the chain recomputed from the stored rows holds."""
    incident = an_incident(operator)
    damkar, pln = Agency.objects.get(code="damkar"), Agency.objects.get(code="pln")
    payload = {"at": timezone.now(), "fee": Decimal("1.50"), "note": "ü €", "none": None, "n": 2.5}
    with transaction.atomic():
        returned = record_events(
            [
                NewEvent("test.happened", actor=operator, payload=payload, agencies=[pln, damkar]),
                NewEvent("test.happened", incident=incident, actor_label="gateway:sms"),
            ]
        )
    assert EVENT_COLUMNS == tuple(field.attname for field in Event._meta.concrete_fields)
    stored = Event.objects.filter(seq__in=[e.seq for e in returned]).order_by("seq")
    for mine, theirs in zip(returned, stored, strict=True):
        assert [getattr(mine, c) for c in EVENT_COLUMNS] == [
            getattr(theirs, c) for c in EVENT_COLUMNS
        ]
        assert not mine._state.adding
    assert returned[0].actor_id == operator.pk and returned[0].agencies == ["damkar", "pln"]
    assert returned[1].incident_id == incident.pk and returned[1].actor_label == "gateway:sms"
    audience = EventAudience.objects.filter(event__in=returned)
    assert sorted(audience.values_list("event_id", "agency__code")) == [
        (returned[0].seq, "damkar"),
        (returned[0].seq, "pln"),
    ]
    assert verify_chain().intact


def test_incidents_agencies_are_read_with_the_heads_lock(ambon, operator):
    """An incident event names the agencies its incident was forwarded to as they are when it is
    appended, read in the statement that locks the head: each incident its own, none for an
    incident forwarded nowhere, beside an event that names its agencies itself."""
    fire, flood, quiet = (
        an_incident(operator, f"log-{n}", f"+62812000099{n:02}") for n in range(1, 4)
    )
    damkar, pln, bpbd = (Agency.objects.get(code=code) for code in ("damkar", "pln", "bpbd"))
    fire.agencies.add(pln, damkar)
    flood.agencies.add(bpbd)
    with transaction.atomic():
        batch = [
            NewEvent("test.happened", incident=flood, agencies=ForwardedTo(flood.pk)),
            NewEvent("test.happened", agencies=[pln]),
            NewEvent("test.happened", incident=fire, agencies=ForwardedTo(fire.pk)),
            NewEvent("test.happened", incident=quiet, agencies=ForwardedTo(quiet.pk)),
            NewEvent("test.happened", incident=fire, agencies=ForwardedTo(fire.pk)),
        ]
        with CaptureQueriesContext(connection) as statements:
            returned = record_events(batch)
    reading = [q["sql"] for q in statements if "incidents_incident_agencies" in q["sql"]]
    assert len(reading) == 1 and "incidents_eventchainhead" in reading[0]
    assert [event.agencies for event in returned] == [
        ["bpbd"],
        ["pln"],
        ["damkar", "pln"],
        [],
        ["damkar", "pln"],
    ]
    audience = EventAudience.objects.filter(event__in=returned)
    assert sorted(audience.values_list("event_id", "agency__code")) == sorted(
        (event.seq, code) for event in returned for code in event.agencies
    )
    assert verify_chain().intact


def test_a_batch_beyond_one_statements_parameters_is_written_row_by_row(ambon, monkeypatch):
    damkar = Agency.objects.get(code="damkar")
    monkeypatch.setattr(events, "_POSTGRES_MAX_PARAMS", 20)
    with transaction.atomic():
        record_events(
            [NewEvent("test.batch", payload={"i": i}, agencies=[damkar]) for i in range(3)]
        )
    assert EventChainHead.objects.get().feeds == {"agency.damkar": 3}
    assert EventAudience.objects.count() == 3
    assert verify_chain().intact


def test_nothing_to_append_locks_and_writes_nothing(ambon, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        assert record_events([]) == []


def shapes() -> list[Event]:
    """Events of every shape the consoles receive: about nothing or a record, for the room or
    for agencies, in an incident's timeline or none, with and without microseconds."""
    at = datetime(2027, 1, 10, 3, 4, 5, 678901, tzinfo=UTC)
    common = {"seq": 7, "at": at, "actor_label": "system", "kind": "test.x", "prev_hash": ""}
    return [
        Event(**common),
        Event(
            **common | {"at": at.replace(microsecond=0), "actor_label": "operator1"},
            subject_type="call",
            subject_id="42",
            payload={"b": [1, 2.5, None, True], "a": {"z": "ü €", "y": ""}},
            agencies=["damkar", "pln"],
            incident_id=9,
        ),
        Event(**common, subject_type="incident", subject_id="9", incident_id=9, payload={"s": 1}),
        Event(**common | {"kind": "ticket.accepted"}, agencies=["basarnas"], subject_id="x-1"),
    ]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jayapura", "Asia/Jakarta"])
def test_a_pushed_event_is_rendered_exactly_as_its_serializer_renders_it(zone):
    with timezone.override(ZoneInfo(zone)):
        for event in shapes():
            fast, slow = render_event(event), represent(EventSerializer, event)
            assert json.dumps(fast) == json.dumps(slow)  # the same values, in the same order
            assert fast == slow


def test_a_recorded_event_is_pushed_as_the_serializer_renders_the_stored_row(
    ambon, operator, django_capture_on_commit_callbacks
):
    sent = []
    damkar = Agency.objects.get(code="damkar")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("incidents.events.broadcast_all", sent.extend)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            record_event("test.happened", actor=operator, payload={"k": [1]}, agencies=[damkar])
    (message, _prev), stored = sent[0], Event.objects.get(seq=sent[0][0]["seq"])
    assert json.dumps(message) == json.dumps(represent(EventSerializer, stored))
