"""The rows behind a figure: for drill-down on the page and for the row-level exports.

A row carries its timestamps (WIT), each interval of its source in seconds and the 0/1 flags
that decide which figures count it, so any figure of the report can be recomputed from the
row-level export alone. Phone numbers are always masked here: no report needs a whole number.
"""

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.reports.aggregate import fetch_rows, interval_s
from dispatch.reports.definitions import METRICS, METRICS_BY_KEY
from dispatch.reports.filters import ReportFilter
from dispatch.reports.sources import source_query
from incidents.privacy import mask_number

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
        ("answer_s", _("Answer time (s)")),
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


def iter_rows(
    report_filter: ReportFilter,
    source: str,
    *,
    by: str | None = None,
    group=None,
    metric: str | None = None,
    outcome: str | None = None,
    threshold: str | None = None,
) -> Iterator[dict]:
    """Rows of `source`, optionally only those of one group and behind one figure.

    `metric` keeps its population; `outcome` then narrows to the rows measured, missing, or
    within / over `threshold` (which also keeps only the rows that threshold applies to).
    `group` is a group's raw key as the breakdown's SQL gives it (see `build.group_labels`).
    """
    query = source_query(source, report_filter, by)
    if query is None:
        return
    chosen = METRICS_BY_KEY[metric] if metric else None
    held = next((t for t in chosen.thresholds if t.key == threshold), None) if chosen else None
    metrics = [m for m in METRICS if m.source == source]
    for row in fetch_rows(query, ordered=True):
        if by and row["grp"] != group:
            continue
        values = {f"{m.key}_s": interval_s(row, m) for m in metrics}
        if chosen and not _behind(row, values[f"{chosen.key}_s"], chosen, outcome, held):
            continue
        yield _presented(row, values)


def _behind(row: dict, value, metric, outcome, threshold) -> bool:
    if metric.population and not row[metric.population]:
        return False
    if threshold and threshold.subset and not row[threshold.subset]:
        return False
    if outcome == "missing":
        return value is None
    if outcome == "measured":
        return value is not None
    if outcome in ("within", "over") and threshold:
        return value is not None and (value <= threshold.limit_s) == (outcome == "within")
    return True


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
