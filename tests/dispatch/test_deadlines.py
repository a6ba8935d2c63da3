"""Deadlines and escalation with a controlled clock: each policy fires at its deadline and not
before, the ladder climbs, answering in time clears it, downtime escalates once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from core.errors import Conflict, Forbidden
from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, SlaPolicy, Ticket, Watch
from dispatch.policies import check_ladder, check_scope
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.escalations import acknowledge_escalation, send_to_backup
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.models import Event
from incidents.services.calls import receive_call_event, take_call
from tests.conftest import at
from tests.dispatch.conftest import unit

# Each wait's own ladder here; the room's "nobody ready" is tested on its own.
pytestmark = pytest.mark.usefixtures("nobody_ready_aside")


def ring(call_id="e-1"):
    call, _changed = receive_call_event(
        call_id=call_id, event="ringing", number="+6281200007777", adapter="pbx"
    )
    return call


def queries_of_a_check(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        escalate_overdue(now)
    return len(queries)


def raised(watch=None) -> list[tuple[str, int]]:
    escalations = Escalation.objects.order_by("raised_at", "level")
    if watch:
        escalations = escalations.filter(watch=watch)
    return list(escalations.values_list("watch", "level"))


# --- An unanswered call -----------------------------------------------------------------------


def test_a_ringing_call_escalates_at_15_s_then_30_s_and_not_before(ambon, clock):
    call = ring()
    deadline = Deadline.objects.get(watch=Watch.CALL_UNANSWERED)
    assert deadline.due_at == at(15) and deadline.subject_id == str(call.pk)
    assert escalate_overdue(at(14.9)) == 0
    assert escalate_overdue(at(15)) == 1
    first = Escalation.objects.get()
    assert first.level == 1 and first.to_call_takers and not first.to_supervisors
    assert first.started_at == at(0) and first.due_at == at(15)
    assert escalate_overdue(at(29)) == 0
    assert escalate_overdue(at(30)) == 1
    assert raised() == [("call_unanswered", 1), ("call_unanswered", 2)]
    assert Escalation.objects.get(level=2).to_supervisors
    # The ladder is climbed and the call still rings: it repeats every 60 s after its last level.
    assert Deadline.objects.get().due_at == at(90)
    kinds = list(
        Event.objects.filter(kind__startswith="escalation.").values_list("kind", flat=True)
    )
    assert kinds == ["escalation.raised", "escalation.raised"]


def test_answering_in_time_clears_the_deadline_in_the_same_transaction(ambon, clock, operator):
    call = ring()
    clock.move_to(at(10))
    take_call(call=call, by=operator)
    assert not Deadline.objects.exists()
    assert escalate_overdue(at(60)) == 0


def test_answering_after_the_alarm_resolves_it_and_it_stays_until_acknowledged(
    ambon, clock, operator
):
    call = ring()
    escalate_overdue(at(15))
    clock.move_to(at(17))
    take_call(call=call, by=operator)
    escalation = Escalation.objects.get()
    assert escalation.resolved_at == at(17) and escalation.acknowledged_at is None
    assert Event.objects.filter(kind="escalation.resolved").count() == 1


def test_a_call_abandoned_before_the_deadline_never_escalates(ambon, clock):
    ring()
    receive_call_event(call_id="e-1", event="abandoned", number="+6281200007777", adapter="pbx")
    assert escalate_overdue(at(100)) == 0


def test_after_downtime_everything_overdue_escalates_once(ambon, clock):
    ring("e-1")
    ring("e-2")
    assert escalate_overdue(at(300)) == 6  # two calls, two levels and one repeat each
    assert escalate_overdue(at(301)) == 0
    assert escalate_overdue(at(600)) == 2  # the repeats missed since: one each, not a flood


# --- Tickets and incidents -------------------------------------------------------------------


@pytest.fixture
def fire_ticket(make_incident, dispatcher, clock):
    incident = make_incident("kebakaran.rumah")
    clock.move_to(at(5))
    return notify_agency(incident=incident, agency=Agency.objects.get(code="damkar"), by=dispatcher)


def test_an_unaccepted_ticket_alerts_the_desk_then_offers_the_backup(
    fire_ticket, supervisor, clock
):
    assert escalate_overdue(at(64)) == 0
    escalate_overdue(at(65))
    (first,) = Escalation.objects.filter(watch=Watch.TICKET_NOT_ACCEPTED)
    assert first.to_agency and first.to_supervisors and first.agency.code == "damkar"
    event = Event.objects.filter(kind="escalation.raised").last()
    assert event.agencies == ["damkar"]  # the desk's own feed hears it
    escalate_overdue(at(125))
    second = Escalation.objects.get(watch=Watch.TICKET_NOT_ACCEPTED, level=2)
    assert second.action == "offer_backup" and not second.to_agency
    backup = send_to_backup(escalation=second, by=supervisor)
    assert backup.agency.code == "bpbd" and backup.role == Ticket.Role.ADDED
    second.refresh_from_db()
    assert second.acknowledged_by == supervisor


def test_accepting_starts_the_no_unit_en_route_wait_of_the_category(fire_ticket, damkar, clock):
    clock.move_to(at(20))
    accept_ticket(ticket=fire_ticket, by=damkar)
    assert not Deadline.objects.filter(watch=Watch.TICKET_NOT_ACCEPTED).exists()
    waiting = Deadline.objects.get(watch=Watch.NO_UNIT_EN_ROUTE)
    assert waiting.due_at == at(20 + 80)  # fire: 80 s (NFPA 1710 turnout)
    clock.move_to(at(40))
    assignment = dispatch_unit(ticket=fire_ticket, unit=unit("DAMKAR-01"), by=damkar)
    assert Deadline.objects.filter(watch=Watch.NO_UNIT_EN_ROUTE).exists()  # dispatched ≠ moving
    advance(step="en_route", assignment=assignment, by=damkar)
    assert not Deadline.objects.filter(watch=Watch.NO_UNIT_EN_ROUTE).exists()


def test_a_medical_ticket_waits_60_s_and_others_120_s(make_incident, dispatcher, dinkes, clock):
    medical = notify_agency(
        incident=make_incident("medis.gawat_darurat"),
        agency=Agency.objects.get(code="dinkes"),
        by=dispatcher,
    )
    accept_ticket(ticket=medical, by=dinkes)
    other = notify_agency(
        incident=make_incident("kamtibmas.pencurian"),
        agency=Agency.objects.get(code="polresta"),
        by=dispatcher,
    )
    Ticket.objects.filter(pk=other.pk).update(status="accepted", accepted_at=at(0))
    other.refresh_from_db()
    accept_event_for_other = Deadline.objects.filter(
        subject_type="ticket", subject_id=str(other.pk)
    )
    assert accept_event_for_other.get().watch == Watch.TICKET_NOT_ACCEPTED  # no event yet
    waits = {d.subject_id: d.due_at for d in Deadline.objects.filter(watch=Watch.NO_UNIT_EN_ROUTE)}
    assert waits == {str(medical.pk): at(60)}


def test_an_emergency_not_forwarded_in_60_s_alerts_the_supervisor(make_incident, clock, dispatcher):
    incident = make_incident("medis.gawat_darurat")
    deadline = Deadline.objects.get(watch=Watch.INCIDENT_NOT_FORWARDED)
    assert deadline.due_at == at(60)  # from the answer (T1), here at T0
    escalate_overdue(at(60))
    assert raised(Watch.INCIDENT_NOT_FORWARDED) == [("incident_not_forwarded", 1)]
    notify_agency(incident=incident, agency=Agency.objects.get(code="dinkes"), by=dispatcher)
    assert not Deadline.objects.filter(watch=Watch.INCIDENT_NOT_FORWARDED).exists()


def test_a_fire_without_operations_started_alerts_at_15_min_from_t0(fire_ticket, damkar, clock):
    deadline = Deadline.objects.get(watch=Watch.FIRE_NO_OPERATIONS)
    assert deadline.due_at == at(15 * 60)
    accept_ticket(ticket=fire_ticket, by=damkar)
    assignment = dispatch_unit(ticket=fire_ticket, unit=unit("DAMKAR-01"), by=damkar)
    assignment = advance(
        step="on_scene",
        assignment=advance(step="en_route", assignment=assignment, by=damkar),
        by=damkar,
    )
    clock.move_to(at(14 * 60))
    advance(step="operations_started", assignment=assignment, by=damkar)
    assert not Deadline.objects.filter(watch=Watch.FIRE_NO_OPERATIONS).exists()
    escalate_overdue(at(20 * 60))
    assert raised(Watch.FIRE_NO_OPERATIONS) == []


# --- Acknowledging ------------------------------------------------------------------------------


def test_acknowledging_twice_tells_who_was_first(ambon, clock, operator, supervisor, damkar):
    ring()
    escalate_overdue(at(15))
    escalation = Escalation.objects.get()
    acknowledge_escalation(escalation=escalation, by=operator)
    with pytest.raises(Conflict, match="operator"):
        acknowledge_escalation(escalation=escalation, by=supervisor)
    with pytest.raises(Forbidden):  # a desk was not alerted about a ringing call
        acknowledge_escalation(escalation=escalation, by=damkar)


def test_the_escalation_api(ambon, clock, client_for, operator, supervisor):
    ring()
    escalate_overdue(at(30))
    client = client_for(operator)
    body = client.get(reverse("escalation-list")).json()
    assert body["open"] == 1 and body["now"]  # one call ringing: one subject, at level 2
    (subject,) = body["subjects"]
    assert subject["level"] == 2 and [h["level"] for h in subject["history"]] == [1, 2]
    newest = body["escalations"][0]  # newest first: level 2 also reaches the supervisors
    assert newest["level"] == 2 and newest["recipients"] == ["call_takers", "supervisors"]
    url = reverse("escalation-acknowledge", args=[newest["id"]])
    assert client.post(url).status_code == 200
    second = client_for(supervisor).post(url)
    assert second.status_code == 409 and "operator" in second.json()["detail"]
    assert client_for(supervisor).get(reverse("escalation-list")).json()["open"] == 1


# --- The check stays cheap ----------------------------------------------------------------------


def test_the_checks_queries_do_not_grow_with_items_not_yet_due(ambon, clock):
    ring("a")  # due at 15 s, then 30 s
    clock.move_to(at(10))
    ring("b")  # due at 25 s
    one_waiting = queries_of_a_check(at(15))  # raises a's level 1; b is not due
    clock.move_to(at(16))
    for i in range(60):
        ring(f"later-{i}")  # due at 31 s
    sixty_one_waiting = queries_of_a_check(at(25))  # raises b's level 1; 61 are not due
    assert raised() == [("call_unanswered", 1), ("call_unanswered", 1)]
    assert sixty_one_waiting == one_waiting


def test_the_check_runs_in_a_bounded_number_of_queries_per_escalation(ambon, clock):
    ring("a")
    assert queries_of_a_check(at(15)) <= 16


# --- Policies -------------------------------------------------------------------------------------


def test_a_bad_ladder_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError, match="more than zero"):
        check_ladder(Watch.CALL_UNANSWERED, [(1, 0, ["call_takers"], "")])
    with pytest.raises(ValidationError, match="more than zero"):
        check_ladder(Watch.CALL_UNANSWERED, [(1, -5, ["call_takers"], "")])
    with pytest.raises(ValidationError, match="choose who"):
        check_ladder(Watch.CALL_UNANSWERED, [(1, 15, [], "")])
    with pytest.raises(ValidationError, match="later than"):
        check_ladder(Watch.CALL_UNANSWERED, [(1, 30, ["supervisors"], ""), (2, 15, ["x"], "")])
    with pytest.raises(ValidationError, match="only be offered for a ticket"):
        check_ladder(Watch.CALL_UNANSWERED, [(1, 15, ["supervisors"], "offer_backup")])
    check_ladder(Watch.TICKET_NOT_ACCEPTED, [(1, 60, ["agency_desk"], "offer_backup")])


def test_a_scope_that_matches_nothing_is_refused(ambon):
    with pytest.raises(ValidationError, match="no scope"):
        check_scope(SlaPolicy(watch=Watch.CALL_UNANSWERED, category="medis"))
    with pytest.raises(ValidationError, match="fires only"):
        check_scope(SlaPolicy(watch=Watch.FIRE_NO_OPERATIONS, category="medis"))
    inactive = Agency.objects.get(code="dlhp")
    inactive.is_active = False
    inactive.save()
    with pytest.raises(ValidationError, match="inactive"):
        check_scope(SlaPolicy(watch=Watch.TICKET_NOT_ACCEPTED, agency=inactive))


def test_the_admin_refuses_a_zero_delay(add_policy):
    response = add_policy(
        name="Uji",
        watch="call_unanswered",
        category="",
        priority="",
        agency="",
        level={"delay_s": "0", "recipients": ["call_takers"]},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not SlaPolicy.objects.filter(name="Uji").exists()


def test_a_ladder_may_raise_the_incidents_priority(make_incident, clock):
    policy = SlaPolicy.objects.get(watch=Watch.INCIDENT_NOT_FORWARDED, active_from=None)
    policy.levels.update(action="raise_priority")
    incident = make_incident("kamtibmas.pencurian")
    before = incident.priority
    escalate_overdue(at(60))
    incident.refresh_from_db()
    assert incident.priority == before - 1
    assert Event.objects.filter(kind="incident.priority_raised").count() == 1
    # Logged after the escalation that raised it, saying from what.
    kinds = ("escalation.raised", "incident.priority_raised")
    logged = Event.objects.filter(incident=incident, kind__in=kinds).order_by("seq")
    assert [event.kind for event in logged] == list(kinds)
    assert logged[1].payload["previous"] == before
