"""The call-taker's hot path renders calls (and callers) and incidents directly, not through their
serializers: what it builds must be what the serializers build, value for value and key for
key, in every time zone the consoles use."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from agencies.models import Area, User
from core.api import represent
from incidents.models import Call, Caller, Incident, IncidentType, Position
from incidents.serializers import (
    CallSerializer,
    IncidentSerializer,
    render_call,
    render_incident,
)

AT = datetime(2027, 1, 10, 3, 4, 5, 678901, tzinfo=UTC)


def calls() -> list[Call]:
    """Calls of every shape: bare, with a caller flagged and blocked, taken and answered by
    people with and without names at a position, located with and without a radius, a message
    with its sender's details, a call filed under an incident with a clock skew."""
    named = User(id=3, username="operator1", first_name="Siti", last_name="Latuconsina")
    plain = User(id=4, username="operator2")
    caller = Caller(id=7, number="+6281200001111", prank_calls=2, ghost_calls=1)
    flagged = Caller(
        id=8,
        number="+6281200002222",
        flagged_at=AT,
        blocked_until=timezone.now() + timedelta(hours=1),
        block_reason="Iseng",
    )
    return [
        Call(id=1, call_id="c-1", status=Call.Status.RINGING),
        Call(id=2, call_id="c-2", caller=caller, line="112-1", ringing_at=AT, status="ringing"),
        Call(
            id=3,
            call_id="c-3",
            caller=flagged,
            ringing_at=AT.replace(microsecond=0),
            answered_at=AT + timedelta(seconds=4),
            taken_by=named,
            taken_at=AT + timedelta(seconds=4),
            answered_via=Call.AnsweredVia.PBX,
            answered_by=plain,
            answered_position=Position(id=5, name="Meja 1"),
            answered_extension="201",
            status=Call.Status.ANSWERED,
            aml_lat=-3.69,
            aml_lon=128.18,
            aml_radius_m=25.0,
            aml_source="aml",
            aml_at=AT,
            clock_skew_s=-7.25,
            incident_id=9,
            disposition=Call.Disposition.EMERGENCY,
            caller_name="Ibu Maria",
            callback_number="+6281200003333",
            notes="Asap tebal",
            ended_at=AT + timedelta(minutes=2),
        ),
        Call(
            id=4,
            call_id="m-1",
            channel=Call.Channel.SOCIAL,
            message="Kebakaran di Batu Merah ü €",
            platform="facebook",
            handle="@warga",
            link="https://example.org/p/1",
            aml_lat=-3.7,
            aml_lon=128.2,
            aml_source="link",
            aml_at=AT,
        ),
    ]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jayapura", "Asia/Jakarta"])
def test_a_call_is_rendered_exactly_as_its_serializer_renders_it(zone):
    with timezone.override(ZoneInfo(zone)):
        for call in calls():
            fast, slow = render_call(call), represent(CallSerializer, call)
            assert json.dumps(fast) == json.dumps(slow)  # the same values, in the same order
            assert fast == slow


def incidents() -> list[Incident]:
    """Incidents of every shape: placed on a point in a desa, on a desa alone, outside
    coverage, closed, with and without its calls counted."""
    fire, flood = (
        IncidentType.objects.get(code="kebakaran.rumah"),
        IncidentType.objects.get(code="bencana.banjir"),
    )
    desa = Area.objects.get(code="81.71.02.2003")
    by = User(id=3, username="operator1")
    common = {"created_at": AT, "created_by": by}
    counted = Incident(
        id=2,
        incident_type=flood,
        category="bencana",
        priority=2,
        status="closed",
        lat=-3.6956,
        lon=128.1815,
        address="Jl. Sultan Hairun ü",
        area=desa,
        kecamatan=desa.parent,
        location_approximate=True,
        description="Air naik",
        closed_at=AT + timedelta(hours=2),
        outcome="resolved",
        **common,
    )
    counted.calls_count = 3
    return [
        Incident(id=1, incident_type=fire, category="kebakaran", priority=1, **common),
        counted,
        Incident(id=3, incident_type=fire, outside_coverage=True, lat=-4.5, lon=129.0, **common),
    ]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jayapura"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_an_incident_is_rendered_exactly_as_its_serializer_renders_it(ambon, zone, language):
    with timezone.override(ZoneInfo(zone)), translation.override(language):
        for incident in incidents():
            fast, slow = render_incident(incident), represent(IncidentSerializer, incident)
            assert json.dumps(fast) == json.dumps(slow)
            assert fast == slow
