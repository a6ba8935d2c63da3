"""Drill b: the deadline check (Celery worker and beat) killed while calls ring and people act on
them. When it is back, every level that fell due meanwhile must be raised exactly once, and
resolved at once where its cause had already ended.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from drills import checks
from drills.scenarios.drill import LADDER_END_S, Drill, rounded
from drills.stack import CALL_LADDER_S, Stack


def checker_down(stack: Stack, size: int = 300, *, down_s: float = LADDER_END_S + 4) -> dict:
    """Kill the worker and beat; ring `size` calls; meanwhile take a quarter before L1, hang up
    a quarter between L1 and L2, take a quarter after L2, leave the rest ringing; restart the
    checker: every level due meanwhile is raised once, resolved at once where its cause ended."""
    drill = Drill(stack, "checker_down", consoles=False)
    figures: dict = {"calls": size, "down_s": down_s}
    takers = drill.call_takers()
    stack.kill_checker()
    killed = time.monotonic()
    rung = drill.ring_all(
        [(drill.base(i), f"{drill.prefix}{i}", drill.number()) for i in range(size)]
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
    figures["checker_back_after_s"] = rounded(stack.wait_checker(timeout=60, after=restart))
    # Every level due while it was down must be raised by the first check runs.
    figures["catch_up_s"] = round(
        checks.wait_until_checked(stack, [p for p in pks if p], timeout=30), 1
    )
    figures["still_ringing_before_end"] = size - 3 * quarter
    figures["zero"] = ["answers_5xx"]
    return drill.finish(figures)
