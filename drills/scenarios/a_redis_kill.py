"""Drill a: Redis killed -9 a third of the way into a surge and restarted empty. Writes do not
need Redis, so no request may fail; consoles and new handshakes must recover within seconds
of its return.
"""

from __future__ import annotations

import time

from drills.scenarios.drill import Drill, fresh_handshake
from drills.scenarios.surge import surge, wait_for_progress
from drills.scenarios.verdict import HANDSHAKE_LIMIT_S
from drills.stack import Stack


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
    figures["handshake_after_restart_s"] = fresh_handshake(drill)
    progress["join"](600)
    figures["surge_finished"] = progress["finished"]
    figures["silence_after_redis_restart"] = drill.probe_until_heard(ended)
    figures["at_most"] = {"handshake_after_restart_s": HANDSHAKE_LIMIT_S}
    figures["true"] = ["surge_finished"]
    # Writes do not need Redis: its loss may delay pushes, never fail a write.
    figures["zero"] = ["answers_5xx"]
    return drill.finish(figures)
