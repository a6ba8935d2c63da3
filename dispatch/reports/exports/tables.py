"""The tables the CSV and the workbook both hold: their headings and the values of their rows."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from dispatch.reports.definitions import METRICS
from dispatch.reports.export_text import recipe, threshold_text

MAX_THRESHOLDS = max(len(metric.thresholds) for metric in METRICS)
# The 0/1 columns that select a figure's rows: populations and the subsets thresholds hold.
FLAG_COLUMNS = {m.population for m in METRICS if m.population}
FLAG_COLUMNS |= {t.subset for m in METRICS for t in m.thresholds if t.subset}


def groups(report: dict) -> list[dict]:
    """The total first, then the breakdown's groups."""
    return [{**report["total"], "label": _("Total"), "key": None}, *report["groups"]]


def summary_headings() -> list[str]:
    headings = [
        _("Group"),
        _("Metric"),
        _("Formula"),
        _("Population"),
        _("Measured"),
        _("Missing"),
        _("p50 (s)"),
        _("p90 (s)"),
        _("p95 (s)"),
        _("Max (s)"),
    ]
    for n in range(1, MAX_THRESHOLDS + 1):
        headings += [
            _("Threshold %(n)s") % {"n": n},
            _("Within %(n)s") % {"n": n},
            _("Of %(n)s") % {"n": n},
            _("Share %(n)s (%%)") % {"n": n},
            _("Status %(n)s") % {"n": n},
        ]
    return headings


def calls_headings(report: dict) -> list[str]:
    calls = report["total"]["calls"] or {"by_disposition": [], "by_channel": []}
    return [
        _("Group"),
        _("Incidents"),
        _("Calls presented"),
        _("Calls abandoned"),
        _("Abandoned rate (%)"),
        *(f"{_('Disposition')}: {row['label']}" for row in calls["by_disposition"]),
        *(f"{_('Channel')}: {row['label']}" for row in calls["by_channel"]),
    ]


def calls_values(group: dict, rate: Callable) -> list:
    """Incidents and the call figures of a group, the abandoned rate as `rate` writes it;
    blank calls when its calls have no group."""
    calls = group["calls"]
    if calls is None:
        return [group["incidents"]]
    return [
        group["incidents"],
        calls["presented"],
        calls["abandoned"],
        rate(calls["abandoned_rate"]),
        *(row["count"] for row in calls["by_disposition"]),
        *(row["count"] for row in calls["by_channel"]),
    ]


def definition_headings() -> list[str]:
    return [
        _("Metric"),
        _("Formula"),
        _("Counted over"),
        _("Missing"),
        _("Thresholds"),
        _("How to recompute"),
    ]


def definition_texts(metric: dict, *, thresholds_sep: str, steps_sep: str) -> list[str]:
    """A metric's row under definition_headings()."""
    return [
        metric["label"],
        metric["formula"],
        metric["counted_over"],
        metric["missing_note"],
        thresholds_sep.join(threshold_text(t) for t in metric["thresholds"]) or "—",
        steps_sep.join(recipe(metric["key"])),
    ]
