"""The summary, the definitions and the rows as an XLSX workbook (openpyxl, write-only)."""

import io
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.definitions import SOURCES
from reports.export_text import (
    WIT,
    header_lines,
    method_lines,
    source_label,
    status_label,
    title,
)
from reports.exports import tables
from reports.rows import STAMPS

# Rows of all sources in one workbook at most: written cell by cell (openpyxl), 100,000 rows
# take about 40 s here. Larger periods export their rows as CSV, one source at a time.
XLSX_ROW_LIMIT = 100_000
STATUS_FILLS = {"met": "C8E6C9", "near": "FFE0B2", "missed": "FFCDD2", "no_data": "E0E0E0"}
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADING_FILL = PatternFill("solid", fgColor="DDE3EA")
WRAP = Alignment(wrap_text=True, vertical="top")


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
    sheet.append(_headings(sheet, tables.summary_headings()))
    for group in tables.groups(report):
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
    sheet.append(_headings(sheet, tables.calls_headings(report)))
    for group in tables.groups(report):
        values = tables.calls_values(group, lambda rate: _styled(sheet, rate, number_format="0.0%"))
        sheet.append([_text(sheet, group["label"]), *values])


def _definitions_sheet(book, report: dict) -> None:
    sheet = book.create_sheet(_sheet_name(_("Definitions")))
    for column, width in zip("ABCDEF", (24, 14, 50, 36, 40, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append(_headings(sheet, tables.definition_headings()))
    for metric in report["total"]["metrics"]:
        texts = tables.definition_texts(metric, thresholds_sep="\n", steps_sep="\n")
        sheet.append([_styled(sheet, text, alignment=WRAP) for text in texts])
    sheet.append([])
    for line in method_lines():
        sheet.append([_text(sheet, line)])


def _rows_sheet(book, source: str, rows: Iterable[dict]) -> None:
    sheet = book.create_sheet(_sheet_name(source_label(source)))
    sheet.freeze_panes = "A2"  # the headings stay in view
    labels = tables.coded_labels(source)
    columns = tables.row_columns(source, labels)
    wide = STAMPS | {tables.label_key(key) for key in labels}
    for index, (key, _label) in enumerate(columns):
        width = 20 if key in wide else 12
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.append(_headings(sheet, (label for _key, label in columns)))
    for row in rows:
        row = tables.with_labels(row, labels)
        sheet.append([_cell(sheet, key, row.get(key)) for key, _label in columns])


def _cell(sheet, key: str, value):
    if value is None:
        return None
    if key in STAMPS:  # Excel has no time zones: the WIT wall-clock time, as the heading says
        moment = timezone.localtime(datetime.fromisoformat(value), WIT).replace(tzinfo=None)
        return _styled(sheet, moment, number_format="yyyy-mm-dd hh:mm:ss")
    if key in tables.FLAG_COLUMNS:
        return int(value)
    return _text(sheet, value)


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


def _sheet_name(name: str) -> str:
    for char in "[]:*?/\\":
        name = name.replace(char, " ")
    return name[:31]
