"""Reported times are the chain's times: every clock time a report reads is held against the
event log (docs/architecture.md "The write path", issue #17).

Every event about a call, an incident, a ticket or an assignment carries that row as it stood
after the write (`payload[<subject>]`, the serializer the consoles read), and every write of a
time ends with such an event. So the row a report reads must say what its *latest* event says:
a time stored without an event saying so, an event's time missing from its row, or two
different values, is a mismatch. `TABLES` is the one declarative list of the times the reports,
the rows export and the wallboard read, per table; the check, the timeline's warning and the
tests (which tamper with each entry in turn) all read it. The `dispatch` app adds its tickets
and assignments with `register` (it sits above this app).

The check is a reconciliation pass in SQL, one statement per table, the same on PostgreSQL and
SQLite: the rows of the period (or of one incident), and the rows an event of the period (or of
the incident) is about, each joined to its latest event through the (subject_type, subject_id,
seq) index; only rows that disagree come back to Python, which names each field.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import verdicts
from incidents.events import ChainReport, verify_around, verify_chain
from incidents.models import Event

# How many mismatches a check names; it counts them all.
NAMED_LIMIT = 200


@dataclass(frozen=True)
class Stamp:
    """One time a report reads: the row's column, the clock it is (docs/architecture.md
    "The clock"), and the report figures (metric keys of reports.definitions) computed
    from it."""

    field: str
    clock: str
    feeds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A table whose times the reports read, and how its rows belong to a period."""

    name: str  # as the reports call the rows: calls, incidents, tickets, assignments
    label: str  # one row, to read: "call", "ticket"…
    db_table: str
    subject: str  # Event.subject_type, and the payload key carrying the row
    stamps: tuple[Stamp, ...]
    period: str  # SQL of the time that puts a row in a period (alias r, incident i)
    incident: str  # SQL of the row's incident id
    join: str = ""  # what `period` needs besides the row

    def stamp(self, field: str) -> Stamp:
        return next(s for s in self.stamps if s.field == field)


ANSWER = ("answer", "first_response")
TABLES: list[Table] = [
    Table(
        name="calls",
        label=gettext_lazy("call"),
        db_table="incidents_call",
        subject="call",
        stamps=(
            Stamp("ringing_at", "T0", (*ANSWER, "response", "spm_fire")),
            Stamp("answered_at", "T1", (*ANSWER, "processing")),
            Stamp("ended_at", "end"),
        ),
        period="r.ringing_at",
        incident="r.incident_id",
    ),
    Table(
        name="incidents",
        label=gettext_lazy("incident"),
        db_table="incidents_incident",
        subject="incident",
        stamps=(
            Stamp("created_at", "T2", ("processing", "response", "spm_fire")),
            Stamp("closed_at", "T11"),
        ),
        period="r.created_at",
        incident="r.id",
    ),
]


def register(table: Table) -> None:
    """Add an app's table (dispatch: tickets and assignments) to the check."""
    if all(t.name != table.name for t in TABLES):
        TABLES.append(table)


@dataclass(frozen=True)
class Mismatch:
    """One time a row and its latest event disagree on."""

    table: str
    row: int
    field: str
    clock: str
    stored: datetime | None
    event: datetime | None
    seq: int | None  # the latest event of the row; None: the row has no event at all

    def describe(self) -> str:
        """Table, row, field and clock, the stored value and the event's, in one sentence."""
        values = {"stored": _shown(self.stored), "event": _shown(self.event), "seq": self.seq}
        if self.seq is None:
            what = _("stored %(stored)s, but no event logs this row")
        elif self.stored is None:
            what = _("empty, but event #%(seq)s says %(event)s")
        elif self.event is None:
            what = _("stored %(stored)s without an event (#%(seq)s says none)")
        else:
            what = _("stored %(stored)s, event #%(seq)s says %(event)s")
        label = table_named(self.table).label
        return f"{label} #{self.row} {self.field} ({self.clock}): {what % values}"

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "row": self.row,
            "field": self.field,
            "clock": self.clock,
            "stored": _iso(self.stored),
            "event": _iso(self.event),
            "event_seq": self.seq,
            "text": self.describe(),
        }


@dataclass(frozen=True)
class TimesReport:
    checked: int  # rows checked
    mismatches: list[Mismatch]  # the first NAMED_LIMIT
    total: int  # every mismatch
    affected: list[str]  # the report figures (metric keys) a mismatch feeds

    @property
    def intact(self) -> bool:
        return self.total == 0


@dataclass(frozen=True)
class Integrity:
    """The chain's check and the times' check over one period or one incident."""

    chain: ChainReport
    times: TimesReport
    altered_verdicts: tuple[date, ...] = ()  # kept verdicts that no longer verify

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.times.intact and not self.altered_verdicts

    def problems(self) -> list[str]:
        """What is wrong, one sentence each (the first NAMED_LIMIT time mismatches)."""
        found = []
        if not self.chain.intact:
            found.append(
                _("Broken at sequence %(seq)s: %(problem)s.")
                % {"seq": self.chain.first_bad_seq, "problem": self.chain.problem}
            )
        found += [
            _("The verdict kept for %(day)s does not verify with the centre's key: it was altered.")
            % {"day": day.isoformat()}
            for day in self.altered_verdicts
        ]
        return found + [m.describe() for m in self.times.mismatches]


def check_period(*, since: datetime | None, until: datetime | None) -> Integrity:
    """The integrity check of a period: its events' chain with the links into and out of it
    (the period's last event removed is a break too), and its rows' times. Closed days whose
    verdict still holds are not walked again (incidents/verdicts.py)."""
    proof = verdicts.proven(TABLES, since, until, events=True)
    runs = verdicts.gaps(since, until, proof.days)
    checked = sum(verdict.events for verdict in proof.days.values())
    chain = ChainReport(checked)
    for run_since, run_until in runs:
        walked = verify_chain(since=run_since, until=run_until)
        chain = ChainReport(chain.checked + walked.checked, walked.first_bad_seq, walked.problem)
        if not walked.intact:
            break
    events = Event.objects.all()
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    ends = events.aggregate(first=Min("seq"), last=Max("seq"))
    if chain.intact and ends["last"] is not None:
        edges = verify_around([ends["first"], ends["last"]])
        if not edges.intact:
            chain = ChainReport(chain.checked, edges.first_bad_seq, edges.problem)
    times = _check_runs(runs, sum(verdict.rows for verdict in proof.days.values()))
    return Integrity(chain, times, proof.altered)


def check_incident(incident_id: int) -> Integrity:
    """One incident's: its events and their neighbours in the chain, and its rows' times."""
    seqs = Event.objects.filter(incident_id=incident_id).values_list("seq", flat=True)
    return Integrity(verify_around(seqs), check_times(incident_id=incident_id))


def table_named(name: str) -> Table:
    return next(t for t in TABLES if t.name == name)


def check_times(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    incident_id: int | None = None,
) -> TimesReport:
    """Hold the rows of [since, until) (or of one incident) and the rows the events of that
    period (or incident) are about against their latest events. A closed day whose verdict
    still matches its rows is not reconciled again: what a report pays for its period is the
    fingerprints of its rows and the reconciliation of its open days."""
    if incident_id is not None:
        return _report(*_reconciled(incident_id=incident_id))
    proof = verdicts.proven(TABLES, since, until, events=False)
    runs = verdicts.gaps(since, until, proof.days)
    return _check_runs(runs, sum(verdict.rows for verdict in proof.days.values()))


def _check_runs(runs: list, proven_rows: int) -> TimesReport:
    """The times of the runs of a period left to reconcile, and the rows proven besides."""
    checked, found = _reconciled(runs=runs) if runs else (0, [])
    return _report(checked + proven_rows, found)


def _reconciled(*, runs: list | None = None, incident_id: int | None = None) -> tuple[int, list]:
    checked, found = 0, []
    for table in TABLES:
        scope, params = _scope(table, runs, incident_id)
        count, mismatches = _reconcile(table, scope, params)
        checked, found = checked + count, found + mismatches
    return checked, found


def _report(checked: int, found: list[Mismatch]) -> TimesReport:
    found.sort(key=lambda m: (m.table, m.row, m.field))
    affected = {key for m in found for key in table_named(m.table).stamp(m.field).feeds}
    return TimesReport(checked, found[:NAMED_LIMIT], len(found), sorted(affected))


# --- SQL --------------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _scope(table: Table, runs: list | None, incident_id: int | None) -> tuple[str, list]:
    """SQL selecting the ids of the rows to check: the table's own, and its events'; of one
    incident, or of the runs of time [since, until) (either end may be open)."""
    rows = f"SELECT r.id FROM {table.db_table} r {table.join} WHERE "
    events = (
        "SELECT CAST(x.subject_id AS bigint) FROM incidents_event x WHERE x.subject_type = %s AND "
    )
    if incident_id is not None:
        where, params = f"{table.incident} = %s", [incident_id]
        sql = f"{rows}{where} UNION {events}x.incident_id = %s"
        return sql, [*params, table.subject, incident_id]
    own, theirs, values = [], [], []
    for since, until in runs:
        where, bounds = [], []
        for moment, test in ((since, "{ts} >= %s"), (until, "{ts} < %s")):
            if moment is not None:
                where.append(test)
                bounds.append(connection.ops.adapt_datetimefield_value(moment))
        run = " AND ".join(where) or "1 = 1"
        own.append(f"({run.format(ts=table.period)})")
        theirs.append(f"({run.format(ts='x.at')})")
        values += bounds
    sql = f"{rows}({' OR '.join(own)}) UNION {events}({' OR '.join(theirs)})"
    return sql, [*values, table.subject, *values]


def _latest_event(table: Table, key: str) -> str:
    """The sequence number of the latest event carrying row `key` (a few events about a row
    carry something else: a location link's expiry), through the subject index."""
    if _postgres():
        text, carries = "varchar", f"e.payload -> '{table.subject}' IS NOT NULL"
    else:
        text, carries = "TEXT", f"json_type(e.payload, '$.{table.subject}') = 'object'"
    return (
        "(SELECT e.seq FROM incidents_event e WHERE e.subject_type = %s"
        f" AND e.subject_id = CAST({key} AS {text}) AND {carries} ORDER BY e.seq DESC LIMIT 1)"
    )


def _rows_of_k(table: Table) -> str:
    """The table's rows whose ids are in `k`. On PostgreSQL as an array of ids probed through
    the primary key: joined to the CTE, whose size the planner cannot know, it would merge-join
    by reading the whole primary key index (a second per day at Jakarta scale)."""
    if _postgres():
        return f"{table.db_table} t WHERE t.id = ANY(ARRAY(SELECT id FROM k))"
    return f"k JOIN {table.db_table} t ON t.id = k.id"


def _event_time(table: Table, field: str) -> str:
    if _postgres():
        return f"CAST(s.payload -> '{table.subject}' ->> '{field}' AS timestamptz)"
    return f"json_extract(s.payload, '$.{table.subject}.{field}')"


def _differs(stored: str, event: str) -> str:
    """Two instants differ (either may be NULL): PostgreSQL compares timestamps; SQLite keeps
    text, so both sides become microseconds since the epoch (the event's carries its zone)."""
    if _postgres():
        return f"{stored} IS DISTINCT FROM {event}"

    def micros(ts: str) -> str:
        return (
            f"(CAST(strftime('%%s', {ts}) AS INTEGER) * 1000000 + CASE WHEN substr({ts}, 20, 1)"
            f" = '.' THEN CAST(substr({ts}, 21, 6) AS INTEGER) ELSE 0 END)"
        )

    return f"{micros(stored)} IS NOT {micros(event)}"


def _reconcile(table: Table, scope: str, params: list) -> tuple[int, list[Mismatch]]:
    """One statement: the rows in scope (computed once), how many, those that disagree with
    their latest event, and the events whose row is gone."""
    fields = [stamp.field for stamp in table.stamps]
    snapshot = (
        f"s.payload -> '{table.subject}'"
        if _postgres()
        else f"json_extract(s.payload, '$.{table.subject}')"
    )
    differs = " OR ".join(_differs(f"r.{f}", _event_time(table, f)) for f in fields)
    nothing = ", ".join("NULL" for _f in fields)
    sql = f"""
        WITH k AS MATERIALIZED ({scope})
        SELECT n.n, m.* FROM (SELECT count(*) AS n FROM k) n LEFT JOIN (
            SELECT 0 AS gone, r.id, {", ".join(f"r.{f}" for f in fields)}, s.seq,
                   {snapshot} AS snap
            FROM (
                SELECT t.id, {", ".join(f"t.{f}" for f in fields)},
                       {_latest_event(table, "t.id")} AS seq
                FROM {_rows_of_k(table)}
            ) r LEFT JOIN incidents_event s ON s.seq = r.seq
            WHERE s.seq IS NULL OR {differs}
            UNION ALL
            SELECT 1, k.id, {nothing}, {_latest_event(table, "k.id")}, NULL FROM k
            WHERE NOT EXISTS (SELECT 1 FROM {table.db_table} t WHERE t.id = k.id)
        ) m ON 1 = 1
    """
    found, missing = [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, table.subject, table.subject])
        rows = cursor.fetchall()
        count = rows[0][0]
        for _count, gone, row_id, *values, seq, snap in rows:
            if row_id is None:  # nothing disagrees
                continue
            if gone:
                missing[row_id] = seq
                continue
            stored = dict(zip(fields, values, strict=True))
            found += _named(table, row_id, stored, seq, _loaded(snap))
    payloads = dict(
        Event.objects.filter(seq__in=[s for s in missing.values() if s]).values_list(
            "seq", "payload"
        )
    )
    for row_id, seq in missing.items():
        snap = payloads.get(seq, {}).get(table.subject) or {}
        found += _named(table, row_id, dict.fromkeys(fields), seq, snap)
    return count, found


def _named(table: Table, row_id: int, stored: dict, seq: int | None, snap: dict) -> list:
    out = []
    for stamp in table.stamps:
        value = _instant(stored[stamp.field])
        said = _instant(snap.get(stamp.field)) if seq is not None else None
        if seq is None and value is None:
            continue
        if seq is None or value != said:
            out.append(Mismatch(table.name, row_id, stamp.field, stamp.clock, value, said, seq))
    return out


def _loaded(snap) -> dict:
    if isinstance(snap, str):  # SQLite's json_extract gives the object as text
        snap = json.loads(snap)
    return snap if isinstance(snap, dict) else {}


def _instant(value) -> datetime | None:
    """A stored time (an aware datetime, or SQLite's naive UTC text) or an event's (ISO 8601
    with its zone) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _shown(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return f"{date_format(local, 'Y-m-d')} {local:%H:%M:%S.%f} WIT"
