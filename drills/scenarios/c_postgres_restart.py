"""Drill c: PostgreSQL stopped (immediate shutdown, so crash recovery on start) a third of the
way into a surge. While it is down both web processes must say so on /healthz with a fast 503
rather than hang; when it is back nothing acknowledged may be missing.
"""

from __future__ import annotations

import threading
import time

from drills.client import request
from drills.scenarios.drill import Drill, rounded
from drills.scenarios.surge import surge, wait_for_progress
from drills.scenarios.verdict import HEALTHZ_LIMIT_S
from drills.stack import Stack


def postgres_restart(stack: Stack, size: int = 1500, *, down_s: float = 4.0) -> dict:
    """Stop PostgreSQL (immediate) a third of the way through a surge, poll /healthz of both
    web processes while it is down (each must answer 503 within 2 s), start it again."""
    drill = Drill(stack, "postgres_restart")
    figures: dict = {"calls": size, "down_s": down_s}
    progress = surge(drill, size)
    wait_for_progress(progress, 1 / 3, timeout=300)
    stack.kill_postgres()
    samples: list[tuple[int | None, float, float]] = []
    stop_polling = threading.Event()

    def poll(base: str) -> None:
        # Every request sent while the database is down counts for the time to answer, however
        # late; its status counts only if it was answered before PostgreSQL was started again
        # (one sent just before the restart may rightly find the database back and say 200).
        while not stop_polling.is_set():
            answer = request(base, "GET", "/healthz", timeout=15)
            samples.append((answer.status, answer.elapsed, time.monotonic()))
            time.sleep(0.25)

    pollers = [threading.Thread(target=poll, args=(base,), daemon=True) for base in stack.urls]
    for poller in pollers:
        poller.start()
    time.sleep(down_s)
    stop_polling.set()
    restarted_at = time.monotonic()
    stack.start_postgres()
    ended = drill.fault_ended("postgres restarted")
    for poller in pollers:
        poller.join(20)  # a request sent just before the restart may still be waiting
    progress["join"](600)
    figures["surge_finished"] = progress["finished"]
    figures["healthz_samples_while_down"] = len(samples)
    figures["healthz_max_s_while_down"] = rounded(max((s for _, s, _ in samples), default=None))
    figures["healthz_non_503_while_down"] = sum(
        1 for status, _, answered_at in samples if answered_at < restarted_at and status != 503
    )
    figures["silence_after_postgres_restart"] = drill.probe_until_heard(ended)
    figures["at_most"] = {"healthz_max_s_while_down": HEALTHZ_LIMIT_S}
    figures["zero"] = ["healthz_non_503_while_down"]
    figures["true"] = ["surge_finished"]
    return drill.finish(figures)
