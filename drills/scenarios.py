"""The fault drills of issue #13. Each takes the running `Stack` and a size, returns a dict of
figures with a list of `failures` (the invariants it broke; empty when it passed), and prints a
short report.

    a redis_kill        Redis killed -9 mid-surge and restarted empty
    b checker_down      Celery worker and beat killed while calls ring, some taken or hung up
    c postgres_restart  PostgreSQL stopped (immediate) mid-surge; /healthz while it is down
    d races             two web processes: duplicate ringing, AML and hang-up at once; takes
                        racing each other and the deadline check
    e late_aml          an AML for a call whose ladder is finished, then new calls must escalate
    f console_expiry    long-lived consoles with a short channel group expiry, then FLUSHALL

The invariants every drill checks: nothing acknowledged is lost, no 5xx answered for a write
that committed, sequence numbers contiguous and the chain intact, a console that resyncs misses
nothing, every level due is raised exactly once (and resolved when its cause ends).
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from drills import checks
from drills.client import ConsoleUser, CtiAdapter, Outcome, request
from drills.console import Console
from drills.stack import (
    CALL_LADDER_S,
    CALL_TAKERS,
    CONSOLE_HEARTBEAT_S,
    PASSWORD,
    SUPERVISOR,
    Stack,
)

# A console must hear live events again within this long after a fault ends (it may resync
# on the next heartbeat and must be re-joined to its group by then).
SILENCE_LIMIT_S = 3 * CONSOLE_HEARTBEAT_S + 2
HANDSHAKE_LIMIT_S = 3.0
HEALTHZ_LIMIT_S = 2.0
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
        return {c.name: _round(c.heard_live_after(since)) for c in self.consoles}

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


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def failures(f: dict) -> list[str]:
    """The invariants of issue #13 that these figures break."""
    broken = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            broken.append(what)

    need(f.get("lost", 0) == 0, f"lost acknowledged writes: {f.get('lost_examples')}")
    need(f.get("not_acked", 0) == 0, f"{f.get('not_acked')} requests never acknowledged")
    need(f.get("unexpected_4xx", 0) == 0, f"{f.get('unexpected_4xx')} unexpected 4xx answers")
    need(f.get("false_500s", 0) == 0, f"false 500s: {f.get('false_500_examples')}")
    need(f.get("duplicate_events", 0) == 0, f"duplicate events: {f.get('duplicate_examples')}")
    need(f.get("seq_gaps", 0) == 0, f"{f.get('seq_gaps')} gaps in event seq")
    # DESIGN.md §5: one lock order for every write, so two writes can never deadlock.
    need(f.get("deadlocks", 0) == 0, f"{f.get('deadlocks')} deadlocks in the PostgreSQL log")
    need(f.get("chain_intact", True), f"chain: {f.get('chain_report')}")
    need(f.get("head_matches", True), "chain head row does not match the last event")
    for key, value in f.items():
        if key.endswith("_missing_after_resync"):
            need(value == 0, f"{key}: {value}")
        if key.startswith("silence_") and isinstance(value, dict):
            for console, seconds in value.items():
                need(
                    seconds is not None and seconds <= SILENCE_LIMIT_S,
                    f"{key} {console}: {seconds} s (limit {SILENCE_LIMIT_S} s)",
                )
    need(
        f.get("escalations_missing", 0) == 0,
        f"{f.get('escalations_missing')} of {f.get('escalations_expected')} escalations "
        f"never raised: {f.get('missing_examples')}",
    )
    need(f.get("escalations_duplicate", 0) == 0, "escalation levels raised twice")
    need(
        f.get("escalations_extra", 0) == 0,
        f"escalations after the call stopped waiting: {f.get('extra_examples')}",
    )
    need(f.get("unresolved_after_stop", 0) == 0, "escalations left open after the call ended")
    need(f.get("resolved_late", 0) == 0, "late escalations not resolved at once")
    need(f.get("resolved_while_waiting", 0) == 0, "escalations resolved while still ringing")
    for key in f.get("zero", []):
        need(f.get(key) in (0, None), f"{key} = {f.get(key)} (must be 0)")
    for key, limit in f.get("at_most", {}).items():
        value = f.get(key)
        need(value is not None and value <= limit, f"{key} = {value} (limit {limit})")
    for key in f.get("true", []):
        need(bool(f.get(key)), f"{key} is {f.get(key)!r}")
    return broken


REPORT_KEYS = [
    "calls",
    "posts",
    "acked",
    "lost",
    "answers_5xx",
    "false_500s",
    "connection_errors",
    "duplicate_events",
    "seq_gaps",
    "chain_intact",
    "deadlocks",
    "escalations_expected",
    "escalations_raised",
    "escalations_missing",
    "escalations_duplicate",
    "escalations_extra",
    "lag_p50_s",
    "lag_p99_s",
    "seconds",
]


def report(name: str, f: dict) -> None:
    shown = [f"{k}={f[k]}" for k in REPORT_KEYS if k in f]
    shown += [
        f"{k}={v}"
        for k, v in f.items()
        if k.startswith(("silence_", "healthz_", "handshake", "console"))
        or k in f.get("also_show", [])
    ]
    print(f"\n== drill {name}: {'PASS' if not f['failures'] else 'FAIL'}", flush=True)
    print("   " + ", ".join(shown), flush=True)
    for failure in f["failures"]:
        print(f"   ✗ {failure}", flush=True)


# --- Surges ---------------------------------------------------------------------------------


def surge(
    drill: Drill,
    calls: int,
    *,
    clients: int = 8,
    events: tuple[str, ...] = ("ringing", "answered", "ended"),
) -> dict:
    """Each call's events one after another (over alternating web processes), `clients` calls
    at a time; returns live progress counters."""
    jobs: queue.Queue[int] = queue.Queue()
    for i in range(calls):
        jobs.put(i)
    progress = {"done": 0, "total": calls * len(events), "finished": False}

    def client() -> None:
        while True:
            try:
                i = jobs.get_nowait()
            except queue.Empty:
                return
            call_id, number = f"{drill.prefix}{i}", drill.number()
            for j, event in enumerate(events):
                drill.record(drill.adapter.event(drill.base(i + j), call_id, event, number))
                progress["done"] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()

    def join(timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        progress["finished"] = not any(t.is_alive() for t in threads)
        return progress["finished"]

    progress["join"] = join
    return progress


def wait_for_progress(progress: dict, share: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while progress["done"] < share * progress["total"] and time.monotonic() < deadline:
        time.sleep(0.05)


def _fresh_handshake(drill: Drill) -> float | None:
    """Seconds a brand-new console needs for its handshake (hello) now."""
    console = Console(ConsoleUser(drill.base(0), SUPERVISOR, PASSWORD), name="fresh")
    try:
        console.start(timeout=30)
        return _round(console.handshakes[-1][1])
    except Exception:  # noqa: BLE001
        return None
    finally:
        console.stop()


# --- a: Redis killed mid-surge --------------------------------------------------------------


def redis_kill(stack: Stack, size: int = 1500, *, down_s: float = 3.0) -> dict:
    """Kill -9 Redis a third of the way through a surge of `size` calls (ringing, answered,
    ended), restart it empty on the same port after `down_s`."""
    drill = Drill(stack, "redis_kill")
    figures: dict = {"calls": size, "down_s": down_s}
    progress = surge(drill, size)
    wait_for_progress(progress, 1 / 3, timeout=300)
    stack.kill_redis()
    time.sleep(down_s)
    stack.start_redis()
    ended = drill.fault_ended("redis restarted")
    figures["handshake_after_restart_s"] = _fresh_handshake(drill)
    progress["join"](600)
    figures["surge_finished"] = progress["finished"]
    figures["silence_after_redis_restart"] = drill.probe_until_heard(ended)
    figures["at_most"] = {"handshake_after_restart_s": HANDSHAKE_LIMIT_S}
    figures["true"] = ["surge_finished"]
    # Writes do not need Redis: its loss may delay pushes, never fail a write.
    figures["zero"] = ["answers_5xx"]
    return drill.finish(figures)


# --- b: the deadline check down while calls ring --------------------------------------------


def checker_down(stack: Stack, size: int = 300, *, down_s: float = LADDER_END_S + 4) -> dict:
    """Kill the worker and beat; ring `size` calls; meanwhile take a quarter before L1, hang up
    a quarter between L1 and L2, take a quarter after L2, leave the rest ringing; restart the
    checker: every level due meanwhile is raised once, resolved at once where its cause ended."""
    drill = Drill(stack, "checker_down", consoles=False)
    figures: dict = {"calls": size, "down_s": down_s}
    takers = [ConsoleUser(stack.urls[i % 2], name, PASSWORD) for i, name in enumerate(CALL_TAKERS)]
    stack.kill_checker()
    killed = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        rung = list(
            pool.map(
                lambda i: drill.record(
                    drill.adapter.event(
                        drill.base(i), f"{drill.prefix}{i}", "ringing", drill.number()
                    )
                ),
                range(size),
            )
        )
    pks = [o.data["id"] if o.acked and isinstance(o.data, dict) else None for o in rung]
    quarter = max(1, size // 4)
    groups = {
        "take_before_l1": (range(0, quarter), CALL_LADDER_S[0] / 2, "take"),
        "hang_up_between": (
            range(quarter, 2 * quarter),
            (CALL_LADDER_S[0] + LADDER_END_S) / 2,
            "abandoned",
        ),
        "take_after_l2": (range(2 * quarter, 3 * quarter), LADDER_END_S + 1, "take"),
    }
    rang_at = time.monotonic()
    for _name, (indices, at, action) in sorted(groups.items(), key=lambda g: g[1][1]):
        time.sleep(max(0.0, rang_at + at - time.monotonic()))

        def act(i: int, action: str = action) -> None:
            if action == "take" and pks[i] is not None:
                drill.record(takers[i % len(takers)].take(pks[i], base=drill.base(i)))
            elif action == "abandoned":
                drill.record(
                    drill.adapter.event(drill.base(i), f"{drill.prefix}{i}", "abandoned", "")
                )

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(act, indices))
    time.sleep(max(0.0, killed + down_s - time.monotonic()))
    figures["checker_down_for_s"] = round(time.monotonic() - killed, 1)
    restart = time.time()
    stack.start_checker(wait=False)
    figures["checker_back_after_s"] = _round(stack.wait_checker(timeout=60, after=restart))
    # Every level due while it was down must be raised by the first check runs.
    figures["catch_up_s"] = round(
        checks.wait_until_checked(stack, [p for p in pks if p], timeout=30), 1
    )
    figures["still_ringing_before_end"] = size - 3 * quarter
    figures["zero"] = ["answers_5xx"]
    return drill.finish(figures)


# --- c: PostgreSQL restarted mid-surge ------------------------------------------------------


def postgres_restart(stack: Stack, size: int = 1500, *, down_s: float = 4.0) -> dict:
    """Stop PostgreSQL (immediate) a third of the way through a surge, poll /healthz of both
    web processes while it is down (each must answer 503 within 2 s), start it again."""
    drill = Drill(stack, "postgres_restart")
    figures: dict = {"calls": size, "down_s": down_s}
    progress = surge(drill, size)
    wait_for_progress(progress, 1 / 3, timeout=300)
    stack.kill_postgres()
    samples: list[tuple[int | None, float]] = []
    stop_polling = threading.Event()

    def poll(base: str) -> None:
        # Every request sent while the database is down counts, however late its answer.
        while not stop_polling.is_set():
            answer = request(base, "GET", "/healthz", timeout=15)
            samples.append((answer.status, answer.elapsed))
            time.sleep(0.25)

    pollers = [threading.Thread(target=poll, args=(base,), daemon=True) for base in stack.urls]
    for poller in pollers:
        poller.start()
    time.sleep(down_s)
    stop_polling.set()
    stack.start_postgres()
    ended = drill.fault_ended("postgres restarted")
    for poller in pollers:
        poller.join(20)  # a request sent just before the restart may still be waiting
    progress["join"](600)
    figures["surge_finished"] = progress["finished"]
    figures["healthz_samples_while_down"] = len(samples)
    figures["healthz_max_s_while_down"] = _round(max((s for _, s in samples), default=None))
    figures["healthz_non_503_while_down"] = sum(1 for status, _ in samples if status != 503)
    figures["silence_after_postgres_restart"] = drill.probe_until_heard(ended)
    figures["at_most"] = {"healthz_max_s_while_down": HEALTHZ_LIMIT_S}
    figures["zero"] = ["healthz_non_503_while_down"]
    figures["true"] = ["surge_finished"]
    return drill.finish(figures)


# --- d: racing duplicates across two web processes, takes racing the check ------------------


def races(stack: Stack, size: int = 300, *, takes: int | None = None) -> dict:
    """Per call: ringing posted to both web processes at once; then AML to both and the
    hang-up to both at once. Then `takes` calls rung together and taken at their L1 due time
    by two call-takers at once (one per web process)."""
    from incidents.aml import build_aml_body

    drill = Drill(stack, "races", consoles=False)
    takes = size // 2 if takes is None else takes
    figures: dict = {"calls": size, "take_races": takes}

    def together(actions: list[Callable[[], Outcome]]) -> list[Outcome]:
        barrier = threading.Barrier(len(actions))

        def run(action):
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            return drill.record(action())

        with ThreadPoolExecutor(max_workers=len(actions)) as pool:
            return list(pool.map(run, actions))

    def race_call(i: int) -> None:
        call_id, number = f"{drill.prefix}{i}", drill.number()
        a, b = drill.base(i), drill.base(i + 1)
        together(
            [
                lambda base=base: drill.adapter.event(base, call_id, "ringing", number)
                for base in (a, b)
            ]
        )
        rung = time.monotonic()
        body = build_aml_body(
            lat=-3.6954 + i * 1e-5, lon=128.1814, radius_m=15, positioned_at=datetime.now(UTC)
        )
        # The AML and the hang-up arrive together, from 0.5 s before to 0.7 s after the call's
        # first escalation is due: some of them race the deadline check as well.
        time.sleep(max(0.0, rung + CALL_LADDER_S[0] - 0.5 + 1.2 * (i % 13) / 12 - time.monotonic()))
        together(
            [lambda base=base: drill.adapter.aml(base, call_id, number, body) for base in (a, b)]
            + [
                lambda base=base: drill.adapter.event(base, call_id, "ended", number)
                for base in (b, a)
            ]
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(race_call, range(size)))

    # Takes racing each other and the deadline check.
    takers = [ConsoleUser(stack.urls[i % 2], name, PASSWORD) for i, name in enumerate(CALL_TAKERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        rung = list(
            pool.map(
                lambda i: drill.record(
                    drill.adapter.event(
                        drill.base(i), f"{drill.prefix}t{i}", "ringing", drill.number()
                    )
                ),
                range(takes),
            )
        )
    rang_at = time.monotonic()
    pairs = [(o.data["id"], i) for i, o in enumerate(rung) if o.acked and isinstance(o.data, dict)]

    def take_race(item: tuple[int, int]) -> list[Outcome]:
        pk, i = item
        # Spread around the L1 due time: from 0.5 s before to 0.7 s after.
        time.sleep(
            max(0.0, rang_at + CALL_LADDER_S[0] - 0.5 + 1.2 * (i % 13) / 12 - time.monotonic())
        )
        first, second = takers[i % 2], takers[2 + i % 2]
        return together(
            [
                lambda: first.take(pk, base=drill.base(0)),
                lambda: second.take(pk, base=drill.base(1)),
            ]
        )

    with ThreadPoolExecutor(max_workers=min(32, max(1, len(pairs)))) as pool:
        results = list(pool.map(take_race, pairs))
    figures["take_races_one_winner"] = sum(
        1 for pair in results if sorted(o.status for o in pair) == [200, 409]
    )
    figures["take_races_other"] = [
        [o.status for o in pair] for pair in results if sorted(o.status for o in pair) != [200, 409]
    ][:5]
    rows = checks.calls(stack, drill.prefix)
    race_rows = [r for c, r in rows.items() if not c.startswith(f"{drill.prefix}t")]
    located_acked = {o.key for o in drill.outcomes if o.what == "aml" and o.status == 200}
    figures["ringing_left"] = sum(1 for r in race_rows if r["ended_at"] is None)
    figures["aml_acked_not_located"] = sum(
        1 for r in race_rows if r["call_id"] in located_acked and r["aml_lat"] is None
    )
    figures["take_races_all_one_winner"] = figures["take_races_one_winner"] == len(pairs)
    figures["zero"] = ["answers_5xx", "ringing_left", "aml_acked_not_located"]
    figures["true"] = ["take_races_all_one_winner"]
    figures["also_show"] = [
        "ringing_left",
        "aml_acked_not_located",
        "take_races_one_winner",
        "take_races_other",
    ]
    return drill.finish(figures)


# --- e: a late AML after a finished ladder --------------------------------------------------


def late_aml(stack: Stack, size: int = 20) -> dict:
    """Ring `size` calls and let their ladders finish; send each an AML (twice); then ring
    `size` new calls: they must escalate at every level, and /healthz must report the deadline
    check's last successful run (and not say "ok" while levels wait overdue)."""
    from incidents.aml import build_aml_body

    drill = Drill(stack, "late_aml", consoles=False)
    figures: dict = {"calls": size}
    first = [(f"{drill.prefix}old{i}", drill.number()) for i in range(size)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda c: drill.record(drill.adapter.event(drill.base(0), c[0], "ringing", c[1])),
                first,
            )
        )
    time.sleep(LADDER_END_S + 2)
    old_pks = [r["id"] for r in checks.calls(stack, f"{drill.prefix}old").values()]
    old_levels = {e["level"] for e in checks.escalations(stack, old_pks)}
    figures["old_calls_ladder_done"] = old_levels >= {level for level, _ in checks.ladder(stack)}
    body = build_aml_body(lat=-3.6954, lon=128.1814, radius_m=20, positioned_at=datetime.now(UTC))
    for call_id, number in first:
        for base in stack.urls:  # delivered twice, to both web processes
            drill.record(drill.adapter.aml(base, call_id, number, body))
    time.sleep(2)
    second = [(f"{drill.prefix}new{i}", drill.number()) for i in range(size)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda c: drill.record(drill.adapter.event(drill.base(1), c[0], "ringing", c[1])),
                second,
            )
        )
    time.sleep(LADDER_END_S + 3)
    new_pks = [r["id"] for r in checks.calls(stack, f"{drill.prefix}new").values()]
    new_escalations = checks.escalations(stack, new_pks)
    figures["new_calls_escalated"] = len({e["subject_id"] for e in new_escalations})
    figures["new_calls_levels_raised"] = len(new_escalations)
    figures["overdue_deadlines"] = checks.overdue_deadlines(stack, grace_s=3)
    health = request(stack.urls[0], "GET", "/healthz", timeout=15)
    figures["healthz_status"] = health.data.get("status") if isinstance(health.data, dict) else None
    check_report = _deadline_check_report(health.data)
    figures["healthz_deadline_check"] = check_report
    figures["healthz_reports_last_check"] = check_report is not None
    figures["healthz_check_recent"] = bool(
        isinstance(check_report, dict)
        and check_report.get("ok") is not False
        and (check_report.get("age_s") is None or check_report["age_s"] <= 5)
    )
    figures["healthz_ok_while_overdue"] = int(
        figures["overdue_deadlines"] > 0 and figures["healthz_status"] == "ok"
    )
    figures["new_calls_all_escalated"] = figures["new_calls_escalated"] == size
    figures["zero"] = ["healthz_ok_while_overdue", "answers_5xx"]
    figures["true"] = [
        "new_calls_all_escalated",
        "healthz_reports_last_check",
        "healthz_check_recent",
    ]
    figures["also_show"] = [
        "new_calls_escalated",
        "overdue_deadlines",
        "healthz_status",
        "old_calls_ladder_done",
    ]
    return drill.finish(figures)


def _deadline_check_report(data) -> object:
    """The part of /healthz about the deadline check's last successful run, wherever it is."""
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if any(word in key for word in ("deadline", "escalat", "last_success", "last_check")):
            return value
        if isinstance(value, dict):
            found = _deadline_check_report(value)
            if found is not None:
                return found
    return None


# --- f: long-lived consoles, group expiry, FLUSHALL -----------------------------------------


def console_expiry(stack: Stack, size: int = 1, *, group_expiry_s: int = 5) -> dict:
    """With CHANNEL_GROUP_EXPIRY_S shortened, consoles stay connected `size` times past the
    expiry, and then Redis is emptied (FLUSHALL): each time they must hear the next events
    live soon, miss nothing after resyncing, and new escalations must still be raised."""
    figures: dict = {"rounds": size, "group_expiry_s": group_expiry_s}
    with stack.webs_with(CHANNEL_GROUP_EXPIRY_S=str(group_expiry_s)):
        drill = Drill(stack, "console_expiry")
        for round_ in range(1, size + 1):
            time.sleep(group_expiry_s + CONSOLE_HEARTBEAT_S + 1)
            since = drill.fault_ended(f"group expiry passed ({round_})")
            figures[f"silence_after_expiry_{round_}"] = drill.probe_until_heard(since)
        stack.flush_redis()
        flushed = drill.fault_ended("flushall")
        figures["handshake_after_flush_s"] = _fresh_handshake(drill)
        figures["silence_after_flush"] = drill.probe_until_heard(flushed)
        # The deadline check must survive the emptied broker too.
        probe = drill.probe(0)
        time.sleep(CALL_LADDER_S[0] + 3)
        raised = checks.escalations(stack, [probe.data["id"]] if probe.acked else [])
        figures["escalated_after_flush"] = bool(raised)
        figures["scheduler_alive_after_flush"] = _scheduler_alive(stack)
        figures["true"] = ["escalated_after_flush"]
        figures["zero"] = ["answers_5xx"]
        figures["at_most"] = {"handshake_after_flush_s": HANDSHAKE_LIMIT_S}
        figures["also_show"] = ["escalated_after_flush", "scheduler_alive_after_flush"]
        return drill.finish(figures)


def _scheduler_alive(stack: Stack) -> bool:
    beat = stack.scheduler_heartbeat()
    return beat is not None and time.time() - beat < 5


# name: (drill, full-size arguments, test-suite arguments)
DRILLS: dict[str, tuple[Callable[..., dict], dict, dict]] = {
    "a_redis_kill": (redis_kill, {"size": 1500}, {"size": 150}),
    "b_checker_down": (checker_down, {"size": 300}, {"size": 40}),
    # At full size PostgreSQL stays down longer than the connection pool's 10 s timeout.
    "c_postgres_restart": (postgres_restart, {"size": 1500, "down_s": 12.0}, {"size": 150}),
    "d_races": (races, {"size": 300}, {"size": 40}),
    "e_late_aml": (late_aml, {"size": 20}, {"size": 3}),
    "f_console_expiry": (console_expiry, {"size": 3}, {"size": 1}),
}
