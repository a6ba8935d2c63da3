"""The rows behind the report, one SQL statement per table, the same on PostgreSQL and SQLite.

Each source selects, for every call / incident / ticket / assignment in the period, the
timestamps of its intervals, the 0/1 flags that say which metric counts it, and the group key of
the requested breakdown. `aggregate.py` either aggregates these rows in SQL (PostgreSQL,
`percentile_cont`) or reads them and computes the same figures in Python (SQLite).

Which rows belong to the period: a call by its T0 (ringing); an incident, and its tickets and
assignments, by the incident's T2 (created). The shift and month are read in WIT from the same
timestamp.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils import timezone

from agencies.models import Agency, Area
from incidents.selectors import T1_FIELD
from reports.definitions import FIRE, MEDICAL, SHIFTS
from reports.filters import ReportFilter


@dataclass
class SourceQuery:
    """One source's SELECT: its columns by name, its FROM … WHERE, and the parameters."""

    columns: dict[str, str]  # name -> SQL expression
    sql_from: str
    where: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)
    fans_out: bool = False  # a row repeats in several groups: the groups do not add up to a total

    def narrowed(self, names: set[str]) -> "SourceQuery":
        """The same rows with only the columns `names` (and the group key): what a figure reads."""
        columns = {k: v for k, v in self.columns.items() if k in names or k == "grp"}
        return SourceQuery(columns, self.sql_from, self.where, self.params, self.fans_out)

    def sql(self) -> tuple[str, list]:
        select = ", ".join(f"{expr} AS {name}" for name, expr in self.columns.items())
        where = " AND ".join(self.where) or "TRUE"
        return f"SELECT {select} FROM {self.sql_from} WHERE {where}", list(self.params)


def postgres() -> bool:
    return connection.vendor == "postgresql"


def local(ts: str, fmt: str) -> str:
    """`ts` in the display zone, formatted: 'month' (YYYY-MM) or 'hour' (an integer)."""
    if postgres():
        zone = timezone.get_default_timezone_name()
        if fmt == "month":
            return f"to_char({ts} AT TIME ZONE '{zone}', 'YYYY-MM')"
        return f"CAST(EXTRACT(HOUR FROM {ts} AT TIME ZONE '{zone}') AS integer)"
    offset = datetime(2000, 1, 1, tzinfo=timezone.get_default_timezone()).utcoffset()
    modifier = f"'{int(offset.total_seconds() // 60):+d} minutes'"  # WIT keeps no summer time
    if fmt == "month":
        return f"strftime('%%Y-%%m', {ts}, {modifier})"
    return f"CAST(strftime('%%H', {ts}, {modifier}) AS integer)"


def seconds_between(start: str, end: str) -> str:
    """`end` − `start` in seconds, to the microsecond, as Python's timedelta.total_seconds()
    gives it: a tie at a threshold (exactly 15 s) compares equal on either database.

    SQLite keeps timestamps as text, "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC: whole seconds from
    strftime('%s'), microseconds from the text.
    """
    if postgres():
        return f"date_part('epoch', {end} - {start})"

    def micros(ts: str) -> str:
        return (
            f"(CAST(strftime('%%s', {ts}) AS INTEGER) * 1000000"
            f" + CAST(substr({ts} || '.000000', 21, 6) AS INTEGER))"
        )

    return f"(({micros(end)} - {micros(start)}) / 1000000.0)"


def shift_of(ts: str) -> str:
    hour = local(ts, "hour")
    cases = " ".join(
        f"WHEN {hour} >= {start} AND {hour} < {end} THEN '{key}'"
        for key, (start, end) in SHIFTS.items()
        if start < end
    )
    (night,) = [key for key, (start, end) in SHIFTS.items() if start > end]
    return f"CASE {cases} ELSE '{night}' END"


def flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _period(query: SourceQuery, ts: str, report_filter: ReportFilter) -> None:
    start, end = report_filter.bounds
    query.where += [f"{ts} >= %s", f"{ts} < %s"]
    query.params += [connection.ops.adapt_datetimefield_value(moment) for moment in (start, end)]
    if report_filter.shift:
        query.where.append(f"{shift_of(ts)} = %s")
        query.params.append(report_filter.shift)


def _incident_filters(query: SourceQuery, report_filter: ReportFilter, agency_col: str) -> None:
    """The period and every incident filter; `agency_col` is the row's own agency, if any."""
    _period(query, "i.created_at", report_filter)
    if report_filter.category:
        query.where.append("i.category = %s")
        query.params.append(report_filter.category)
    if report_filter.priority:
        query.where.append("i.priority = %s")
        query.params.append(report_filter.priority)
    if report_filter.kecamatan:
        query.where.append("i.kecamatan_id = %s")
        query.params.append(Area.objects.get(code=report_filter.kecamatan).pk)
    scoped = report_filter.scoped_incidents()
    if scoped is not None:
        ids = sorted(scoped) or [0]  # no incident: ids start at 1
        query.where.append(f"i.id IN ({', '.join(['%s'] * len(ids))})")
        query.params += ids
    if report_filter.agency:
        agency_id = Agency.objects.get(code=report_filter.agency).pk
        if agency_col:
            query.where.append(f"{agency_col} = %s")
        else:
            query.where.append(
                "EXISTS (SELECT 1 FROM incidents_incident_agencies fa"
                " WHERE fa.incident_id = i.id AND fa.agency_id = %s)"
            )
        query.params.append(agency_id)


def _incident_groups(
    query: SourceQuery, by: str | None, ts: str, agency_col: str, agency_id: int | None = None
) -> None:
    """The group key column for a breakdown; incidents group by agency through forwarding."""
    if by is None:
        query.columns["grp"] = "NULL"
    elif by == "month":
        query.columns["grp"] = local(ts, "month")
    elif by == "shift":
        query.columns["grp"] = shift_of(ts)
    elif by == "category":
        query.columns["grp"] = "i.category"
    elif by == "priority":
        query.columns["grp"] = "i.priority"
    elif by == "kecamatan":
        query.columns["grp"] = "i.kecamatan_id"
    elif by == "agency" and agency_col:
        query.columns["grp"] = agency_col
    elif by == "agency":
        # An incident forwarded to two agencies counts once in each agency's group; under an
        # agency filter, only in that agency's.
        query.sql_from += " JOIN incidents_incident_agencies ga ON ga.incident_id = i.id"
        query.columns["grp"] = "ga.agency_id"
        query.fans_out = True
        if agency_id:
            query.where.append("ga.agency_id = %s")
            query.params.append(agency_id)


def calls(report_filter: ReportFilter, by: str | None) -> SourceQuery | None:
    """Presented calls and messages. Incident breakdowns do not apply to them (None); "channel"
    is the report's own per-channel table of messages, not a breakdown a verifier picks."""
    if by not in (None, "month", "shift", "channel"):
        return None
    query = SourceQuery(
        columns={
            "id": "c.id",
            "call_id": "c.call_id",
            "channel": "c.channel",
            "status": "c.status",
            "disposition": (
                "CASE WHEN c.status = 'abandoned' THEN 'abandoned' "
                "WHEN c.disposition = '' THEN 'unclassified' ELSE c.disposition END"
            ),
            "number": (
                "COALESCE((SELECT k.number FROM incidents_caller k WHERE k.id = c.caller_id), '')"
            ),
            "incident_id": "c.incident_id",
            "t0": "c.ringing_at",
            "t1": f"c.{T1_FIELD}",
            "month": local("c.ringing_at", "month"),
            "shift": shift_of("c.ringing_at"),
            # A telephone call is held to the voice thresholds; a message never is (issue #15).
            "is_voice": flag("c.channel = 'phone'"),
            "is_message": flag("c.channel <> 'phone'"),
        },
        sql_from="incidents_call c",
    )
    _period(query, "c.ringing_at", report_filter)
    query.columns["grp"] = query.columns[by] if by else "NULL"
    return query


def _first_call(column: str) -> str:
    return (
        f"(SELECT fc.{column} FROM incidents_call fc WHERE fc.incident_id = i.id"
        " AND fc.ringing_at IS NOT NULL ORDER BY fc.ringing_at, fc.id LIMIT 1)"
    )


def incidents(report_filter: ReportFilter, by: str | None) -> SourceQuery:
    query = SourceQuery(
        columns={
            "id": "i.id",
            "category": "i.category",
            "priority": "i.priority",
            "kecamatan": "(SELECT ka.name FROM agencies_area ka WHERE ka.id = i.kecamatan_id)",
            "status": "i.status",
            "outcome": "i.outcome",
            "first_disposition": _first_call("disposition"),
            "t0": _first_call("ringing_at"),
            "t1": _first_call(T1_FIELD),
            "t2": "i.created_at",
            "t3": (
                "(SELECT MIN(ft.notified_at) FROM dispatch_ticket ft WHERE ft.incident_id = i.id)"
            ),
            "t6": (
                "(SELECT MIN(fa.on_scene_at) FROM dispatch_assignment fa"
                " WHERE fa.incident_id = i.id)"
            ),
            "t6f": (
                "(SELECT MIN(fo.operations_started_at) FROM dispatch_assignment fo"
                " WHERE fo.incident_id = i.id)"
            ),
            "t11": "i.closed_at",
            "from_emergency_call": flag(f"{_first_call('disposition')} = 'emergency'"),
            "is_fire": flag(f"i.category = '{FIRE}'"),
            "month": local("i.created_at", "month"),
            "shift": shift_of("i.created_at"),
        },
        sql_from="incidents_incident i",
    )
    _incident_filters(query, report_filter, agency_col="")
    agency_id = report_filter.agency and Agency.objects.get(code=report_filter.agency).pk
    _incident_groups(query, by, "i.created_at", agency_col="", agency_id=agency_id)
    return query


def tickets(report_filter: ReportFilter, by: str | None) -> SourceQuery:
    query = SourceQuery(
        columns={
            "id": "t.id",
            "incident_id": "t.incident_id",
            "agency": "(SELECT ag.code FROM agencies_agency ag WHERE ag.id = t.agency_id)",
            "role": "t.role",
            "status": "t.status",
            "category": "i.category",
            "t3": "t.notified_at",
            "t4": "t.accepted_at",
            "declined_at": "t.declined_at",
            "awaited": flag(
                "t.accepted_at IS NOT NULL OR (t.declined_at IS NULL AND t.ended_at IS NULL)"
            ),
            "month": local("i.created_at", "month"),
            "shift": shift_of("i.created_at"),
        },
        sql_from="dispatch_ticket t JOIN incidents_incident i ON i.id = t.incident_id",
    )
    _incident_filters(query, report_filter, agency_col="t.agency_id")
    _incident_groups(query, by, "i.created_at", agency_col="t.agency_id")
    return query


def assignments(report_filter: ReportFilter, by: str | None) -> SourceQuery:
    first_engine_arrival = (
        "(SELECT MIN(e.on_scene_at) FROM dispatch_assignment e"
        " JOIN agencies_unit eu ON eu.id = e.unit_id"
        " WHERE e.incident_id = a.incident_id AND eu.kind = 'engine')"
    )
    query = SourceQuery(
        columns={
            "id": "a.id",
            "incident_id": "a.incident_id",
            "unit": "u.call_sign",
            "unit_kind": "u.kind",
            "agency": "(SELECT ag.code FROM agencies_agency ag WHERE ag.id = t.agency_id)",
            "category": "i.category",
            "status": "a.status",
            "t4d": "a.dispatched_at",
            "t5": "a.en_route_at",
            "t6": "a.on_scene_at",
            "cancelled_at": "a.cancelled_at",
            "left_or_due": flag("a.cancelled_at IS NULL OR a.en_route_at IS NOT NULL"),
            "arrived_or_due": flag("a.cancelled_at IS NULL OR a.on_scene_at IS NOT NULL"),
            "is_medical": flag(f"i.category = '{MEDICAL}'"),
            "is_fire": flag(f"i.category = '{FIRE}'"),
            "is_first_engine": flag(
                f"i.category = '{FIRE}' AND u.kind = 'engine' "
                f"AND a.on_scene_at = {first_engine_arrival}"
            ),
            "month": local("i.created_at", "month"),
            "shift": shift_of("i.created_at"),
        },
        sql_from=(
            "dispatch_assignment a JOIN incidents_incident i ON i.id = a.incident_id"
            " JOIN dispatch_ticket t ON t.id = a.ticket_id"
            " JOIN agencies_unit u ON u.id = a.unit_id"
        ),
    )
    _incident_filters(query, report_filter, agency_col="t.agency_id")
    _incident_groups(query, by, "i.created_at", agency_col="t.agency_id")
    return query


BUILDERS = {"calls": calls, "incidents": incidents, "tickets": tickets, "assignments": assignments}


def source_query(source: str, report_filter: ReportFilter, by: str | None) -> SourceQuery | None:
    return BUILDERS[source](report_filter, by)
