"""The telephony adapter's client, and a whole incident handled through the services for the
integrity tests (issue #17)."""

import pytest
from django.urls import reverse

from agencies.models import Agency, MachineToken, Unit
from agencies.services import create_machine_token
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.incidents import close_incident
from dispatch.services.tickets import accept_ticket, decline_ticket, notify_agency
from incidents.services.calls import receive_call_event
from tests.fires import house_fire


@pytest.fixture
def cti(ambon, client):
    """A client holding the telephony adapter's token."""
    _token, secret = create_machine_token(name="pbx", kind=MachineToken.Kind.CTI)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {secret}"
    return client


def post_event(cti, **body):
    """One telephony event, as the adapter posts it."""
    return cti.post(reverse("cti-events"), body, content_type="application/json")


@pytest.fixture
def fire(operator, dispatcher, damkar, nobody_ready_aside, django_capture_on_commit_callbacks):
    """A house fire in Batu Merah handled from ring to closure through the services: a call,
    the incident, Damkar's ticket accepted and PLN's declined, an engine's every step."""
    pln = Agency.objects.get(code="pln")
    pln_desk = type(damkar).objects.create_user(
        username="pln", password="x" * 16, role=damkar.role, agency=pln
    )
    with django_capture_on_commit_callbacks():
        _call, incident = house_fire(by=operator, call_id="ct-1", number="+6281200001111")
        receive_call_event(call_id="ct-1", event="ended", number="+6281200001111", adapter="pbx")
        ticket = notify_agency(incident=incident, agency=damkar.agency, by=dispatcher)
        refused = notify_agency(incident=incident, agency=pln, by=dispatcher)
        decline_ticket(ticket=refused, by=pln_desk, reason="Bukan wewenang kami")
        accept_ticket(ticket=ticket, by=damkar)
        engine = Unit.objects.get(call_sign="DAMKAR-01")
        assignment = dispatch_unit(ticket=ticket, unit=engine, by=damkar)
        for step in ("en_route", "on_scene", "operations_started", "clear"):
            advance(assignment=assignment, step=step, by=damkar)
        close_incident(incident=incident, by=dispatcher, outcome="resolved")
    return incident
