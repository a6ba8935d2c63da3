"""The integrity check at Jakarta scale (issue #17): a synthetic year of calls and incidents
(benchmarks/report_year.py) with the events the services would have logged for every row, then the
check of the reported times against those events (year and month) and the cost of the chain's
walk.

    python benchmarks/integrity.py --calls 640000 [--keep] [--runs 3] [--month 10]

THE DATA ARE SYNTHETIC (see report_year.py). The events are written in SQL, on the server, in time
order: per call ringing, taken, ended (or abandoned) and classified; per incident created and
closed; per ticket notified, accepted or declined, ended; per assignment each step. Each
carries its row as it stood after it (`payload[<subject>]`, every time set so far, in WIT to the
microsecond as the serializers write it, with the serializers' other fields for a payload of
real size), so the last one says what the row says and the check finds nothing, as on a healthy
server. Their hashes are placeholders (hashing 3.6 million events in Python is what the walk
costs, not what this script should spend its time on): the chain's walk is timed as reading and
hashing one month's events exactly as verify_chain does, and scaled to the year.

Writes into the database it is pointed at (a database of its own): without --keep, the rows
are generated again; the event log is EMPTIED and written again unless --keep finds it written.
"""

import argparse
import json
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import _setup  # noqa: F401  (sets Django up)
import report_year
from django.core.management import call_command
from django.db import connection, transaction

from agencies.models import User
from core.clock import days
from incidents.chain_times import check_times
from incidents.events import _hash_of
from incidents.models import Event, EventChainHead

LABEL = "bench-integrity"
BUDGET_S = 60.0  # issue #17: the integrity check of a Jakarta-scale year

ZONE = "Asia/Jayapura"
# Per table: the rows of the synthetic year, the payload key, the time columns the snapshot
# carries, and (event kind, the column whose time it happens at) for each event of a row.
TABLES = {
    "call": (
        "incidents_call r WHERE r.call_id LIKE %(calls)s",
        ("ringing_at", "answered_at", "ended_at"),
        [
            ("call.ringing", "ringing_at"),
            ("call.taken", "answered_at"),
            (
                "CASE WHEN r.answered_at IS NULL THEN 'call.abandoned' ELSE 'call.ended' END",
                "ended_at",
            ),
            ("call.disposed", "disposed_at"),
        ],
    ),
    "incident": (
        "incidents_incident r WHERE r.created_by_id = %(user)s",
        ("created_at", "closed_at"),
        [("incident.created", "created_at"), ("incident.closed", "closed_at")],
    ),
    "ticket": (
        "dispatch_ticket r JOIN incidents_incident i ON i.id = r.incident_id"
        " WHERE i.created_by_id = %(user)s",
        ("notified_at", "accepted_at", "declined_at", "ended_at"),
        [
            ("ticket.notified", "notified_at"),
            ("ticket.accepted", "accepted_at"),
            ("ticket.declined", "declined_at"),
            ("ticket.completed", "ended_at"),
        ],
    ),
    "assignment": (
        "dispatch_assignment r JOIN incidents_incident i ON i.id = r.incident_id"
        " WHERE i.created_by_id = %(user)s",
        (
            "dispatched_at",
            "en_route_at",
            "on_scene_at",
            "operations_started_at",
            "transporting_at",
            "at_hospital_at",
            "cleared_at",
            "cancelled_at",
        ),
        [
            (f"assignment.{c.removesuffix('_at')}", c)
            for c in (
                "dispatched_at",
                "en_route_at",
                "on_scene_at",
                "operations_started_at",
                "transporting_at",
                "at_hospital_at",
                "cleared_at",
                "cancelled_at",
            )
        ],
    ),
}
# The serializers' other fields, so that a payload has the size of a real one (≈1 kB).
FILLER = json.dumps(
    {
        "channel": "phone",
        "number": "+6281200001234",
        "line": "112-1",
        "taken_by": report_year.USERNAME,
        "taken_by_name": "Benchmark",
        "answered_via": "console",
        "answered_position": None,
        "answered_extension": "",
        "aml": None,
        "clock_skew_s": None,
        "caller": {"id": 1, "number": "+6281200001234", "prank_calls": 0, "ghost_calls": 0},
        "incident_type": {"id": 1, "code": "kebakaran.rumah", "name": "Kebakaran rumah"},
        "area": {"id": 1, "code": "81.71.02.2003", "name": "Batu Merah"},
        "kecamatan": {"id": 2, "code": "81.71.02", "name": "Sirimau"},
        "unit": {"id": 1, "call_sign": "DAMKAR-01", "kind": "engine", "status": "available"},
        "agency": {"id": 1, "code": "damkar", "short_name": "Damkar"},
        "description": "Synthetic (benchmarks/integrity.py)",
        "notes": "",
        "message": "",
        "cancel_reason": "",
        "late_steps": {},
        "next_steps": [],
    }
)


def iso(column: str) -> str:
    """A timestamp as the API's serializer writes it: ISO 8601 in WIT, to the microsecond."""
    return f"""to_char({column} AT TIME ZONE '{ZONE}', 'YYYY-MM-DD"T"HH24:MI:SS.US"+09:00"')"""


def write_events(year: int, user_id: int) -> int:
    """Empty the log, then write every row's events in time order, in SQL (server side).

    The payloads are real (each carries its row's times as they stood after the event), but
    the hashes are only unique numbers: the chain's walk is timed by hashing (see walk_cost)."""
    started = time.perf_counter()
    params = {"calls": f"{report_year.PREFIX}{year}-%", "user": user_id}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE incidents_eventaudience, incidents_event")
        cursor.execute(
            "CREATE TEMP TABLE planned (at timestamptz, kind text, subject_type text,"
            " subject_id text, incident_id integer, payload jsonb)"
        )
        for subject, (rows, times, events) in TABLES.items():
            for kind, column in events:
                kind_sql = kind if kind.startswith("CASE") else f"'{kind}'"
                snapshot = ", ".join(
                    f"'{t}', {iso(f'CASE WHEN r.{t} <= r.{column} THEN r.{t} END')}" for t in times
                )
                incident = "r.id" if subject == "incident" else "r.incident_id"
                cursor.execute(
                    f"INSERT INTO planned SELECT r.{column}, {kind_sql}, '{subject}',"
                    f" CAST(r.id AS text), {incident}, jsonb_build_object('{subject}',"
                    f" jsonb_build_object('id', r.id, {snapshot}) || %(filler)s::jsonb)"
                    f" FROM {rows} AND r.{column} IS NOT NULL",
                    {**params, "filler": FILLER},
                )
                print(f"  {subject} {kind[:40]}: {cursor.rowcount} events", flush=True)
        cursor.execute(
            "INSERT INTO incidents_event (seq, at, actor_id, actor_label, kind, subject_type,"
            " subject_id, payload, agencies, incident_id, prev_hash, hash, synthetic)"
            " SELECT n, at, %s, %s, kind, subject_type, subject_id, payload, '[]'::jsonb,"
            " incident_id, lpad(to_hex(n - 1), 64, '0'), lpad(to_hex(n), 64, '0'), false"
            " FROM (SELECT p.*, row_number() OVER (ORDER BY at, subject_type, subject_id) AS n"
            " FROM planned p) numbered",
            [user_id, LABEL],
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE planned")
    EventChainHead.objects.filter(pk=1).update(seq=written, hash=f"{written:064x}", feeds={})
    print(f"  {written} events written in {time.perf_counter() - started:.0f} s", flush=True)
    return written


def walk_cost(since: datetime, until: datetime) -> tuple[int, float]:
    """What the chain's walk costs over a period: every event read and hashed as verify_chain
    reads and hashes it (the synthetic hashes are not real, so the walk itself would stop at
    the first); returns the events and the seconds."""
    started, n = time.perf_counter(), 0
    events = Event.objects.filter(at__gte=since, at__lt=until).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        _hash_of(event)
        n += 1
    return n, time.perf_counter() - started


def timed(fn, runs: int) -> tuple[list[float], object]:
    result, samples = None, []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=640_000, help="calls presented in the year")
    parser.add_argument("--keep", action="store_true", help="reuse the rows and events there")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--month", type=int, default=10, help="the month timed (1–12)")
    parser.add_argument("--seed", type=int, default=112)
    parser.add_argument("--explain", type=int, default=0, help="unused; report_year.py's option")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Needs PostgreSQL: set DATABASE_URL to a database of its own.")
    year = datetime.now(report_year.WIT).year - 1
    print(f"database: {connection.settings_dict['NAME']}; SYNTHETIC data for {year} (WIT)")
    call_command("migrate", verbosity=0)
    had = report_year.existing_calls(year)
    report_year.prepare(args, year)
    user = User.objects.get(username=report_year.USERNAME)
    events = EventChainHead.objects.get(pk=1).seq
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_event WHERE actor_label = %s", [LABEL])
        mine = cursor.fetchone()[0]
    if not (args.keep and had == args.calls and mine == events and events):
        print("writing the events of every row (SQL)…", flush=True)
        with transaction.atomic():
            events = write_events(year, user.pk)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) incidents_event")
    since, until = days(date(year, 1, 1), date(year, 12, 31))
    month = date(year, args.month, 1)
    m_since, m_until = days(month, (month + timedelta(days=32)).replace(day=1) - timedelta(1))
    jobs = [
        ("times, year", lambda: check_times(since=since, until=until)),
        (f"times, {month:%b %Y}", lambda: check_times(since=m_since, until=m_until)),
        (f"chain walk (hashing), {month:%b %Y}", lambda: walk_cost(m_since, m_until)),
    ]
    print(
        f"\nSYNTHETIC year {year}: {report_year.existing_calls(year)} calls, {events} events; "
        f"{args.runs} runs each, seconds:"
    )
    results, medians = {}, {}
    for name, fn in jobs:
        samples, result = timed(fn, args.runs)
        results[name], medians[name] = result, statistics.median(samples)
        print(
            f"  {name:36} median {statistics.median(samples):7.2f}  min {min(samples):7.2f}"
            f"  max {max(samples):7.2f}",
            flush=True,
        )
    times = results["times, year"]
    walked, _seconds = results[jobs[2][0]]
    walk_year = medians[jobs[2][0]] * events / max(walked, 1)
    print(f"times, year: {times.checked} rows checked, {times.total} mismatches")
    print(
        f"chain walk: {walked} events of {month:%b %Y} hashed in {medians[jobs[2][0]]:.1f} s; "
        f"the year's {events} events at that rate: {walk_year:.0f} s"
    )
    print(
        f"integrity check of the year ≈ times {medians['times, year']:.1f} s + chain walk "
        f"{walk_year:.0f} s; budget {BUDGET_S:.0f} s; run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


if __name__ == "__main__":
    main()
