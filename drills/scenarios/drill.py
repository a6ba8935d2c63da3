"""What every drill does besides its fault: `Drill` names its calls (a prefix of their own, so
that one stack serves every drill in turn), posts them through the telephony adapter, keeps
each outcome and a console per web process, and in `finish` ends its calls, lets the check and
the consoles catch up, measures the common figures and judges them.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from drills import checks
from drills.client import ConsoleUser, CtiAdapter, Outcome
from drills.console import Console
from drills.scenarios.verdict import failures, report
from drills.stack import (
    CALL_LADDER_S,
    CALL_TAKERS,
    CONSOLE_HEARTBEAT_S,
    PASSWORD,
    SUPERVISOR,
    Stack,
)

LADDER_END_S = max(CALL_LADDER_S)


class Drill:
    """What one drill keeps: its call ids' prefix, the adapter, consoles, every outcome."""

    def __init__(self, stack: Stack, name: str, *, consoles: bool = True):
        self.stack = stack
        self.name = name
        self.prefix = f"drill-{name}-{uuid.uuid4().hex[:6]}-"
        self.adapter = CtiAdapter(stack.token)
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self.deadlocks_before = stack.deadlocks()
        self.faults: list[tuple[str, float]] = []  # (what, time.monotonic() when it ended)
        self.consoles: list[Console] = []
        self.numbers = _numbers(stack)
        self.probe_count = itertools.count(1)
        stack.on_stop.append(self.stop_consoles)  # also when the drill itself crashes
        if consoles:
            for index, base in enumerate(stack.urls):
                user = ConsoleUser(base, SUPERVISOR, PASSWORD)
                self.consoles.append(Console(user, name=f"console{index + 1}").start())

    def record(self, outcome: Outcome) -> Outcome:
        with self._lock:
            self.outcomes.append(outcome)
        return outcome

    def number(self) -> str:
        with self._lock:
            return f"+62812{next(self.numbers):08d}"

    def base(self, index: int) -> str:
        return self.stack.urls[index % len(self.stack.urls)]

    def call_takers(self) -> list[ConsoleUser]:
        """Every call-taker of the stack, signed in on the web processes in turn."""
        urls = self.stack.urls
        return [ConsoleUser(urls[i % 2], name, PASSWORD) for i, name in enumerate(CALL_TAKERS)]

    def ring_all(self, calls: list[tuple[str, str, str]]) -> list[Outcome]:
        """Ring every (base, call_id, number), eight at a time; the outcomes in that order."""

        def ring(call: tuple[str, str, str]) -> Outcome:
            base, call_id, number = call
            return self.record(self.adapter.event(base, call_id, "ringing", number))

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(ring, calls))

    def fault_ended(self, what: str) -> float:
        now = time.monotonic()
        self.faults.append((what, now))
        return now

    def probe(self, index: int = 0) -> Outcome:
        """One more ringing call, so that there is an event to hear."""
        call_id = f"{self.prefix}probe-{next(self.probe_count)}"
        return self.record(self.adapter.event(self.base(index), call_id, "ringing", self.number()))

    def probe_until_heard(self, since: float, timeout: float = 20) -> dict[str, float | None]:
        """Post probe calls every 0.5 s until every console heard an event live after `since`;
        the silence of each console (None: still deaf after `timeout`)."""
        deadline = time.monotonic() + timeout
        index = 0
        while time.monotonic() < deadline:
            if all(c.heard_live_after(since) is not None for c in self.consoles):
                break
            self.probe(index)
            index += 1
            time.sleep(0.5)
        return {c.name: rounded(c.heard_live_after(since)) for c in self.consoles}

    def end_all(self) -> None:
        """Hang up every call of this drill still live (so that later drills start clean)."""
        live = [
            (call_id, row["id"])
            for call_id, row in checks.calls(self.stack, self.prefix).items()
            if row["ended_at"] is None
        ]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(
                pool.map(
                    lambda item: self.record(
                        self.adapter.event(self.base(item[1]), item[0], "ended", "")
                    ),
                    live,
                )
            )

    def stop_consoles(self) -> None:
        for console in self.consoles:
            console.stop()

    # --- The common figures and invariants ----------------------------------------------

    def finish(self, figures: dict, *, settle_s: float = 20) -> dict:
        """End the drill's calls, let the check and the consoles catch up (bounded), then
        measure everything and name each broken invariant."""
        stack = self.stack
        try:
            self.end_all()
            pks = [row["id"] for row in checks.calls(stack, self.prefix).values()]
            figures["settle_wait_s"] = round(checks.wait_until_checked(stack, pks, settle_s), 1)
            head = checks.head(stack)
            catch_up = 3 * CONSOLE_HEARTBEAT_S + 3
            for console in self.consoles:
                console.wait_until_applied(head, timeout=catch_up)
                figures[f"{console.name}_missing_after_resync"] = len(console.missing(head))
                figures[f"{console.name}_disconnects"] = console.disconnects
                figures[f"{console.name}_heartbeats"] = len(console.heartbeats)
            figures.update(checks.event_log(stack))
            figures.update(checks.cti_figures(stack, self.prefix, self.outcomes))
            figures.update(checks.escalation_figures(stack, self.prefix))
            figures["deadlocks"] = stack.deadlocks() - self.deadlocks_before
        finally:
            self.stop_consoles()
        figures["seconds"] = round(time.monotonic() - self.started, 1)
        figures["failures"] = failures(figures)
        report(self.name, figures)
        return figures


def _numbers(stack: Stack):
    counter = getattr(stack, "_drill_numbers", None)
    if counter is None:
        counter = itertools.count(10_000_001)
        stack._drill_numbers = counter
    return counter


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def fresh_handshake(drill: Drill) -> float | None:
    """Seconds a brand-new console needs for its handshake (hello) now."""
    console = Console(ConsoleUser(drill.base(0), SUPERVISOR, PASSWORD), name="fresh")
    try:
        console.start(timeout=30)
        return rounded(console.handshakes[-1][1])
    except Exception:  # noqa: BLE001
        return None
    finally:
        console.stop()
