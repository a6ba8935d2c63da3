"""One report: every metric of docs/architecture.md "The clock" for a filter, in total and per
group."""

from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.models import Agency, Area
from incidents.chain_times import TimesReport, check_times
from incidents.models import Call, Event, EventChainHead, IncidentType
from reports.aggregate import aggregate, empty_metric
from reports.definitions import (
    ANSWER_BUCKETS,
    DISPOSITION_LABELS,
    DISPOSITIONS,
    METRICS,
    METRICS_BY_KEY,
    NEAR_POINTS,
    SHIFT_LABELS,
    SHIFTS,
    SOURCES,
)
from reports.filters import ReportFilter
from reports.sources import source_query


def build_report(
    report_filter: ReportFilter, by: str | None = None, *, engine=None, check_times_too=True
) -> dict:
    """The report as one plain dict (see the package docstring), computed in the database.

    `check_times_too=False` leaves out the check of its times (`chain_times` None): for the
    PDF's twelve-month trend, whose figures the PDF shows without stating their integrity."""
    totals = {}  # source -> figures of all its rows in the filter
    grouped = {}  # source -> {raw key: figures}, or None where the source has no such groups
    # The calls by channel (the messages' figures) in one pass with the calls' total row.
    by_channel, calls_total = aggregate(
        "calls", source_query("calls", report_filter, "channel"), engine=engine
    )
    for source in SOURCES:
        if source == "calls" and by is None:
            groups, total = {}, calls_total
        else:
            query = source_query(source, report_filter, by)
            groups, total = aggregate(source, query, engine=engine) if query else (None, None)
        if total is None:  # the source has no such groups, or its groups overlap
            _, total = aggregate(source, source_query(source, report_filter, None), engine=engine)
        totals[source], grouped[source] = total, groups
    keys = {key for figures in grouped.values() if figures for key in figures}
    if by == "month":  # every month of the period, those without data too
        keys |= set(months(report_filter.start, report_filter.end))
    elif by == "shift":
        keys |= set(SHIFTS)
    keys = sorted(keys, key=lambda key: (key is None, str(key).zfill(12)))
    labels = group_labels(by, keys)
    total = _group(None, "", totals)
    head = EventChainHead.objects.get(pk=1)
    start, end = report_filter.bounds
    return {
        "filter": {**report_filter.as_dict(), "labels": report_filter.labels()},
        "by": by,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "events_covered": Event.objects.filter(at__gte=start, at__lt=end).count(),
        "chain_head": {"seq": head.seq, "hash": head.hash},
        # The times the figures read, held against the events that set them (issue #17).
        "chain_times": (
            times_facts(check_times(since=start, until=end)) if check_times_too else None
        ),
        "has_data": bool(total["calls"]["presented"] or total["incidents"]),
        "rows": {source: totals[source]["rows"] for source in SOURCES},
        "total": total,
        "groups": [
            _group(
                *labels[key],
                {s: None if grouped[s] is None else grouped[s].get(key, {}) for s in SOURCES},
            )
            for key in keys
        ],
        "answer_histogram": _histogram(totals["calls"]),
        "messages_by_channel": _messages_by_channel(by_channel),
    }


def times_facts(times: TimesReport) -> dict:
    """The times' check as the report, the integrity API and every export state it."""
    return {
        "intact": times.intact,
        "checked": times.checked,
        "mismatches": times.total,
        "named": [m.as_dict() for m in times.mismatches],
        "affected": [
            {"key": key, "label": str(METRICS_BY_KEY[key].label)}
            for key in times.affected
            if key in METRICS_BY_KEY
        ],
    }


def _messages_by_channel(groups: dict) -> list[dict]:
    """Each non-voice channel's contacts and their first response (T0 received → T1 first
    handled), apart from the voice calls and their thresholds (issue #15), from the calls'
    figures by channel."""
    metric = METRICS_BY_KEY["first_response"]
    return [
        {
            "key": channel,
            "label": str(label),
            "received": groups.get(channel, {}).get("rows", 0),
            "first_response": _metric(
                metric, groups.get(channel, {}).get("metrics", {}).get(metric.key)
            ),
        }
        for channel, label in Call.Channel.choices
        if channel in Call.MESSAGE_CHANNELS
    ]


def months(start: date, end: date) -> list[str]:
    first, last = (start.year, start.month), (end.year, end.month)
    keys = []
    while first <= last:
        keys.append(f"{first[0]}-{first[1]:02d}")
        first = (first[0] + first[1] // 12, first[1] % 12 + 1)
    return keys


def _group(key, label: str, figures: dict) -> dict:
    """One group's figures; `figures[source]` is {} without rows, None where not applicable."""
    metrics = [
        _metric(metric, figures[metric.source].get("metrics", {}).get(metric.key))
        for metric in METRICS
        if figures[metric.source] is not None
    ]
    calls = figures["calls"]
    return {
        "key": key,
        "label": label,
        "calls": _calls(calls) if calls is not None else None,
        "incidents": figures["incidents"].get("rows", 0),
        "metrics": metrics,
    }


def _calls(figures: dict) -> dict:
    presented = figures.get("rows", 0)
    dispositions = figures.get("dispositions", {})
    abandoned = dispositions.get("abandoned", 0)
    # Only a ringing telephone can be abandoned: messages would dilute the rate (issue #15).
    rang = figures.get("channels", {}).get(Call.Channel.PHONE, 0)
    return {
        "presented": presented,
        "abandoned": abandoned,
        "abandoned_rate": abandoned / rang if rang else None,
        "by_disposition": [
            {"key": d, "label": str(DISPOSITION_LABELS[d]), "count": dispositions.get(d, 0)}
            for d in DISPOSITIONS
        ],
        "by_channel": [
            {"key": c, "label": str(label), "count": figures.get("channels", {}).get(c, 0)}
            for c, label in Call.Channel.choices
        ],
    }


def _metric(metric, values: dict | None) -> dict:
    values = values or empty_metric(metric)
    thresholds = []
    for t in metric.thresholds:
        within, of = values["thresholds"][t.key]
        share = within / of if of else None
        if share is None:
            status = "no_data"
        elif share >= t.target:
            status = "met"
        elif share >= t.target - NEAR_POINTS:
            status = "near"
        else:
            status = "missed"
        thresholds.append(
            {
                "key": t.key,
                "label": str(t.label),
                "limit_s": t.limit_s,
                "target": t.target,
                "applies_to": str(t.applies_to),
                "within": within,
                "of": of,
                "share": share,
                "status": status,
            }
        )
    return {
        "key": metric.key,
        "label": str(metric.label),
        "formula": str(metric.formula),
        "counted_over": str(metric.counted_over),
        "missing_note": str(metric.missing_note),
        "population": values["population"],
        "measured": values["measured"],
        "missing": values["population"] - values["measured"],
        # To the millisecond: the timestamps' own precision, and the same on either engine.
        **{p: _ms(values[p]) for p in ("p50", "p90", "p95", "max")},
        "thresholds": thresholds,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def _histogram(calls_total: dict) -> list[dict]:
    return [
        {
            "label": f"{low}–{high} s" if high else f"≥ {low} s",
            "from_s": low,
            "to_s": high,
            "count": count,
        }
        for (low, high), count in zip(ANSWER_BUCKETS, calls_total["histogram"], strict=True)
    ]


def group_labels(by: str | None, keys: list) -> dict:
    """{raw group key: (public key, label)}: codes for agencies and kecamatan, names to read."""
    if by == "agency":
        agencies = {a.pk: a for a in Agency.objects.filter(pk__in=keys)}
        return {k: (agencies[k].code, agencies[k].name) for k in keys}
    if by == "kecamatan":
        areas = {a.pk: a for a in Area.objects.filter(pk__in=[k for k in keys if k])}
        unknown = (None, _("No kecamatan (outside the map or unknown)"))
        return {k: (areas[k].code, areas[k].name) if k else unknown for k in keys}
    if by == "category":
        return {k: (k, str(IncidentType.Category(k).label)) for k in keys}
    if by == "priority":
        return {k: (str(k), f"P{k}") for k in keys}
    if by == "shift":
        return {k: (k, str(SHIFT_LABELS[k])) for k in keys}
    if by == "month":
        return {k: (k, date_format(date.fromisoformat(f"{k}-01"), "F Y")) for k in keys}
    return {}
