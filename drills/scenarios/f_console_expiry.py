"""Drill f: consoles that stay connected past a shortened channel group expiry, and then a Redis
emptied under them (FLUSHALL). Each time they must hear live events again within seconds and
miss nothing after resyncing, and the deadline check must survive the emptied broker.
"""

from __future__ import annotations

import time

from drills import checks
from drills.scenarios.drill import Drill, fresh_handshake
from drills.scenarios.verdict import HANDSHAKE_LIMIT_S
from drills.stack import CALL_LADDER_S, CONSOLE_HEARTBEAT_S, Stack


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
        figures["handshake_after_flush_s"] = fresh_handshake(drill)
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
