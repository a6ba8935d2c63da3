"""Each agency-side write answers with its rows exactly as the ORM-built rows render once the
write has committed: the plain-SQL reads of the hot path (core.db.read_row) build the same
objects, and the answer is the same JSON as reading them again."""

import json

from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from dispatch.models import Ticket
from dispatch.selectors import assignments_for_all, tickets_for_all
from dispatch.serializers import AssignmentSerializer, TicketBriefSerializer, TicketSerializer


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def as_json(data):
    return json.loads(JSONRenderer().render(data))


def stored_ticket(pk: int) -> dict:
    ticket = tickets_for_all().get(pk=pk)
    ticket.incident.calls_count = ticket.incident.calls.count()
    return as_json(TicketSerializer(ticket).data)


def stored_assignment(pk: int) -> dict:
    return as_json(AssignmentSerializer(assignments_for_all().get(pk=pk)).data)


def test_every_agency_write_answers_its_rows_as_stored(
    make_incident, client_for, dispatcher, damkar
):
    fire = make_incident("kebakaran.rumah")
    room = client_for(dispatcher)
    response = post(
        room, reverse("incident-dispatch-tickets", args=[fire.pk]), {"agencies": ["damkar"]}
    )
    assert response.status_code == 201
    (brief,) = response.json()
    stored = Ticket.objects.select_related("agency", "notified_by").get(pk=brief["id"])
    assert brief == as_json(TicketBriefSerializer(stored).data)

    desk = client_for(damkar)
    response = post(desk, reverse("ticket-accept", args=[brief["id"]]))
    assert response.json() == stored_ticket(brief["id"])

    response = post(desk, reverse("ticket-send-unit", args=[brief["id"]]), {"unit": "DAMKAR-01"})
    assert response.status_code == 201
    sent = response.json()
    assert sent == stored_assignment(sent["id"])
    for name in ("assignment-en-route", "assignment-on-scene", "assignment-clear"):
        response = post(desk, reverse(name, args=[sent["id"]]))
        assert response.status_code == 200
        assert response.json() == stored_assignment(sent["id"])

    room = client_for(dispatcher)
    closed = post(room, reverse("incident-dispatch-close", args=[fire.pk]), {"outcome": "resolved"})
    assert closed.status_code == 200
    overview = room.get(reverse("incident-dispatch-overview", args=[fire.pk]))
    assert {**closed.json(), "now": None} == {**overview.json(), "now": None}
