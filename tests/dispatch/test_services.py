"""Tickets, assignments and closure at the service level: every transition, every refusal,
the jurisdiction rule, and every T-timestamp set once by the step that owns it."""

import pytest

from agencies.models import Agency, Station, Unit
from core.errors import Conflict, Forbidden
from dispatch.eido import ASSIGNMENT_TIMES
from dispatch.models import Assignment, Ticket
from dispatch.routing import proposed_agencies
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.incidents import close_incident, reopen_incident
from dispatch.services.tickets import (
    accept_ticket,
    decline_ticket,
    notify_agencies,
    notify_agency,
)
from dispatch.services.units import set_in_service
from incidents.models import Event, Incident
from tests.dispatch.conftest import BATU_MERAH, HILA, unit

T_FIELDS = [field for field in ASSIGNMENT_TIMES if field != "cancelled_at"]


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def codes(proposals) -> list[tuple[str, str, bool]]:
    return [(p.agency.code, p.role, p.cross_border) for p in proposals]


# --- Jurisdiction -------------------------------------------------------------------------------


def test_a_fire_in_the_city_goes_to_damkar_then_pln_dishub_dinkes(make_incident):
    incident = make_incident("kebakaran.rumah", BATU_MERAH)
    assert codes(proposed_agencies(incident)) == [
        ("damkar", "primary", False),
        ("pln", "support", False),
        ("dishub", "support", False),
        ("dinkes", "support", False),
    ]


def test_maluku_tengah_routes_to_its_own_agency_or_marks_the_city_one_cross_border(
    make_incident,
):
    incident = make_incident("kebakaran.rumah", HILA)
    proposals = {p.agency.code: p for p in proposed_agencies(incident)}
    # Damkar has no Maluku Tengah counterpart: the city's answers, across the border.
    assert proposals["damkar"].cross_border
    # Dinkes Maluku Tengah replaces the city's health service, not across any border.
    assert "dinkes" not in proposals
    assert not proposals["dinkes-malteng"].cross_border
    assert proposals["dinkes-malteng"].routed_from.code == "dinkes"
    # PLN serves both regencies.
    assert not proposals["pln"].cross_border


def test_a_landslide_in_leihitu_goes_to_bpbd_maluku_tengah(make_incident):
    incident = make_incident("bencana.tanah_longsor", HILA)
    assert codes(proposed_agencies(incident))[0] == ("bpbd-malteng", "primary", False)


def test_the_ticket_carries_the_cross_border_mark(make_incident, dispatcher):
    incident = make_incident("kebakaran.rumah", HILA)
    ticket = notify_agency(incident=incident, agency=agency("damkar"), by=dispatcher)
    assert ticket.cross_border and ticket.role == Ticket.Role.PRIMARY


# --- Tickets ------------------------------------------------------------------------------------


def test_notifying_sets_t3_dispatches_the_incident_and_tells_the_desk(make_incident, dispatcher):
    incident = make_incident()
    ticket = notify_agency(incident=incident, agency=agency("damkar"), by=dispatcher)
    assert ticket.status == Ticket.Status.NOTIFIED and ticket.notified_at
    incident.refresh_from_db()
    assert incident.status == Incident.Status.DISPATCHED
    assert list(incident.agencies.values_list("code", flat=True)) == ["damkar"]
    event = Event.objects.get(kind="ticket.notified")
    assert event.agencies == ["damkar"] and event.incident_id == incident.pk
    # From now on the incident's own events reach the desk as well.
    assert Event.objects.filter(kind="incident.status_changed").get().agencies == ["damkar"]


def test_an_agency_added_by_hand_is_marked_added(make_incident, dispatcher):
    ticket = notify_agency(incident=make_incident(), agency=agency("basarnas"), by=dispatcher)
    assert ticket.role == Ticket.Role.ADDED


def test_one_open_ticket_per_agency(make_incident, dispatcher):
    incident = make_incident()
    notify_agency(incident=incident, agency=agency("damkar"), by=dispatcher)
    with pytest.raises(Conflict, match="already has a ticket"):
        notify_agency(incident=incident, agency=agency("damkar"), by=dispatcher)


def test_forwarding_to_several_is_all_or_nothing(make_incident, dispatcher):
    incident = make_incident()
    notify_agency(incident=incident, agency=agency("pln"), by=dispatcher)
    with pytest.raises(Conflict):
        notify_agencies(
            incident=incident, agencies=[agency("damkar"), agency("pln")], by=dispatcher
        )
    assert not Ticket.objects.filter(agency__code="damkar").exists()


def test_a_verifier_and_a_desk_may_not_forward(make_incident, verifier, damkar):
    incident = make_incident()
    for person in (verifier, damkar):
        with pytest.raises(Forbidden):
            notify_agency(incident=incident, agency=agency("damkar"), by=person)


def test_call_takers_forward_where_the_centre_works_that_way(make_incident, operator, settings):
    incident = make_incident()
    notify_agency(incident=incident, agency=agency("damkar"), by=operator)
    settings.CALL_TAKERS_FORWARD = False
    with pytest.raises(Forbidden):
        notify_agency(incident=incident, agency=agency("pln"), by=operator)


def test_a_closed_incident_refuses_new_tickets(make_incident, dispatcher):
    incident = make_incident()
    close_incident(incident=incident, by=dispatcher, outcome="false_alarm")
    with pytest.raises(Conflict, match="closed"):
        notify_agency(incident=incident, agency=agency("damkar"), by=dispatcher)


def test_the_desk_accepts_once_and_a_second_accept_names_who_did(
    make_incident, dispatcher, damkar, desk
):
    ticket = notify_agency(incident=make_incident(), agency=agency("damkar"), by=dispatcher)
    accepted = accept_ticket(ticket=ticket, by=damkar)
    assert accepted.status == Ticket.Status.ACCEPTED and accepted.accepted_by == damkar
    t4 = accepted.accepted_at
    second_desk = desk("damkar")
    with pytest.raises(Conflict, match="Already accepted by damkar"):
        accept_ticket(ticket=ticket, by=second_desk)
    ticket.refresh_from_db()
    assert ticket.accepted_at == t4


def test_only_the_agencys_own_desk_accepts_or_declines(make_incident, dispatcher, dinkes):
    ticket = notify_agency(incident=make_incident(), agency=agency("damkar"), by=dispatcher)
    for person in (dinkes, dispatcher):
        with pytest.raises(Forbidden):
            accept_ticket(ticket=ticket, by=person)
        with pytest.raises(Forbidden):
            decline_ticket(ticket=ticket, by=person, reason="x")


def test_declining_needs_a_reason_and_reaches_the_operations_room(make_incident, dispatcher, desk):
    incident = make_incident()
    ticket = notify_agency(incident=incident, agency=agency("pln"), by=dispatcher)
    with pytest.raises(Conflict, match="why"):
        decline_ticket(ticket=ticket, by=desk("pln"), reason="  ")
    declined = decline_ticket(ticket=ticket, by=desk("pln"), reason="Jaringan sudah padam")
    assert declined.status == Ticket.Status.DECLINED and declined.declined_at
    event = Event.objects.get(kind="ticket.declined")
    assert event.payload["ticket"]["decline_reason"] == "Jaringan sudah padam"
    assert event.agencies == ["pln"]  # and, like every event, the ops feed
    with pytest.raises(Conflict, match="Already declined"):
        accept_ticket(ticket=ticket, by=desk("pln"))
    incident.refresh_from_db()
    assert incident.status == Incident.Status.NEW  # nobody holds it any more


# --- Assignments --------------------------------------------------------------------------------


@pytest.fixture
def accepted_fire(make_incident, dispatcher, damkar):
    ticket = notify_agency(incident=make_incident(), agency=agency("damkar"), by=dispatcher)
    return accept_ticket(ticket=ticket, by=damkar)


def test_a_fire_engine_goes_through_every_step_and_each_time_is_set_once(accepted_fire, damkar):
    engine = unit("DAMKAR-01")
    a = dispatch_unit(ticket=accepted_fire, unit=engine, by=damkar)
    engine.refresh_from_db()
    assert a.status == Assignment.Status.DISPATCHED and engine.status == Unit.Status.DISPATCHED
    assert a.eta_s is not None
    seen = {}
    for step, status in [
        ("en_route", Assignment.Status.EN_ROUTE),
        ("on_scene", Assignment.Status.ON_SCENE),
        ("operations_started", Assignment.Status.ON_SCENE),
        ("clear", Assignment.Status.CLEARED),
    ]:
        before = {f: getattr(a, f) for f in T_FIELDS}
        a = advance(assignment=a, step=step, by=damkar)
        assert a.status == status
        changed = [f for f in T_FIELDS if getattr(a, f) != before[f]]
        assert len(changed) == 1, (step, changed)
        seen[changed[0]] = getattr(a, changed[0])
    assert list(seen) == ["en_route_at", "on_scene_at", "operations_started_at", "cleared_at"]
    assert a.dispatched_at <= a.en_route_at <= a.on_scene_at <= a.operations_started_at
    engine.refresh_from_db()
    assert engine.status == Unit.Status.AVAILABLE
    kinds = list(
        Event.objects.filter(kind__startswith="assignment.").values_list("kind", flat=True)
    )
    assert kinds == [
        "assignment.dispatched",
        "assignment.en_route",
        "assignment.on_scene",
        "assignment.operations_started",
        "assignment.cleared",
    ]


def test_the_incident_status_follows_its_units(accepted_fire, damkar):
    incident = accepted_fire.incident
    a = dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    statuses = []
    for step in ("en_route", "on_scene", "clear"):
        a = advance(assignment=a, step=step, by=damkar)
        incident.refresh_from_db()
        statuses.append(incident.status)
    assert statuses == ["responding", "on_scene", "resolved"]


def test_an_ambulance_takes_the_patient_to_hospital(make_incident, dispatcher, dinkes):
    ticket = notify_agency(
        incident=make_incident("medis.gawat_darurat"), agency=agency("dinkes"), by=dispatcher
    )
    accept_ticket(ticket=ticket, by=dinkes)
    a = dispatch_unit(ticket=ticket, unit=unit("PSC-01"), by=dinkes)
    a = advance(
        step="on_scene", assignment=advance(step="en_route", assignment=a, by=dinkes), by=dinkes
    )
    with pytest.raises(Conflict, match="fires only"):
        advance(step="operations_started", assignment=a, by=dinkes)
    hospital = Station.objects.filter(kind=Station.Kind.HOSPITAL).first()
    a = advance(step="transporting", assignment=a, by=dinkes, destination=hospital)
    assert a.status == Assignment.Status.TRANSPORTING and a.destination == hospital
    a = advance(step="at_hospital", assignment=a, by=dinkes)
    assert a.transporting_at <= a.at_hospital_at
    a = advance(step="clear", assignment=a, by=dinkes)
    assert a.cleared_at and unit("PSC-01").status == Unit.Status.AVAILABLE


def test_a_step_out_of_order_is_refused_with_the_allowed_next_steps(accepted_fire, damkar):
    a = dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    with pytest.raises(Conflict) as refused:
        advance(step="on_scene", assignment=a, by=damkar)
    assert refused.value.details["allowed"] == ["en_route", "cancel"]
    assert "DAMKAR-01" in str(refused.value)
    a = advance(
        step="on_scene", assignment=advance(step="en_route", assignment=a, by=damkar), by=damkar
    )
    advance(step="operations_started", assignment=a, by=damkar)
    with pytest.raises(Conflict):  # T6f is set once
        advance(step="operations_started", assignment=a, by=damkar)
    with pytest.raises(Conflict):
        advance(step="cancel", assignment=a, by=damkar, reason="x")  # on scene: clear it instead


def test_a_unit_already_on_a_call_is_refused_naming_the_call(
    accepted_fire, make_incident, dispatcher, damkar
):
    dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    other = notify_agency(incident=make_incident(), agency=agency("damkar"), by=dispatcher)
    accept_ticket(ticket=other, by=damkar)
    with pytest.raises(Conflict, match=f"already on incident #{accepted_fire.incident_id}"):
        dispatch_unit(ticket=other, unit=unit("DAMKAR-01"), by=damkar)


def test_a_ticket_must_be_accepted_and_the_unit_must_be_the_agencys(
    make_incident, dispatcher, damkar
):
    ticket = notify_agency(incident=make_incident(), agency=agency("damkar"), by=dispatcher)
    with pytest.raises(Conflict, match="Accept the ticket first"):
        dispatch_unit(ticket=ticket, unit=unit("DAMKAR-01"), by=damkar)
    accept_ticket(ticket=ticket, by=damkar)
    with pytest.raises(Conflict, match="another agency"):
        dispatch_unit(ticket=ticket, unit=unit("PSC-01"), by=damkar)


def test_another_desk_or_the_dispatcher_may_not_move_a_desks_units(
    accepted_fire, damkar, dinkes, dispatcher
):
    a = dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    for person in (dinkes, dispatcher):
        with pytest.raises(Forbidden):
            advance(step="en_route", assignment=a, by=person)
        with pytest.raises(Forbidden):
            dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-02"), by=person)


def test_where_the_agency_allows_the_dispatcher_sends_its_units_and_accepts_for_it(
    make_incident, dispatcher
):
    Agency.objects.filter(code="dinsos").update(dispatcher_may_assign=True)
    ticket = notify_agency(
        incident=make_incident("mobil_jenazah.permintaan"), agency=agency("dinsos"), by=dispatcher
    )
    a = dispatch_unit(ticket=ticket, unit=unit("DINSOS-J1"), by=dispatcher)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACCEPTED and ticket.accepted_by == dispatcher
    assert ticket.accepted_at <= a.dispatched_at


def test_an_out_of_service_unit_cannot_be_sent(accepted_fire, damkar):
    set_in_service(unit=unit("DAMKAR-02"), by=damkar, in_service=False, reason="ban bocor")
    with pytest.raises(Conflict, match="out of service"):
        dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-02"), by=damkar)


def test_a_unit_on_a_call_cannot_be_taken_out_of_service(accepted_fire, damkar):
    dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    with pytest.raises(Conflict, match="on a call"):
        set_in_service(unit=unit("DAMKAR-01"), by=damkar, in_service=False)


def test_a_cancelled_assignment_frees_the_unit(accepted_fire, damkar):
    a = dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    a = advance(step="cancel", assignment=a, by=damkar, reason="Unit lain lebih dekat")
    assert a.status == Assignment.Status.CANCELLED and a.cancelled_at and not a.cleared_at
    assert unit("DAMKAR-01").status == Unit.Status.AVAILABLE
    dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)  # may go again


# --- Closure ------------------------------------------------------------------------------------


def test_closing_sets_t11_releases_units_and_ends_tickets(
    accepted_fire, make_incident, dispatcher, supervisor, damkar
):
    incident = accepted_fire.incident
    waiting = notify_agency(incident=incident, agency=agency("pln"), by=dispatcher)
    a = dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    a = advance(
        step="on_scene", assignment=advance(step="en_route", assignment=a, by=damkar), by=damkar
    )
    second = dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-02"), by=damkar)
    closed = close_incident(incident=incident, by=supervisor, outcome="resolved", note="Padam")
    assert closed.status == Incident.Status.CLOSED and closed.closed_at and closed.closed_by
    a.refresh_from_db()
    second.refresh_from_db()
    assert a.status == Assignment.Status.CLEARED and a.cleared_at == closed.closed_at
    assert second.status == Assignment.Status.CANCELLED and not second.on_scene_at
    assert {unit("DAMKAR-01").status, unit("DAMKAR-02").status} == {Unit.Status.AVAILABLE}
    accepted_fire.refresh_from_db()
    waiting.refresh_from_db()
    assert accepted_fire.status == Ticket.Status.COMPLETED
    assert waiting.status == Ticket.Status.CANCELLED
    with pytest.raises(Conflict):
        close_incident(incident=incident, by=supervisor, outcome="resolved")


def test_a_cancelled_outcome_cancels_the_incident(make_incident, dispatcher):
    incident = close_incident(incident=make_incident(), by=dispatcher, outcome="cancelled")
    assert incident.status == Incident.Status.CANCELLED


def test_only_dispatchers_and_supervisors_close_and_only_supervisors_reopen(
    make_incident, operator, damkar, dispatcher, supervisor
):
    incident = make_incident()
    for person in (operator, damkar):
        with pytest.raises(Forbidden):
            close_incident(incident=incident, by=person, outcome="resolved")
    close_incident(incident=incident, by=dispatcher, outcome="false_alarm")
    with pytest.raises(Forbidden):
        reopen_incident(incident=incident, by=dispatcher, reason="x")
    reopened = reopen_incident(incident=incident, by=supervisor, reason="Pelapor menelepon lagi")
    assert reopened.is_open and reopened.closed_at is None and reopened.outcome == ""
    event = Event.objects.get(kind="incident.reopened")
    assert event.payload["closed"]["outcome"] == "false_alarm"
    assert event.payload["reason"] == "Pelapor menelepon lagi"
    with pytest.raises(Conflict, match="still open"):
        reopen_incident(incident=incident, by=supervisor, reason="x")


def test_every_step_is_in_the_incidents_timeline(accepted_fire, damkar, dispatcher):
    a = dispatch_unit(ticket=accepted_fire, unit=unit("DAMKAR-01"), by=damkar)
    advance(step="en_route", assignment=a, by=damkar)
    close_incident(incident=accepted_fire.incident, by=dispatcher, outcome="resolved")
    timeline = list(
        Event.objects.filter(incident=accepted_fire.incident).values_list("kind", flat=True)
    )
    for kind in [
        "incident.created",
        "ticket.notified",
        "ticket.accepted",
        "assignment.dispatched",
        "assignment.en_route",
        "assignment.cancelled",
        "ticket.completed",
        "incident.closed",
    ]:
        assert kind in timeline, kind
