"""How a drill's figures become a verdict: the limits that every drill shares, the invariants of
issue #13 that a set of figures breaks (each drill adds its own through the `zero`, `at_most` and
`true` keys), and the short report printed after each drill.
"""

from __future__ import annotations

from drills.stack import CONSOLE_HEARTBEAT_S

# A console must hear live events again within this long after a fault ends (it may resync
# on the next heartbeat and must be re-joined to its group by then).
SILENCE_LIMIT_S = 3 * CONSOLE_HEARTBEAT_S + 2
HANDSHAKE_LIMIT_S = 3.0
HEALTHZ_LIMIT_S = 2.0


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
    # docs/architecture.md "The write path": one lock order for every write, so two writes can never
    # deadlock.
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
