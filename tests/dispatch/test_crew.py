"""A crew runs its unit from a phone (issue #19): shift, steps (also offline), positions."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Role, Station, User
from agencies.services import create_demo_accounts
from core.errors import Conflict, Forbidden
from dispatch.models import Assignment, CrewShift
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.crew import end_shift, start_shift
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.models import Event
from tests.conftest import PASSWORD
from tests.dispatch.conftest import unit

BATU_MERAH_LAT, BATU_MERAH_LON = -3.6836, 128.1916


def crew_of(code: str, username: str = "") -> User:
    return User.objects.create_user(
        username=username or f"{code}-kru",
        password=PASSWORD,
        role=Role.CREW,
        agency=Agency.objects.get(code=code),
        first_name="Kru",
    )


@pytest.fixture(autouse=True)
def _no_rate_limit_left_over():
    cache.clear()


@pytest.fixture
def on_engine(crew, damkar):
    """The crew signed in to DAMKAR-01, sent to a house fire in Batu Merah."""
    start_shift(crew=crew, unit=unit("DAMKAR-01"), by=crew)
    return crew


@pytest.fixture
def job(make_incident, dispatcher, damkar, on_engine):
    ticket = notify_agency(
        incident=make_incident("kebakaran.rumah"),
        agency=Agency.objects.get(code="damkar"),
        by=dispatcher,
    )
    accept_ticket(ticket=ticket, by=damkar)
    return dispatch_unit(ticket=ticket, unit=unit("DAMKAR-01"), by=damkar)


# --- Shift ---------------------------------------------------------------------------------------


def test_a_crew_signs_in_to_a_unit_and_switching_ends_the_first_shift(crew):
    first = start_shift(crew=crew, unit=unit("DAMKAR-01"), by=crew)
    assert start_shift(crew=crew, unit=unit("DAMKAR-01"), by=crew) == first
    second = start_shift(crew=crew, unit=unit("DAMKAR-02"), by=crew)
    first.refresh_from_db()
    assert first.ended_at is not None and second.ended_at is None
    kinds = list(Event.objects.filter(kind__startswith="crew.").values_list("kind", flat=True))
    assert kinds == ["crew.signed_in", "crew.signed_out", "crew.signed_in"]
    assert Event.objects.filter(kind="crew.signed_in").last().agencies == ["damkar"]


def test_several_crew_sign_in_to_one_unit(crew):
    partner = crew_of("damkar", "damkar-kru-2")
    start_shift(crew=crew, unit=unit("DAMKAR-01"), by=crew)
    start_shift(crew=partner, unit=unit("DAMKAR-01"), by=partner)
    assert CrewShift.objects.filter(unit__call_sign="DAMKAR-01", ended_at=None).count() == 2


def test_the_desk_puts_a_crew_on_a_unit_but_not_another_agencys(crew, damkar, dinkes):
    assert start_shift(crew=crew, unit=unit("DAMKAR-03"), by=damkar).started_by == damkar
    with pytest.raises(Forbidden):
        start_shift(crew=crew, unit=unit("DAMKAR-03"), by=dinkes)
    with pytest.raises(Forbidden, match="another agency"):
        start_shift(crew=crew, unit=unit("PSC-01"), by=crew)


def test_signing_off_twice_is_refused(on_engine):
    end_shift(crew=on_engine, by=on_engine)
    with pytest.raises(Conflict, match="not signed in"):
        end_shift(crew=on_engine, by=on_engine)


# --- Steps ---------------------------------------------------------------------------------------


def test_a_crew_takes_the_desks_steps_with_the_desks_rules(job, on_engine):
    a = advance(assignment=job, step="en_route", by=on_engine)
    with pytest.raises(Conflict, match="Next: on scene"):
        advance(assignment=a, step="clear", by=on_engine)
    a = advance(assignment=a, step="on_scene", by=on_engine)
    a = advance(assignment=a, step="operations_started", by=on_engine)
    a = advance(assignment=a, step="clear", by=on_engine)
    assert a.status == Assignment.Status.CLEARED and a.late_steps == {}


def test_a_crew_not_on_the_unit_may_not_step_it(job, on_engine):
    other = crew_of("damkar", "damkar-kru-2")
    start_shift(crew=other, unit=unit("DAMKAR-02"), by=other)
    with pytest.raises(Forbidden, match="not signed in to DAMKAR-01"):
        advance(assignment=job, step="en_route", by=other)
    assert Assignment.objects.get(pk=job.pk).en_route_at is None


def test_a_step_kept_offline_is_recorded_when_it_was_tapped_and_marked_late(job, on_engine):
    tapped = timezone.now() - timedelta(minutes=4)
    a = advance(assignment=job, step="en_route", by=on_engine, at=tapped)
    assert a.en_route_at == max(tapped, job.dispatched_at)
    assert "en_route" in a.late_steps
    event = Event.objects.filter(kind="assignment.en_route").get()
    assert event.payload["late"] is True and event.payload["received_at"]
    # a quick tap (a few seconds on the way) is on time
    a = advance(assignment=a, step="on_scene", by=on_engine, at=timezone.now())
    assert "on_scene" not in a.late_steps


def test_a_late_step_never_lands_before_the_previous_one(job, on_engine):
    a = advance(assignment=job, step="en_route", by=on_engine)
    a = advance(assignment=a, step="on_scene", by=on_engine, at=timezone.now() - timedelta(hours=2))
    assert a.on_scene_at == a.en_route_at


# --- Over HTTP -----------------------------------------------------------------------------------


def test_the_crew_page_opens_for_crews_only(client_for, crew, damkar):
    assert client_for(crew).get(reverse("crew_console")).status_code == 200
    assert client_for(damkar).get(reverse("crew_console")).status_code == 403
    assert client_for(crew).get(reverse("home"))["Location"] == reverse("crew_console")


def test_the_crew_sees_its_job_with_the_callers_number_masked(job, client_for, on_engine):
    state = client_for(on_engine).get(reverse("crew")).json()
    assert state["shift"]["unit"]["call_sign"] == "DAMKAR-01"
    assert state["assignment"]["incident_detail"]["incident_type"]["code"] == "kebakaran.rumah"
    assert state["assignment"]["next_steps"] == ["en_route", "cancel"]  # cancel: the desk's
    assert state["assignment"]["calls"][0]["callback_number"] == "+•••••••••9999"
    assert {u["agency"] for u in state["units"]} == {"damkar"}


def test_the_policy_may_let_a_crew_call_the_caller_back(job, client_for, on_engine, settings):
    settings.CREW_SEES_CALLER_NUMBER = True
    state = client_for(on_engine).get(reverse("crew")).json()
    assert state["assignment"]["calls"][0]["callback_number"] == "+6281200009999"


def test_steps_over_http_with_a_late_one(job, client_for, on_engine):
    client = client_for(on_engine)
    tapped = timezone.now() - timedelta(minutes=3)
    response = client.post(
        reverse("crew-steps"),
        {"assignment": job.pk, "step": "en_route", "at": tapped.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert list(response.json()["late_steps"]) == ["en_route"]
    refused = client.post(
        reverse("crew-steps"),
        {"assignment": job.pk, "step": "at_hospital"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert "Berikutnya" in refused.json()["detail"]
    assert Assignment.objects.get(pk=job.pk).status == Assignment.Status.EN_ROUTE


def test_a_transport_needs_its_hospital(job, client_for, on_engine):
    response = client_for(on_engine).post(
        reverse("crew-steps"),
        {"assignment": job.pk, "step": "transporting"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "destination" in response.json()["errors"]


def test_a_step_dated_days_away_is_refused(job, client_for, on_engine):
    response = client_for(on_engine).post(
        reverse("crew-steps"),
        {"assignment": job.pk, "step": "en_route", "at": "2020-01-01T00:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Assignment.objects.get(pk=job.pk).en_route_at is None


def test_another_agencys_crew_gets_403(job, client_for):
    medic = crew_of("dinkes")
    response = client_for(medic).post(
        reverse("crew-steps"),
        {"assignment": job.pk, "step": "en_route"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_shift_over_http(client_for, crew):
    client = client_for(crew)
    response = client.post(
        reverse("crew-shift"), {"unit": "DAMKAR-05"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["unit"]["call_sign"] == "DAMKAR-05"
    assert (
        client.post(
            reverse("crew-shift"), {"unit": "PSC-01"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.delete(reverse("crew-shift")).status_code == 200
    assert client.delete(reverse("crew-shift")).status_code == 409


# --- Positions -----------------------------------------------------------------------------------


def post_position(client, **body):
    fix = {"lat": BATU_MERAH_LAT, "lon": BATU_MERAH_LON, "accuracy_m": 12, **body}
    return client.post(reverse("crew-position"), fix, content_type="application/json")


def test_the_phone_moves_its_unit_and_the_rooms_map_hears_it(client_for, on_engine):
    response = post_position(client_for(on_engine))
    assert response.status_code == 200, response.json()
    engine = unit("DAMKAR-01")
    assert (engine.last_lat, engine.last_lon) == (BATU_MERAH_LAT, BATU_MERAH_LON)
    moved = Event.objects.filter(kind="unit.moved").get()
    assert moved.payload["source"] == "crew" and moved.payload["accuracy_m"] == 12


def test_positions_are_rate_limited(client_for, on_engine):
    client = client_for(on_engine)
    assert post_position(client).status_code == 200
    second = post_position(client, lat=BATU_MERAH_LAT + 0.001)
    assert second.status_code == 429 and second["Retry-After"]
    assert unit("DAMKAR-01").last_lat == BATU_MERAH_LAT


@pytest.mark.parametrize(
    "body",
    [{"accuracy_m": -5}, {"accuracy_m": 0}, {"accuracy_m": 90000}, {"lat": 51.5, "lon": -0.12}],
)
def test_an_impossible_position_is_refused_and_changes_nothing(client_for, on_engine, body):
    response = post_position(client_for(on_engine), **body)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert unit("DAMKAR-01").last_position_at is None


def test_a_crew_without_a_unit_cannot_post_positions(client_for, crew):
    response = post_position(client_for(crew))
    assert response.status_code == 409
    assert not Event.objects.filter(kind="unit.moved").exists()


def test_a_desk_cannot_use_the_crew_api(client_for, damkar):
    assert post_position(client_for(damkar)).status_code == 403


# --- Demo accounts ------------------------------------------------------------------------------


def test_each_agency_with_units_gets_a_demo_crew(ambon, settings):
    settings.PRODUCTION = False
    created = create_demo_accounts(password="ambon112-demo")
    assert "damkar-crew" in created and "dinkes-crew" in created
    crew = User.objects.get(username="damkar-crew")
    assert crew.role == Role.CREW and crew.agency.code == "damkar"
    call_command("create_demo_accounts", verbosity=0)


def test_the_hospitals_to_choose_are_hospitals(client_for, crew):
    hospitals = client_for(crew).get(reverse("crew")).json()["hospitals"]
    kinds = set(
        Station.objects.filter(pk__in=[h["id"] for h in hospitals]).values_list("kind", flat=True)
    )
    assert kinds <= {"hospital", "puskesmas"}
