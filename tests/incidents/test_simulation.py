import json
import re
import socket
import struct
import threading
import time
from collections import defaultdict
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Point

from agencies.models import MachineToken
from agencies.services import create_machine_token
from incidents.aml import parse_aml
from incidents.management.commands.simulate_calls import Player, RetryPolicy
from incidents.models import AmlMessage, Call, ContactMessage, Event
from incidents.services.presence import create_position
from incidents.simulation import (
    ABANDONED_RANGE,
    BACKGROUND_MIX,
    FLOOD_PLACES,
    NIGHT_MIX,
    PRANK_GHOST_RANGE,
    QUAKE_PLACES,
    SCENARIOS,
    WIT,
    areas,
    build_scenario,
    calls_of,
    summarise,
)

SEEDS = (1, 2, 3)
# The scenarios the PBX plays (the messages scenario is the message gateway's: no calls).
VOICE = [name for name in SCENARIOS if name != "messages"]
E164_TEST_BLOCK = re.compile(r"^\+628120000\d{4}$")
# What callers may call a place that is not the area's own name (see the scenario comments).
ALIASES = {
    "Air Besar": "Batu Merah",
    "Batu Merah (Gang Banjo)": "Batu Merah",
    "Belakang Soya": "Karang Panjang",
}


@pytest.fixture(scope="module")
def timelines():
    return {(name, seed): build_scenario(name, seed) for name in SCENARIOS for seed in SEEDS}


def calls_by_id(events):
    grouped = defaultdict(list)
    for event in events:
        grouped[event.call.call_id].append(event)
    return grouped


def answered_share(calls, kinds=("prank", "ghost")):
    answered = [call for call in calls if call.kind != "abandoned"]
    return sum(call.kind in kinds for call in answered) / len(answered)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_is_the_same_for_the_same_seed(name, timelines):
    assert build_scenario(name, 1) == timelines[(name, 1)]
    assert timelines[(name, 1)] != timelines[(name, 2)]


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_call_is_placed_inside_the_area_it_names(name, timelines):
    for seed in SEEDS:
        for call in calls_of(timelines[(name, seed)]):
            area = areas()[call.area_code]
            assert area["level"] == "desa"
            assert area["polygon"].contains(Point(call.lon, call.lat)), call
            assert ALIASES.get(call.place, call.place) == area["name"], call


def test_the_named_disaster_places_are_the_areas_the_sources_name():
    named = {(code, said) for (code, said, _), _ in FLOOD_PLACES + QUAKE_PLACES}
    for code, said in named:
        assert ALIASES.get(said, said) == areas()[code]["name"]
    quake_desa = {areas()[code]["name"] for code, _ in named if code.startswith("81.01.14")}
    assert quake_desa == {"Liang", "Waai", "Tulehu", "Tengah Tengah"}


@pytest.mark.parametrize("name", VOICE)
def test_the_aml_fix_a_handset_sends_parses_and_points_at_the_caller(name, timelines):
    start = datetime(2026, 1, 1, 12, tzinfo=WIT)
    fixes = [event for event in timelines[(name, 1)] if event.action == "aml"]
    assert fixes
    for event in fixes:
        path, body = event.request(clock=start)
        assert path == "/api/cti/aml/"
        fix = parse_aml(body["body"])
        assert (fix.lat, fix.lon) == (event.call.lat, event.call.lon)
        assert fix.radius_m == event.call.fix.radius_m
        assert (fix.mcc, fix.mnc) == ("510", "10")
        assert fix.positioned_at < start


@pytest.mark.parametrize("name", VOICE)
def test_events_of_one_call_come_in_the_order_a_pbx_sends_them(name, timelines):
    for auto_answer in (False, True):
        events = build_scenario(name, 1, auto_answer=auto_answer)
        assert [e.offset_s for e in events] == sorted(e.offset_s for e in events)
        for call_events in calls_by_id(events).values():
            actions = [event.action for event in call_events]
            assert actions[0] == "ringing"
            assert actions.count("ringing") == 1 and actions.count("aml") <= 1
            if "abandoned" in actions:
                assert actions[-1] == "abandoned" and "answered" not in actions
            if "ended" in actions:
                assert actions[-1] == "ended"
            if "answered" in actions:
                assert actions.index("answered") < actions.index("ended")
            assert [e.offset_s for e in call_events] == sorted(e.offset_s for e in call_events)


def test_calls_left_to_people_get_no_answer_unless_auto_answer_is_asked_for():
    by_hand = calls_by_id(build_scenario("earthquake-2019", 1))
    by_itself = calls_by_id(build_scenario("earthquake-2019", 1, auto_answer=True))
    for call_id, events in by_hand.items():
        call, actions = events[0].call, {event.action for event in events}
        assert "answered" not in actions
        if call.kind in ("emergency", "information", "prank"):
            assert actions <= {"ringing", "aml"}
        if call.kind == "ghost":  # the silent line drops; "abandoned" if nobody picked up
            assert [(e.action, e.fallback) for e in events][-1] == ("ended", "abandoned")
        if call.kind != "abandoned":
            assert {"answered", "ended"} <= {event.action for event in by_itself[call_id]}


def test_the_mixes_sit_inside_the_documented_ranges():
    for mix in (BACKGROUND_MIX, NIGHT_MIX):
        assert sum(mix.values()) == pytest.approx(1)
        assert ABANDONED_RANGE[0] <= mix["abandoned"] <= ABANDONED_RANGE[1]
        answered = 1 - mix["abandoned"]
        assert PRANK_GHOST_RANGE[0] <= (mix["prank"] + mix["ghost"]) / answered
        assert (mix["prank"] + mix["ghost"]) / answered <= PRANK_GHOST_RANGE[1]


def test_a_long_stream_of_calls_keeps_the_documented_shares():
    calls = calls_of(build_scenario("surge", 7, calls=5000))
    abandoned = sum(call.kind == "abandoned" for call in calls) / len(calls)
    assert abandoned == pytest.approx(BACKGROUND_MIX["abandoned"], abs=0.03)
    assert ABANDONED_RANGE[0] - 0.03 <= abandoned <= ABANDONED_RANGE[1]
    assert PRANK_GHOST_RANGE[0] <= answered_share(calls) <= PRANK_GHOST_RANGE[1]


def test_a_quiet_night_is_mostly_pranks_and_ghosts_with_one_medical_call_and_one_fight():
    calls = [call for seed in range(20) for call in calls_of(build_scenario("quiet-night", seed))]
    assert 0.5 < answered_share(calls) <= PRANK_GHOST_RANGE[1]
    for seed in SEEDS:
        night = calls_of(build_scenario("quiet-night", seed))
        assert 15 <= len(night) <= 80  # a few an hour over ten hours
        assert {call.kind for call in night if call.script == "background"} <= set(NIGHT_MIX)
        assert len({call.number for call in night if call.script == "medical"}) == 1
        fight = [call for call in night if call.script == "fight" and not call.repeat]
        assert len(fight) == 2 and fight[0].area_code == fight[1].area_code
        for call in night:
            hour = call.rings_at_s / 3600
            assert 0 <= hour <= 10  # 21:00–07:00 WIT


def test_a_house_fire_brings_six_to_ten_neighbours_within_three_minutes():
    for seed in SEEDS:
        fire = [
            c for c in calls_of(build_scenario("house-fire-batu-merah", seed)) if c.script == "fire"
        ]
        first = [call for call in fire if not call.repeat]
        assert 6 <= len(first) <= 10
        assert max(c.rings_at_s for c in first) - min(c.rings_at_s for c in first) <= 180
        assert {call.area_code for call in fire} == {"81.71.02.2003"}  # Batu Merah
        assert len({call.number for call in first}) == len(first)


def test_the_2012_flood_calls_rise_over_the_hour():
    for seed in SEEDS:
        flood = [
            c for c in calls_of(build_scenario("flash-flood-2012", seed)) if c.script == "flood"
        ]
        early = sum(call.rings_at_s < 1200 for call in flood)
        late = sum(call.rings_at_s >= 2400 for call in flood)
        assert late > 2 * early
        assert any(call.place == "Air Besar" for call in flood)


def test_the_2019_earthquake_brings_hundreds_of_calls_in_minutes_then_decays():
    for seed in SEEDS:
        quake = [
            c for c in calls_of(build_scenario("earthquake-2019", seed)) if c.script == "quake"
        ]
        per_quarter = [sum(int(c.rings_at_s // 900) == q for c in quake) for q in range(4)]
        assert sum(call.rings_at_s < 600 for call in quake) >= 200
        assert per_quarter == sorted(per_quarter, reverse=True)
        assert sum(call.kind == "abandoned" for call in quake) / len(quake) >= 0.4
        assert sum(call.repeat for call in quake) >= 50
        regencies = {areas()[call.area_code]["regency"] for call in quake}
        assert regencies == {"Kota Ambon", "Kabupaten Maluku Tengah"}


@pytest.mark.parametrize("name", VOICE)
def test_some_numbers_call_again(name, timelines):
    for seed in SEEDS:
        calls = calls_of(timelines[(name, seed)])
        assert any(call.repeat for call in calls)
        assert len({call.number for call in calls}) < len(calls)
        assert all(E164_TEST_BLOCK.match(call.number) for call in calls)


def test_a_surge_is_as_many_calls_as_asked_all_at_once():
    events = build_scenario("surge", 1, calls=300)
    assert summarise(events)["calls"] == 300
    assert {event.offset_s for event in events} == {0.0}


def test_the_messages_scenario_threads_conversations_through_the_gateway(timelines):
    events = timelines[("messages", 1)]
    assert calls_of(events) == [] and {event.action for event in events} == {"message"}
    assert summarise(events)["messages"] == len(events)
    conversations = calls_by_id(events)
    assert len(conversations) == 12
    assert any(len(messages) > 1 for messages in conversations.values())
    for messages in conversations.values():
        assert len({(m.channel, m.call.number) for m in messages}) == 1  # one thread each
        assert messages[0].channel in ("whatsapp", "sms")
    path, body = events[0].request(clock=datetime(2026, 1, 1, 12, tzinfo=WIT), prefix="sim-x-")
    assert path == "/api/gateway/messages/"
    assert body == {
        "channel": events[0].channel,
        "message_id": f"sim-x-{events[0].call.call_id}-{round(events[0].offset_s * 10)}",
        "number": events[0].call.number,
        "text": events[0].text,
        "sent_at": "2026-01-01T12:00:00.000+09:00",
    }


def test_a_cti_event_carries_the_fields_of_the_api_contract(timelines):
    event = timelines[("quiet-night", 1)][0]
    clock = datetime(2026, 1, 1, 12, tzinfo=WIT)
    path, body = event.request(clock=clock, prefix="sim-x-")
    assert path == "/api/cti/events/"
    assert body == {
        "call_id": "sim-x-" + event.call.call_id,
        "event": "ringing",
        "number": event.call.number,
        "line": event.call.line,
        "at": "2026-01-01T12:00:00.000+09:00",
        "channel": "phone",
    }


def test_it_refuses_an_unknown_scenario():
    with pytest.raises(ValueError, match="quiet-night"):
        build_scenario("tsunami", 1)


# --- the command -------------------------------------------------------------------------


def test_a_dry_run_prints_the_timeline_without_a_server_or_database():
    out = StringIO()
    call_command("simulate_calls", "--scenario", "quiet-night", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    events = build_scenario("quiet-night", 112)
    assert len(lines) == len(events) + 1
    assert lines[0].startswith("+") and "WIT  ringing" in lines[0]
    assert lines[-1].startswith(f"{summarise(events)['calls']} calls from ")


class FakeServer(BaseHTTPRequestHandler):
    """The CTI API as the contract describes it: 201, then 200 for a repeat; 409 for an
    `ended` on a call nobody answered; every AML fix taken (200). `server.faults` lists what
    goes wrong with the next requests, one each: "503" or "429" (answered without applying
    it), "drop" (applied, then the connection closes with no answer, as when a process dies
    mid-response), "reset" (reset before anything is applied), "400" (refused)."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        with server.lock:
            server.attempts += 1
            fault = server.faults.pop(0) if server.faults else ""
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault in ("503", "429", "400"):
            self.answer(int(fault), {"Retry-After": "0"} if fault == "429" else {})
            return
        with server.lock:
            server.received.append((self.path, self.headers["Authorization"], body))
            key = (body.get("call_id"), body.get("event"))
            if body.get("event") == "answered":
                server.answered.add(body["call_id"])
            if self.path == "/api/cti/aml/":
                status = 200
            elif body.get("event") == "ended" and body["call_id"] not in server.answered:
                status = 409
            else:
                status = 200 if key in server.seen else 201
            server.seen.add(key)
        if fault == "drop":
            self.close_connection = True
            return
        self.answer(status)

    def answer(self, status: int, headers: dict | None = None):
        payload = json.dumps({"detail": "ok"}).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeServer)
    httpd.lock, httpd.received, httpd.seen, httpd.answered = threading.Lock(), [], set(), set()
    httpd.faults, httpd.attempts = [], 0
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def quick_retries(monkeypatch):
    """Backoff delays of a millisecond: what is retried is under test here, not how long the
    player waits (RetryPolicy.delay has its own test)."""
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, retry, retry_after=None: 0.001)


def test_it_plays_a_scenario_against_the_server_with_the_token(server, monkeypatch):
    monkeypatch.setenv("CTI_TOKEN", "s3cret")
    out = StringIO()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    args = ["--scenario", "quiet-night", "--speed", "1000000", "--url", url, "--seed", "3"]
    call_command("simulate_calls", *args, stdout=out)
    events = build_scenario("quiet-night", 3)
    ghosts = [e for e in events if e.fallback]
    assert len(server.received) == len(events) + len(ghosts)  # each ghost: ended, abandoned
    assert {auth for _, auth, _ in server.received} == {"Token s3cret"}
    sent = [body for path, _, body in server.received if path == "/api/cti/events/"]
    assert all(body["call_id"].startswith("sim-") for body in sent)
    for call_events in calls_by_id(events).values():
        call_id = call_events[0].call.call_id
        mine = [body["event"] for body in sent if body["call_id"].endswith(call_id)]
        expected = [e.action for e in call_events if e.action != "aml"]
        if call_events[-1].fallback:
            expected.append("abandoned")
        assert mine == expected
    assert " 0 errors, 0 retries;" in out.getvalue()
    assert f"{summarise(events)['calls']} calls sent" in out.getvalue()


def test_auto_answer_answers_and_ends_the_calls_it_does_not_abandon(server):
    url = f"http://127.0.0.1:{server.server_address[1]}"
    args = ["--scenario", "surge", "--calls", "40", "--auto-answer", "--token", "t", "--url", url]
    call_command("simulate_calls", *args, "--concurrency", "4", stdout=StringIO())
    events = [body["event"] for path, _, body in server.received if path == "/api/cti/events/"]
    calls = calls_of(build_scenario("surge", 112, calls=40, auto_answer=True))
    assert events.count("ringing") == 40
    assert events.count("answered") == events.count("ended")
    assert events.count("ended") == sum(call.kind != "abandoned" for call in calls)


def test_it_fails_when_every_request_fails(quick_retries):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), FakeServer)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    out = StringIO()
    args = ["--scenario", "surge", "--calls", "3", "--token", "t", "--max-attempts", "3"]
    with pytest.raises(CommandError, match="Every request failed"):
        call_command("simulate_calls", *args, "--url", f"http://127.0.0.1:{port}", stdout=out)
    assert "cannot reach" in out.getvalue() and "(gave up after 3 attempts)" in out.getvalue()


# --- retries, as a real adapter must ----------------------------------------------------------


def play(server, events, retry: RetryPolicy) -> Player:
    player = Player(
        f"http://127.0.0.1:{server.server_address[1]}",
        "t",
        workers=1,
        prefix="sim-r-",
        out=StringIO(),
        retry=retry,
    )
    player.play(events, speed=0, report=lambda: None)
    return player


def test_the_backoff_doubles_with_jitter_up_to_its_ceiling_and_waits_for_retry_after():
    policy = RetryPolicy(first_delay_s=0.5, max_delay_s=10)
    for retry, ceiling in [(1, 0.5), (2, 1), (3, 2), (4, 4), (5, 8), (6, 10), (9, 10)]:
        delays = {policy.delay(retry) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jittered: many adapters do not come back in step
    assert policy.delay(1, retry_after=3) >= 3
    assert policy.delay(1, retry_after=3600) <= 10


def test_it_retries_on_503_and_a_dropped_connection_and_reports_the_retries(server, quick_retries):
    """The server fails the way a restart does: 503s, an answer lost after the event was
    applied, a connection reset. Every event lands once; the repeat answers 200."""
    server.faults = ["503", "503", "drop", "reset", "429"]
    url = f"http://127.0.0.1:{server.server_address[1]}"
    out = StringIO()
    args = ["--scenario", "surge", "--calls", "4", "--token", "t", "--url", url]
    # One worker: the first request meets every fault in turn and lands on its sixth attempt.
    call_command("simulate_calls", *args, "--concurrency", "1", "--max-attempts", "8", stdout=out)
    events = build_scenario("surge", 112, calls=4)
    sent = [
        body.get("message_id") or (body["call_id"], body["event"]) for *_, body in server.received
    ]
    assert len(set(sent)) == len(events)  # each one applied…
    assert len(sent) == len(events) + 1  # …and the one whose answer was lost, repeated
    assert server.attempts == len(events) + 5
    assert " 0 errors, 5 retries;" in out.getvalue()
    assert "already known (200) 1" in out.getvalue()


def test_it_gives_up_after_its_attempts(server, quick_retries):
    server.faults = ["503"] * 100
    events = build_scenario("surge", 1, calls=1)[:1]
    player = play(server, events, RetryPolicy(attempts=4))
    assert server.attempts == 4
    assert (player.counts["errors"], player.counts["retries"]) == (1, 3)
    assert player.errors == ["ringing sim-r-surge-0001: HTTP 503 ok (gave up after 4 attempts)"]


def test_it_gives_up_when_its_time_is_spent(server):
    server.faults = ["503"] * 100
    events = build_scenario("surge", 1, calls=1)[:1]
    began = time.monotonic()
    policy = RetryPolicy(attempts=100, budget_s=0.3, first_delay_s=0.05, max_delay_s=0.05)
    player = play(server, events, policy)
    assert time.monotonic() - began < 1
    assert 3 <= server.attempts < 100 and player.counts["errors"] == 1


def test_a_refusal_is_final_but_429_is_retried(server, quick_retries):
    server.faults = ["400"]
    events = build_scenario("surge", 1, calls=2)
    ringing = [event for event in events if event.action == "ringing"]
    player = play(server, ringing, RetryPolicy())
    assert server.attempts == 2 and player.counts["errors"] == 1 and not player.counts["retries"]
    server.faults = ["429"]
    player = play(server, ringing, RetryPolicy())
    assert player.counts["retries"] == 1 and not player.counts["errors"]


def test_it_wants_a_token_to_send_anything(monkeypatch):
    monkeypatch.delenv("CTI_TOKEN", raising=False)
    with pytest.raises(CommandError, match="CTI_TOKEN"):
        call_command("simulate_calls", "--scenario", "surge", stdout=StringIO())


# --- against the real API ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_played_scenario_lands_in_the_call_queue_as_a_pbx_would_leave_it(ambon, live_server):
    """Ringing calls wait for a person; abandoned and silent lines end up abandoned; fixes land."""
    _token, secret = create_machine_token(name="simulator", kind=MachineToken.Kind.CTI)
    args = ["--scenario", "house-fire-batu-merah", "--speed", "100000", "--seed", "4"]
    args += ["--url", live_server.url, "--token", secret, "--run-id", "t"]
    out = StringIO()
    call_command("simulate_calls", *args, "--concurrency", "1", stdout=out)
    events = build_scenario("house-fire-batu-merah", 4)
    calls = {f"sim-t-{call.call_id}": call for call in calls_of(events)}
    stored = {call.call_id: call for call in Call.objects.all()}
    assert stored.keys() == calls.keys()
    for call_id, call in calls.items():
        row = stored[call_id]
        expected = "abandoned" if call.kind in ("abandoned", "ghost") else "ringing"
        assert row.status == expected, call
        if call.fix is not None and any(e.action == "aml" and e.call is call for e in events):
            assert (row.aml_lat, row.aml_lon) == (call.lat, call.lon)
            assert row.aml_messages.get().message_id == f"{call_id}-aml"
    assert AmlMessage.objects.count() == sum(event.action == "aml" for event in events)
    assert " 0 errors," in out.getvalue()

    # The adapter sends it all again (as after a crash, not knowing what got through): every
    # request is answered as a repeat and nothing changes.
    logged = Event.objects.count()
    again = StringIO()
    call_command("simulate_calls", *args, stdout=again)
    assert Event.objects.count() == logged
    assert AmlMessage.objects.count() == sum(event.action == "aml" for event in events)
    cti_events = sum(event.action != "aml" for event in events)
    assert f"already known (200) {cti_events}" in again.getvalue()


def test_the_messages_scenario_lands_as_threaded_contacts_and_a_replay_changes_nothing(
    ambon, live_server
):
    """Each conversation is one contact with its messages; sent again, every message is
    refused as already received and nothing changes."""
    _token, secret = create_machine_token(name="wa-simulator", kind=MachineToken.Kind.CTI)
    args = ["--scenario", "messages", "--speed", "100000", "--seed", "2", "--run-id", "m"]
    args += ["--url", live_server.url, "--token", secret, "--concurrency", "1"]
    out = StringIO()
    call_command("simulate_calls", *args, stdout=out)
    events = build_scenario("messages", 2)
    conversations = calls_by_id(events)
    contacts = list(Call.objects.prefetch_related("messages"))
    assert len(contacts) == len(conversations)
    assert {contact.channel for contact in contacts} <= {"whatsapp", "sms"}
    assert ContactMessage.objects.count() == len(events)
    assert sorted(contact.messages.count() for contact in contacts) == sorted(
        len(messages) for messages in conversations.values()
    )
    assert " 0 errors," in out.getvalue()
    logged = Event.objects.count()
    again = StringIO()
    call_command("simulate_calls", *args, stdout=again)
    assert Event.objects.count() == logged
    assert f"message already received (409) {len(events)}" in again.getvalue()


# --- desks: answers at a handset (issue #15) --------------------------------------------------


def test_with_desks_some_calls_are_answered_at_a_handset_and_the_others_left_to_consoles():
    plain = build_scenario("earthquake-2019", 1)
    with_desks = build_scenario("earthquake-2019", 1, extensions=("201", "202"))
    ringing = [(e.offset_s, e.call) for e in plain if e.action == "ringing"]
    assert [(e.offset_s, e.call) for e in with_desks if e.action == "ringing"] == ringing
    handset, console = 0, 0
    for events in calls_by_id(with_desks).values():
        call = events[0].call
        answers = [e for e in events if e.action == "answered"]
        if call.kind in ("abandoned", "ghost"):
            assert answers == []
        elif answers:
            [answer] = answers
            handset += 1
            assert answer.extension in ("201", "202")
            assert 3 <= answer.offset_s - events[0].offset_s <= 12.1
            path, body = answer.request(clock=datetime.now(WIT), prefix="sim-")
            assert (path, body["extension"]) == ("/api/cti/events/", answer.extension)
        else:
            console += 1  # rings until someone takes it on a console
    assert handset and console
    assert summarise(with_desks)["handset_answers"] == handset


@pytest.mark.django_db(transaction=True)
def test_a_handset_answer_lands_on_the_desk_and_the_rest_waits_for_the_consoles(
    ambon, live_server, admin_user
):
    create_position(name="Meja 1", extensions=["201"], by=admin_user)
    _token, secret = create_machine_token(name="simulator", kind=MachineToken.Kind.CTI)
    out = StringIO()
    call_command(
        "simulate_calls",
        *("--scenario", "house-fire-batu-merah", "--speed", "100000", "--seed", "4"),
        *("--extensions", "201", "--url", live_server.url, "--token", secret),
        *("--concurrency", "1", "--run-id", "d"),
        stdout=out,
    )
    events = build_scenario("house-fire-batu-merah", 4, extensions=("201",))
    at_handset = {f"sim-d-{e.call.call_id}" for e in events if e.extension}
    assert at_handset
    for call in Call.objects.exclude(status="abandoned"):
        if call.call_id in at_handset:
            assert (call.status, call.answered_via, call.answered_extension) == (
                "answered",
                "pbx",
                "201",
            )
            assert call.answered_position.name == "Meja 1" and call.answered_by is None
        else:
            assert (call.status, call.answered_at) == ("ringing", None)
    assert " 0 errors," in out.getvalue()
