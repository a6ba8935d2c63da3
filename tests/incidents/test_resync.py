"""A console that was away asks for the events after the last one it applied."""

import pytest
from django.db import transaction
from django.urls import reverse

from agencies.models import Agency
from incidents.events import feed_for_user, feed_head, record_event

pytestmark = pytest.mark.usefixtures("made_up_kinds")


def record(kind, *, agencies=()):
    with transaction.atomic():
        return record_event(kind, payload={"k": kind}, agencies=agencies)


def head() -> int:
    """The log's head before a test records: the reference data's and the cast's changes."""
    return feed_head("ops")


def test_resync_returns_exactly_the_missed_events_in_order(client_for, operator):
    start = head()
    for i in range(5):
        record(f"test.{i}")
    page = client_for(operator).get(reverse("events"), {"after": start + 2}).json()
    assert [event["seq"] for event in page["events"]] == [start + 3, start + 4, start + 5]
    assert page["events"][0] == {
        "seq": start + 3,
        "at": page["events"][0]["at"],
        "kind": "test.2",
        "actor": "system",
        "subject": {"type": "", "id": ""},
        "data": {"k": "test.2"},
        "agencies": [],
        "incident": None,
    }
    assert page["events"][0]["at"].endswith("+09:00")  # shown in WIT
    assert page["has_more"] is False
    assert page["head"] == start + 5


def test_resync_pages_through_a_long_absence(client_for, operator):
    start = head()
    for i in range(7):
        record(f"test.{i}")
    client = client_for(operator)
    first = client.get(reverse("events"), {"after": start, "limit": 3}).json()
    assert [e["seq"] - start for e in first["events"]] == [1, 2, 3] and first["has_more"]
    second = client.get(reverse("events"), {"after": start + 3, "limit": 3}).json()
    third = client.get(reverse("events"), {"after": start + 6, "limit": 3}).json()
    assert [e["seq"] - start for e in second["events"]] == [4, 5, 6]
    assert [e["seq"] - start for e in third["events"]] == [7] and not third["has_more"]


def test_a_desk_resyncs_only_the_events_of_its_agency(client_for, damkar):
    fire, pln = Agency.objects.get(code="damkar"), Agency.objects.get(code="pln")
    record("test.call")
    ticket = record("test.ticket", agencies=[fire])
    record("test.other", agencies=[pln])
    both = record("test.both", agencies=[fire, pln])
    page = client_for(damkar).get(reverse("events")).json()
    assert [e["kind"] for e in page["events"]] == ["test.ticket", "test.both"]
    assert [e["seq"] for e in page["events"]] == [ticket.seq, both.seq]
    assert page["head"] == both.seq


def test_bad_resync_parameters_get_a_clear_400(client_for, operator):
    client = client_for(operator)
    for params in ({"after": "ten"}, {"after": -1}, {"limit": 5000}, {"since": 3}):
        response = client.get(reverse("events"), params)
        assert response.status_code == 400, params
        assert response.json()["detail"]
        assert response.json()["errors"]


def test_the_head_a_heartbeat_carries_is_the_last_event_a_resync_returns(
    client_for, operator, damkar
):
    fire = Agency.objects.get(code="damkar")
    record("test.ticket", agencies=[fire])
    record("test.call")
    for user in (damkar, operator):
        page = client_for(user).get(reverse("events")).json()
        assert feed_head(feed_for_user(user)) == page["events"][-1]["seq"] == page["head"], user
