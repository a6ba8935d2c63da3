"""BMKG's feeds read over HTTP: each quake stored once, the ones that matter raised to the
supervisor, the bad ones refused with a reason, a failing feed never silent."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ambon112 import health
from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, Watch
from hazards.models import HazardFeed, Quake
from hazards.selectors import quake_banner, situation
from hazards.services.quakes import poll_feeds, read_feed, review_quake
from incidents.models import Event
from tests.hazards.conftest import ACEH, AMBON_2019, as_json, as_xml

pytestmark = pytest.mark.django_db


def test_it_reads_the_2019_ambon_quake_from_the_latest_feed(ambon, feed_server):
    url = feed_server.serve("/autogempa.json", as_json(AMBON_2019))

    reading = read_feed(name="latest", url=url)

    assert reading.ok and len(reading.stored) == 1 and not reading.rejected
    quake = Quake.objects.get()
    assert quake.origin_time == datetime(2019, 9, 25, 23, 46, 44, tzinfo=UTC)
    assert timezone.localtime(quake.origin_time).strftime("%Y-%m-%d %H:%M:%S") == (
        "2019-09-26 08:46:44"
    )
    assert (quake.lat, quake.lon, quake.depth_km) == (-3.38, 128.43, 10)
    assert quake.magnitude == Decimal("6.5")
    assert quake.region == "40 km TimurLaut AMBON-MALUKU"
    assert quake.tsunami is False
    assert quake.felt == [
        {"mmi": "VI-VII", "place": "Ambon"},
        {"mmi": "V", "place": "Masohi"},
        {"mmi": "IV", "place": "Kairatu"},
    ]
    # Seen from Kota Ambon it lies north-east, some 40 km away (BMKG: 40 km, USGS: 37 km).
    assert quake.bearing == "NE"
    assert 35 <= quake.city_distance_km <= 48
    assert quake.island_distance_km < quake.city_distance_km
    assert quake.significant and quake.reasons == ["magnitude", "felt"]
    assert Event.objects.filter(kind="quake.received").count() == 1


def test_the_xml_variant_reads_the_same(ambon, feed_server):
    url = feed_server.serve("/autogempa.xml", as_xml(AMBON_2019, ACEH))

    reading = read_feed(name="latest", url=url)

    assert len(reading.stored) == 2
    ambon_quake = Quake.objects.get(region__contains="AMBON")
    assert (ambon_quake.lat, ambon_quake.lon, ambon_quake.magnitude) == (-3.38, 128.43, 6.5)
    aceh = Quake.objects.get(region__contains="ACEH")
    assert (aceh.lat, aceh.lon) == (3.34, 97.9)
    assert not aceh.significant


def test_a_quake_is_stored_once_and_an_unchanged_feed_changes_nothing(ambon, feed_server):
    url = feed_server.serve("/autogempa.json", as_json(AMBON_2019))
    read_feed(name="latest", url=url)
    events = Event.objects.count()

    again = read_feed(name="latest", url=url)

    assert again.unchanged and not again.stored
    assert Quake.objects.count() == 1
    assert Event.objects.count() == events


def test_the_felt_feed_completes_a_quake_already_known(ambon, feed_server):
    first = {k: v for k, v in AMBON_2019.items() if k != "Dirasakan"}
    read_feed(name="latest", url=feed_server.serve("/auto.json", as_json(first)))
    assert Quake.objects.get().felt == []

    felt = {k: v for k, v in AMBON_2019.items() if k != "Potensi"}
    reading = read_feed(name="felt", url=feed_server.serve("/felt.json", as_json(felt, ACEH)))

    assert Quake.objects.count() == 2  # the Aceh one is new; the Ambon one is not stored twice
    assert Quake.objects.get(region__contains="AMBON").felt[0] == {
        "mmi": "VI-VII",
        "place": "Ambon",
    }
    assert len(reading.stored) == 2
    assert Event.objects.filter(kind="quake.updated").count() == 1


def test_a_tsunami_potential_matters_wherever_the_quake_is(ambon, feed_server):
    tsunami = {**ACEH, "Potensi": "Berpotensi tsunami"}
    read_feed(name="latest", url=feed_server.serve("/t.json", as_json(tsunami)))

    quake = Quake.objects.get()
    assert quake.tsunami and quake.reasons == ["tsunami"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Magnitude": ""}, "missing field(s): Magnitude"),
        ({"Coordinates": "-93.38,128.43"}, "impossible coordinates -93.38, 128.43"),
        ({"Coordinates": "0,0"}, "impossible coordinates 0.0, 0.0"),
        ({"DateTime": "2099-09-25T23:46:44+00:00"}, "is in the future"),
        ({"Magnitude": "enam"}, "Magnitude 'enam' is not a number"),
    ],
)
def test_a_bad_record_is_refused_with_its_reason_and_the_rest_kept(
    ambon, feed_server, change, reason
):
    bad = {**AMBON_2019, **change}
    url = feed_server.serve("/autogempa.json", as_json(bad, ACEH))

    reading = read_feed(name="latest", url=url)

    assert [q.region for q in Quake.objects.all()] == [ACEH["Wilayah"]]
    assert len(reading.rejected) == 1 and reason in reading.rejected[0]["reason"]
    feed = HazardFeed.objects.get(name="latest")
    assert feed.failing_since is None and reason in feed.rejected[0]["reason"]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b"<html>Maintenance</html>", "XML root is not Infogempa"),
        (200, b'{"Infogempa": {"gempa": [', "JSON without Infogempa.gempa"),
        (200, b"Service Unavailable", "neither JSON nor XML"),
        (503, b"", "HTTP Error 503"),
        (200, b'{"Infogempa": {"gempa": []}}', "lists no earthquake"),
    ],
)
def test_a_broken_feed_changes_nothing_and_says_so(
    ambon, feed_server, settings, status, body, error
):
    settings.BMKG_LATEST_URL = url = feed_server.serve("/autogempa.json", body, status)

    reading = read_feed(name="latest", url=url)

    assert not reading.ok and error in reading.error
    assert not Quake.objects.exists()
    feed = HazardFeed.objects.get(name="latest")
    assert feed.failing_since is not None and error in feed.error
    assert Event.objects.filter(kind="hazard_feed.failed").count() == 1
    check = health.check_hazard_feeds()
    assert check["ok"] is False and error in check["feeds"]["latest"]["error"]
    assert situation()["feeds"][0]["ok"] is False


def test_a_feed_that_recovers_says_so_once(ambon, feed_server, settings):
    settings.BMKG_LATEST_URL = url = feed_server.serve("/a.json", b"oops")
    read_feed(name="latest", url=url)
    read_feed(name="latest", url=url)  # still failing: no second event
    feed_server.serve("/a.json", as_json(AMBON_2019))

    read_feed(name="latest", url=url)

    kinds = list(
        Event.objects.filter(kind__startswith="hazard_feed").values_list("kind", flat=True)
    )
    assert kinds == ["hazard_feed.failed", "hazard_feed.recovered"]
    assert health.check_hazard_feeds()["ok"] is True


def test_no_feed_is_read_until_one_is_configured(ambon, settings):
    settings.BMKG_LATEST_URL = settings.BMKG_FELT_URL = ""

    assert poll_feeds() == []
    assert health.check_hazard_feeds() == {"ok": True, "configured": False}


def test_a_quake_that_matters_alarms_the_supervisor_until_reviewed(ambon, feed_server, supervisor):
    read_feed(name="latest", url=feed_server.serve("/a.json", as_json(AMBON_2019, ACEH)))
    quake = Quake.objects.get(region__contains="AMBON")
    deadline = Deadline.objects.get(watch=Watch.HAZARD_UNREVIEWED)
    assert deadline.subject_id == str(quake.pk) and deadline.summary == str(quake)

    escalate_overdue(timezone.now() + timedelta(seconds=2))

    escalation = Escalation.objects.get(watch=Watch.HAZARD_UNREVIEWED)
    assert escalation.to_supervisors and escalation.resolved_at is None

    review_quake(quake=quake, by=supervisor)

    escalation.refresh_from_db()
    assert escalation.resolved_at is not None
    assert not Deadline.objects.filter(watch=Watch.HAZARD_UNREVIEWED).exists()


def test_the_call_takers_banner_says_where_and_when_in_wit(ambon, feed_server, indonesian):
    read_feed(name="latest", url=feed_server.serve("/a.json", as_json(AMBON_2019)))
    quake = Quake.objects.get()

    text = quake_banner(quake)

    distance = round(quake.city_distance_km)
    assert text == (
        f"Gempa M6,5 — {distance} km timur laut Ambon, pukul 08.46 WIT: "
        "bersiap menerima lonjakan panggilan"
    )
    assert situation()["quakes"][0]["banner"] == text


def test_the_beat_schedule_reads_both_feeds_with_the_real_task(ambon, feed_server, settings):
    from ambon112.celery import app
    from hazards.tasks import poll_bmkg

    settings.BMKG_LATEST_URL = feed_server.serve("/autogempa.xml", as_xml(AMBON_2019))
    settings.BMKG_FELT_URL = feed_server.serve("/gempadirasakan.json", as_json(ACEH))

    assert app.conf.beat_schedule["poll-bmkg"]["task"] == "hazards.tasks.poll_bmkg"
    assert poll_bmkg.apply(throw=True).result == 2
    assert poll_bmkg.apply(throw=True).result == 0  # safe to run twice
    assert Quake.objects.count() == 2
