"""Verdicts on closed days: the integrity check pays for a day's walk once (issue #17).

Walking the chain recomputes every event's SHA-256 in Python, and holding every row's times
against its latest event reads every event a row has: a Jakarta-scale year is millions of
both. But a closed WIT day changes only if someone changes it. So once a full check has found a
day intact (incidents/services/verdicts.py, after the daily seal), a `DayVerdict` keeps two
fingerprints of what that check read, computed in SQL on PostgreSQL:

- the day's events: md5 over the md5 of each whole event row (`CAST(e AS text)`: every column,
  the hashes and the payload included), in sequence order, with the first and last sequence
  numbers and the count;
- the rows the day owns (a call by its ringing time, an incident by its creation, its tickets
  and assignments with it): md5 over each row's id and declared times (chain_times.TABLES).

and the centre's signature over both (incidents/signing.py). A later check recomputes the
fingerprints, which PostgreSQL does at the speed of reading the rows, and walks only the days
whose verdict is missing or no longer matches: a changed byte anywhere in a day (an event, its
order, a row's time, a row added, moved or deleted) changes a fingerprint, so the day is walked
and reconciled again and the break is named as if no verdict existed. A verdict altered in the
database no longer verifies against the key outside it; it is named and its day walked. SQLite
(development and tests, small data) always walks: the fingerprints need PostgreSQL.
"""

import hashlib
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.clock import day_start
from incidents import signing
from incidents.models import DayVerdict

VERDICT_TYPE = "ambon112-day-verdict"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Digest:
    """The fingerprints of one day as they are now (or as a verdict kept them)."""

    first_seq: int | None
    last_seq: int | None
    events: int
    events_digest: str
    rows: int
    rows_digest: str

    def matches(self, verdict: DayVerdict, *, events: bool) -> bool:
        rows = (verdict.rows, verdict.rows_digest) == (self.rows, self.rows_digest)
        kept = (verdict.first_seq, verdict.last_seq, verdict.events, verdict.events_digest)
        return rows and (not events or kept == self.event_facts())

    def event_facts(self) -> tuple:
        return (self.first_seq, self.last_seq, self.events, self.events_digest)


@dataclass(frozen=True)
class Proof:
    """The days of a period whose verdict still holds, and those whose verdict was altered."""

    days: dict[date, DayVerdict]
    altered: tuple[date, ...] = ()


def enabled() -> bool:
    return connection.vendor == "postgresql"


def statement(day: date, digest: Digest) -> bytes:
    """The bytes a verdict's signature covers."""
    return signing.canonical(
        {"type": VERDICT_TYPE, "v": 1, "day": day.isoformat(), **asdict(digest)}
    )


def kept(verdict: DayVerdict) -> Digest:
    return Digest(**{field.name: getattr(verdict, field.name) for field in fields(Digest)})


def proven(tables, since: datetime | None, until: datetime | None, *, events: bool) -> Proof:
    """The closed days wholly inside [since, until) whose signed verdict matches the day as it
    is now: its rows' fingerprint, and with `events` its events' too (the times' check alone
    leaves the events to the chain's)."""
    key = signing.public_key() if enabled() else None
    if key is None:
        return Proof({})
    # Only a day that is over has a verdict; a day the period cuts is walked.
    today = timezone.localdate()
    last = min(timezone.localdate(until), today) if until else today
    verdicts = DayVerdict.objects.filter(day__lt=last)
    if since is not None:
        first = timezone.localdate(since)
        verdicts = verdicts.filter(day__gte=first if day_start(first) == since else first + ONE_DAY)
    verdicts = list(verdicts)
    if not verdicts:
        return Proof({})
    now = digests(tables, verdicts[0].day, verdicts[-1].day + ONE_DAY, events=events)
    held, altered = {}, []
    for verdict in verdicts:
        if not signing.verifies(key, verdict.signature, statement(verdict.day, kept(verdict))):
            altered.append(verdict.day)
        elif now[verdict.day].matches(verdict, events=events):
            held[verdict.day] = verdict
    return Proof(held, tuple(altered))


def gaps(
    since: datetime | None, until: datetime | None, days
) -> list[tuple[datetime | None, datetime | None]]:
    """[since, until) without the given days: the runs still to be walked and reconciled."""
    runs, start = [], since
    for day in sorted(days):
        if start is None or start < day_start(day):
            runs.append((start, day_start(day)))
        start = day_start(day + ONE_DAY)
    if until is None or start < until:
        runs.append((start, until))
    return runs


def digests(tables, start: date, end: date, *, events: bool = True) -> dict[date, Digest]:
    """Every day of [start, end) as it is now: one statement over the events, one per table."""
    zone, since, until = settings.TIME_ZONE, day_start(start), day_start(end)
    facts = {}
    with connection.cursor() as cursor:
        if events:
            cursor.execute(
                "SELECT CAST(e.at AT TIME ZONE %s AS date), min(e.seq), max(e.seq), count(*),"
                " md5(string_agg(md5(CAST(e AS text)), '' ORDER BY e.seq))"
                " FROM incidents_event e WHERE e.at >= %s AND e.at < %s GROUP BY 1",
                [zone, since, until],
            )
            facts = {day: rest for day, *rest in cursor.fetchall()}
        rows = {}
        for table in tables:
            columns = ", ".join(f"r.{stamp.field}" for stamp in table.stamps)
            cursor.execute(
                f"SELECT CAST({table.period} AT TIME ZONE %s AS date), count(*),"
                f" md5(string_agg(md5(CAST(ROW(r.id, {columns}) AS text)), '' ORDER BY r.id))"
                f" FROM {table.db_table} r {table.join}"
                f" WHERE {table.period} >= %s AND {table.period} < %s GROUP BY 1",
                [zone, since, until],
            )
            for day, count, digest in cursor.fetchall():
                rows.setdefault(day, {})[table.name] = (count, digest)
    found = {}
    for day in days_between(start, end):
        first, last, count, digest = facts.get(day, (None, None, 0, ""))
        mine = rows.get(day, {})
        parts = "|".join(f"{t.name}:{mine.get(t.name, (0, ''))}" for t in tables)
        total = sum(count for count, _digest in mine.values())
        rows_digest = hashlib.md5(parts.encode()).hexdigest()
        found[day] = Digest(first, last, count, digest, total, rows_digest)
    return found


def days_between(start: date, end: date) -> list[date]:
    """The days of [start, end)."""
    return [start + timedelta(days=n) for n in range((end - start).days)]
