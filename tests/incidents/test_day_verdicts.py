"""A closed day is walked once (issue #17): its signed verdict and fingerprints let later checks
skip it, and any change to it, or to the verdict, is still caught and named. PostgreSQL only:
on SQLite every check walks (incidents/verdicts.py)."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from core.clock import day_start, days
from dispatch.models import Assignment, Ticket
from incidents import chain_times, verdicts
from incidents.chain_times import check_period, check_times
from incidents.models import DayVerdict, Event
from incidents.services.verdicts import verify_days

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def day():
    return timezone.localdate() - timedelta(days=3)


@pytest.fixture
def verified(request, ambon, day):
    """The house fire of tests/incidents/conftest.py handled three days ago, then every closed
    day verified as the daily seal task does."""
    with time_machine.travel(day_start(day) + timedelta(hours=10), tick=True):
        fire = request.getfixturevalue("fire")
    assert day in verify_days()
    return fire


@pytest.fixture
def walked(monkeypatch):
    """The periods the chain's walk is asked for."""
    runs = []
    walk = chain_times.verify_chain

    def recording(*, since, until):
        runs.append((since, until))
        return walk(since=since, until=until)

    monkeypatch.setattr(chain_times, "verify_chain", recording)
    return runs


def around(day) -> dict:
    since, until = days(day - timedelta(days=1), day + timedelta(days=1))
    return {"since": since, "until": until}


def test_a_verified_day_is_not_walked_again_and_counts_as_checked(verified, day, walked):
    verdict = DayVerdict.objects.get(day=day)
    since, until = days(day, day)
    assert verdict.events == Event.objects.filter(at__gte=since, at__lt=until).count() > 10
    assert verdict.rows == 5  # call, incident, two tickets, the engine
    integrity = check_period(**around(day))
    assert integrity.intact, integrity.problems()
    assert (integrity.chain.checked, integrity.times.checked) == (verdict.events, 5)
    assert walked and all(end <= since or start >= until for start, end in walked)


def test_a_day_is_verified_once(verified, day):
    assert verify_days() == []
    assert DayVerdict.objects.filter(day=day).count() == 1


def test_a_row_changed_in_a_verified_day_is_caught_and_named(verified, day, walked):
    ticket = Ticket.objects.get(incident=verified, agency__code="damkar")
    changed = ticket.accepted_at - timedelta(minutes=3, seconds=13)
    Ticket.objects.filter(pk=ticket.pk).update(accepted_at=changed)
    for times in (check_period(**around(day)).times, check_times(**around(day))):
        [mismatch] = times.mismatches
        assert (mismatch.row, mismatch.field) == (ticket.pk, "accepted_at")
        assert (mismatch.stored, mismatch.event) == (changed, ticket.accepted_at)
    since, until = days(day, day)
    assert any(start <= since and end >= until for start, end in walked)
    assert day not in verify_days()  # a broken day gets no new verdict


def test_a_row_deleted_from_a_verified_day_is_caught(verified, day):
    assignment = Assignment.objects.get(incident=verified)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dispatch_assignment WHERE id = %s", [assignment.pk])
    found = check_times(**around(day)).mismatches
    assert {(m.table, m.row) for m in found} == {("assignments", assignment.pk)}


def test_an_event_altered_in_a_verified_day_breaks_the_chain_there(verified, day):
    event = Event.objects.filter(subject_type="ticket").last()
    payload = {**event.payload, "note": "rewritten"}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_event SET payload = %s WHERE seq = %s",
            [json.dumps(payload), event.seq],
        )
    integrity = check_period(**around(day))
    assert integrity.chain.first_bad_seq == event.seq


def test_a_verdict_altered_to_cover_a_changed_row_is_named_and_its_day_walked(verified, day):
    call = verified.calls.get()
    changed = call.answered_at + timedelta(seconds=40)
    type(call).objects.filter(pk=call.pk).update(answered_at=changed)
    # The forger brings the verdict's fingerprint up to date, but cannot sign it.
    now = verdicts.digests(chain_times.TABLES, day, day + timedelta(days=1))[day]
    DayVerdict.objects.filter(day=day).update(rows_digest=now.rows_digest)
    integrity = check_period(**around(day))
    assert integrity.altered_verdicts == (day,)
    assert not integrity.intact
    with translation.override("en"):
        assert f"The verdict kept for {day.isoformat()}" in " ".join(integrity.problems())
    [mismatch] = integrity.times.mismatches
    assert (mismatch.row, mismatch.field, mismatch.stored) == (call.pk, "answered_at", changed)
    assert day not in verify_days()  # an altered verdict stays, to be named, until deleted
    assert DayVerdict.objects.get(day=day).rows_digest == now.rows_digest


def test_an_altered_verdict_is_named_by_verify_events(verified, day):
    DayVerdict.objects.filter(day=day).update(events=1)
    with pytest.raises(CommandError, match=f"the verdict kept for {day} does NOT VERIFY"):
        call_command("verify_events", "--from", str(day), "--to", str(day))
