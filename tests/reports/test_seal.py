"""The daily seal of the event log (issue #17, item 7).

A seal states the chain head at the end of a WIT day, signed with the centre's key. The chain
alone catches an event altered in place; the seal also catches a history rewritten before it
with every hash recomputed, and the integrity check (API, page, `verify_events`) names the seal.
"""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from ambon112.celery import app
from incidents import signing
from incidents.events import _hash_of, record_event, verify_chain
from incidents.models import Event, EventChainHead
from incidents.seals import SEALED, statement, verify_seals
from incidents.services.seals import seal_day
from incidents.tasks import seal_chain_task

pytestmark = pytest.mark.usefixtures("made_up_kinds")

WIT = ZoneInfo("Asia/Jayapura")
DAY = date(2027, 1, 10)
PERIOD = {"start": "2027-01-10", "end": "2027-01-10"}


def at(day: int, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(2027, 1, day, hour, minute, tzinfo=WIT)


def events_at(moment: datetime, n: int) -> list[Event]:
    with time_machine.travel(moment, tick=False), transaction.atomic():
        return [record_event("test.append", payload={"i": i}) for i in range(n)]


def rehash_from(seq: int) -> None:
    """What a careful forger does after rewriting an event: recompute every hash after it, so
    that the chain alone looks intact."""
    prev = Event.objects.filter(seq__lt=seq).order_by("-seq").first()
    prev_hash = prev.hash if prev else "0" * 64
    for event in Event.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev_hash
        event.hash = _hash_of(event)
        Event.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev_hash = event.hash
    EventChainHead.objects.filter(pk=1).update(hash=prev_hash)


@pytest.fixture(autouse=True)
def english():
    """Problems are matched in English here; one test reads them in Indonesian."""
    with translation.override("en"):
        yield


@pytest.fixture
def sealed_day(ambon):
    """Three events on 10 January, the day sealed after midnight, then an event on the 11th."""
    day_events = events_at(at(10, "09:00"), 3)
    with time_machine.travel(at(11, "00:30"), tick=False):
        seal = seal_day()
    after = events_at(at(11, "08:00"), 1)
    return {"day": day_events, "seal": seal, "after": after}


def integrity(client_for, verifier) -> dict:
    client = client_for(verifier)
    client.cookies["django_language"] = "en"
    response = client.get("/api/reports/integrity/", PERIOD)
    assert response.status_code == 200
    return response.json()


def test_a_seal_states_the_days_last_event_signed(sealed_day):
    seal, last = sealed_day["seal"], sealed_day["day"][-1]
    assert seal.kind == SEALED and seal.actor_label == "system"
    payload = seal.payload
    assert (payload["day"], payload["seq"], payload["hash"]) == ("2027-01-10", last.seq, last.hash)
    key = signing.public_key()
    assert payload["key"] == signing.fingerprint(key)
    message = statement(day="2027-01-10", seq=last.seq, hash=last.hash, key=payload["key"])
    assert signing.verifies(key, payload["signature"], message)
    # Once a day: a second run (the next hour's, or a manual one) seals nothing.
    with time_machine.travel(at(11, "01:30"), tick=False):
        assert seal_day() is None
    assert Event.objects.filter(kind=SEALED).count() == 1


def test_an_untouched_log_with_its_seal_is_intact(sealed_day, client_for, verifier):
    body = integrity(client_for, verifier)
    assert body["intact"] is True
    assert body["seals"] == {"checked": 1, "broken": []}
    out = io.StringIO()
    call_command("verify_events", "--from", "2027-01-10", "--to", "2027-01-10", stdout=out)
    assert "1 daily seals verified" in out.getvalue()


def test_an_event_rewritten_before_a_seal_breaks_the_seal(sealed_day, client_for, verifier):
    forged = sealed_day["day"][0]
    Event.objects.filter(pk=forged.pk).update(payload={"i": 99})
    rehash_from(forged.seq)
    assert verify_chain().intact  # the forger recomputed every hash: the chain alone is fooled
    body = integrity(client_for, verifier)
    assert body["intact"] is False
    [broken] = body["seals"]["broken"]
    last = sealed_day["day"][-1]
    assert broken["seq"] == sealed_day["seal"].seq and broken["day"] == "2027-01-10"
    assert f"event no. {last.seq} no longer has the sealed hash" in broken["problem"]
    with pytest.raises(CommandError, match=r"the seal of 2027-01-10 .* is BROKEN"):
        call_command("verify_events", stdout=io.StringIO())


def test_a_rewritten_seal_is_named(sealed_day, client_for, verifier):
    seal = sealed_day["seal"]
    forged_hash = "f" * 64
    Event.objects.filter(pk=seal.pk).update(payload={**seal.payload, "hash": forged_hash})
    rehash_from(seal.seq)
    assert verify_chain().intact
    body = integrity(client_for, verifier)
    assert body["intact"] is False
    [broken] = body["seals"]["broken"]
    assert broken["seq"] == seal.seq
    assert "its signature does not verify" in broken["problem"]


def test_a_seal_altered_in_place_breaks_the_chain_and_the_seal(sealed_day, client_for, verifier):
    seal = sealed_day["seal"]
    Event.objects.filter(pk=seal.pk).update(payload={**seal.payload, "seq": 1})
    body = integrity(client_for, verifier)
    assert body["intact"] is False and body["first_bad_seq"] == seal.seq
    assert body["seals"]["broken"][0]["seq"] == seal.seq


def test_a_seal_made_with_another_key_is_named(sealed_day, settings, tmp_path):
    settings.SIGNING_KEY_PATH = tmp_path / "replaced.pem"
    signing.create_key(settings.SIGNING_KEY_PATH)
    [broken] = verify_seals().broken
    assert broken.seal_seq == sealed_day["seal"].seq
    assert "signed with another key" in broken.problem


def test_a_seal_whose_event_was_removed_is_named(sealed_day):
    last = sealed_day["day"][-1]
    Event.objects.filter(pk=last.pk).delete()
    [broken] = verify_seals().broken
    assert f"the sealed event no. {last.seq} is missing" in broken.problem


def test_seals_outside_the_period_are_not_checked_against_it(sealed_day):
    report = verify_seals(since=at(12, "00:00"), until=at(13, "00:00"))
    assert report.checked == 0 and report.intact


def test_the_seal_names_are_indonesian_on_the_page(sealed_day, client_for, verifier):
    Event.objects.filter(pk=sealed_day["day"][0].pk).update(payload={"i": 99})
    rehash_from(sealed_day["day"][0].seq)
    response = client_for(verifier).get("/api/reports/integrity/", PERIOD)  # Indonesian
    assert (
        "tidak lagi memiliki hash yang disegel" in response.json()["seals"]["broken"][0]["problem"]
    )


def test_the_beat_schedule_seals_and_the_task_seals_yesterday(ambon):
    tasks = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks["incidents.tasks.seal_chain"] <= 3600  # sealed within the hour after midnight
    events_at(at(10, "23:59"), 1)
    with time_machine.travel(at(11, "00:05"), tick=False):
        seq = seal_chain_task.apply().get()
    seal = Event.objects.get(seq=seq)
    assert seal.kind == SEALED and seal.payload["day"] == "2027-01-10"


def test_without_the_key_no_day_is_sealed_and_it_is_logged(ambon, settings, tmp_path, caplog):
    settings.SIGNING_KEY_PATH = tmp_path / "never-made.pem"
    events_at(at(10, "10:00"), 1)
    with time_machine.travel(at(11, "00:05"), tick=False):
        assert seal_chain_task.apply().get() is None
    assert not Event.objects.filter(kind=SEALED).exists()
    assert "the event log is not sealed" in caplog.text
