"""The supervisor's map and wallboard: what the API returns, to whom, in how many queries."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Area, Unit
from dispatch import situation
from dispatch.models import Escalation, Ticket
from incidents.models import Call, Incident, IncidentType
from tests.dispatch.conftest import BATU_MERAH, HILA

WIT = ZoneInfo("Asia/Jayapura")
SIRIMAU = "81.71.02"  # the kecamatan of Batu Merah
_ids = itertools.count(1)


@pytest.fixture
def many_incidents(operator):
    """many_incidents(n) → n open incidents in Batu Merah, written straight to the table."""

    def make(n: int, *, status: str = Incident.Status.NEW, lat=None, lon=None) -> list[Incident]:
        area = Area.objects.get(code=BATU_MERAH)
        fire = IncidentType.objects.get(code="kebakaran.rumah")
        incidents = Incident.objects.bulk_create(
            Incident(
                incident_type=fire,
                category=fire.category,
                priority=1 + i % 4,
                status=status,
                lat=area.label_lat if lat is None else lat,
                lon=area.label_lon if lon is None else lon,
                area=area,
                kecamatan=area.parent,
                created_at=timezone.now(),
                created_by=operator,
            )
            for i in range(n)
        )
        damkar = Agency.objects.get(code="damkar")
        for incident in incidents:
            incident.agencies.add(damkar)
        return incidents

    return make


def ring(*, at: datetime, answered_after_s: float | None = None, taken_after_s=None, **fields):
    """A call that rang at `at`, answered at the PBX and/or taken on a console after a delay."""
    answered = at + timedelta(seconds=answered_after_s) if answered_after_s is not None else None
    taken = at + timedelta(seconds=taken_after_s) if taken_after_s is not None else None
    status = fields.pop("status", Call.Status.ENDED if answered or taken else Call.Status.RINGING)
    ended = at + timedelta(minutes=2) if status != Call.Status.RINGING else None
    return Call.objects.create(
        call_id=f"s-{next(_ids)}",
        ringing_at=at,
        answered_at=min(filter(None, [answered, taken]), default=None),  # T1, as services store it
        taken_at=taken,
        ended_at=ended,
        status=status,
        **fields,
    )


# --- The map --------------------------------------------------------------------------------


def test_the_map_gives_open_incidents_and_units_as_geojson_points(
    client_for, supervisor, make_incident
):
    fire = make_incident("kebakaran.rumah", BATU_MERAH)
    closed = make_incident("kebakaran.rumah", HILA)
    Incident.objects.filter(pk=closed.pk).update(status=Incident.Status.CLOSED)

    data = client_for(supervisor).get(reverse("situation-map")).json()

    incidents = data["incidents"]
    assert incidents["type"] == "FeatureCollection"
    [feature] = incidents["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [fire.lon, fire.lat]}
    props = feature["properties"]
    assert props["id"] == fire.pk
    assert props["category"] == "kebakaran"
    assert props["priority"] == fire.priority
    assert props["status"] == "new"
    assert props["kecamatan"] == {"code": SIRIMAU, "name": "Sirimau"}
    assert props["escalated"] is False
    assert data["units"]["type"] == "FeatureCollection"
    assert data["units"]["features"], "the demo units are drawn at their stations"
    for unit in data["units"]["features"]:
        lon, lat = unit["geometry"]["coordinates"]
        assert 127.9 < lon < 128.5 and -3.9 < lat < -3.4  # [lon, lat] on Ambon Island
    assert data["ignored"] == []


@pytest.mark.parametrize("count", [5, 60])
def test_the_maps_queries_do_not_grow_with_the_number_of_incidents(
    client_for, supervisor, many_incidents, django_assert_max_num_queries, count
):
    many_incidents(count)
    client = client_for(supervisor)
    # Two queries are the session and the user; the rest are the reads' own.
    with django_assert_max_num_queries(8):
        data = client.get(reverse("situation-map")).json()
    assert len(data["incidents"]["features"]) == count
    with django_assert_max_num_queries(10):  # the ninth read: call-takers by state
        client.get(reverse("situation-wallboard"))
    with django_assert_max_num_queries(10):  # one of them builds the spatial index, once
        client.get(reverse("situation-area", args=[SIRIMAU]))
    with django_assert_max_num_queries(3):
        client.get(reverse("situation-calls-today"))


def test_an_escalated_incident_is_marked_and_listed(client_for, supervisor, many_incidents):
    [incident] = many_incidents(1)
    now = timezone.now()
    escalation = Escalation.objects.create(
        watch="incident_not_forwarded",
        level=1,
        subject_type="incident",
        subject_id=str(incident.pk),
        incident=incident,
        started_at=now,
        due_at=now,
        raised_at=now,
        to_supervisors=True,
        summary=f"#{incident.pk} not forwarded",
    )

    data = client_for(supervisor).get(reverse("situation-map")).json()

    assert data["incidents"]["features"][0]["properties"]["escalated"] is True
    assert [e["id"] for e in data["escalations"]] == [escalation.pk]
    assert data["escalations"][0]["incident_id"] == incident.pk


def test_filters_narrow_the_map_and_unknown_values_are_ignored_and_named(
    client_for, supervisor, make_incident
):
    fire = make_incident("kebakaran.rumah", BATU_MERAH)
    make_incident(IncidentType.objects.filter(category="medis").first().code, HILA)

    response = client_for(supervisor).get(
        reverse("situation-map"),
        {"category": "kebakaran,volcano", "kecamatan": SIRIMAU, "status": "asleep", "x": "1"},
    )

    assert response.status_code == 200
    data = response.json()
    assert [f["properties"]["id"] for f in data["incidents"]["features"]] == [fire.pk]
    assert data["ignored"] == [
        {"filter": "category", "value": "volcano"},
        {"filter": "status", "value": "asleep"},
    ]
    assert data["filters"]["category"] == ["kebakaran"]
    assert data["filters"]["kecamatan"] == [SIRIMAU]


def test_the_agency_and_unit_status_filters_narrow_the_units(client_for, supervisor):
    data = (
        client_for(supervisor)
        .get(reverse("situation-map"), {"agency": "damkar", "status": "available"})
        .json()
    )
    units = data["units"]["features"] + [
        {"properties": unit} for unit in data["unlocated"]["units"]
    ]
    assert units
    assert {u["properties"]["agency"] for u in units} == {"damkar"}
    assert {u["properties"]["status"] for u in units} == {"available"}
    assert data["ignored"] == []


def test_an_incident_or_unit_without_a_position_is_listed_not_dropped(
    client_for, supervisor, make_incident
):
    incident = make_incident("kebakaran.rumah", BATU_MERAH)
    Incident.objects.filter(pk=incident.pk).update(lat=None, lon=None)
    unit = Unit.objects.filter(agency__code="damkar").first()
    Unit.objects.filter(pk=unit.pk).update(station=None, last_lat=None, last_lon=None)

    data = client_for(supervisor).get(reverse("situation-map")).json()

    assert data["incidents"]["features"] == []
    assert [i["id"] for i in data["unlocated"]["incidents"]] == [incident.pk]
    lost = [u for u in data["unlocated"]["units"] if u["id"] == unit.pk]
    assert lost and lost[0]["position"] == "unknown"


def test_a_stale_position_falls_back_to_the_station_and_says_how_old_it_is(client_for, supervisor):
    unit = Unit.objects.filter(station__lat__isnull=False).select_related("station").first()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Unit.objects.filter(pk=unit.pk).update(
        last_lat=-3.70, last_lon=128.10, last_position_at=an_hour_ago
    )
    fresh = Unit.objects.exclude(pk=unit.pk).first()
    Unit.objects.filter(pk=fresh.pk).update(
        last_lat=-3.69, last_lon=128.18, last_position_at=timezone.now()
    )

    features = client_for(supervisor).get(reverse("situation-map")).json()["units"]["features"]
    by_id = {f["properties"]["id"]: f for f in features}

    stale = by_id[unit.pk]
    assert stale["properties"]["position"] == "station"
    assert stale["geometry"]["coordinates"] == [unit.station.lon, unit.station.lat]
    assert 3590 <= stale["properties"]["position_age_s"] <= 3700
    assert by_id[fresh.pk]["properties"]["position"] == "tracked"
    assert by_id[fresh.pk]["geometry"]["coordinates"] == [128.18, -3.69]


def test_the_maps_station_layer_lists_hospitals_with_their_position_and_its_quality(
    ambon, client_for, supervisor
):
    # The layer reads /api/stations/ (static/ambon112/situation.js); approximate ones are marked.
    stations = client_for(supervisor).get(reverse("station-list")).json()
    placed = [s for s in stations if s["lat"] is not None and s["lon"] is not None]
    assert any(s["kind"] == "hospital" for s in placed)
    assert any(s["position_quality"] == "area_label" for s in placed)  # drawn as approximate


# --- The wallboard --------------------------------------------------------------------------


def test_the_wallboard_counts_todays_calls_from_midnight_wit(ambon):
    now = datetime(2026, 3, 10, 9, 0, tzinfo=WIT)
    midnight = datetime(2026, 3, 10, 0, 0, tzinfo=WIT)
    ring(at=midnight - timedelta(seconds=30), answered_after_s=3)  # yesterday: not counted
    ring(at=midnight + timedelta(hours=1), answered_after_s=4, taken_after_s=9)  # within
    ring(at=midnight + timedelta(hours=2), answered_after_s=2, taken_after_s=40)  # taken late
    ring(at=midnight + timedelta(hours=3), answered_after_s=15)  # PBX only, exactly 15 s
    ring(at=midnight + timedelta(hours=4), status=Call.Status.ABANDONED)
    ring(at=now - timedelta(seconds=42), created_at=now)  # still ringing

    board = situation.wallboard(now=now)

    # T1 is the first of the PBX answer and the take: the call taken late was answered at 2 s.
    assert board["since"] == midnight
    assert board["answered_within_15s"] == {
        "threshold_s": 15,
        "within": 3,
        "answered": 3,
        "presented": 5,
        "percent": 100.0,
    }
    assert board["abandoned_today"] == 1
    assert board["answered_today"] == 3
    assert board["calls_waiting"] == 1
    assert board["longest_wait_s"] == 42


def test_with_no_calls_today_the_answer_share_is_null_not_zero(client_for, supervisor):
    data = client_for(supervisor).get(reverse("situation-wallboard")).json()
    assert data["answered_within_15s"]["presented"] == 0
    assert data["answered_within_15s"]["percent"] is None
    assert data["calls_waiting"] == 0
    assert data["longest_wait_s"] is None


def test_the_wallboard_counts_open_incidents_tickets_units_and_escalations(
    client_for, supervisor, make_incident, dispatcher
):
    from dispatch.services.tickets import notify_agencies

    fire = make_incident("kebakaran.rumah", BATU_MERAH)
    make_incident("kebakaran.rumah", HILA)
    notify_agencies(
        incident=fire, agencies=list(Agency.objects.filter(code="damkar")), by=dispatcher
    )
    Unit.objects.filter(agency__code="damkar").update(status=Unit.Status.OUT_OF_SERVICE)

    data = client_for(supervisor).get(reverse("situation-wallboard")).json()

    assert data["open_incidents"] == 2
    kebakaran = next(c for c in data["open_by_category"] if c["code"] == "kebakaran")
    assert kebakaran["count"] == 2
    assert {k["name"]: k["count"] for k in data["open_by_kecamatan"]} == {
        "Sirimau": 1,
        "Leihitu": 1,
    }
    [waiting] = data["tickets_not_accepted"]
    assert (waiting["code"], waiting["count"]) == ("damkar", 1)
    assert Ticket.objects.get(incident=fire).status == "notified"
    damkar = next(u for u in data["units_available"] if u["code"] == "damkar")
    assert damkar["available"] == 0 and damkar["total"] > 0
    assert data["open_escalations"] == 0


# --- One area -------------------------------------------------------------------------------


def test_the_kecamatan_panel_lists_its_incidents_calls_and_units(
    client_for, supervisor, make_incident
):
    fire = make_incident("kebakaran.rumah", BATU_MERAH)
    make_incident("kebakaran.rumah", HILA)  # another kecamatan
    area = Area.objects.get(code=BATU_MERAH)
    inside = Unit.objects.first()
    Unit.objects.filter(pk=inside.pk).update(
        last_lat=area.label_lat, last_lon=area.label_lon, last_position_at=timezone.now()
    )

    data = client_for(supervisor).get(reverse("situation-area", args=[SIRIMAU])).json()

    assert data["area"]["name"] == "Sirimau"
    assert data["area"]["level"] == "kecamatan"
    assert [i["id"] for i in data["incidents"]] == [fire.pk]
    assert data["calls_today"] == 1
    assert inside.pk in {u["id"] for u in data["units"] if u["inside"]}


def test_an_unknown_area_is_a_404(client_for, supervisor):
    assert client_for(supervisor).get(reverse("situation-area", args=["99.99"])).status_code == 404


# --- Who sees it ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["operator", "verifier", "damkar"])
def test_live_operations_are_not_for_call_takers_verifiers_or_desks(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    for name in ("situation-map", "situation-wallboard", "situation-calls-today"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("situation-area", args=[SIRIMAU])).status_code == 403
    assert client.get(reverse("map_console")).status_code == 403


def test_the_heat_view_counts_todays_calls_by_kelurahan(client_for, supervisor, make_incident):
    make_incident("kebakaran.rumah", BATU_MERAH)
    hila = Area.objects.get(code=HILA)
    ring(at=timezone.now(), aml_lat=hila.label_lat, aml_lon=hila.label_lon)  # no incident yet

    data = client_for(supervisor).get(reverse("situation-calls-today")).json()

    assert data["areas"] == {BATU_MERAH: 1, HILA: 1}
    assert data["total"] == 2
