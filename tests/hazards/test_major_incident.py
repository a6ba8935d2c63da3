"""A major incident: declared by a supervisor with an area, calls attached to it in one key,
incidents created inside its area linked to it, closed — each step an event."""

import pytest
from django.utils import timezone, translation

from agencies.models import Area
from hazards.models import MajorIncident, MajorIncidentLink, Quake
from hazards.selectors import situation
from hazards.services.majors import attach_call, close_major_incident, declare_major_incident
from incidents.models import Event, IncidentType
from incidents.services.calls import create_incident, receive_call_event, take_call
from tests.hazards.conftest import AMBON_2019, as_json

pytestmark = pytest.mark.django_db

SALAHUTU = "81.01.14"
LIANG = "81.01.14.2001"
BATU_MERAH = "81.71.02.2003"


def ringing(n: int):
    call, _changed = receive_call_event(
        call_id=f"surge-{n}", event="ringing", number=f"+62812000099{n:02d}", adapter="pbx"
    )
    return call


def incident_at(area_code: str, operator, n: int):
    call = ringing(n)
    take_call(call=call, by=operator)
    area = Area.objects.get(code=area_code)
    return create_incident(
        call=call,
        by=operator,
        incident_type=IncidentType.objects.get(code="bencana.gempa_bumi"),
        lat=area.label_lat,
        lon=area.label_lon,
    )


@pytest.fixture
def declared(supervisor):
    return declare_major_incident(
        by=supervisor, title="Gempa Salahutu", kind="gempa", area_codes=[SALAHUTU]
    )


def test_a_supervisor_declares_one_from_a_quake_which_counts_as_reviewed(
    ambon, supervisor, feed_server
):
    from hazards.services.quakes import read_feed

    read_feed(name="latest", url=feed_server.serve("/a.json", as_json(AMBON_2019)))
    quake = Quake.objects.get()

    major = declare_major_incident(
        by=supervisor, title="Gempa M6,5", kind="gempa", area_codes=[SALAHUTU], quake=quake
    )

    quake.refresh_from_db()
    assert quake.reviewed_by == supervisor
    assert major.active and major.quake == quake
    kinds = list(Event.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[-2:] == ["major_incident.declared", "quake.reviewed"]


def test_only_one_is_active_at_a_time(declared, supervisor):
    from core.errors import Conflict

    with pytest.raises(Conflict):
        declare_major_incident(
            by=supervisor, title="Banjir", kind="banjir", area_codes=[BATU_MERAH]
        )


def test_a_call_taker_may_not_declare_one(operator):
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        declare_major_incident(by=operator, title="x", kind="gempa", area_codes=[SALAHUTU])


def test_calls_attached_and_incidents_inside_its_area_are_counted(declared, operator):
    for n in range(3):
        attach_call(major=declared, call=ringing(n), by=operator)
    inside = incident_at(LIANG, operator, 10)
    outside = incident_at(BATU_MERAH, operator, 11)

    links = MajorIncidentLink.objects.filter(major_incident=declared)
    assert links.filter(call__isnull=False).count() == 3
    assert list(links.filter(incident__isnull=False).values_list("incident", flat=True)) == [
        inside.pk
    ]
    assert not links.filter(incident=outside).exists()
    linked = Event.objects.get(kind="major_incident.incident_linked")
    assert linked.incident_id == inside.pk
    with translation.override("id"):
        banner = situation()["major_incident"]["banner"]
    assert banner == "Bencana besar: Gempa Salahutu — panggilan: 3, insiden: 1"


def test_a_call_is_attached_once(declared, operator):
    from core.errors import Conflict

    call = ringing(1)
    attach_call(major=declared, call=call, by=operator)
    with pytest.raises(Conflict):
        attach_call(major=declared, call=call, by=operator)


def test_closing_ends_the_linking(declared, supervisor, operator):
    close_major_incident(major=declared, by=supervisor)

    incident_at(LIANG, operator, 20)

    assert not MajorIncidentLink.objects.exists()
    assert situation()["major_incident"] is None
    assert Event.objects.filter(kind="major_incident.closed").count() == 1
    assert MajorIncident.objects.get().closed_by == supervisor


def test_the_reports_filter_by_major_incident(declared, operator, supervisor, client):
    inside = incident_at(LIANG, operator, 30)
    incident_at(BATU_MERAH, operator, 31)
    today = timezone.localdate().isoformat()
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")

    def incident_rows(**extra):
        response = client.get(
            "/api/reports/rows/",
            {"start": today, "end": today, "source": "incidents", **extra},
            HTTP_ACCEPT_LANGUAGE="id",
        )
        return response

    assert incident_rows().json()["count"] == 2
    scoped = incident_rows(major_incident=str(declared.pk)).json()
    assert scoped["count"] == 1 and scoped["rows"][0]["id"] == inside.pk
    unknown = incident_rows(major_incident="999999")
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["major_incident"] == ["Nilai “999999” tidak dikenal."]
