"""The rows behind a figure: for drill-down on the page and for the row-level exports.

A row carries its timestamps (WIT), each interval of its source in seconds and the 0/1 flags
that decide which figures count it, so any figure of the report can be recomputed from the
row-level export alone. Phone numbers are always masked here: no report needs a whole number.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.privacy import mask_number
from reports.aggregate import interval_s, stream_rows
from reports.definitions import METRICS, METRICS_BY_KEY
from reports.filters import ReportFilter
from reports.sources import seconds_between, source_query

OUTCOMES = ["measured", "missing", "within", "over"]

# Per source: (column, heading). Interval columns are "<metric>_s"; flags are 0/1.
ROW_COLUMNS = {
    "calls": [
        ("id", _("Call no.")),
        ("call_id", _("Telephony id")),
        ("channel", _("Channel")),
        ("disposition", _("Disposition")),
        ("number", _("Number (masked)")),
        ("incident_id", _("Incident")),
        ("t0", _("T0 ringing (WIT)")),
        ("t1", _("T1 answered (WIT)")),
        ("month", _("Month")),
        ("shift", _("Shift")),
        ("is_voice", _("Telephone call, held to the voice thresholds (1/0)")),
        ("is_message", _("Message or other non-voice contact (1/0)")),
        ("answer_s", _("Answer time (s)")),
        ("first_response_s", _("Message first response (s)")),
    ],
    "incidents": [
        ("id", _("Incident")),
        ("category", _("Category")),
        ("priority", _("Priority")),
        ("kecamatan", _("Kecamatan")),
        ("first_disposition", _("First call's disposition")),
        ("t0", _("T0 first call rang (WIT)")),
        ("t1", _("T1 first call answered (WIT)")),
        ("t2", _("T2 incident created (WIT)")),
        ("t3", _("First T3 agency notified (WIT)")),
        ("t6", _("First T6 on scene (WIT)")),
        ("t6f", _("T6f operations started (WIT)")),
        ("t11", _("T11 closed (WIT)")),
        ("month", _("Month")),
        ("shift", _("Shift")),
        ("from_emergency_call", _("Counted for processing (1/0)")),
        ("is_fire", _("Fire (1/0)")),
        ("processing_s", _("Call processing (s)")),
        ("response_s", _("Response (s)")),
        ("spm_fire_s", _("Fire response time (s)")),
    ],
    "tickets": [
        ("id", _("Ticket")),
        ("incident_id", _("Incident")),
        ("agency", _("Agency")),
        ("status", _("Status")),
        ("category", _("Category")),
        ("t3", _("T3 notified (WIT)")),
        ("t4", _("T4 accepted (WIT)")),
        ("declined_at", _("Declined (WIT)")),
        ("month", _("Month")),
        ("shift", _("Shift")),
        ("awaited", _("Counted for acknowledgment (1/0)")),
        ("acknowledgment_s", _("Agency acknowledgment (s)")),
    ],
    "assignments": [
        ("id", _("Assignment")),
        ("incident_id", _("Incident")),
        ("unit", _("Unit")),
        ("unit_kind", _("Unit kind")),
        ("agency", _("Agency")),
        ("category", _("Category")),
        ("t4d", _("T4d dispatched (WIT)")),
        ("t5", _("T5 en route (WIT)")),
        ("t6", _("T6 on scene (WIT)")),
        ("cancelled_at", _("Cancelled (WIT)")),
        ("month", _("Month")),
        ("shift", _("Shift")),
        ("left_or_due", _("Counted for turnout (1/0)")),
        ("arrived_or_due", _("Counted for travel (1/0)")),
        ("is_medical", _("Medical (1/0)")),
        ("is_fire", _("Fire (1/0)")),
        ("is_first_engine", _("First engine on scene at a fire (1/0)")),
        ("turnout_s", _("Turnout (s)")),
        ("travel_s", _("Travel (s)")),
    ],
}
STAMPS = {"t0", "t1", "t2", "t3", "t4", "t4d", "t5", "t6", "t6f", "t11"}
STAMPS |= {"declined_at", "cancelled_at"}


@dataclass(frozen=True)
class Selection:
    """Which rows of a source: those of one group (`by` and its raw `group` key, see
    `build.group_labels`) and behind one figure. `metric` keeps its population; `outcome` then
    narrows to the rows measured, missing, or within / over `threshold` (which also keeps only
    the rows that threshold applies to)."""

    source: str
    by: str | None = None
    group: object = None
    metric: str | None = None
    outcome: str | None = None
    threshold: str | None = None


def count_rows(report_filter: ReportFilter, selection: Selection) -> int:
    statement = _statement(report_filter, selection, narrow=True)
    if statement is None:
        return 0
    sql, params = statement
    [row] = stream_rows(f"SELECT count(*) AS n FROM ({sql}) AS selected", params)
    return row["n"]


def iter_rows(
    report_filter: ReportFilter, selection: Selection, *, limit: int = 0, offset: int = 0
) -> Iterator[dict]:
    """The selected rows by id, a batch at a time from the database, ready to show or export."""
    statement = _statement(report_filter, selection)
    if statement is None:
        return
    sql, params = statement
    sql += " ORDER BY r.id"
    if limit:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    metrics = [m for m in METRICS if m.source == selection.source]
    for row in stream_rows(sql, params):
        yield _presented(row, {f"{m.key}_s": interval_s(row, m) for m in metrics})


def _statement(
    report_filter: ReportFilter, selection: Selection, *, narrow: bool = False
) -> tuple[str, list] | None:
    """The selection in SQL: the source's rows once (MATERIALIZED: an incident's subqueries run
    once per row), then the conditions on their columns. `narrow`: only the columns the
    conditions read (to count the rows)."""
    query = source_query(selection.source, report_filter, selection.by)
    if query is None:
        return None
    metric = METRICS_BY_KEY[selection.metric] if selection.metric else None
    if narrow:
        needed = {"id"}
        if metric:
            needed |= {metric.start, metric.end, metric.population}
            needed |= {t.subset for t in metric.thresholds}
        query = query.narrowed(needed)
    sql, params = query.sql()
    where = []
    if selection.by and selection.group is None:
        where.append("r.grp IS NULL")
    elif selection.by:
        where.append("r.grp = %s")
        params.append(selection.group)
    if metric:
        held = next((t for t in metric.thresholds if t.key == selection.threshold), None)
        if metric.population:
            where.append(f"r.{metric.population} = 1")
        if held and held.subset:
            where.append(f"r.{held.subset} = 1")
        measured = f"r.{metric.start} IS NOT NULL AND r.{metric.end} IS NOT NULL"
        seconds = seconds_between(f"r.{metric.start}", f"r.{metric.end}")
        if selection.outcome == "missing":
            where.append(f"NOT ({measured})")
        elif selection.outcome == "measured":
            where.append(measured)
        elif selection.outcome in ("within", "over") and held:
            compare = "<=" if selection.outcome == "within" else ">"
            where.append(f"{measured} AND {seconds} {compare} {held.limit_s}")
    conditions = f" WHERE {' AND '.join(where)}" if where else ""
    return f"WITH r AS MATERIALIZED ({sql}) SELECT * FROM r{conditions}", params


def _presented(row: dict, values: dict) -> dict:
    shown = {}
    for name, value in row.items():
        if name == "grp":
            continue
        if name in STAMPS and value is not None:
            value = timezone.localtime(value, timezone.get_default_timezone()).isoformat(
                timespec="seconds"
            )
        elif name == "number":
            value = mask_number(value)
        shown[name] = value
    shown.update(values)
    return shown
