"""Two desks at once on PostgreSQL: exactly one wins, the other is told why."""

import pytest
from django.db import IntegrityError

from agencies.models import Agency
from dispatch.models import Assignment, Ticket
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.models import Event
from tests.dispatch.conftest import unit
from tests.threads import assert_one_won_and_named, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_desks_accepting_the_same_ticket_one_wins(make_incident, dispatcher, damkar, desk):
    ticket = notify_agency(
        incident=make_incident(), agency=Agency.objects.get(code="damkar"), by=dispatcher
    )
    other = desk("damkar")
    outcomes = race(lambda person: accept_ticket(ticket=ticket, by=person), [damkar, other])
    assert_one_won_and_named(outcomes, Ticket.objects.get(pk=ticket.pk).accepted_by.username)
    assert Event.objects.filter(kind="ticket.accepted").count() == 1


def test_the_same_unit_sent_to_two_incidents_at_once_goes_to_one(
    make_incident, dispatcher, damkar, desk
):
    damkar_agency = Agency.objects.get(code="damkar")
    tickets = [
        accept_ticket(
            ticket=notify_agency(incident=make_incident(), agency=damkar_agency, by=dispatcher),
            by=damkar,
        )
        for _ in range(2)
    ]
    other = desk("damkar")
    by_person = {damkar.username: tickets[0], other.username: tickets[1]}
    outcomes = race(
        lambda person: dispatch_unit(
            ticket=by_person[person.username], unit=unit("DAMKAR-01"), by=person
        ),
        [damkar, other],
    )
    assert list(outcomes.values()).count("won") == 1
    (assignment,) = Assignment.objects.filter(unit__call_sign="DAMKAR-01")
    loser = next(text for text in outcomes.values() if text != "won")
    assert f"#{assignment.incident_id}" in loser


def test_the_database_itself_refuses_a_second_active_assignment(make_incident, dispatcher, damkar):
    ticket = accept_ticket(
        ticket=notify_agency(
            incident=make_incident(), agency=Agency.objects.get(code="damkar"), by=dispatcher
        ),
        by=damkar,
    )
    first = dispatch_unit(ticket=ticket, unit=unit("DAMKAR-01"), by=damkar)
    with pytest.raises(IntegrityError):
        Assignment.objects.create(
            incident=first.incident,
            ticket=ticket,
            unit=first.unit,
            dispatched_at=first.dispatched_at,
            dispatched_by=damkar,
        )
