"""The report as files a verifier keeps: the summary as CSV, the rows as CSV, both as XLSX.

Every export opens with the same header (filter, time generated in WIT, events covered, the
event chain's head) so a file read on its own still says what it covers and how to check it.
The helpers here are shared with the PDF (pdf.py): one wording of the header, of the
definitions and of the recipe that recomputes each figure from the row-level export.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dispatch.reports.definitions import METRICS, METRICS_BY_KEY, SOURCES
from dispatch.reports.rows import ROW_COLUMNS, STAMPS

WIT = ZoneInfo("Asia/Jayapura")  # whatever time zone a request activated, exports say WIT
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
MAX_THRESHOLDS = max(len(metric.thresholds) for metric in METRICS)
# The 0/1 columns that select a figure's rows: populations and the subsets thresholds hold.
FLAG_COLUMNS = {m.population for m in METRICS if m.population}
FLAG_COLUMNS |= {t.subset for m in METRICS for t in m.thresholds if t.subset}
STATUS_FILLS = {"met": "C8E6C9", "near": "FFE0B2", "missed": "FFCDD2", "no_data": "E0E0E0"}


# --- Wording shared by every export -------------------------------------------------------------


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
    ]


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
                "limit": _seconds_text(threshold.limit_s),
                "held": held,
                "target": _number(threshold.target * 100, 0),
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


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def _seconds_text(seconds: float) -> str:
    return _("%(n)s s") % {"n": f"{seconds:g}"}


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _groups(report: dict) -> list[dict]:
    return [{**report["total"], "label": _("Total"), "key": None}, *report["groups"]]


# --- The summary as CSV -------------------------------------------------------------------------


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


def calls_values(group: dict) -> list:
    """Incidents and the call figures of a group; blank calls when its calls have no group."""
    calls = group["calls"]
    if calls is None:
        return [group["incidents"]]
    return [
        group["incidents"],
        calls["presented"],
        calls["abandoned"],
        calls["abandoned_rate"],
        *(row["count"] for row in calls["by_disposition"]),
        *(row["count"] for row in calls["by_channel"]),
    ]


def _header_rows(report: dict, note: str) -> list[str]:
    lines = [title(), *(f"{k}: {v}" for k, v in header_lines(report)), note]
    lines.append(
        _(
            "Format: comma-separated, UTF-8; decimal point “.”; durations in seconds, "
            "shares in %; lines starting with “#” are notes."
        )
    )
    return ["# " + " ".join(line.split()) for line in lines]


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


def summary_csv(report: dict) -> str:
    """The summary: the header, one row per (group, metric), the calls, the definitions."""
    out = _Lines()
    lines = [
        BOM,
        *(
            line + "\r\n"
            for line in _header_rows(
                report,
                _("Figures computed by Ambon 112 from the row-level export; definitions below"),
            )
        ),
    ]
    lines.append(out.row(summary_headings()))
    for group in _groups(report):
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
    lines.append(out.row(calls_headings(report)))
    for group in _groups(report):
        values = calls_values(group)
        if len(values) > 3:
            values[3] = _share(values[3])
        lines.append(out.row([group["label"], *values]))
    lines.append("\r\n")
    lines.append(
        out.row(
            [
                _("Metric"),
                _("Formula"),
                _("Counted over"),
                _("Missing"),
                _("Thresholds"),
                _("How to recompute"),
            ]
        )
    )
    for metric in report["total"]["metrics"]:
        lines.append(
            out.row(
                [
                    metric["label"],
                    metric["formula"],
                    metric["counted_over"],
                    metric["missing_note"],
                    "; ".join(threshold_text(t) for t in metric["thresholds"]) or "—",
                    " ".join(recipe(metric["key"])),
                ]
            )
        )
    lines += [f"# {line}\r\n" for line in method_lines()]
    return "".join(lines)


# --- The rows as CSV ----------------------------------------------------------------------------


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
    columns = ROW_COLUMNS[source]
    heading = _Lines().row(str(label) for _key, label in columns)
    return _stream([BOM + notes[0], *notes[1:]], heading, [key for key, _label in columns], rows)


def _stream(notes: list[str], heading: str, keys: list[str], rows: Iterable[dict]):
    for line in notes:
        yield line + "\r\n"
    yield heading
    out = _Lines()
    for row in rows:
        yield out.row(_cell(key, row.get(key)) for key in keys)


def _cell(key: str, value):
    if key in FLAG_COLUMNS and value is not None:
        return int(value)
    return value


# --- The workbook -------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADING_FILL = PatternFill("solid", fgColor="DDE3EA")
WRAP = Alignment(wrap_text=True, vertical="top")


def _styled(sheet, value, *, font=None, fill=None, number_format=None, alignment=None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if alignment:
        cell.alignment = alignment
    return cell


def _headings(sheet, headings: Iterable[str]) -> list:
    return [_styled(sheet, str(h), font=BOLD, fill=HEADING_FILL, alignment=WRAP) for h in headings]


def _text(sheet, value):
    return _styled(sheet, value) if isinstance(value, str) else value


def workbook(report: dict, rows_by_source: dict[str, Iterable[dict]] | None) -> bytes:
    """Summary and definitions sheets, and one sheet of rows per source when rows are given.

    Written in openpyxl's write-only mode: rows stream to the file instead of living in memory.
    """
    book = Workbook(write_only=True)
    _summary_sheet(book, report)
    _definitions_sheet(book, report)
    for source in SOURCES if rows_by_source else ():
        _rows_sheet(book, source, rows_by_source.get(source) or ())
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(book, report: dict) -> None:
    sheet = book.create_sheet(_sheet_name(_("Summary")))
    for column, width in zip("ABCDEFGHIJ", (26, 26, 14, 11, 11, 11, 10, 10, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([_styled(sheet, title(), font=TITLE)])
    for heading, value in header_lines(report):
        sheet.append([_styled(sheet, heading, font=BOLD), _text(sheet, value)])
    note = _(
        "Figures computed by Ambon 112 from the row-level export; definitions on the sheet "
        "“%(sheet)s”"
    ) % {"sheet": _("Definitions")}
    sheet.append([_text(sheet, note)])
    sheet.append([])
    sheet.append(_headings(sheet, summary_headings()))
    for group in _groups(report):
        for metric in group["metrics"]:
            cells = [
                _text(sheet, group["label"]),
                _text(sheet, metric["label"]),
                _text(sheet, metric["formula"]),
                metric["population"],
                metric["measured"],
                metric["missing"],
                *(
                    _styled(sheet, metric[p], number_format="0.0")
                    for p in ("p50", "p90", "p95", "max")
                ),
            ]
            for threshold in metric["thresholds"]:
                fill = PatternFill("solid", fgColor=STATUS_FILLS[threshold["status"]])
                cells += [
                    _text(sheet, threshold["label"]),
                    threshold["within"],
                    threshold["of"],
                    _styled(sheet, threshold["share"], number_format="0.0%", fill=fill),
                    _styled(sheet, status_label(threshold["status"]), fill=fill),
                ]
            sheet.append(cells)
    sheet.append([])
    sheet.append(_headings(sheet, calls_headings(report)))
    for group in _groups(report):
        values = calls_values(group)
        if len(values) > 3:
            values[3] = _styled(sheet, values[3], number_format="0.0%")
        sheet.append([_text(sheet, group["label"]), *values])


def _definitions_sheet(book, report: dict) -> None:
    sheet = book.create_sheet(_sheet_name(_("Definitions")))
    for column, width in zip("ABCDEF", (24, 14, 50, 36, 40, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append(
        _headings(
            sheet,
            [
                _("Metric"),
                _("Formula"),
                _("Counted over"),
                _("Missing"),
                _("Thresholds"),
                _("How to recompute"),
            ],
        )
    )
    for metric in report["total"]["metrics"]:
        texts = [
            metric["label"],
            metric["formula"],
            metric["counted_over"],
            metric["missing_note"],
            "\n".join(threshold_text(t) for t in metric["thresholds"]) or "—",
            "\n".join(recipe(metric["key"])),
        ]
        sheet.append([_styled(sheet, text, alignment=WRAP) for text in texts])
    sheet.append([])
    for line in method_lines():
        sheet.append([_text(sheet, line)])


def _rows_sheet(book, source: str, rows: Iterable[dict]) -> None:
    sheet = book.create_sheet(_sheet_name(source_label(source)))
    sheet.freeze_panes = "A2"  # the headings stay in view
    columns = ROW_COLUMNS[source]
    for index, (key, _label) in enumerate(columns):
        width = 20 if key in STAMPS else 12
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.append(_headings(sheet, (label for _key, label in columns)))
    for row in rows:
        sheet.append([_workbook_cell(sheet, key, row.get(key)) for key, _label in columns])


def _workbook_cell(sheet, key: str, value):
    if value is None:
        return None
    if key in STAMPS:  # Excel has no time zones: the WIT wall-clock time, as the heading says
        moment = timezone.localtime(datetime.fromisoformat(value), WIT).replace(tzinfo=None)
        return _styled(sheet, moment, number_format="yyyy-mm-dd hh:mm:ss")
    if key in FLAG_COLUMNS:
        return int(value)
    return _text(sheet, value)


def _sheet_name(name: str) -> str:
    for char in "[]:*?/\\":
        name = name.replace(char, " ")
    return name[:31]
