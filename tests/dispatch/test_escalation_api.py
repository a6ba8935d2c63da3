"""Issue #16 over the API: one card per subject with its history, the resolved list that one
action clears, shelving with a reason and an expiry, and bad input refused with nothing changed."""

import pytest
from django.urls import reverse

from dispatch.deadlines import escalate_overdue
from dispatch.models import Escalation, Shelf, Watch
from incidents.models import Event
from incidents.services.calls import receive_call_event, take_call
from tests.conftest import at

pytestmark = pytest.mark.usefixtures("nobody_ready_aside")

LIST = reverse("escalation-list")
ACK_RESOLVED = reverse("escalation-acknowledge-resolved")
SHELVE = reverse("escalation-shelve")
UNSHELVE = reverse("escalation-unshelve")


def ring(n: int):
    call, _changed = receive_call_event(
        call_id=f"api-{n}", event="ringing", number=f"+62812000073{n:02d}", adapter="pbx"
    )
    return call


def subject(call) -> dict:
    return {"watch": Watch.CALL_UNANSWERED, "subject_type": "call", "subject_id": str(call.pk)}


def check_at(clock, seconds: float) -> None:
    clock.move_to(at(seconds))
    escalate_overdue()


def test_one_card_per_subject_then_the_resolved_list_cleared_in_one_action(
    ambon, clock, client_for, operator, supervisor
):
    calls = [ring(n) for n in range(3)]
    check_at(clock, 15)
    check_at(clock, 30)
    body = client_for(supervisor).get(LIST).json()
    assert (body["open"], body["resolved_unacknowledged"], body["shelved"]) == (3, 0, 0)
    assert len(body["escalations"]) == 6 and len(body["subjects"]) == 3
    card = body["subjects"][0]
    assert card["level"] == 2 and card["watch_name"] and card["key"].startswith("call_unanswered:")
    assert [h["level"] for h in card["history"]] == [1, 2]
    assert card["history"][1]["recipients"] == ["call_takers", "supervisors"]
    assert card["shelved"] is None and card["resolved_at"] is None

    clock.move_to(at(40))
    for call in calls:
        take_call(call=call, by=operator)
    body = client_for(supervisor).get(LIST).json()
    assert (body["open"], body["resolved_unacknowledged"]) == (0, 3)  # off the banner at once
    resolved = client_for(supervisor).get(LIST, {"state": "resolved"}).json()
    assert {s["subject"]["id"] for s in resolved["subjects"]} == {str(c.pk) for c in calls}

    response = client_for(supervisor).post(ACK_RESOLVED, {"all": True}, "application/json")
    assert response.status_code == 200
    assert len(response.json()["acknowledged"]) == 6 and response.json()["subjects"] == 3
    assert not Escalation.objects.filter(acknowledged_by__isnull=True).exists()
    assert Event.objects.filter(kind="escalation.resolved_acknowledged").count() == 3
    body = client_for(supervisor).get(LIST).json()
    assert (body["open"], body["resolved_unacknowledged"]) == (0, 0)

    again = client_for(operator).post(ACK_RESOLVED, subject(calls[0]), "application/json")
    assert again.status_code == 409
    assert "supervisor" in again.json()["detail"] and "Sudah ditanggapi" in again.json()["detail"]


def test_acknowledging_one_subjects_resolved_alarms_leaves_the_others(
    ambon, clock, client_for, operator
):
    first, second = ring(1), ring(2)
    check_at(clock, 15)
    take_call(call=first, by=operator)
    take_call(call=second, by=operator)
    client = client_for(operator)
    response = client.post(ACK_RESOLVED, subject(first), "application/json")
    assert response.status_code == 200 and response.json()["subjects"] == 1
    assert client.get(LIST).json()["resolved_unacknowledged"] == 1
    escalation = Escalation.objects.get(subject_id=str(first.pk))
    assert escalation.acknowledged_by == operator and escalation.acknowledged_at == at(15)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": True, "watch": "call_unanswered"},
        {"watch": "call_unanswered", "subject_type": "call"},
        {"all": True, "extra": 1},
        {"all": "maybe"},
    ],
)
def test_a_bad_acknowledge_resolved_body_is_refused(ambon, client_for, supervisor, body):
    response = client_for(supervisor).post(ACK_RESOLVED, body, "application/json")
    assert response.status_code == 400 and response.json()["detail"]


# --- Shelving ---------------------------------------------------------------------------------


def shelve(client, call, minutes=30, reason="Gangguan jaringan PBX"):
    return client.post(
        SHELVE, {**subject(call), "minutes": minutes, "reason": reason}, "application/json"
    )


def test_a_shelved_subject_records_its_levels_silently_and_the_shelf_expires(
    ambon, clock, client_for, supervisor
):
    call = ring(1)
    check_at(clock, 15)
    response = shelve(client_for(supervisor), call, minutes=1)
    assert response.status_code == 201
    shelf = response.json()
    assert shelf["reason"] == "Gangguan jaringan PBX" and shelf["by"] == "supervisor"
    assert Event.objects.filter(kind="escalation.shelved").count() == 1
    body = client_for(supervisor).get(LIST).json()
    assert (body["open"], body["shelved"]) == (0, 1)
    shelved = client_for(supervisor).get(LIST, {"state": "shelved"}).json()
    assert shelved["subjects"][0]["shelved"]["until"]

    check_at(clock, 30)  # level 2 comes while shelved: recorded, flagged, not sounded
    level_two = Escalation.objects.get(level=2)
    assert level_two.shelved
    raised = Event.objects.filter(kind="escalation.raised").last()
    assert raised.payload["escalation"]["shelved"] is True

    check_at(clock, 75)  # the minute is up: the check ends the shelf, with its event
    ended = Shelf.objects.get()
    assert ended.end == Shelf.End.EXPIRED and ended.ended_at == at(75)
    event = Event.objects.get(kind="escalation.unshelved")
    assert event.actor_label == "deadline-check"
    assert client_for(supervisor).get(LIST).json()["open"] == 1
    check_at(clock, 90)  # the repeat sounds again
    assert not Escalation.objects.get(level=3).shelved


def test_unshelving_early_and_resolving_while_shelved(
    ambon, clock, client_for, supervisor, operator
):
    first, second = ring(1), ring(2)
    check_at(clock, 15)
    client = client_for(supervisor)
    assert shelve(client, first).status_code == 201
    response = client.post(UNSHELVE, subject(first), "application/json")
    assert response.status_code == 200 and response.json()["end"] == "unshelved"
    assert response.json()["ended_by"] == "supervisor"
    assert client.post(UNSHELVE, subject(first), "application/json").status_code == 409

    assert shelve(client, second).status_code == 201
    take_call(call=second, by=operator)  # the wait ends: the shelf ends with it
    assert Shelf.objects.get(subject_id=str(second.pk), end="resolved").ended_at == at(15)
    assert client.get(LIST).json()["shelved"] == 0


def test_bad_shelving_is_refused_with_a_clear_message_and_changes_nothing(
    ambon, clock, client_for, supervisor, operator
):
    call = ring(1)
    check_at(clock, 15)
    client = client_for(supervisor)
    refused = [
        (shelve(client, call, reason="  "), 400, "alasan"),
        (shelve(client, call, minutes=241), 400, "240"),
        (shelve(client, call, minutes=0), 400, ""),
        (shelve(client_for(operator), call), 403, "supervisor"),
    ]
    for response, status, words in refused:
        assert response.status_code == status, response.json()
        assert words.lower() in str(response.json()).lower()
    assert not Shelf.objects.exists() and not Event.objects.filter(kind__contains="shelve").exists()

    client = client_for(supervisor)  # one test client: signed in as the supervisor again
    assert shelve(client, call).status_code == 201
    twice = shelve(client, call)
    assert twice.status_code == 409 and "Gangguan jaringan PBX" in twice.json()["detail"]
    other = ring(2)  # not escalated yet: nothing to shelve
    assert shelve(client, other).status_code == 409
    assert Shelf.objects.count() == 1


def test_the_escalation_events_reach_the_list_shape(ambon, clock, client_for, supervisor):
    ring(1)
    check_at(clock, 15)
    escalation = client_for(supervisor).get(LIST).json()["escalations"][0]
    assert escalation["repeat"] is False and escalation["shelved"] is False
