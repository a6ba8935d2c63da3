"""Play a scenario's telephony events against a running server, as the PBX would.

    manage.py simulate_calls --scenario earthquake-2019 --speed 10 --token $CTI_TOKEN
    manage.py simulate_calls --scenario surge --calls 2000 --auto-answer --concurrency 32
    manage.py simulate_calls --scenario quiet-night --dry-run
    manage.py simulate_calls --scenario house-fire-batu-merah --extensions 201,202,203
    manage.py simulate_calls --scenario messages --speed 30   (WhatsApp/SMS, synthetic)

What is sent and when is described in incidents/simulation.py. Each request carries the real
time in `at` (the server flags times more than 5 s off its clock); the scenario's own clock,
compressed by --speed, only decides when to send and is shown in the progress line. Call ids
get a per-run prefix, so the same scenario can be played twice against one server.

It behaves as a real adapter must (README, "The telephony adapter's contract"): the CTI API
answers a repeated event or AML with 2xx and changes nothing, so a request whose answer did not
come (connection refused, reset or timed out), or came as 5xx or 429, is sent again, the same
bytes, with exponential backoff and jitter, up to --max-attempts times and --retry-budget
seconds; any other 4xx is final. One call's events go through one worker, so a retry never
overtakes the event before it.
"""

import http.client
import json
import os
import queue
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from incidents.simulation import (
    SCENARIOS,
    WIT,
    SimEvent,
    build_scenario,
    scenario_start,
    summarise,
    worker_for,
)

SHOWN_ERRORS = 5
NEW_LINE = "\n" if sys.stdout.isatty() else ""  # off the updating progress line
UNREACHED = 0  # the status of a request that got no answer at all


@dataclass(frozen=True)
class RetryPolicy:
    """When a request is sent again: bounded in attempts and in time, backing off
    exponentially with jitter so that many adapters do not all come back at once."""

    attempts: int = 6
    budget_s: float = 60.0  # from the first attempt, the last retry starts before this
    first_delay_s: float = 0.5
    max_delay_s: float = 10.0

    @staticmethod
    def retryable(status: int) -> bool:
        """No answer, the server's own failure (a database restarting), or "slow down"."""
        return status == UNREACHED or status == 429 or status >= 500

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Before the `retry`-th retry: half to all of first_delay_s × 2^(retry-1), at most
        max_delay_s; never sooner than the server's Retry-After (up to max_delay_s)."""
        ceiling = min(self.max_delay_s, self.first_delay_s * 2 ** (retry - 1))
        delay = random.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_delay_s))
        return delay


class Player:
    """Sends events over keep-alive connections, one worker per connection, and counts."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        workers: int,
        prefix: str,
        out,
        retry: RetryPolicy = RetryPolicy(),
    ):
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"--url must be http(s)://host[:port], not {url!r}.")
        self.parts, self.token, self.prefix, self.out = parts, token, prefix, out
        self.workers, self.retry = workers, retry
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.kinds: Counter = Counter()
        self.errors: list[str] = []
        self.clock_s = 0.0  # how far into the scenario the player is

    def play(self, events: list[SimEvent], *, speed: float, report) -> None:
        queues = [queue.Queue() for _ in range(self.workers)]
        threads = [threading.Thread(target=self._work, args=(q,), daemon=True) for q in queues]
        for thread in threads:
            thread.start()
        began = time.monotonic()
        for event in events:
            due = event.offset_s / speed if speed else 0.0
            while (waited := time.monotonic() - began) < due:
                time.sleep(min(due - waited, 0.25))
                self.clock_s = (time.monotonic() - began) * speed
                report()
            self.clock_s = max(self.clock_s, event.offset_s)
            queues[worker_for(event, self.workers)].put(event)
        for q in queues:
            q.put(None)
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.25)
                report()

    def _work(self, inbox: queue.Queue) -> None:
        connection = None
        while (event := inbox.get()) is not None:
            connection = self._send(event, connection)

    def _send(self, event: SimEvent, connection):
        action = event.action
        path, body = event.request(clock=datetime.now(UTC), prefix=self.prefix)
        status, answer, connection = self._post(path, body, connection)
        if status == 409 and event.fallback:  # a ghost line dropped before anyone answered
            action = event.fallback
            body = {**body, "event": action}
            status, answer, connection = self._post(path, body, connection)
        with self.lock:
            self.counts["requests"] += 1
            if status in (200, 201, 202):
                self.counts["ok"] += 1
                if action == "ringing":
                    self.counts["calls"] += 1
                    self.kinds[event.call.kind] += 1
                self.counts[action] += 1
                if status == 200 and action != "aml":  # a located AML says 200 every time
                    self.counts["already known (200)"] += 1
                if status == 202:
                    self.counts["AML held for its call (202)"] += 1
            elif status == 409 and action == "message":
                self.counts["message already received (409)"] += 1
            elif status == 409:
                self.counts["taken at a console (409)"] += 1
            else:
                self.counts["errors"] += 1
                message = f"{action} {body.get('call_id', body.get('number'))}: {answer}"
                if len(self.errors) < SHOWN_ERRORS:
                    self.errors.append(message)
                    self.out.write(f"{NEW_LINE}error: {message}")
        return connection

    def _post(self, path: str, body: dict, connection):
        """(status, short answer, connection), retried by the policy; status UNREACHED when
        no answer came."""
        payload = json.dumps(body).encode()
        began = time.monotonic()
        for attempt in range(1, self.retry.attempts + 1):
            reused = connection is not None
            status, answer, retry_after, connection = self._attempt(path, payload, connection)
            if not self.retry.retryable(status) or attempt == self.retry.attempts:
                break
            if status == UNREACHED and reused and attempt == 1:
                delay = 0.0  # most likely an idle keep-alive connection the server had closed
            else:
                delay = self.retry.delay(attempt, retry_after)
            if time.monotonic() - began + delay > self.retry.budget_s:
                break
            with self.lock:
                self.counts["retries"] += 1
            time.sleep(delay)
        if attempt > 1 and self.retry.retryable(status):
            answer = f"{answer} (gave up after {attempt} attempts)"
        return status, answer, connection

    def _attempt(self, path: str, payload: bytes, connection):
        """One try: (status, short answer, Retry-After seconds or None, connection)."""
        headers = {
            "Authorization": f"Token {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "ambon112-simulate-calls",
        }
        try:
            connection = connection or self._connect()
            connection.request("POST", self.parts.path + path, body=payload, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            if connection is not None:
                connection.close()
            return UNREACHED, f"cannot reach {self.parts.netloc}: {exc!r}", None, None
        retry_after = response.getheader("Retry-After", "")
        seconds = float(retry_after) if retry_after.isdigit() else None
        return response.status, _short(response.status, text), seconds, connection

    def _connect(self) -> http.client.HTTPConnection:
        secure = self.parts.scheme == "https"
        kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
        return kind(self.parts.hostname, self.parts.port, timeout=10)


def _short(status: int, text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return f"HTTP {status} {text[:200]}"
    if isinstance(data, dict) and "detail" in data:
        errors = f" {json.dumps(data['errors'], ensure_ascii=False)}" if data.get("errors") else ""
        return f"HTTP {status} {data['detail']}{errors}"[:300]
    return f"HTTP {status} {text[:200]}"


class Command(BaseCommand):
    help = "Play a scenario of 112 calls (CTI events and AML fixes) against a running server."
    requires_system_checks = []  # a client of the server: it needs no database of its own

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--scenario", required=True, choices=list(SCENARIOS))
        parser.add_argument("--speed", type=float, default=1.0, help="60 plays an hour a minute")
        parser.add_argument("--token", default=None, help="the CTI token; default $CTI_TOKEN")
        parser.add_argument("--seed", type=int, default=112)
        parser.add_argument(
            "--calls",
            type=int,
            default=None,
            help="surge size (200), the flood/quake callers, or the conversations (messages, 12)",
        )
        parser.add_argument("--start", default=None, help="the scenario's clock, ISO 8601")
        parser.add_argument("--auto-answer", action="store_true", help="answer and end calls")
        parser.add_argument(
            "--extensions",
            default="",
            help="the desks' PBX extensions, comma-separated (201,202): a share of the calls "
            "is answered at one of their handsets, the rest is left to the consoles",
        )
        parser.add_argument(
            "--handset-share",
            type=float,
            default=0.5,
            help="with --extensions: the share of answered calls picked up at a handset (0.5)",
        )
        parser.add_argument("--concurrency", type=int, default=8, help="connections in parallel")
        parser.add_argument("--run-id", default=None, help="call-id prefix; default: the time")
        parser.add_argument("--dry-run", action="store_true", help="print the timeline only")
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=RetryPolicy.attempts,
            help="tries per request on no answer, 5xx or 429 (1: never retry)",
        )
        parser.add_argument(
            "--retry-budget",
            type=float,
            default=RetryPolicy.budget_s,
            help="seconds from a request's first try after which it is not retried",
        )

    def handle(self, *args, **options):
        if options["speed"] <= 0:
            raise CommandError("--speed must be positive.")
        if options["calls"] is not None and options["calls"] < 1:
            raise CommandError("--calls must be at least 1.")
        if options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1.")
        if options["max_attempts"] < 1 or options["retry_budget"] < 0:
            raise CommandError("--max-attempts must be at least 1, --retry-budget not negative.")
        extensions = tuple(e.strip() for e in options["extensions"].split(",") if e.strip())
        if any(not e.isdigit() for e in extensions):
            raise CommandError("--extensions: digits only, comma-separated (201,202).")
        if not 0 <= options["handset_share"] <= 1:
            raise CommandError("--handset-share must be between 0 and 1.")
        start = None
        if options["start"]:
            try:
                start = datetime.fromisoformat(options["start"])
            except ValueError as exc:
                raise CommandError(f"--start: {exc}") from exc
            if start.tzinfo is None:
                start = start.replace(tzinfo=WIT)
        name = options["scenario"]
        events = build_scenario(
            name,
            options["seed"],
            start,
            calls=options["calls"],
            auto_answer=options["auto_answer"],
            extensions=extensions,
            handset_share=options["handset_share"],
        )
        start = scenario_start(name, start)
        if options["dry_run"]:
            self._timeline(events, start)
            self._summary(events)
            return

        token = options["token"] or os.environ.get("CTI_TOKEN")
        if not token:
            raise CommandError("No CTI token: pass --token or set CTI_TOKEN.")
        run_id = options["run_id"] or datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        player = Player(
            options["url"],
            token,
            workers=options["concurrency"],
            prefix=f"sim-{run_id}-",
            out=self.stdout,
            retry=RetryPolicy(attempts=options["max_attempts"], budget_s=options["retry_budget"]),
        )
        self._summary(events)
        self.stdout.write(f"Playing {name} at {options['url']}, speed ×{options['speed']:g}.")
        began = time.monotonic()
        progress = Progress(self.stdout, player, start, began)
        try:
            player.play(events, speed=options["speed"], report=progress.maybe)
        except KeyboardInterrupt:
            self.stdout.write("\nInterrupted.")
        progress.show(final=True)
        counts = player.counts
        if counts["ok"] == 0 and counts["errors"]:
            raise CommandError(f"Every request failed ({counts['errors']}); is the server up?")

    def _timeline(self, events: list[SimEvent], start: datetime) -> None:
        for event in events:
            call = event.call
            clock = event.at(start).astimezone(WIT).strftime("%Y-%m-%d %H:%M:%S")
            elapsed = time.strftime("%H:%M:%S", time.gmtime(event.offset_s))
            action = event.action + (f"/{event.fallback}" if event.fallback else "")
            action += f"@{event.extension}" if event.extension else ""
            detail = f"{call.kind:<11} {call.topic or '-':<13}"
            if event.action == "aml":
                detail = f"AML pm={call.fix.method} rd={call.fix.radius_m:g} m".ljust(25)
            self.stdout.write(
                f"+{elapsed} {clock} WIT  {action:<17} {call.call_id}  {call.number}  "
                f"{detail} {call.place} ({call.area_code}) {call.lat:.5f},{call.lon:.5f}"
                f"{'  repeat' if call.repeat and event.action == 'ringing' else ''}"
            )

    def _summary(self, events: list[SimEvent]) -> None:
        s = summarise(events)
        kinds = ", ".join(f"{kind} {n}" for kind, n in s["kinds"].items())
        self.stdout.write(
            f"{s['calls']} calls from {s['numbers']} numbers ({s['repeat_calls']} repeat calls): "
            f"{kinds}; {s['aml']} AML fixes; abandoned {s['abandoned_share']:.0%}, "
            f"prank+ghost {s['prank_ghost_share_of_answered']:.0%} of the rest; "
            f"{s['messages']} messages through the gateway; "
            f"{s['handset_answers']} calls answered at a desk's handset."
        )


class Progress:
    """One updating line on a terminal, a line every 10 s otherwise."""

    def __init__(self, out, player: Player, start: datetime, began: float):
        self.out, self.player, self.start, self.began = out, player, start, began
        self.tty = sys.stdout.isatty()
        self.every = 0.5 if self.tty else 10.0
        self.last = 0.0

    def maybe(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.show()

    def show(self, *, final: bool = False) -> None:
        self.last = time.monotonic()
        with self.player.lock:
            counts, kinds = dict(self.player.counts), dict(self.player.kinds)
        clock = self.start.timestamp() + self.player.clock_s
        simulated = datetime.fromtimestamp(clock, WIT).strftime("%Y-%m-%d %H:%M:%S WIT")
        by_kind = " ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
        others = ", ".join(
            f"{key} {n}"
            for key, n in counts.items()
            if key not in ("ok", "requests", "calls", "errors", "retries")
        )
        line = (
            f"{counts.get('calls', 0)} calls sent ({by_kind or 'none yet'}); "
            f"{counts.get('requests', 0)} requests, {counts.get('errors', 0)} errors, "
            f"{counts.get('retries', 0)} retries; "
            f"{time.monotonic() - self.began:.0f} s elapsed; scenario at {simulated}"
        )
        if final:
            self.out.write(f"\n{line}\n{others}" if self.tty else f"{line}\n{others}")
        elif self.tty:
            self.out.write(f"\r{line}", ending="")
            self.out.flush()
        else:
            self.out.write(line)
