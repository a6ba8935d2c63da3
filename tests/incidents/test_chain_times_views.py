"""Where a time that disagrees with the event log shows (issue #17): the integrity API and page,
`manage.py verify_events`, the report and every export of it, and the incident's timeline."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from dispatch.models import Ticket


@pytest.fixture
def period():
    today = timezone.localdate()
    return {"start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()}


@pytest.fixture
def tampered(fire):
    """Damkar's acceptance (T4) moved 3 min 13 s earlier in the table, not in the log."""
    ticket = Ticket.objects.get(incident=fire, agency__code="damkar")
    Ticket.objects.filter(pk=ticket.pk).update(
        accepted_at=ticket.accepted_at - timedelta(minutes=3, seconds=13)
    )
    return ticket


def test_the_integrity_api_names_each_time_that_disagrees(tampered, client_for, verifier, period):
    body = client_for(verifier).get(reverse("report-integrity"), period).json()
    assert body["intact"] is False
    assert body["first_bad_seq"] is None  # the chain itself holds
    times = body["times"]
    assert (times["intact"], times["mismatches"]) == (False, 1)
    [named] = times["named"]
    assert (named["table"], named["row"], named["field"], named["clock"]) == (
        "tickets",
        tampered.pk,
        "accepted_at",
        "T4",
    )
    assert named["event_seq"] and named["stored"] != named["event"]
    assert [figure["key"] for figure in times["affected"]] == ["acknowledgment"]


def test_an_untouched_period_is_intact_everywhere(fire, client_for, verifier, period, capsys):
    body = client_for(verifier).get(reverse("report-integrity"), period).json()
    assert body["intact"] is True and body["times"]["checked"] == 5
    call_command("verify_events", "--from", period["start"], "--to", period["end"])
    assert "the times of 5 rows match their events" in capsys.readouterr().out
    detail = client_for(verifier).get(reverse("incident-detail", args=[fire.pk])).json()
    assert detail["integrity"] == {"intact": True, "problems": []}


def test_verify_events_fails_naming_the_row_and_both_values(tampered, period, capsys):
    with pytest.raises(CommandError, match="1 reported times DO NOT MATCH"):
        call_command("verify_events", "--from", period["start"], "--to", period["end"])
    line = capsys.readouterr().err
    assert f"#{tampered.pk} accepted_at (T4)" in line
    stored = timezone.localtime(Ticket.objects.get(pk=tampered.pk).accepted_at)
    assert f"{stored:%H:%M:%S}" in line
    assert f"{timezone.localtime(tampered.accepted_at):%H:%M:%S}" in line


def test_the_report_and_its_exports_say_which_figures_are_affected(
    tampered, client_for, verifier, period
):
    client = client_for(verifier)
    with translation.override("id"):
        client.cookies["django_language"] = "id"
        report = client.get(reverse("report-summary"), period).json()
        assert report["chain_times"]["mismatches"] == 1
        assert [f["key"] for f in report["chain_times"]["affected"]] == ["acknowledgment"]
        for params in ({"format": "csv"}, {"format": "csv", "part": "rows", "source": "tickets"}):
            response = client.get(reverse("report-export"), {**period, **params})
            body = response.streaming_content if response.streaming else [response.content]
            text = b"".join(body).decode("utf-8")
            assert "TIDAK COCOK" in text and "Tanggapan instansi" in text, params
            assert f"#{tampered.pk} accepted_at (T4)" in text


def test_the_timeline_warns_in_indonesian_when_its_events_fail_the_check(
    tampered, fire, client_for, supervisor
):
    client = client_for(supervisor)
    client.cookies["django_language"] = "id"
    detail = client.get(reverse("incident-detail", args=[fire.pk])).json()
    assert detail["integrity"]["intact"] is False
    [problem] = detail["integrity"]["problems"]
    assert problem.startswith(f"tiket #{tampered.pk} accepted_at (T4): tersimpan")
    assert "peristiwa #" in problem


def test_the_timeline_warns_when_an_event_of_the_incident_was_altered(fire, client_for, verifier):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_event SET actor_label = 'someone' WHERE seq ="
            " (SELECT MAX(seq) FROM incidents_event WHERE incident_id = %s)",
            [fire.pk],
        )
    client = client_for(verifier)
    client.cookies["django_language"] = "id"
    detail = client.get(reverse("incident-detail", args=[fire.pk])).json()
    assert detail["integrity"]["intact"] is False
    assert detail["integrity"]["problems"][0].startswith("Rantai putus pada nomor urut")
