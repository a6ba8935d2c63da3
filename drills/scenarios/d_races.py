"""Drill d: the same call's writes racing each other across the two web processes (a ringing
posted twice, then AML and hang-up twice, all at once), and two call-takers racing to take one
call, both around the moment its first level falls due. One lock order for every write means no
deadlock, no 5xx, and exactly one winner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from drills import checks
from drills.client import Outcome
from drills.scenarios.drill import Drill
from drills.stack import CALL_LADDER_S, Stack


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
        # The AML and the hang-up arrive together, around the call's first escalation.
        _sleep_until_near_l1(rung, i)
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
    takers = drill.call_takers()
    rung = drill.ring_all(
        [(drill.base(i), f"{drill.prefix}t{i}", drill.number()) for i in range(takes)]
    )
    rang_at = time.monotonic()
    pairs = [(o.data["id"], i) for i, o in enumerate(rung) if o.acked and isinstance(o.data, dict)]

    def take_race(item: tuple[int, int]) -> list[Outcome]:
        pk, i = item
        _sleep_until_near_l1(rang_at, i)
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


def _sleep_until_near_l1(rung: float, i: int) -> None:
    """Sleep until the i-th call's moment near its L1 due time (`rung` plus the first delay):
    spread from 0.5 s before to 0.7 s after it, so that some of the racing writes race the
    deadline check as well."""
    time.sleep(max(0.0, rung + CALL_LADDER_S[0] - 0.5 + 1.2 * (i % 13) / 12 - time.monotonic()))
