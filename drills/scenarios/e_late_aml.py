"""Drill e: an AML (delivered twice) for calls whose ladder has already finished must not upset
the deadline check: new calls rung after it must still escalate at every level, and /healthz
must report the check's last successful run and not say "ok" while levels wait overdue.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from drills import checks
from drills.client import request
from drills.scenarios.drill import LADDER_END_S, Drill
from drills.stack import Stack


def late_aml(stack: Stack, size: int = 20) -> dict:
    """Ring `size` calls and let their ladders finish; send each an AML (twice); then ring
    `size` new calls: they must escalate at every level, and /healthz must report the deadline
    check's last successful run (and not say "ok" while levels wait overdue)."""
    from incidents.aml import build_aml_body

    drill = Drill(stack, "late_aml", consoles=False)
    figures: dict = {"calls": size}
    first = [(f"{drill.prefix}old{i}", drill.number()) for i in range(size)]
    drill.ring_all([(drill.base(0), call_id, number) for call_id, number in first])
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
    drill.ring_all([(drill.base(1), call_id, number) for call_id, number in second])
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
