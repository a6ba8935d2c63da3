"""Count, percentiles, maximum and shares within thresholds, per group, for one source.

Two engines give the same figures from the same rows. On PostgreSQL the database aggregates:
one grouped statement per source with `percentile_cont` (continuous percentiles, linear
interpolation between the two nearest ranks). The embedded SQLite has no percentile function, so
there the rows are read and the same definition is applied in Python. `tests/reports/
test_reports_agree.py` runs both on PostgreSQL over the same data and compares every figure.
"""

import math
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import connection, transaction

from incidents.models import Call
from reports.definitions import ANSWER_BUCKETS, DISPOSITIONS, METRICS, Metric
from reports.sources import SourceQuery, postgres, seconds_between

PERCENTILES = (0.5, 0.9, 0.95)
CHANNELS = Call.Channel.values


@contextmanager
def report_cursor(*, chunked: bool = False):
    """A cursor for one report statement. PostgreSQL's JIT compiler spends seconds on these
    large, one-off statements and saves less than it costs (benchmarks/report_year.py).

    `chunked`: a server-side cursor on PostgreSQL, so that rows come a batch at a time
    instead of the whole result at once (a year of calls is 640,000 rows).
    """
    with transaction.atomic():
        if postgres():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        with connection.chunked_cursor() if chunked else connection.cursor() as cursor:
            yield cursor


def empty_metric(metric: Metric) -> dict:
    return {
        "population": 0,
        "measured": 0,
        "p50": None,
        "p90": None,
        "p95": None,
        "max": None,
        "thresholds": {t.key: (0, 0) for t in metric.thresholds},
    }


def aggregate(
    source: str, query: SourceQuery, *, engine: str | None = None
) -> tuple[dict, dict | None]:
    """({group key: figures}, figures of all the rows) in one pass over the query's rows.

    An ungrouped query has no groups ({}); a query whose rows repeat across groups
    (`fans_out`) has no total (None): its groups do not add up to one.
    """
    engine = engine or ("sql" if postgres() else "python")
    metrics = [metric for metric in METRICS if metric.source == source]
    needed = {"disposition", "channel"} if source == "calls" else set()
    for m in metrics:
        needed |= {m.start, m.end, m.population} | {t.subset for t in m.thresholds}
    query = query.narrowed(needed)
    if engine == "sql":
        return _in_sql(source, query, metrics)
    return _in_python(source, query, metrics)


def grouped(query: SourceQuery) -> bool:
    return query.columns["grp"] != "NULL"


# --- PostgreSQL ---------------------------------------------------------------------------------


def _where(*conditions: str) -> str:
    conditions = [c for c in conditions if c]
    return f" FILTER (WHERE {' AND '.join(conditions)})" if conditions else ""


def _in_sql(source: str, query: SourceQuery, metrics: list[Metric]) -> tuple[dict, dict | None]:
    base_sql, params = query.sql()
    seconds = ", ".join(f"{seconds_between(m.start, m.end)} AS x_{m.key}" for m in metrics)
    select = ["grp" if grouped(query) else "NULL", "count(*)"]
    for m in metrics:
        pop = f"{m.population} = 1" if m.population else ""
        x = f"x_{m.key}"
        select += [
            f"count(*){_where(pop)}",
            f"count({x}){_where(pop)}",
            f"percentile_cont(ARRAY{list(PERCENTILES)}) WITHIN GROUP (ORDER BY {x}){_where(pop)}",
            f"max({x}){_where(pop)}",
        ]
        for t in m.thresholds:
            subset = f"{t.subset} = 1" if t.subset else ""
            select += [
                f"count(*){_where(pop, subset, f'{x} <= {t.limit_s}')}",
                f"count({x}){_where(pop, subset)}",
            ]
    if source == "calls":
        select += [f"count(*) FILTER (WHERE disposition = '{d}')" for d in DISPOSITIONS]
        select += [f"count(*) FILTER (WHERE channel = '{c}')" for c in CHANNELS]
        voice = f"{metrics[0].population} = 1"  # the answer-time buckets are of voice calls
        select += [
            f"count(*){_where(voice, f'x_answer >= {low}', f'x_answer < {high}' if high else '')}"
            for low, high in ANSWER_BUCKETS
        ]
    # The groups and the total in one pass: GROUPING(grp) is 1 on the total's row.
    if not grouped(query):
        is_total, group_by = "1", ""
    elif query.fans_out:
        is_total, group_by = "0", " GROUP BY grp"
    else:
        is_total, group_by = "GROUPING(grp)", " GROUP BY GROUPING SETS ((grp), ())"
    # MATERIALIZED: each row's subqueries (an incident's first call, first ticket…) run once,
    # not once for every expression and aggregate that reads their columns.
    sql = (
        f"WITH base AS MATERIALIZED ({base_sql}) "
        f"SELECT {is_total}, {', '.join(select)} "
        f"FROM (SELECT base.*, {seconds} FROM base) AS v{group_by}"
    )
    with report_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    groups, total = {}, None
    for row in rows:
        values = iter(row)
        row_is_total, grp, count = next(values), next(values), next(values)
        figures = {"rows": count, "metrics": {}}
        for m in metrics:
            population, measured, pct, maximum = (next(values) for _ in range(4))
            pct = pct or [None] * len(PERCENTILES)
            figures["metrics"][m.key] = {
                "population": population,
                "measured": measured,
                **{f"p{round(p * 100)}": v for p, v in zip(PERCENTILES, pct, strict=True)},
                "max": maximum,
                "thresholds": {t.key: (next(values), next(values)) for t in m.thresholds},
            }
        if source == "calls":
            figures["dispositions"] = {d: next(values) for d in DISPOSITIONS}
            figures["channels"] = {c: next(values) for c in CHANNELS}
            figures["histogram"] = [next(values) for _ in ANSWER_BUCKETS]
        if row_is_total:
            total = figures
        else:
            groups[grp] = figures
    return groups, total


# --- Python (SQLite) ----------------------------------------------------------------------------


def stream_rows(sql: str, params: list, *, batch: int = 2000) -> Iterator[dict]:
    """The statement's rows as dicts, a batch at a time, timestamps as aware datetimes.

    SQLite hands back naive UTC datetimes for plain columns and text for subqueries.
    """
    with report_cursor(chunked=True) as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        stamps = [name for name in names if name.startswith("t") and name[1:2].isdigit()]
        stamps += [name for name in ("declined_at", "cancelled_at") if name in names]
        while rows := cursor.fetchmany(batch):
            for values in rows:
                row = dict(zip(names, values, strict=True))
                if not postgres():
                    for name in stamps:
                        row[name] = _aware(row[name])
                yield row


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def interval_s(row: dict, metric: Metric) -> float | None:
    start, end = row.get(metric.start), row.get(metric.end)
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def percentile_cont(ordered: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont: interpolate between the ranks around fraction × (n − 1)."""
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def metric_figures(metric: Metric, rows: list[dict]) -> dict:
    counted = [row for row in rows if not metric.population or row[metric.population]]
    values = [(row, interval_s(row, metric)) for row in counted]
    measured = sorted(x for _, x in values if x is not None)
    figures = empty_metric(metric)
    figures["population"], figures["measured"] = len(counted), len(measured)
    if measured:
        for fraction in PERCENTILES:
            figures[f"p{round(fraction * 100)}"] = percentile_cont(measured, fraction)
        figures["max"] = measured[-1]
    for t in metric.thresholds:
        held = [x for row, x in values if x is not None and (not t.subset or row[t.subset])]
        figures["thresholds"][t.key] = (sum(1 for x in held if x <= t.limit_s), len(held))
    return figures


def _figures(source: str, rows: list[dict], metrics: list[Metric]) -> dict:
    figures = {"rows": len(rows), "metrics": {m.key: metric_figures(m, rows) for m in metrics}}
    if source == "calls":
        figures["dispositions"] = {
            d: sum(1 for row in rows if row["disposition"] == d) for d in DISPOSITIONS
        }
        figures["channels"] = {c: sum(1 for row in rows if row["channel"] == c) for c in CHANNELS}
        answers = [interval_s(row, metrics[0]) for row in rows if row[metrics[0].population]]
        figures["histogram"] = [
            sum(1 for x in answers if x is not None and x >= low and (high is None or x < high))
            for low, high in ANSWER_BUCKETS
        ]
    return figures


def _in_python(source: str, query: SourceQuery, metrics: list[Metric]) -> tuple[dict, dict | None]:
    rows = list(stream_rows(*query.sql()))
    by_group = defaultdict(list)
    if grouped(query):
        for row in rows:
            by_group[row["grp"]].append(row)
    groups = {grp: _figures(source, members, metrics) for grp, members in by_group.items()}
    total = None if query.fans_out else _figures(source, rows, metrics)
    return groups, total
