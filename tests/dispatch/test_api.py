"""The dispatch API: every refusal with its status and message, scoping by agency, the tracker."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.models import Unit
from dispatch.models import Ticket
from tests.dispatch.conftest import unit


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def fire(make_incident):
    return make_incident("kebakaran.rumah")


@pytest.fixture
def forwarded(fire, client_for, dispatcher):
    """A house fire forwarded to Damkar and PLN by the dispatcher, over the API."""
    response = post(
        client_for(dispatcher),
        reverse("incident-dispatch-tickets", args=[fire.pk]),
        {"agencies": ["damkar", "pln"]},
    )
    assert response.status_code == 201, response.json()
    return {t["agency"]["code"]: t["id"] for t in response.json()}


def test_the_overview_proposes_the_types_agencies(fire, client_for, dispatcher):
    body = client_for(dispatcher).get(reverse("incident-dispatch-overview", args=[fire.pk])).json()
    assert [p["agency"]["code"] for p in body["proposed"]] == ["damkar", "pln", "dishub", "dinkes"]
    assert body["may_forward"] and body["may_close"] and not body["may_reopen"]
    assert body["tickets"] == [] and body["now"]


def test_forwarding_refuses_unknown_and_empty_agency_lists(fire, client_for, dispatcher):
    client = client_for(dispatcher)
    url = reverse("incident-dispatch-tickets", args=[fire.pk])
    assert post(client, url, {"agencies": ["nope"]}).status_code == 400
    response = post(client, url, {"agencies": []})
    assert response.status_code == 400 and "agencies" in response.json()["errors"]


def test_a_desk_sees_only_its_own_tickets_and_gets_403_on_anothers(
    forwarded, client_for, damkar, dinkes
):
    listed = client_for(damkar).get(reverse("ticket-list")).json()["tickets"]
    assert [t["agency"]["code"] for t in listed] == ["damkar"]
    assert listed[0]["incident"]["incident_type"]["code"] == "kebakaran.rumah"
    other = client_for(dinkes)
    assert other.get(reverse("ticket-list")).json()["tickets"] == []
    assert other.get(reverse("ticket-detail", args=[forwarded["damkar"]])).status_code == 403
    response = post(other, reverse("ticket-accept", args=[forwarded["damkar"]]))
    assert response.status_code == 403


def test_a_second_accept_is_409_saying_who_did(forwarded, client_for, damkar, desk):
    url = reverse("ticket-accept", args=[forwarded["damkar"]])
    assert post(client_for(damkar), url).status_code == 200
    response = post(
        client_for(desk("damkar")), reverse("ticket-accept", args=[forwarded["damkar"]])
    )
    assert response.status_code == 409
    assert "damkar" in response.json()["detail"]  # "Sudah diterima oleh damkar pada …"
    assert "Sudah diterima" in response.json()["detail"]


def test_declining_without_a_reason_is_400(forwarded, client_for, desk):
    client = client_for(desk("pln"))
    url = reverse("ticket-decline", args=[forwarded["pln"]])
    assert post(client, url, {}).status_code == 400
    response = post(client, url, {"reason": "Bukan wilayah jaringan kami"})
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_recommend_dispatch_and_steps_over_http(forwarded, client_for, damkar):
    client = client_for(damkar)
    ticket = forwarded["damkar"]
    post(client, reverse("ticket-accept", args=[ticket]))
    found = client.get(reverse("ticket-recommendations", args=[ticket])).json()
    assert found["capability"] == "fire"
    engine = found["candidates"][0]["unit"]["call_sign"]
    assert found["candidates"][0]["eta_s"] > 0
    response = post(client, reverse("ticket-send-unit", args=[ticket]), {"unit": engine})
    assert response.status_code == 201, response.json()
    assignment = response.json()
    assert assignment["next_steps"] == ["en_route", "cancel"]
    refused = post(client, reverse("assignment-on-scene", args=[assignment["id"]]))
    assert refused.status_code == 409
    assert refused.json()["allowed"] == ["en_route", "cancel"]
    for name in ("assignment-en-route", "assignment-on-scene", "assignment-operations-started"):
        response = post(client, reverse(name, args=[assignment["id"]]))
        assert response.status_code == 200, response.json()
    body = response.json()
    assert body["operations_started_at"] and body["next_steps"] == ["clear"]  # no patient
    listed = client.get(reverse("assignment-list"), {"incident": body["incident"]}).json()
    assert [a["unit"]["call_sign"] for a in listed] == [engine]


def test_a_unit_already_out_is_409_naming_the_call(
    forwarded, fire, make_incident, client_for, dispatcher, damkar
):
    second = make_incident()
    tickets = post(
        client_for(dispatcher),
        reverse("incident-dispatch-tickets", args=[second.pk]),
        {"agencies": ["damkar"]},
    ).json()
    client = client_for(damkar)  # the test client now signs in as the desk
    post(client, reverse("ticket-accept", args=[forwarded["damkar"]]))
    post(client, reverse("ticket-send-unit", args=[forwarded["damkar"]]), {"unit": "DAMKAR-01"})
    post(client, reverse("ticket-accept", args=[tickets[0]["id"]]))
    response = post(
        client, reverse("ticket-send-unit", args=[tickets[0]["id"]]), {"unit": "DAMKAR-01"}
    )
    assert response.status_code == 409
    assert f"#{fire.pk}" in response.json()["detail"]


def test_close_and_reopen_over_http(forwarded, fire, client_for, dispatcher, supervisor):
    response = post(
        client_for(dispatcher), reverse("incident-dispatch-close", args=[fire.pk]), {"outcome": "x"}
    )
    assert response.status_code == 400
    response = post(
        client_for(dispatcher),
        reverse("incident-dispatch-close", args=[fire.pk]),
        {"outcome": "resolved", "note": "Api padam"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["incident"]["status"] == "closed" and body["incident"]["closed_at"]
    assert {t["status"] for t in body["tickets"]} == {"cancelled"}
    again = post(
        client_for(dispatcher),
        reverse("incident-dispatch-tickets", args=[fire.pk]),
        {"agencies": ["damkar"]},
    )
    assert again.status_code == 409
    url = reverse("incident-dispatch-reopen", args=[fire.pk])
    assert post(client_for(dispatcher), url, {"reason": "x"}).status_code == 403
    response = post(client_for(supervisor), url, {"reason": "Api menyala lagi"})
    assert response.status_code == 200 and response.json()["incident"]["status"] == "new"


@pytest.mark.parametrize(
    "name, body",
    [
        ("incident-dispatch-tickets", {"agencies": ["damkar"]}),
        ("incident-dispatch-close", {"outcome": "resolved"}),
        ("incident-dispatch-reopen", {"reason": "x"}),
    ],
)
def test_a_verifier_changes_nothing(fire, client_for, verifier, name, body):
    assert post(client_for(verifier), reverse(name, args=[fire.pk]), body).status_code == 403


def test_a_verifier_cannot_answer_tickets_or_move_units(forwarded, client_for, verifier):
    client = client_for(verifier)
    assert post(client, reverse("ticket-accept", args=[forwarded["damkar"]])).status_code == 403
    engine = unit("DAMKAR-01")
    url = reverse("fleet-position", args=[engine.pk])
    assert post(client, url, {"lat": -3.69, "lon": 128.18}).status_code == 403


def test_a_desk_places_its_unit_and_may_not_place_anothers(client_for, damkar):
    client = client_for(damkar)
    engine, ambulance = unit("DAMKAR-01"), unit("PSC-01")
    response = post(
        client, reverse("fleet-position", args=[engine.pk]), {"lat": -3.69, "lon": 128.18}
    )
    assert response.status_code == 200 and response.json()["last_lat"] == -3.69
    url = reverse("fleet-position", args=[ambulance.pk])
    assert post(client, url, {"lat": -3.69, "lon": 128.18}).status_code == 403
    board = client.get(reverse("fleet-list")).json()
    assert {u["agency"] for u in board} == {"damkar"}


@pytest.fixture
def tracker(ambon, client, capsys):
    call_command("create_tracker_token", "damkar")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {capsys.readouterr().out.strip()}"
    return client


def test_a_tracker_reports_its_agencys_units_only(tracker):
    url = reverse("tracker-positions")
    fix = {"call_sign": "DAMKAR-03", "lat": -3.70, "lon": 128.17}
    response = post(tracker, url, {"positions": [fix]})
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert Unit.objects.get(call_sign="DAMKAR-03").last_lat == -3.70
    response = post(tracker, url, {"positions": [{**fix, "call_sign": "PSC-01"}]})
    assert response.status_code == 409 and "PSC-01" in response.json()["detail"]
    assert post(tracker, url, {"positions": []}).status_code == 400
    older = {**fix, "lat": -3.80, "at": (timezone.now() - timedelta(hours=1)).isoformat()}
    assert post(tracker, url, {"positions": [older]}).json()["accepted"] == 0
    # The tracker's token opens nothing else.
    assert tracker.get(reverse("ticket-list")).status_code in (401, 403)


def test_the_cti_token_is_no_tracker(ambon, client, capsys):
    call_command("create_cti_token", "pbx")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {capsys.readouterr().out.strip()}"
    fix = {"call_sign": "DAMKAR-03", "lat": -3.70, "lon": 128.17}
    assert post(client, reverse("tracker-positions"), {"positions": [fix]}).status_code == 403


def test_the_dispatch_board_lists_open_incidents_with_their_tickets(
    forwarded, client_for, dispatcher, django_assert_max_num_queries
):
    client = client_for(dispatcher)
    client.get(reverse("dispatch-board"))  # warm the session
    with django_assert_max_num_queries(8):
        body = client.get(reverse("dispatch-board")).json()
    (incident,) = body["incidents"]
    assert {t["agency"]["code"] for t in incident["tickets"]} == {"damkar", "pln"}
    assert Ticket.objects.count() == 2


def test_the_eido_document_is_served_to_the_room_and_to_desks_holding_a_ticket(
    forwarded, fire, client_for, dispatcher, damkar, dinkes
):
    url = reverse("incident-dispatch-eido-document", args=[fire.pk])
    body = client_for(dispatcher).get(url).json()
    assert body["$id"] == f"urn:ambon112:incident:{fire.pk}"
    assert client_for(damkar).get(url).status_code == 200
    assert client_for(dinkes).get(url).status_code == 404  # not forwarded to PSC 119


def test_a_desk_may_not_move_another_agencys_unit(forwarded, client_for, damkar, dinkes):
    client = client_for(damkar)
    post(client, reverse("ticket-accept", args=[forwarded["damkar"]]))
    sent = post(
        client, reverse("ticket-send-unit", args=[forwarded["damkar"]]), {"unit": "DAMKAR-01"}
    )
    url = reverse("assignment-en-route", args=[sent.json()["id"]])
    response = post(client_for(dinkes), url)
    assert response.status_code == 403
    assert response.json() == {"detail": "Unit ini milik instansi lain."}  # the msgid of before
    assert post(client_for(damkar), url).status_code == 200
    missing = reverse("assignment-en-route", args=[sent.json()["id"] + 1000])
    assert post(client_for(damkar), missing).status_code == 404
