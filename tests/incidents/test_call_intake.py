"""Call intake: the adapter's events, take, classify, incident, duplicate, nuisance policy."""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Area
from core.errors import Conflict
from incidents.aml import build_aml_body
from incidents.models import Call, Caller, Event, Incident, IncidentType
from incidents.services.callers import block_caller, unblock_caller
from incidents.services.calls import (
    attach_call_to_incident,
    create_incident,
    dispose_call,
    receive_call_event,
    take_call,
)
from tests.fires import house_fire
from tests.incidents.conftest import post_event
from tests.threads import assert_one_won_and_named, race

NUMBER = "+6281200001234"


def batu_merah() -> Area:
    return Area.objects.get(code="81.71.02.2003")


def ring(call_id="c-1", number=NUMBER, **kwargs) -> Call:
    call, _changed = receive_call_event(
        call_id=call_id, event="ringing", number=number, adapter="pbx", **kwargs
    )
    return call


# --- The telephony adapter ---------------------------------------------------------------------


def test_a_ringing_call_is_stored_with_its_normalised_number_and_announced(cti):
    response = post_event(
        cti, call_id="c-1", event="ringing", number="0812-0000-1234", line="112-1"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == NUMBER and body["status"] == "ringing" and body["line"] == "112-1"
    event = Event.objects.get(kind="call.ringing")
    assert event.payload["call"]["id"] == body["id"]
    assert event.actor_label == "cti:pbx"


def test_a_repeated_event_answers_200_and_changes_nothing(cti):
    post_event(cti, call_id="c-1", event="ringing", number=NUMBER)
    events = Event.objects.count()
    response = post_event(cti, call_id="c-1", event="ringing", number=NUMBER)
    assert response.status_code == 200
    assert Event.objects.count() == events
    assert Call.objects.count() == 1


def test_events_out_of_order_are_reconciled(cti):
    post_event(cti, call_id="c-9", event="ended", number=NUMBER)
    assert Call.objects.get(call_id="c-9").status == "abandoned"  # nobody answered, so far
    post_event(cti, call_id="c-9", event="answered", number=NUMBER)
    post_event(cti, call_id="c-9", event="ringing", number=NUMBER)
    call = Call.objects.get(call_id="c-9")
    assert call.status == "ended"
    assert call.ringing_at and call.answered_at and call.ended_at


def test_an_adapter_clock_more_than_five_seconds_off_is_stored_and_flagged(cti):
    skewed = (timezone.now() - timedelta(seconds=42)).isoformat()
    post_event(cti, call_id="c-2", event="ringing", number=NUMBER, at=skewed)
    call = Call.objects.get(call_id="c-2")
    assert call.ringing_at.isoformat() == skewed or abs(call.clock_skew_s + 42) < 1
    assert call.clock_skew_s == pytest.approx(-42, abs=1)
    post_event(cti, call_id="c-3", event="ringing", number=NUMBER, at=timezone.now().isoformat())
    assert Call.objects.get(call_id="c-3").clock_skew_s is None


def test_an_aml_fix_in_the_event_locates_the_call(cti):
    post_event(
        cti,
        call_id="c-4",
        event="ringing",
        number=NUMBER,
        location={"lat": -3.6885, "lon": 128.1990, "radius_m": 12, "source": "aml"},
    )
    assert Call.objects.get(call_id="c-4").aml_radius_m == 12


def test_other_channels_enter_as_calls(cti):
    post_event(cti, call_id="wa-1", event="ringing", number=NUMBER, channel="whatsapp")
    assert Call.objects.get(call_id="wa-1").channel == "whatsapp"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"call_id": "x", "event": "ringing", "number": "call me maybe"}, "number"),
        ({"call_id": "x", "event": "exploded", "number": NUMBER}, "event"),
        ({"call_id": "x", "event": "ringing", "number": NUMBER, "at": "yesterday"}, "at"),
        ({"call_id": "x", "event": "ringing", "number": NUMBER, "colour": "red"}, "colour"),
        ({"event": "ringing", "number": NUMBER}, "call_id"),
    ],
)
def test_bad_adapter_input_is_a_400_naming_the_field(cti, body, field):
    response = post_event(cti, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Call.objects.exists()


def test_staff_cannot_post_call_events(client_for, operator):
    response = client_for(operator).post(
        reverse("cti-events"),
        {"call_id": "x", "event": "ringing", "number": NUMBER},
        content_type="application/json",
    )
    assert response.status_code in {401, 403}


# --- Taking and classifying ---------------------------------------------------------------------


def test_exactly_one_call_taker_takes_a_call_and_the_other_is_told_who(operator, supervisor):
    call = ring()
    take_call(call=call, by=operator)
    with pytest.raises(Conflict, match="operator"):
        take_call(call=call, by=supervisor)
    assert Call.objects.get(pk=call.pk).taken_by == operator


def test_a_take_over_the_api_answers_409_with_who_took_it(client_for, operator, supervisor):
    call = ring()
    take_call(call=call, by=operator)
    response = client_for(supervisor).post(reverse("call-take", args=[call.pk]))
    assert response.status_code == 409
    assert "operator" in response.json()["detail"]


def test_an_incident_names_an_active_type_by_its_code(client_for, operator):
    call = take_call(call=ring(), by=operator)
    IncidentType.objects.filter(code="bencana.banjir").update(is_active=False)
    url, client = reverse("call-incident", args=[call.pk]), client_for(operator)
    for given, shown in (
        ("tidak.ada", "tidak.ada"),
        (5, "5"),
        ("bencana.banjir", "bencana.banjir"),
    ):
        response = client.post(url, {"incident_type": given}, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"] == {
            "incident_type": [f"Tidak ada objek dengan code={shown}."]
        }
    response = client.post(
        url, {"incident_type": "kebakaran.rumah"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["incident_type"]["code"] == "kebakaran.rumah"


def test_a_call_whose_caller_hung_up_unanswered_cannot_be_taken(operator):
    call = ring()
    receive_call_event(call_id="c-1", event="abandoned", number=NUMBER, adapter="pbx")
    with pytest.raises(Conflict):
        take_call(call=call, by=operator)


def test_a_prank_costs_one_action_and_is_counted_on_the_number(operator):
    call = take_call(call=ring(), by=operator)
    dispose_call(call=call, by=operator, disposition="prank")
    assert Call.objects.get(pk=call.pk).disposition == "prank"
    assert Caller.objects.get(number=NUMBER).prank_calls == 1


def test_a_call_cannot_be_classified_twice_or_by_someone_else(operator, supervisor):
    call = take_call(call=ring(), by=operator)
    with pytest.raises(Conflict):
        dispose_call(call=call, by=supervisor, disposition="information")
    dispose_call(call=call, by=operator, disposition="information")
    with pytest.raises(Conflict):
        dispose_call(call=call, by=operator, disposition="test")


def test_a_disposition_on_an_unknown_call_is_a_404(client_for, operator):
    response = client_for(operator).post(
        reverse("call-dispose", args=[999]),
        {"disposition": "prank"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_a_house_fire_in_batu_merah_becomes_an_incident_with_its_kelurahan(operator):
    call, incident = house_fire(by=operator, call_id="c-1", number=NUMBER, caller_name="Ibu Wati")
    assert incident.area == batu_merah() and incident.kecamatan.name == "Sirimau"
    assert incident.priority == 1 and incident.category == "kebakaran"
    call.refresh_from_db()
    assert call.disposition == "emergency" and call.incident == incident
    assert call.caller_name == "Ibu Wati"
    assert Event.objects.filter(kind="incident.created", subject_id=str(incident.pk)).exists()


def new_incident(operator, code: str, **place) -> Incident:
    """A ringing call taken by `operator` and made an incident of type `code` at `place`."""
    call = take_call(call=ring(), by=operator)
    return create_incident(
        call=call, by=operator, incident_type=IncidentType.objects.get(code=code), **place
    )


def test_a_point_outside_ambon_island_is_accepted_and_marked(operator):
    incident = new_incident(operator, "kecelakaan.laut", lat=-3.30, lon=128.95)
    assert incident.outside_coverage and incident.area is None


def test_a_kelurahan_chosen_from_the_list_places_the_incident_approximately(operator):
    incident = new_incident(operator, "bencana.banjir", area=batu_merah())
    assert incident.area == batu_merah() and incident.location_approximate


def test_a_second_call_is_attached_to_the_open_incident(operator):
    area = batu_merah()
    house_fire = IncidentType.objects.get(code="kebakaran.rumah")
    first = take_call(call=ring("c-1"), by=operator)
    incident = create_incident(
        call=first, by=operator, incident_type=house_fire, lat=area.label_lat, lon=area.label_lon
    )
    second = take_call(call=ring("c-2", "+6281200009999"), by=operator)
    attach_call_to_incident(call=second, by=operator, incident=incident)
    second.refresh_from_db()
    assert second.disposition == "duplicate" and second.incident == incident
    assert incident.calls.count() == 2
    assert Event.objects.filter(kind="incident.call_attached", subject_id=str(incident.pk)).exists()


def test_a_closed_incident_takes_no_more_calls(operator):
    first = take_call(call=ring("c-1"), by=operator)
    incident = create_incident(
        call=first, by=operator, incident_type=IncidentType.objects.get(code="medis.gawat_darurat")
    )
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    second = take_call(call=ring("c-2"), by=operator)
    with pytest.raises(Conflict):
        attach_call_to_incident(call=second, by=operator, incident=incident)


# --- Duplicates ---------------------------------------------------------------------------------


_serial = itertools.count(1)


def make_incident(operator, *, code="kebakaran.rumah", lat=-3.6885, lon=128.1990):
    n = next(_serial)
    call = take_call(call=ring(f"dup-{n}", f"+62812000{n:05d}"), by=operator)
    return create_incident(
        call=call, by=operator, incident_type=IncidentType.objects.get(code=code), lat=lat, lon=lon
    )


def duplicates(client, call, lat, lon, code="kebakaran.rumah"):
    response = client.get(
        reverse("call-duplicates", args=[call.pk]),
        {"lat": lat, "lon": lon, "incident_type": code},
    )
    assert response.status_code == 200, response.json()
    return [c["id"] for c in response.json()["candidates"]]


def test_duplicates_are_open_incidents_nearby_recent_and_of_the_same_category(client_for, operator):
    near = make_incident(operator)  # the reference point
    far = make_incident(operator, lat=-3.6885 + 0.0090)  # ~1 km north
    other_kind = make_incident(operator, code="medis.gawat_darurat")
    closed = make_incident(operator)
    Incident.objects.filter(pk=closed.pk).update(status="closed")
    old = make_incident(operator)
    Incident.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=3))

    call = take_call(call=ring("new-call", "+6281299999999"), by=operator)
    found = duplicates(client_for(operator), call, -3.6890, 128.1992)

    assert found == [near.pk]
    assert {far.pk, other_kind.pk, closed.pk, old.pk}.isdisjoint(found)


# --- Nuisance policy and blocks ---------------------------------------------------------------


def test_three_pranks_in_a_day_flag_the_number_for_the_supervisor(operator):
    for i in range(3):
        call = take_call(call=ring(f"p-{i}"), by=operator)
        dispose_call(call=call, by=operator, disposition="prank" if i != 1 else "ghost")
    caller = Caller.objects.get(number=NUMBER)
    assert caller.flagged_at is not None
    assert (caller.prank_calls, caller.ghost_calls) == (2, 1)
    assert Event.objects.filter(kind="caller.flagged").count() == 1


def test_a_blocked_numbers_call_is_still_shown_marked_and_the_block_is_logged(
    client_for, operator, supervisor
):
    caller = Caller.objects.create(number=NUMBER)
    block_caller(caller=caller, by=supervisor, reason="5 panggilan iseng")
    call = ring("after-block")
    queue = client_for(operator).get(reverse("call-list")).json()["calls"]
    assert [c["id"] for c in queue] == [call.pk]
    assert queue[0]["caller"]["blocked"] is True
    event = Event.objects.get(kind="caller.blocked")
    assert event.actor == supervisor and event.payload["reason"] == "5 panggilan iseng"
    unblock_caller(caller=caller, by=supervisor)
    assert Event.objects.filter(kind="caller.unblocked").exists()


def test_only_a_supervisor_blocks_a_number(client_for, operator, supervisor):
    caller = Caller.objects.create(number=NUMBER)
    url = reverse("caller-block", args=[caller.pk])
    body = {"reason": "iseng"}
    assert client_for(operator).post(url, body, content_type="application/json").status_code == 403
    response = client_for(supervisor).post(url, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["blocked"] is True


# --- Who may do what -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["damkar", "verifier", "dispatcher"])
def test_agency_desks_verifiers_and_dispatchers_cannot_take_calls(ambon, request, client_for, who):
    call = ring()
    response = client_for(request.getfixturevalue(who)).post(reverse("call-take", args=[call.pk]))
    assert response.status_code == 403
    assert Call.objects.get(pk=call.pk).taken_by is None


def test_the_screen_pop_shows_what_the_number_called_about_before(client_for, operator):
    first = take_call(call=ring("old"), by=operator)
    incident = create_incident(
        call=first, by=operator, incident_type=IncidentType.objects.get(code="medis.ibu_melahirkan")
    )
    call = ring("new")
    body = client_for(operator).get(reverse("call-detail", args=[call.pk])).json()
    assert body["history"]["calls"][0]["id"] == first.pk
    assert body["history"]["incidents"][0]["id"] == incident.pk


def test_an_incident_shows_its_calls_notes_and_timeline(client_for, operator, verifier):
    call = take_call(call=ring(), by=operator)
    incident = create_incident(
        call=call, by=operator, incident_type=IncidentType.objects.get(code="kebakaran.rumah")
    )
    client = client_for(operator)
    note = client.post(
        reverse("incident-notes", args=[incident.pk]),
        {"text": "Api sudah padam sebagian"},
        content_type="application/json",
    )
    assert note.status_code == 201
    body = client_for(verifier).get(reverse("incident-detail", args=[incident.pk])).json()
    assert [c["id"] for c in body["calls"]] == [call.pk]
    assert body["notes"][0]["text"] == "Api sudah padam sebagian"
    assert [e["kind"] for e in body["timeline"]] == [
        "incident.created",
        "call.disposed",  # the call that reported it, filed under it
        "incident.note_added",
    ]
    denied = client_for(verifier).post(
        reverse("incident-notes", args=[incident.pk]),
        {"text": "x"},
        content_type="application/json",
    )
    assert denied.status_code == 403


# --- AML over the adapter's API ----------------------------------------------------------------


def test_an_aml_sms_locates_the_live_call_from_that_number(cti):
    post_event(cti, call_id="c-aml", event="ringing", number=NUMBER)
    body = build_aml_body(lat=-3.68853, lon=128.19906, radius_m=9, positioned_at=timezone.now())
    response = cti.post(
        reverse("cti-aml"),
        {"number": "081200001234", "body": body},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["aml"]["radius_m"] == 9
    assert Event.objects.filter(kind="call.located").exists()


def test_a_malformed_aml_sms_is_a_400_naming_the_bad_field(cti):
    post_event(cti, call_id="c-aml", event="ringing", number=NUMBER)
    response = cti.post(
        reverse("cti-aml"),
        {"number": NUMBER, "body": 'A"ML=1;lt=south;lg=+128.19906;rd=9;top=20261128010203'},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["body"][0].startswith("lt:")
    assert Call.objects.get(call_id="c-aml").aml_lat is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_call_takers_taking_the_same_call_at_once_one_wins(ambon, operator, supervisor):
    call = ring("race")
    outcomes = race(
        lambda user: take_call(call=Call.objects.get(pk=call.pk), by=user), [operator, supervisor]
    )
    assert_one_won_and_named(outcomes, Call.objects.get(pk=call.pk).taken_by.username)
    assert Event.objects.filter(kind="call.taken").count() == 1


def test_a_pbx_answer_without_extension_leaves_the_queue_and_waits_unclaimed_for_a_take(
    client_for, operator
):
    call = ring()
    receive_call_event(call_id="c-1", event="answered", number=NUMBER, adapter="pbx")
    client = client_for(operator)
    assert client.get(reverse("call-list")).json()["calls"] == []
    unclaimed = client.get(reverse("call-list"), {"status": "unclaimed"}).json()["calls"]
    assert [c["id"] for c in unclaimed] == [call.pk]
    take_call(call=call, by=operator)
    assert client.get(reverse("call-list"), {"status": "unclaimed"}).json()["calls"] == []
    assert [
        c["id"] for c in client.get(reverse("call-list"), {"status": "mine"}).json()["calls"]
    ] == [call.pk]
