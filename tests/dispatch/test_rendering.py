"""Every desk and crew write answers with its ticket or assignment, and pushes it in an event,
rendered directly (dispatch.serializers.render_*): what they build must be what the serializers
build, value for value and key for key, in every time zone the consoles use, in both languages."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from agencies.models import Agency, Station, Unit, User
from core.api import represent
from dispatch.models import Assignment, Ticket
from dispatch.serializers import (
    AssignmentSerializer,
    TicketSerializer,
    UnitStateSerializer,
    render_assignment,
    render_ticket,
    render_unit_state,
)
from tests.incidents.test_rendering import incidents

AT = datetime(2027, 1, 10, 3, 4, 5, 678901, tzinfo=UTC)
ZONES = ["UTC", "Asia/Jayapura", "Asia/Jakarta"]


def units() -> list[Unit]:
    """A unit at a station with a fix, one with neither, an ambulance on its way to hospital."""
    damkar = Agency.objects.get(code="damkar")
    psc = Agency.objects.get(code="dinkes")
    station = Station(id=4, name="Pos Damkar Batu Merah ü", lat=-3.68, lon=128.19)
    return [
        Unit(
            id=1,
            call_sign="DMK-01",
            agency=damkar,
            station=station,
            kind="engine",
            capabilities=["pump", "ladder"],
            status=Unit.Status.EN_ROUTE,
            last_lat=-3.7,
            last_lon=128.2,
            last_position_at=AT,
        ),
        Unit(id=2, call_sign="DMK-02", agency=damkar, kind="engine", capabilities=[]),
        Unit(id=3, call_sign="PSC-1", agency=psc, kind="ambulance", capabilities=["als"]),
    ]


def tickets() -> list[Ticket]:
    """A ticket just notified, one accepted across the border, one declined, one ended."""
    named = User(id=3, username="dispatcher1", first_name="Siti")
    desk = User(id=4, username="desk-damkar")
    fire, flood, outside = incidents()
    damkar = Agency.objects.get(code="damkar")
    common = {"agency": damkar, "notified_at": AT, "notified_by": named}
    return [
        Ticket(id=1, incident=fire, role="primary", **common),
        Ticket(
            id=2,
            incident=flood,
            role="support",
            status=Ticket.Status.ACCEPTED,
            cross_border=True,
            accepted_at=AT + timedelta(seconds=40),
            accepted_by=desk,
            **common,
        ),
        Ticket(
            id=3,
            incident=outside,
            role="primary",
            status=Ticket.Status.DECLINED,
            declined_at=AT + timedelta(minutes=1),
            declined_by=desk,
            decline_reason="Bukan wilayah kami ü",
            **common,
        ),
        Ticket(
            id=4, incident=flood, status="completed", ended_at=AT.replace(microsecond=0), **common
        ),
    ]


def assignments() -> list[Assignment]:
    """Assignments at every step: just sent, on scene with operations started, an ambulance at
    hospital with steps its crew took offline, one cancelled."""
    fire_engine, second, ambulance = units()
    ticket = tickets()[1]
    by = User(id=3, username="dispatcher1")
    hospital = Station(id=9, name="RSUD Dr. M. Haulussy")
    common = {
        "incident": ticket.incident,
        "ticket": ticket,
        "dispatched_at": AT,
        "dispatched_by": by,
    }
    steps = [AT + timedelta(minutes=m) for m in range(1, 6)]
    return [
        Assignment(id=1, unit=fire_engine, eta_s=420, **common),
        Assignment(
            id=2,
            unit=second,
            status=Assignment.Status.ON_SCENE,
            en_route_at=steps[0],
            on_scene_at=steps[1],
            operations_started_at=steps[2],
            **common,
        ),
        Assignment(
            id=3,
            unit=ambulance,
            status=Assignment.Status.AT_HOSPITAL,
            en_route_at=steps[0],
            on_scene_at=steps[1],
            transporting_at=steps[2],
            destination=hospital,
            at_hospital_at=steps[3],
            late_steps={"on_scene": "2027-01-10T12:10:00+09:00", "transporting": ""},
            **common,
        ),
        Assignment(
            id=4,
            unit=second,
            status=Assignment.Status.CANCELLED,
            cancelled_at=steps[4],
            cancel_reason="Dipanggil kembali",
            **common,
        ),
    ]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("language", ["id", "en"])
def test_desk_and_crew_records_are_rendered_exactly_as_their_serializers_render_them(
    ambon, zone, language
):
    cases = [(render_unit_state, UnitStateSerializer, unit) for unit in units()]
    cases += [(render_ticket, TicketSerializer, ticket) for ticket in tickets()]
    cases += [(render_assignment, AssignmentSerializer, a) for a in assignments()]
    with timezone.override(ZoneInfo(zone)), translation.override(language):
        for render, serializer, record in cases:
            fast, slow = render(record), represent(serializer, record)
            assert json.dumps(fast) == json.dumps(slow), record  # same values, same order
            assert fast == slow
