"""What a drill measures, read from the drill stack's database with psycopg (no Django).

- the event log: sequence numbers contiguous, the hash chain intact (`manage.py verify_events`);
- the calls: what the adapter was told was stored (2xx) is in the rows and in the log, once;
- escalations: every level whose due time passed while its call waited was raised, exactly
  once, resolved when (or at once if) its cause ended; lag from due time to raised_at;
- 5xx answers, and how many of them had in fact committed ("false 500s").
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from drills.client import Outcome
from drills.stack import Stack

# A level due this close to the moment its wait stopped may or may not fire (the check and the
# write that ends the wait race); neither outcome is a fault.
RACE_S = 1.0
# The check runs every second: a level is late only after this much.
CHECK_PERIOD_S = 1.5

END_KINDS = {"call.ended", "call.abandoned"}
EVENT_KIND = {"ringing": {"call.ringing"}, "answered": {"call.answered"}, "ended": END_KINDS}
EVENT_KIND["abandoned"] = END_KINDS


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- Event log ------------------------------------------------------------------------------


def event_log(stack: Stack, *, verify: bool = True) -> dict:
    (count, low, high), *_ = stack.query("SELECT count(*), min(seq), max(seq) FROM incidents_event")
    (head_seq,), *_ = stack.query("SELECT seq FROM incidents_eventchainhead WHERE id = 1")
    gaps = 0 if not count else (high - low + 1 - count) + (low - 1)
    figures = {
        "events": count,
        "head": head_seq,
        "seq_gaps": gaps,
        "head_matches": head_seq == high,
    }
    if verify:
        output = stack.manage("verify_events", check=False, timeout=300)
        figures["chain_intact"] = "intact" in output and "BROKEN" not in output
        figures["chain_report"] = output.strip().splitlines()[-1][:200] if output.strip() else ""
    return figures


def head(stack: Stack) -> int:
    return stack.query("SELECT seq FROM incidents_eventchainhead WHERE id = 1")[0][0]


# --- Calls ----------------------------------------------------------------------------------


def calls(stack: Stack, prefix: str) -> dict[str, dict]:
    rows = stack.query(
        """SELECT id, call_id, status, created_at, ringing_at, answered_at, taken_at,
                  taken_by_id, ended_at, aml_lat
           FROM incidents_call WHERE call_id LIKE %s""",
        (prefix + "%",),
    )
    names = (
        "id call_id status created_at ringing_at answered_at taken_at taken_by ended_at aml_lat"
    ).split()
    return {row[1]: dict(zip(names, row, strict=True)) for row in rows}


def call_events(stack: Stack, call_pks: list[int]) -> dict[int, list[tuple[str, int, datetime]]]:
    by_call: dict[int, list] = defaultdict(list)
    if not call_pks:
        return by_call
    rows = stack.query(
        """SELECT subject_id, kind, seq, at FROM incidents_event
           WHERE subject_type = 'call' AND subject_id = ANY(%s) ORDER BY seq""",
        ([str(pk) for pk in call_pks],),
    )
    for subject_id, kind, seq, at in rows:
        by_call[int(subject_id)].append((kind, seq, at))
    return by_call


def cti_figures(stack: Stack, prefix: str, outcomes: list[Outcome]) -> dict:
    """Acknowledged vs stored, lost, duplicates, 5xx and false 500s of CTI posts and takes."""
    rows = calls(stack, prefix)
    events = call_events(stack, [row["id"] for row in rows.values()])
    kinds = {
        call_id: Counter(k for k, _, _ in events.get(row["id"], []))
        for call_id, row in rows.items()
    }
    first_at: dict[tuple[str, str], datetime] = {}
    for call_id, row in rows.items():
        for kind, _seq, at in events.get(row["id"], []):
            first_at.setdefault((call_id, kind), at)
    lost: list[str] = []
    false_500: list[str] = []
    posts = [o for o in outcomes if o.what != "take"]
    # The same event delivered twice at once (drill d): when one copy got a 5xx and its twin
    # committed, the retry answers 200 without telling whose write it was. Those 5xx are
    # counted, but not judged true or false.
    twins = Counter((o.key, o.what) for o in posts)
    for outcome in posts:
        row = rows.get(outcome.key)
        if outcome.acked:
            if outcome.what == "aml":
                if outcome.status == 200 and (
                    row is None or row["aml_lat"] is None or not kinds[outcome.key]["call.located"]
                ):
                    lost.append(f"{outcome.key} aml")
            elif row is None or not (EVENT_KIND[outcome.what] & set(kinds[outcome.key])):
                lost.append(f"{outcome.key} {outcome.what}")
        if twins[(outcome.key, outcome.what)] > 1:
            continue
        if outcome.five_xx and _committed_before_last_attempt(outcome, rows, first_at):
            false_500.append(f"{outcome.key} {outcome.what}")
    for outcome in (o for o in outcomes if o.what == "take"):
        if outcome.five_xx and outcome.acked:
            call_id = next((c for c, r in rows.items() if str(r["id"]) == outcome.key), None)
            at = first_at.get((call_id, "call.taken")) if call_id else None
            if at is not None and at.timestamp() < outcome.final.started:
                false_500.append(f"{call_id} take")
    duplicates = [
        f"{call_id} {kind}×{n}"
        for call_id, counter in kinds.items()
        for kind, n in counter.items()
        if n > 1
        and kind in {"call.ringing", "call.answered", "call.located", "call.taken", *END_KINDS}
    ]
    return {
        "posts": len(posts),
        "acked": sum(1 for o in posts if o.acked),
        # Given up after retrying 5xx and connection errors for a minute.
        "not_acked": sum(1 for o in outcomes if o.status is None or o.status >= 500),
        # A 4xx is an answer, but only these are expected: AML for a call already hung up
        # (404), a take lost to another call-taker or to the hang-up (409).
        "unexpected_4xx": sum(
            1
            for o in outcomes
            if o.status is not None
            and 400 <= o.status < 500
            and (o.what, o.status) not in {("aml", 404), ("take", 409)}
        ),
        "stored_calls": len(rows),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "duplicate_events": len(duplicates),
        "duplicate_examples": duplicates[:5],
        "answers_5xx": sum(o.five_xx for o in outcomes),
        "posts_with_5xx": sum(1 for o in outcomes if o.five_xx),
        "false_500s": len(false_500),
        "false_500_examples": false_500[:5],
        "connection_errors": sum(o.errors for o in outcomes),
        "retried": sum(1 for o in outcomes if len(o.attempts) > 1),
        "statuses": dict(Counter(str(o.status) for o in outcomes)),
    }


def _committed_before_last_attempt(outcome: Outcome, rows, first_at) -> bool:
    """A 5xx was false when the write it answered had committed: the final (retried) attempt
    found nothing to change (200), or the event it wrote is older than that attempt."""
    if not outcome.acked:
        row = rows.get(outcome.key)
        return (
            row is not None
            and outcome.what in EVENT_KIND
            and any((outcome.key, kind) in first_at for kind in EVENT_KIND[outcome.what])
        )
    if outcome.what in EVENT_KIND:
        if outcome.status == 200:
            return True
        kinds = EVENT_KIND[outcome.what]
    else:
        kinds = {"call.located"}
    times = [first_at[(outcome.key, k)] for k in kinds if (outcome.key, k) in first_at]
    return bool(times) and min(times).timestamp() < outcome.final.started


# --- Escalations ----------------------------------------------------------------------------


def ladder(stack: Stack) -> list[tuple[int, int]]:
    rows = stack.query(
        """SELECT l.level, l.delay_s FROM dispatch_escalationlevel l
           JOIN dispatch_slapolicy p ON p.id = l.policy_id
           WHERE p.watch = 'call_unanswered' AND p.is_active ORDER BY p.id, l.level"""
    )
    seen: dict[int, int] = {}
    for level, delay in rows:
        seen.setdefault(level, delay)
    return sorted(seen.items())


def escalations(stack: Stack, call_pks: list[int]) -> list[dict]:
    if not call_pks:
        return []
    rows = stack.query(
        """SELECT id, subject_id, level, started_at, due_at, raised_at, resolved_at
           FROM dispatch_escalation
           WHERE watch = 'call_unanswered' AND subject_type = 'call' AND subject_id = ANY(%s)""",
        ([str(pk) for pk in call_pks],),
    )
    names = "id subject_id level started_at due_at raised_at resolved_at".split()
    return [dict(zip(names, row, strict=True)) for row in rows]


def overdue_deadlines(stack: Stack, call_pks: list[int] | None = None, grace_s: float = 2) -> int:
    sql = "SELECT count(*) FROM dispatch_deadline WHERE due_at < now() - %s * interval '1 second'"
    params: tuple = (grace_s,)
    if call_pks is not None:
        sql += " AND subject_type = 'call' AND subject_id = ANY(%s)"
        params = (grace_s, [str(pk) for pk in call_pks])
    return stack.query(sql, params)[0][0]


def wait_until_checked(stack: Stack, call_pks: list[int], timeout: float) -> float:
    """Wait (bounded) until no deadline of these calls is overdue; seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if overdue_deadlines(stack, call_pks) == 0:
                break
        except Exception:  # noqa: BLE001 (the database may be coming back)
            pass
        time.sleep(0.5)
    return time.monotonic() - started


def escalation_figures(stack: Stack, prefix: str, *, strict_extra: bool = True) -> dict:
    """Expected levels (due while the call waited, by the time of the check) vs raised."""
    rows = calls(stack, prefix)
    ladder_levels = ladder(stack)
    top = max((level for level, _ in ladder_levels), default=0)
    now = stack.query("SELECT now()")[0][0]
    by_pk = {row["id"]: row for row in rows.values()}
    raised = escalations(stack, list(by_pk))
    per_level = Counter((int(e["subject_id"]), e["level"]) for e in raised)
    duplicates = sum(n - 1 for n in per_level.values() if n > 1)
    race, check = timedelta(seconds=RACE_S), timedelta(seconds=CHECK_PERIOD_S)
    expected = missing = extra = optional = 0
    missing_examples, extra_examples = [], []
    for pk, row in by_pk.items():
        start = row["ringing_at"] or row["created_at"]
        # The wait ends at T1 (the first of the PBX's answer and a take) or at the hang-up.
        stops = [t for t in (row["answered_at"], row["ended_at"]) if t is not None]
        stop = min(stops) if stops else None
        for level, delay in ladder_levels:
            due = start + timedelta(seconds=delay)
            got = per_level.get((pk, level), 0) > 0
            if stop is not None and due > stop + race:
                if got:
                    extra += 1
                    extra_examples.append(f"{row['call_id']} L{level}")
                continue
            uncertain = (stop is not None and due > stop - race) or due > now - check
            if uncertain:
                optional += 1
                continue
            expected += 1
            if not got:
                missing += 1
                missing_examples.append(f"{row['call_id']} L{level}")
    unresolved_after_stop, resolved_late, resolved_while_waiting = 0, 0, 0
    for escalation in raised:
        row = by_pk[int(escalation["subject_id"])]
        stops = [t for t in (row["answered_at"], row["ended_at"]) if t is not None]
        if not stops:
            if escalation["resolved_at"] is not None:
                resolved_while_waiting += 1
            continue
        if escalation["resolved_at"] is None:
            unresolved_after_stop += 1
        elif escalation["raised_at"] > min(stops):
            # raised after its cause ended (the check was down): resolved at once
            if escalation["resolved_at"] - escalation["raised_at"] > timedelta(seconds=1):
                resolved_late += 1
    lags = [(e["raised_at"] - e["due_at"]).total_seconds() for e in raised]
    return {
        "ladder": ladder_levels,
        "escalations_expected": expected,
        "escalations_raised": sum(1 for e in raised if e["level"] <= top),
        "escalations_missing": missing,
        "missing_examples": missing_examples[:5],
        "escalations_duplicate": duplicates,
        "escalations_extra": extra,
        "extra_examples": extra_examples[:5],
        "escalations_optional": optional,
        "escalations_repeat": sum(1 for e in raised if e["level"] > top),
        "unresolved_after_stop": unresolved_after_stop,
        "resolved_late": resolved_late,
        "resolved_while_waiting": resolved_while_waiting,
        "lag_p50_s": _round(pct(lags, 0.50)),
        "lag_p99_s": _round(pct(lags, 0.99)),
        "lag_max_s": _round(max(lags) if lags else None),
        "strict_extra": strict_extra,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
