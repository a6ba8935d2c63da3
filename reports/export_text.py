"""The wording every export shares: the CSV, the XLSX workbook and the PDF say the same thing.

One wording of the title, of the header (filter, time generated in WIT, events covered, the
event chain's head), of the labels and of the recipe that recomputes each figure from the
row-level export, so a file read on its own still says what it covers and how to check it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from reports.definitions import METRICS_BY_KEY
from reports.rows import ROW_COLUMNS

WIT = ZoneInfo("Asia/Jayapura")  # whatever time zone a request activated, exports say WIT


def title() -> str:
    return _("Response-time report of the 112 service, Ambon City")


def source_label(source: str) -> str:
    return {
        "calls": _("Calls"),
        "incidents": _("Incidents"),
        "tickets": _("Tickets"),
        "assignments": _("Unit assignments"),
    }[source]


def status_label(status: str) -> str:
    return {
        "met": _("Met"),
        "near": _("Nearly met"),
        "missed": _("Not met"),
        "no_data": _("no data"),
    }[status]


def generated_at(report: dict) -> str:
    """The time the report was generated, as people read it: 28-11-2026 10:00 WIT."""
    moment = timezone.localtime(datetime.fromisoformat(report["generated_at"]), WIT)
    return f"{moment:%d-%m-%Y %H:%M} WIT"


def filter_lines(report: dict) -> list[tuple[str, str]]:
    """(heading, value) for the period, each filter set and the breakdown."""
    labels = report["filter"]["labels"]
    names = {
        "agency": _("Agency"),
        "category": _("Category"),
        "kecamatan": _("Kecamatan"),
        "shift": _("Shift"),
        "priority": _("Priority"),
    }
    lines = [(_("Period"), labels["period"])]
    chosen = [(names[field], labels[field]) for field in names if field in labels]
    lines += chosen or [
        (_("Filter"), _("none: every agency, category, kecamatan, shift and priority"))
    ]
    if report["by"]:
        by = {"month": _("Month"), **names}[report["by"]]
        lines.append((_("Breakdown"), by))
    if any(field in labels for field in ("agency", "category", "kecamatan", "priority")):
        lines.append(
            (
                _("Note"),
                _(
                    "Call figures follow only the period and the shift: a call has an agency, "
                    "a category and a kecamatan only once it becomes an incident."
                ),
            )
        )
    return lines


def header_lines(report: dict) -> list[tuple[str, str | int]]:
    """What every export states first: what it covers, when it was made, how to check it."""
    head = report["chain_head"]
    return [
        *filter_lines(report),
        (_("Generated at"), generated_at(report)),
        (_("Events covered"), report["events_covered"]),
        (_("Event chain head, sequence no."), head["seq"]),
        (_("Event chain head, SHA-256 hash"), head["hash"]),
        *times_lines(report),
    ]


def times_lines(report: dict) -> list[tuple[str, str]]:
    """The check of the figures' times against the event log: how many rows, what disagrees,
    and which figures are computed from a time that disagrees (issue #17)."""
    times = report["chain_times"]
    checked = _("%(rows)s rows of the period checked against the event log") % {
        "rows": times["checked"]
    }
    if times["intact"]:
        return [(_("Times checked"), f"{checked}: " + _("every time matches its event."))]
    lines = [
        (
            _("Times checked"),
            f"{checked}: "
            + _("%(n)s times DO NOT MATCH the event that set them.") % {"n": times["mismatches"]},
        ),
        (
            _("Figures affected"),
            ", ".join(figure["label"] for figure in times["affected"]) or _("none of the figures"),
        ),
    ]
    lines += [(_("Mismatch"), mismatch["text"]) for mismatch in times["named"][:20]]
    return lines


def threshold_text(threshold: dict) -> str:
    """A threshold's label and, when it holds only some items, whom it holds."""
    if threshold["applies_to"]:
        return _("%(threshold)s, for %(who)s") % {
            "threshold": threshold["label"],
            "who": threshold["applies_to"],
        }
    return threshold["label"]


def column_label(source: str, column: str) -> str:
    return str(dict(ROW_COLUMNS[source])[column])


def recipe(metric_key: str, *, method: bool = True) -> list[str]:
    """How to recompute one metric's figures from the row-level CSV of its source.

    `method=False` leaves out the percentile method, for a page that states it once.
    """
    metric = METRICS_BY_KEY[metric_key]
    column = column_label(metric.source, f"{metric.key}_s")
    steps = [
        _("File: the row-level CSV of %(source)s (export “rows”, source “%(source)s”).")
        % {"source": source_label(metric.source)},
    ]
    if metric.population:
        steps.append(
            _("Population: the rows where “%(flag)s” is 1.")
            % {"flag": column_label(metric.source, metric.population)}
        )
    else:
        steps.append(_("Population: every row."))
    steps.append(
        _(
            "Measured: the population's rows with a value in “%(column)s”; missing = "
            "population − measured."
        )
        % {"column": column}
    )
    if method:
        steps.append(
            _(
                "p50, p90, p95: sort the measured values; the percentile p is at rank "
                "p × (n − 1), counting from 0, interpolated linearly between the two nearest "
                "values. Max: the largest measured value."
            )
        )
    for threshold in metric.thresholds:
        if threshold.subset:
            held = _("the measured rows where “%(flag)s” is 1") % {
                "flag": column_label(metric.source, threshold.subset)
            }
        else:
            held = _("the measured rows")
        steps.append(
            _(
                "%(threshold)s: share = rows with “%(column)s” ≤ %(limit)s ÷ %(held)s; "
                "met at %(target)s %% or more, nearly met up to 5 points below."
            )
            % {
                "threshold": threshold.label,
                "column": column,
                "limit": _("%(n)s s") % {"n": f"{threshold.limit_s:g}"},
                "held": held,
                "target": f"{threshold.target * 100:.0f}",
            }
        )
    return steps


def method_lines() -> list[str]:
    return [
        _(
            "Percentiles as PostgreSQL's percentile_cont: linear interpolation at rank "
            "p × (n − 1) over the sorted measured values."
        ),
        _(
            "Shares within a threshold = within ÷ measured, over the items the threshold "
            "applies to; no share is given when nothing was measured."
        ),
        _("Missing = population − measured: items never reaching the interval's end."),
    ]
