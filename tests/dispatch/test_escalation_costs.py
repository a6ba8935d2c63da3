"""What keeping deadlines costs each write (issue #16): the queries `on_event` runs per event
of one call's way from ring to closure, within a budget, printed for the record."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from dispatch import deadlines
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.incidents import close_incident
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents import events
from incidents.services.incidents import add_note
from tests.dispatch.conftest import unit

pytestmark = pytest.mark.usefixtures("nobody_ready_aside")

# The most each event may cost; the room's events (ring, take) also keep "nobody ready"
# (8 before an event's deadlines, facts and policies' version were one read).
BUDGET = 4
# The whole way from ring to closure (86 before the deadlines of an event were read at once, 60
# after; 33 since one read brings the facts and the policies' version too, the policies are kept
# in memory and the ended deadlines go in one delete).
TOTAL_BUDGET = 33


@pytest.fixture
def costs(monkeypatch):
    seen: list[tuple[str, int]] = []

    def measured(new):
        with CaptureQueriesContext(connection) as queries:
            result = deadlines.on_event(new)
        seen.append((new.kind, len(queries)))
        return result

    observers = [measured if o is deadlines.on_event else o for o in events._observers]
    monkeypatch.setattr(events, "_observers", observers)
    return seen


def test_on_event_stays_within_its_budget(costs, make_incident, dispatcher, damkar):
    incident = make_incident("kebakaran.rumah")
    ticket = notify_agency(
        incident=incident, agency=Agency.objects.get(code="damkar"), by=dispatcher
    )
    accept_ticket(ticket=ticket, by=damkar)
    assignment = dispatch_unit(ticket=ticket, unit=unit("DAMKAR-01"), by=damkar)
    for step in ("en_route", "on_scene", "operations_started"):
        assignment = advance(step=step, assignment=assignment, by=damkar)
    add_note(incident=incident, by=dispatcher, text="Api padam")
    close_incident(incident=incident, by=dispatcher, outcome="handled")
    print("\non_event queries per event:", costs, "total", sum(n for _k, n in costs))
    assert costs and max(n for _kind, n in costs) <= BUDGET
    assert sum(n for _kind, n in costs) <= TOTAL_BUDGET
