"""The call-taker's hot path renders calls (and callers) directly, not through their
serializers: what it builds must be what the serializers build, value for value and key for
key, in every time zone the consoles use."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from agencies.models import User
from core.api import represent
from incidents.models import Call, Caller, Position
from incidents.serializers import CallSerializer, render_call

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
