"""Unit recommendation: a fixed set of units whose right order is known by construction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Agency, Station, Unit
from dispatch.eta import ROAD_FACTOR, SPEED_KMH, estimate_eta_s
from dispatch.recommend import recommend_units
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.models import Incident, IncidentType
from incidents.selectors import distance_m

# The incident: Batu Merah, Ambon. One degree of latitude is ~111 km, so 0.01° ≈ 1.1 km.
LAT, LON = -3.6900, 128.1900


@pytest.fixture
def fleet(ambon, operator):
    """A test agency with engines at known distances, and every reason to leave one out."""
    agency = Agency.objects.create(
        code="uji", name="Damkar Uji", short_name="Uji", kind="fire", regencies=["81.71"]
    )
    station = Station.objects.create(
        name="Pos Uji",
        kind="fire_station",
        agency=agency,
        lat=LAT + 0.02,
        lon=LON,
        position_quality=Station.PositionQuality.EXACT,
    )
    now = timezone.now()

    def engine(sign, kind="engine", capabilities=("fire",), lat=None, age_min=1, **extra):
        return Unit.objects.create(
            call_sign=sign,
            agency=agency,
            station=station,
            kind=kind,
            capabilities=list(capabilities),
            last_lat=lat,
            last_lon=LON if lat is not None else None,
            last_position_at=now - timedelta(minutes=age_min) if lat is not None else None,
            **extra,
        )

    engine("NEAR", lat=LAT + 0.005)  # ~0.55 km, tracked
    engine("MID", lat=LAT + 0.012)  # ~1.3 km, tracked
    engine("STALE", lat=LAT + 0.001, age_min=45)  # fix too old: from the station, ~2.2 km
    Unit.objects.create(call_sign="NOWHERE", agency=agency, kind="engine", capabilities=["fire"])
    engine("BUSY", lat=LAT, status=Unit.Status.EN_ROUTE)
    engine("BROKEN", lat=LAT, status=Unit.Status.OUT_OF_SERVICE)
    engine("TANKER", kind="tanker", capabilities=("water_supply",), lat=LAT)
    engine("FAR", lat=LAT + 0.6)  # ~67 km: beyond an hour
    incident = Incident.objects.create(
        incident_type=IncidentType.objects.get(code="kebakaran.rumah"),
        category="kebakaran",
        priority=1,
        lat=LAT,
        lon=LON,
        created_at=now,
        created_by=operator,
    )
    return agency, incident


def test_units_are_ranked_by_eta_with_a_reason_for_each_one_left_out(fleet):
    agency, incident = fleet
    found = recommend_units(incident=incident, agency=agency)
    assert found.capability == "fire"
    assert [c.unit["call_sign"] for c in found.candidates] == ["NEAR", "MID", "STALE", "NOWHERE"]
    assert [c.position for c in found.candidates] == ["tracked", "tracked", "station", "unknown"]
    assert found.candidates[-1].eta_s is None
    assert {o.unit["call_sign"]: o.reason for o in found.left_out} == {
        "BUSY": "busy",
        "BROKEN": "out_of_service",
        "TANKER": "wrong_capability",
        "FAR": "too_far",
    }


def test_the_estimate_is_distance_times_road_factor_over_the_kinds_speed(fleet):
    agency, incident = fleet
    near = recommend_units(incident=incident, agency=agency).candidates[0]
    metres = distance_m(LAT + 0.005, LON, LAT, LON)
    assert near.distance_m == round(metres)
    assert near.eta_s == round(metres * ROAD_FACTOR / (SPEED_KMH["engine"] / 3.6))
    assert estimate_eta_s("boat", 0, 0, 0.01, 0)[0] < estimate_eta_s("truck", 0, 0, 0.01, 0)[0]


def test_damkar_sends_an_engine_and_names_the_call_a_busy_one_is_on(
    make_incident, dispatcher, damkar
):
    agency = Agency.objects.get(code="damkar")
    incident = make_incident()
    found = recommend_units(incident=incident, agency=agency)
    first = Unit.objects.get(pk=found.candidates[0].unit["id"])
    assert first.kind == "engine" and "fire" in first.capabilities
    wrong = {o.unit["call_sign"] for o in found.left_out if o.reason == "wrong_capability"}
    assert wrong == {"DAMKAR-T1", "DAMKAR-R1"}
    ticket = accept_ticket(
        ticket=notify_agency(incident=incident, agency=agency, by=dispatcher), by=damkar
    )
    dispatch_unit(ticket=ticket, unit=first, by=damkar)
    again = recommend_units(incident=make_incident(), agency=agency)
    busy = {o.unit["call_sign"]: o for o in again.left_out}[first.call_sign]
    assert busy.reason == "busy" and f"#{incident.pk}" in busy.detail


def test_a_support_agency_sends_what_it_has(make_incident):
    found = recommend_units(incident=make_incident(), agency=Agency.objects.get(code="pln"))
    assert found.capability == ""
    assert {c.unit["call_sign"] for c in found.candidates} == {"PLN-YANTEK-1", "PLN-YANTEK-2"}


def test_recommending_reads_a_bounded_number_of_queries(fleet, django_assert_max_num_queries):
    agency, incident = fleet
    for i in range(50):
        Unit.objects.create(call_sign=f"X-{i}", agency=agency, kind="engine", capabilities=["fire"])
    with django_assert_max_num_queries(3):
        found = recommend_units(incident=incident, agency=agency)
    assert len(found.candidates) > 50
