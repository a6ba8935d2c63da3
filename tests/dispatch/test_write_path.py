"""A write and the incident status change it causes are appended under one lock of the chain
head, after the incident's row is written (the lock order of incidents/events.py), issue #18."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.incidents import close_incident
from dispatch.services.tickets import accept_ticket, notify_agencies, notify_agency
from incidents.models import Event
from incidents.services.calls import receive_call_event
from tests.dispatch.conftest import unit

pytestmark = pytest.mark.django_db


def head_reads(queries) -> list[int]:
    """Positions of the reads of the chain head (one per append, locked on PostgreSQL)."""
    return [
        i
        for i, q in enumerate(queries)
        if q["sql"].startswith("SELECT") and '"incidents_eventchainhead"' in q["sql"]
    ]


def incident_writes(queries) -> list[int]:
    return [i for i, q in enumerate(queries) if q["sql"].startswith('UPDATE "incidents_incident"')]


def test_a_forward_and_the_status_it_sets_are_appended_together(make_incident, dispatcher):
    incident = make_incident()
    before = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    with CaptureQueriesContext(connection) as queries:
        notify_agency(incident=incident, agency=Agency.objects.get(code="damkar"), by=dispatcher)
    events = list(Event.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.seq - before, e.kind) for e in events] == [
        (1, "ticket.notified"),
        (2, "incident.status_changed"),
    ]
    assert events[1].payload["incident"]["status"] == "dispatched"
    assert events[1].payload["incident"]["calls_count"] == 1
    heads, writes = head_reads(queries), incident_writes(queries)
    assert len(heads) == 1 and len(writes) == 1 and writes[0] < heads[0]


def test_a_unit_step_and_the_status_it_sets_are_appended_together(
    make_incident, dispatcher, damkar
):
    incident = make_incident()
    ticket = notify_agency(
        incident=incident, agency=Agency.objects.get(code="damkar"), by=dispatcher
    )
    ticket = accept_ticket(ticket=ticket, by=damkar)
    assignment = dispatch_unit(ticket=ticket, unit=unit("DAMKAR-01"), by=damkar)
    before = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    with CaptureQueriesContext(connection) as queries:
        assignment = advance(assignment=assignment, step="en_route", by=damkar)
    kinds = list(Event.objects.filter(seq__gt=before).order_by("seq").values_list("kind", "seq"))
    assert kinds == [
        ("assignment.en_route", before + 1),
        ("incident.status_changed", before + 2),
    ]
    heads, writes = head_reads(queries), incident_writes(queries)
    assert len(heads) == 1 and len(writes) == 1 and writes[0] < heads[0]
    assert assignment.incident.status == "responding"


def test_a_step_that_changes_no_status_appends_its_event_alone(make_incident, dispatcher, damkar):
    ticket = notify_agency(
        incident=make_incident(), agency=Agency.objects.get(code="damkar"), by=dispatcher
    )
    ticket = accept_ticket(ticket=ticket, by=damkar)
    assignment = dispatch_unit(ticket=ticket, unit=unit("DAMKAR-01"), by=damkar)
    assignment = advance(assignment=assignment, step="en_route", by=damkar)
    assignment = advance(assignment=assignment, step="on_scene", by=damkar)
    before = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    advance(assignment=assignment, step="operations_started", by=damkar)  # still on scene
    kinds = list(Event.objects.filter(seq__gt=before).values_list("kind", flat=True))
    assert kinds == ["assignment.operations_started"]


# Statements of the services of one incident's loop (ring, take, create, forward, accept, send,
# en route, on scene, clear, close, hang up) on PostgreSQL: 254 before the deadlines of an event
# were read at once and a closure appended its events under one lock (issue #18), 218 after,
# 142 once the log was written in one statement per append, an event's deadlines, its facts and
# the policies' version became one read (the policies kept in memory, the ended deadlines in one
# delete), and the services read each row once with its lock and wrote only what changed; 137
# once a stored call's later events locked its row alone, a ringing read its call, caller and
# held AML at once, and "nobody ready" took its ringing count from the deadlines' read.
# SQLite takes no advisory lock for the PBX's events but writes the log in a statement per table.
LOOP_BUDGET = {"postgresql": 137, "sqlite": 154}


def test_the_write_loop_stays_within_its_statement_budget(make_incident, dispatcher, damkar):
    with CaptureQueriesContext(connection) as loop:
        incident = make_incident()
        (ticket,) = notify_agencies(
            incident=incident, agencies=[Agency.objects.get(code="damkar")], by=dispatcher
        )
        ticket = accept_ticket(ticket=ticket, by=damkar)
        assignment = dispatch_unit(ticket=ticket, unit=unit("DAMKAR-01"), by=damkar)
        for step in ("en_route", "on_scene", "clear"):
            assignment = advance(assignment=assignment, step=step, by=damkar)
        close_incident(incident=incident, by=dispatcher, outcome="resolved")
    call = incident.calls.select_related("caller").get()
    with CaptureQueriesContext(connection) as hang_up:
        receive_call_event(
            call_id=call.call_id, event="ended", number=call.caller.number, adapter="pbx"
        )
    statements = len(loop) + len(hang_up)
    print(f"\nstatements of the write loop: {statements}")
    assert statements <= LOOP_BUDGET[connection.vendor]
