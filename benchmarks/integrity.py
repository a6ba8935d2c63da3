"""The integrity check at Jakarta scale (issue #17): a synthetic year of calls and incidents
(benchmarks/report_year.py) with the events the services would have logged for every row, then the
cost of the check: the first verification of every day of the year (each walked and reconciled
in full, incidents/services/verdicts.py, as the daily seal task does day by day), then the check
of the year and of a month with those verdicts (fingerprints in SQL, the open tail walked), the
times' check a monthly report pays for, and a row changed in a verified day, caught and named.

    python benchmarks/integrity.py --calls 640000 [--keep] [--scaled] [--runs 3] [--month 10]

With --scaled the year's verdicts are kept from its fingerprints without walking every day
(this script hashed the events itself), and the first verification is scaled from the month's
walk and times: on a loaded machine the full walk of a year takes longer than the rest together.

THE DATA ARE SYNTHETIC (see report_year.py). The events are planned in SQL, on the server, in time
order: per call ringing, taken, ended (or abandoned) and classified; per incident created and
closed; per ticket notified, accepted or declined, ended; per assignment each step. Each
carries its row as it stood after it (`payload[<subject>]`, every time set so far, in WIT to the
microsecond as the serializers write it, with the serializers' other fields for a payload of
real size), so the last one says what the row says and the check finds nothing, as on a healthy
server. Their hashes are real (computed here as record_events computes them, then copied in),
so the walk is the walk a centre runs.

Writes into the database it is pointed at (a database of its own): without --keep, the rows
are generated again; the event log and the day verdicts are EMPTIED and written again unless
--keep finds them written.
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
from incidents import signing, verdicts
from incidents.chain_times import TABLES as TABLES_CHECKED
from incidents.chain_times import check_period, check_times
from incidents.events import GENESIS_HASH, _hash, _hash_of, verify_chain
from incidents.models import Call, DayVerdict, Event, EventChainHead
from incidents.services.verdicts import keep_verdict, verify_days

LABEL = "bench-integrity"
BATCH = 20_000
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
    """Empty the log, then write every row's events in time order: planned in SQL (server
    side), hashed here as record_events hashes them, copied in batch by batch."""
    started = time.perf_counter()
    params = {"calls": f"{report_year.PREFIX}{year}-%", "user": user_id}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE incidents_eventaudience, incidents_event, incidents_dayverdict")
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
            "CREATE TEMP TABLE numbered AS SELECT row_number() OVER"
            " (ORDER BY at, subject_type, subject_id) AS n, p.* FROM planned p"
        )
        cursor.execute("CREATE INDEX ON numbered (n)")
        cursor.execute("SELECT count(*) FROM numbered")
        planned = cursor.fetchone()[0]
        prev_hash = GENESIS_HASH
        for start in range(1, planned + 1, BATCH):
            cursor.execute(
                "SELECT n, at, kind, subject_type, subject_id, incident_id, CAST(payload AS text)"
                " FROM numbered WHERE n >= %s AND n < %s ORDER BY n",
                [start, start + BATCH],
            )
            batch = []
            for seq, at, kind, subject_type, subject_id, incident_id, text in cursor.fetchall():
                payload = json.loads(text)
                hashed = _hash(
                    prev_hash,
                    seq,
                    at,
                    user_id,
                    LABEL,
                    kind,
                    subject_type,
                    subject_id,
                    payload,
                    [],
                    incident_id,
                    False,
                )
                batch.append(
                    (seq, at, kind, subject_type, subject_id, incident_id, text, prev_hash, hashed)
                )
                prev_hash = hashed
            with cursor.copy(
                "COPY incidents_event (seq, at, kind, subject_type, subject_id, incident_id,"
                " payload, prev_hash, hash, actor_id, actor_label, agencies, synthetic)"
                " FROM STDIN"
            ) as copy:
                for row in batch:
                    copy.write_row((*row, user_id, LABEL, "[]", False))
            print(f"  {start + len(batch) - 1} of {planned} events hashed and written", flush=True)
        cursor.execute("DROP TABLE planned, numbered")
    EventChainHead.objects.filter(pk=1).update(seq=planned, hash=prev_hash, feeds={})
    print(f"  {planned} events written in {time.perf_counter() - started:.0f} s", flush=True)
    return planned


def hashes_are_real() -> bool:
    first = Event.objects.order_by("seq").first()
    return first is not None and first.prev_hash == GENESIS_HASH and first.hash == _hash_of(first)


def timed(fn, runs: int) -> tuple[list[float], object]:
    result, samples = None, []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


def keep_year(year: int) -> list[DayVerdict]:
    """Every day's verdict as verify_days keeps it after an intact check, without the check."""
    key = signing.private_key()
    found = verdicts.digests(TABLES_CHECKED, date(year, 1, 1), date(year + 1, 1, 1))
    return [keep_verdict(day, digest, key) for day, digest in found.items()]


def timed_once(name: str, fn):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"  {name:44} once   {seconds:7.1f}", flush=True)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=640_000, help="calls presented in the year")
    parser.add_argument("--keep", action="store_true", help="reuse the rows and events there")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--month", type=int, default=10, help="the month timed (1–12)")
    parser.add_argument("--seed", type=int, default=112)
    parser.add_argument("--explain", type=int, default=0, help="unused; report_year.py's option")
    parser.add_argument(
        "--scaled",
        action="store_true",
        help="keep the year's verdicts from its fingerprints instead of walking every day (the "
        "events were hashed by this script); the first verification is scaled from --month's",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Needs PostgreSQL: set DATABASE_URL to a database of its own.")
    year = datetime.now(report_year.WIT).year - 1
    print(f"database: {connection.settings_dict['NAME']}; SYNTHETIC data for {year} (WIT)")
    call_command("migrate", verbosity=0)
    call_command("create_signing_key", "--if-missing")  # verdicts are signed
    had = report_year.existing_calls(year)
    report_year.prepare(args, year)
    user = User.objects.get(username=report_year.USERNAME)
    events = EventChainHead.objects.get(pk=1).seq
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_event WHERE actor_label = %s", [LABEL])
        mine = cursor.fetchone()[0]
    if not (args.keep and had == args.calls and mine == events and events and hashes_are_real()):
        print("writing the events of every row (planned in SQL, hashed here)…", flush=True)
        with transaction.atomic():
            events = write_events(year, user.pk)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) incidents_event")
    since, until = days(date(year, 1, 1), date(year, 12, 31))
    month = date(year, args.month, 1)
    m_since, m_until = days(month, (month + timedelta(days=32)).replace(day=1) - timedelta(1))
    print(
        f"\nSYNTHETIC year {year}: {report_year.existing_calls(year)} calls, {events} events; "
        f"seconds (load average {load()}):"
    )
    verified = DayVerdict.objects.filter(day__gte=date(year, 1, 1), day__lt=date(year + 1, 1, 1))
    if verified.count() < 365 or not args.keep:
        DayVerdict.objects.all().delete()
        walk_s, walked = timed_once(
            f"walk, {month:%b %Y}, no verdict", lambda: verify_chain(since=m_since, until=m_until)
        )
        times_s, times = timed_once(
            f"times, {month:%b %Y}, no verdict", lambda: check_times(since=m_since, until=m_until)
        )
        _month_s = walk_s + times_s
        print(
            f"  {walked.checked} events walked ({walked.checked / walk_s:.0f} a second), intact: "
            f"{walked.intact}; {times.checked} rows' times, {times.total} mismatches"
        )
        if args.scaled:
            _seconds, done = timed_once(
                "verdicts kept from fingerprints, the year", lambda: keep_year(year)
            )
            scale = events / max(walked.checked, 1)
            print(
                f"  {len(done)} days kept; the first verification of the year at the month's "
                f"rate: ≈ {_month_s * scale:.0f} s (scaled, not walked)"
            )
        else:
            _seconds, done = timed_once(
                "first verification of every day of the year",
                lambda: verify_days(until=date(year + 1, 1, 1)),
            )
            print(f"  {len(done)} days verified and signed")
    jobs = [
        ("check, year (verdicts)", lambda: check_period(since=since, until=until)),
        (f"check, {month:%b %Y} (verdicts)", lambda: check_period(since=m_since, until=m_until)),
        (f"report's times check, {month:%b %Y}", lambda: check_times(since=m_since, until=m_until)),
    ]
    results = {}
    for name, fn in jobs:
        samples, result = timed(fn, args.runs)
        results[name] = result
        print(
            f"  {name:44} median {statistics.median(samples):7.2f}  min {min(samples):7.2f}"
            f"  max {max(samples):7.2f}",
            flush=True,
        )
    year_check = results[jobs[0][0]]
    print(
        f"year: {year_check.chain.checked} events and {year_check.times.checked} rows checked, "
        f"intact: {year_check.intact} {year_check.problems()[:3]}"
    )
    tampered(month, m_since, m_until, since, until)
    print(f"budget {BUDGET_S:.0f} s; run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {load()}")


def tampered(month: date, m_since, m_until, since, until) -> None:
    """A call's answer time moved in a verified day: the year's check walks that day, names it."""
    call = (
        Call.objects.filter(ringing_at__gte=m_since, ringing_at__lt=m_until)
        .exclude(answered_at=None)
        .order_by("ringing_at")[1000]
    )
    Call.objects.filter(pk=call.pk).update(answered_at=call.answered_at - timedelta(seconds=90))
    try:
        seconds, integrity = timed_once(
            f"check, year, one row changed in {month:%b %Y}",
            lambda: check_period(since=since, until=until),
        )
        print(f"  named: {integrity.problems()}")
    finally:
        Call.objects.filter(pk=call.pk).update(answered_at=call.answered_at)


def load() -> str:
    with open("/proc/loadavg") as file:
        return " ".join(file.read().split()[:3])


if __name__ == "__main__":
    main()
