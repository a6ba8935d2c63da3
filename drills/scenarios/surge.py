"""Surges: many calls at once, each call's events one after another, from a few client threads
over alternating web processes. A surge runs in the background so that the drill can strike
while it is under way (`wait_for_progress`) and then wait for it to finish (`join`).
"""

from __future__ import annotations

import queue
import threading
import time

from drills.scenarios.drill import Drill


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
