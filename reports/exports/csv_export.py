"""The summary and the rows as CSV: comma-separated, UTF-8 with a BOM, "#" lines as notes."""

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from reports.definitions import METRICS
from reports.export_text import (
    header_lines,
    method_lines,
    recipe,
    source_label,
    status_label,
    title,
)
from reports.exports import tables

BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one


def summary_csv(report: dict) -> str:
    """The summary: the header, one row per (group, metric), the calls, the definitions."""
    out = _Lines()
    note = _("Figures computed by Ambon 112 from the row-level export; definitions below")
    lines = [BOM, *(line + "\r\n" for line in _header_rows(report, note))]
    lines.append(out.row(tables.summary_headings()))
    for group in tables.groups(report):
        for metric in group["metrics"]:
            values = [
                group["label"],
                metric["label"],
                metric["formula"],
                metric["population"],
                metric["measured"],
                metric["missing"],
                *(_seconds(metric[p]) for p in ("p50", "p90", "p95", "max")),
            ]
            for threshold in metric["thresholds"]:
                values += [
                    threshold["label"],
                    threshold["within"],
                    threshold["of"],
                    _share(threshold["share"]),
                    status_label(threshold["status"]),
                ]
            lines.append(out.row(values))
    lines.append("\r\n")
    lines.append(out.row(tables.calls_headings(report)))
    for group in tables.groups(report):
        lines.append(out.row([group["label"], *tables.calls_values(group, _share)]))
    lines.append("\r\n")
    lines.append(out.row(tables.definition_headings()))
    for metric in report["total"]["metrics"]:
        lines.append(out.row(tables.definition_texts(metric, thresholds_sep="; ", steps_sep=" ")))
    lines += [f"# {line}\r\n" for line in method_lines()]
    return "".join(lines)


def rows_csv(report: dict, source: str, rows: Iterable[dict]) -> Iterator[str]:
    """The rows of one source, line by line, for a StreamingHttpResponse.

    The header is worded here, in the request's language: a streaming response is read after
    the view has returned, when that language may no longer be active.
    """
    note = _(
        "Row-level export of %(source)s: every figure of the report computed from %(source)s "
        "can be recomputed from these rows; definitions below"
    ) % {"source": source_label(source)}
    notes = _header_rows(report, note)
    notes += [
        f"# {metric.label} ({metric.formula}): {' '.join(recipe(metric.key))}"
        for metric in METRICS
        if metric.source == source
    ]
    notes += [f"# {line}" for line in method_lines()]
    labels = tables.coded_labels(source)
    columns = tables.row_columns(source, labels)
    heading = _Lines().row(label for _key, label in columns)
    labelled = (tables.with_labels(row, labels) for row in rows)
    return _stream([BOM + notes[0], *notes[1:]], heading, [key for key, _l in columns], labelled)


def _stream(notes: list[str], heading: str, keys: list[str], rows: Iterable[dict], batch=1000):
    """The lines in pieces of `batch` rows: a year of calls is 640,000 lines."""
    yield "".join(line + "\r\n" for line in notes) + heading
    out, lines = _Lines(), []
    for row in rows:
        lines.append(out.row(_cell(key, row.get(key)) for key in keys))
        if len(lines) == batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _cell(key: str, value):
    if key in tables.FLAG_COLUMNS and value is not None:
        return int(value)
    return value


def _header_rows(report: dict, note: str) -> list[str]:
    lines = [title(), *(f"{k}: {v}" for k, v in header_lines(report)), note]
    lines.append(
        _(
            "Format: comma-separated, UTF-8; decimal point “.”; durations in seconds, "
            "shares in %; lines starting with “#” are notes."
        )
    )
    return ["# " + " ".join(line.split()) for line in lines]


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _clean(value):
    """A value as a CSV cell: text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Lines:
    """A csv.writer whose rows are handed back one line at a time."""

    def __init__(self):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def row(self, values: Iterable) -> str:
        self.writer.writerow([_clean(v) for v in values])
        line = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return line
