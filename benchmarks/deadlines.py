"""Deadline check under load: 10,000 open items with staggered deadlines, the check run every
second as Celery beat runs it, and the lag from each deadline to its escalation event.

    python benchmarks/deadlines.py --items 10000 --spread 100

Writes synthetic ringing calls (call_id bench-dl-…) with their deadlines into the database it
is pointed at: use a database of its own. Prints the lag (deadline → escalation.raised event
appended) p50/p95/p99 and the duration of one check, while the rest stay waiting.

    python benchmarks/deadlines.py --lags-since 2026-12-03T11:00:00+00:00

only prints that lag for the escalations raised since then by whatever ran the check (Celery
beat and a worker during a surge, say), and writes nothing.
"""

import argparse
import time
import uuid
from datetime import datetime, timedelta

from _setup import percentiles
from django.db import connection
from django.utils import timezone

from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, SlaPolicy, Watch
from incidents.models import Call, Event


def open_items(n: int, spread_s: float, first_due: datetime) -> str:
    """n unanswered calls whose first deadline falls evenly over `spread_s` seconds."""
    policy = SlaPolicy.objects.get(watch=Watch.CALL_UNANSWERED, category="")
    delay = policy.levels.order_by("level").first().delay_s
    run = uuid.uuid4().hex[:6]
    calls = Call.objects.bulk_create(
        Call(
            call_id=f"bench-dl-{run}-{i}",
            line="112-1",
            ringing_at=first_due + timedelta(seconds=spread_s * i / n - delay),
        )
        for i in range(n)
    )
    Deadline.objects.bulk_create(
        (
            Deadline(
                watch=Watch.CALL_UNANSWERED,
                policy=policy,
                subject_type="call",
                subject_id=str(call.pk),
                started_at=call.ringing_at,
                level=1,
                due_at=call.ringing_at + timedelta(seconds=delay),
            )
            for call in calls
        ),
        batch_size=2000,
    )
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=100.0, help="seconds over which they fall")
    parser.add_argument("--watch-s", type=float, default=30.0, help="how long to run the checks")
    parser.add_argument("--lags-since", type=datetime.fromisoformat, help="only print the lags")
    args = parser.parse_args()
    print(f"database: {connection.vendor}")
    if args.lags_since is not None:
        print_lags(args.lags_since)
        return
    started = timezone.now()
    first_due = started + timedelta(seconds=5)
    open_items(args.items, args.spread, first_due)
    print(f"{Deadline.objects.count()} open deadlines; the first falls due in 5 s")
    durations = []
    end = time.monotonic() + 5 + args.watch_s
    next_tick = time.monotonic()
    while time.monotonic() < end:
        time.sleep(max(0.0, next_tick - time.monotonic()))
        next_tick += 1.0  # beat's schedule: every second
        t = time.perf_counter()
        escalate_overdue()
        durations.append(time.perf_counter() - t)
    print_lags(started)
    print(f"one check ({len(durations)} checks, one per second): {percentiles(durations)}")


def print_lags(since: datetime) -> None:
    """From each deadline to its escalation.raised event, for those raised since `since`."""
    lags = []
    for event in Event.objects.filter(kind="escalation.raised", at__gte=since).iterator():
        due = datetime.fromisoformat(event.payload["escalation"]["due_at"])
        lags.append((event.at - due).total_seconds())
    if not lags:
        print(f"no escalation raised since {since.isoformat()}")
        return
    print(f"{len(lags)} escalations raised while {Deadline.objects.count()} items still wait")
    print(f"deadline → escalation event: {percentiles(lags)}")


if __name__ == "__main__":
    main()
