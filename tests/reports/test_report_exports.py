"""The report's exports on the hand-built October 2026 (report_data.py): CSV, XLSX and PDF.

What a verifier holds must say the same as the report: the totals read back from each file,
and every figure recomputed from the row-level CSV alone with the method the PDF's appendix
states. Every file carries the filter, the time generated, the events covered and the chain head.
"""

import csv
import io
import os
import shutil
import subprocess
from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone, translation
from openpyxl import load_workbook

from agencies.models import Agency
from incidents.models import EventChainHead
from reports import exports, pdf
from reports.build import build_report
from reports.definitions import METRICS, SOURCES
from reports.exports import tables
from reports.filters import ReportFilter
from reports.rows import ROW_COLUMNS, Selection, iter_rows
from tests.reports.report_data import OCTOBER, WIT

CI = os.environ.get("CI", "").lower() == "true"
JANUARY_2025 = ReportFilter(start=date(2025, 1, 1), end=date(2025, 1, 31))
GENERATED = datetime(2026, 11, 28, 10, 0, tzinfo=WIT)
WHOLE_NUMBER = "+6281234567890"


@pytest.fixture
def indonesian():
    with translation.override("id"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def report_of(report_filter: ReportFilter = OCTOBER, by: str | None = None) -> dict:
    with time_machine.travel(GENERATED, tick=False):
        return build_report(report_filter, by=by)


def metric(group: dict, key: str) -> dict:
    return next(m for m in group["metrics"] if m["key"] == key)


def blocks(text: str) -> list[list[list[str]]]:
    """A CSV export's tables: the "#" notes dropped, tables split at blank lines."""
    assert text.startswith(exports.BOM)
    tables, current = [], []
    for row in csv.reader(line for line in text[1:].splitlines() if not line.startswith("#")):
        if row:
            current.append(row)
        elif current:
            tables.append(current)
            current = []
    return [*tables, current] if current else tables


def rows_of(text: str) -> list[dict]:
    """The data rows of a row-level CSV, by heading."""
    assert text.startswith(exports.BOM)
    lines = [line for line in text[1:].splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def percentile_cont(ordered: list[float], p: float) -> float:
    """The appendix's method, written again here: rank p × (n − 1), linear in between."""
    rank = p * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rows_csv_text(report: dict, source: str) -> str:
    return "".join(exports.rows_csv(report, source, iter_rows(OCTOBER, Selection(source))))


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        if CI:
            pytest.fail("CI=true and pdftotext is missing (apt-get install poppler-utils)")
        pytest.skip("pdftotext is not installed (poppler-utils)")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode()


def pdf_fonts(data: bytes, tmp_path) -> str:
    if shutil.which("pdffonts") is None:
        if CI:
            pytest.fail("CI=true and pdffonts is missing (apt-get install poppler-utils)")
        pytest.skip("pdffonts is not installed (poppler-utils)")
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()


# --- CSV ----------------------------------------------------------------------------------------


def test_the_summary_csv_gives_the_reports_figures(october, english):
    report = report_of(by="shift")
    summary, calls, definitions = blocks(exports.summary_csv(report))
    heading, rows = summary[0], summary[1:]
    assert heading[:10] == [
        "Group",
        "Metric",
        "Formula",
        "Population",
        "Measured",
        "Missing",
        "p50 (s)",
        "p90 (s)",
        "p95 (s)",
        "Max (s)",
    ]
    # One row per (group, metric): the total and the three shifts.
    assert len(rows) == 4 * len(METRICS)
    total = {row[1]: row for row in rows if row[0] == "Total"}
    for figures in report["total"]["metrics"]:
        row = total[figures["label"]]
        assert row[2] == figures["formula"]
        assert [int(x) for x in row[3:6]] == [
            figures["population"],
            figures["measured"],
            figures["missing"],
        ]
        for cell, key in zip(row[6:10], ("p50", "p90", "p95", "max"), strict=True):
            assert cell == ("" if figures[key] is None else f"{figures[key]:.1f}")
        for index, threshold in enumerate(figures["thresholds"]):
            label, within, of, share, status = row[10 + 5 * index : 15 + 5 * index]
            assert (label, int(within), int(of)) == (
                threshold["label"],
                threshold["within"],
                threshold["of"],
            )
            # A threshold with nothing measured (no messages in October) has no share.
            expected = threshold["share"]
            assert share == ("" if expected is None else f"{expected * 100:.1f}")
            labels = {"met": "Met", "missed": "Not met", "no_data": "no data"}
            assert status == labels[threshold["status"]]
    answer = total["Answer time"]
    assert answer[3:10] == ["8", "7", "1", "10.0", "24.0", "27.0", "30.0"]
    assert answer[10:15] == ["NENA: 90% within 15 s", "5", "7", "71.4", "Not met"]

    calls_heading, calls_total = calls[0], calls[1]
    assert calls_total[0] == "Total"
    by_heading = dict(zip(calls_heading, calls_total, strict=True))
    assert by_heading["Calls presented"] == "8"
    assert by_heading["Calls abandoned"] == "1"
    assert by_heading["Abandoned rate (%)"] == "12.5"
    assert by_heading["Incidents"] == "4"
    assert by_heading["Disposition: Emergency"] == "3"
    assert by_heading["Disposition: Abandoned"] == "1"
    assert by_heading["Channel: Telephone"] == "8"
    morning = next(row for row in calls[1:] if row[0] == "Morning shift 07–14 WIT")
    assert morning[1:3] == ["2", "3"]
    assert [row[0] for row in definitions[1:]] == [m["label"] for m in report["total"]["metrics"]]


def test_every_export_opens_with_what_it_covers(october, indonesian):
    report = report_of()
    head = EventChainHead.objects.get(pk=1)
    assert report["events_covered"] == 5  # the head also counts the reference data's changes
    text = exports.summary_csv(report)
    notes = [line for line in text[1:].splitlines() if line.startswith("#")]
    # The hand-built month's rows were written without events (report_data.py): the times'
    # check against the event log (issue #17) says so after the chain head, and names them.
    times = [
        line
        for line in notes
        if line.startswith(("# Waktu diperiksa", "# Angka yang", "# Ketidak"))
    ]
    assert times[0] == (
        "# Waktu diperiksa: 25 baris periode ini diperiksa terhadap log peristiwa: "
        f"{report['chain_times']['mismatches']} waktu TIDAK COCOK dengan peristiwa yang "
        "menetapkannya."
    )
    assert times[1].startswith("# Angka yang terdampak: ") and "Waktu jawab" in times[1]
    assert len(times) == 2 + 20  # the first 20 mismatches, each named
    notes = [line for line in notes if line not in times]
    assert notes[:9] == [
        "# Laporan Waktu Tanggap Layanan 112 Kota Ambon",
        "# Periode: 01-10-2026 – 31-10-2026",
        "# Filter: tidak ada: semua instansi, kategori, kecamatan, shift, dan prioritas",
        "# Dibuat pada: 28-11-2026 10:00 WIT",
        "# Peristiwa tercakup: 5",
        f"# Kepala rantai peristiwa, nomor urut: {head.seq}",
        f"# Kepala rantai peristiwa, hash SHA-256: {head.hash}",
        "# Angka dihitung oleh Ambon 112 dari ekspor tingkat baris; definisi di bawah",
        "# Format: dipisah koma, UTF-8; tanda desimal titik “.”; durasi dalam detik, persentase "
        "dalam %; baris yang diawali “#” adalah catatan.",
    ]
    assert blocks(text)[0][0][:3] == ["Kelompok", "Ukuran", "Rumus"]
    for source in SOURCES:
        lines = rows_csv_text(report, source).splitlines()
        assert lines[0] == exports.BOM + notes[0]
        assert lines[1:7] == notes[1:7]


def test_the_header_names_each_filter_and_says_calls_follow_only_period_and_shift(october, english):
    damkar = ReportFilter(start=OCTOBER.start, end=OCTOBER.end, agency="damkar", shift="07-14")
    lines = exports.header_lines(report_of(damkar))
    names = dict(lines)
    assert names["Agency"] == Agency.objects.get(code="damkar").name
    assert names["Shift"] == "Morning shift 07–14 WIT"
    assert "Filter" not in names
    assert names["Note"].startswith("Call figures follow only the period and the shift")


def test_each_rows_csv_holds_the_population_of_its_source(october, english):
    report = report_of()
    total = report["total"]
    for source in SOURCES:
        rows = rows_of(rows_csv_text(report, source))
        headings = dict(ROW_COLUMNS[source])
        exported = tables.row_columns(source, tables.coded_labels(source))
        assert list(rows[0]) == [label for _key, label in exported]
        for m in (m for m in METRICS if m.source == source):
            flag = str(headings[m.population]) if m.population else None
            population = [row for row in rows if flag is None or row[flag] == "1"]
            assert len(population) == metric(total, m.key)["population"], (source, m.key)
    assert len(rows_of(rows_csv_text(report, "calls"))) == total["calls"]["presented"] == 8
    assert len(rows_of(rows_csv_text(report, "incidents"))) == total["incidents"] == 4


def test_every_figure_is_recomputed_from_the_rows_csv_alone(october, english):
    """The PDF's appendix, followed step by step on the row-level CSV files."""
    report = report_of()
    files = {source: rows_of(rows_csv_text(report, source)) for source in SOURCES}
    for m in METRICS:
        headings = {key: str(label) for key, label in ROW_COLUMNS[m.source]}
        column = headings[f"{m.key}_s"]
        population = [
            row for row in files[m.source] if not m.population or row[headings[m.population]] == "1"
        ]
        measured = [row for row in population if row[column] != ""]
        values = sorted(float(row[column]) for row in measured)
        expected = metric(report["total"], m.key)
        assert (len(population), len(values), len(population) - len(values)) == (
            expected["population"],
            expected["measured"],
            expected["missing"],
        )
        # Nothing measured (no messages in October): no percentile, no maximum.
        for p, key in ((0.5, "p50"), (0.9, "p90"), (0.95, "p95")):
            recomputed = round(percentile_cont(values, p), 3) if values else None
            assert recomputed == expected[key], (m.key, key)
        assert (max(values) if values else None) == expected["max"]
        for threshold, figures in zip(m.thresholds, expected["thresholds"], strict=True):
            held = [
                float(row[column])
                for row in measured
                if not threshold.subset or row[headings[threshold.subset]] == "1"
            ]
            within = sum(1 for x in held if x <= threshold.limit_s)
            assert (within, len(held)) == (figures["within"], figures["of"]), threshold.key

    # The two figures a verifier checks first: answer p90 24 s, NENA 15 s met by 5 of 7.
    answers = sorted(float(r["Answer time (s)"]) for r in files["calls"] if r["Answer time (s)"])
    assert round(percentile_cont(answers, 0.9), 3) == 24
    assert sum(1 for x in answers if x <= 15) / len(answers) == 5 / 7


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_quoted(october, english):
    report = report_of()
    calls = rows_of(rows_csv_text(report, "calls"))
    numbers = {row["Number (masked)"] for row in calls}
    assert "'+•••••••••7890" in numbers  # Excel would read "+…" as a formula
    assert exports.summary_csv(report).count("\r\n") > 10  # one line ending, as Excel writes


# --- XLSX ---------------------------------------------------------------------------------------


def test_the_workbook_gives_the_same_totals(october, indonesian):
    report = report_of()
    rows = {source: iter_rows(OCTOBER, Selection(source)) for source in SOURCES}
    book = load_workbook(io.BytesIO(exports.workbook(report, rows)))
    assert book.sheetnames == [
        "Ringkasan",
        "Definisi",
        "Panggilan",
        "Kejadian",
        "Tiket",
        "Penugasan unit",
    ]
    summary = list(book["Ringkasan"].iter_rows(values_only=True))
    head = EventChainHead.objects.get(pk=1)
    assert summary[0][0] == "Laporan Waktu Tanggap Layanan 112 Kota Ambon"
    notes = {row[0]: row[1] for row in summary[1:8]}
    assert notes["Periode"] == "01-10-2026 – 31-10-2026"
    assert notes["Dibuat pada"] == "28-11-2026 10:00 WIT"
    assert notes["Peristiwa tercakup"] == 5
    assert notes["Kepala rantai peristiwa, hash SHA-256"] == head.hash
    start = next(i for i, row in enumerate(summary) if row[0] == "Kelompok") + 1
    table = {row[1]: row for row in summary[start : start + len(METRICS)]}
    for figures in report["total"]["metrics"]:
        row = table[figures["label"]]
        assert row[0] == "Keseluruhan"
        assert row[3:10] == tuple(
            figures[k] for k in ("population", "measured", "missing", "p50", "p90", "p95", "max")
        )
        for index, threshold in enumerate(figures["thresholds"]):
            assert row[11 + 5 * index : 14 + 5 * index] == (
                threshold["within"],
                threshold["of"],
                threshold["share"],
            )
    answer_row = start + [m["key"] for m in report["total"]["metrics"]].index("answer")
    share = book["Ringkasan"].cell(row=answer_row + 1, column=14)
    assert share.value == pytest.approx(5 / 7) and share.number_format == "0.0%"
    calls_start = next(i for i, row in enumerate(summary) if row[:2] == ("Kelompok", "Kejadian"))
    calls = dict(zip(summary[calls_start], summary[calls_start + 1], strict=False))
    assert (calls["Panggilan masuk"], calls["Panggilan tak terjawab"]) == (8, 1)
    assert calls["Tingkat tak terjawab (%)"] == 1 / 8

    definitions = list(book["Definisi"].iter_rows(values_only=True))
    assert [row[0] for row in definitions[1 : 1 + len(METRICS)]] == [
        m["label"] for m in report["total"]["metrics"]
    ]
    calls_sheet = list(book["Panggilan"].iter_rows(values_only=True))
    assert len(calls_sheet) - 1 == 8
    first = dict(zip(calls_sheet[0], calls_sheet[1], strict=True))
    assert first["T0 berdering (WIT)"] == datetime(2026, 10, 5, 8, 0, 0)  # WIT wall clock
    assert first["Waktu jawab (dtk)"] == 4
    assert len(list(book["Penugasan unit"].iter_rows())) - 1 == 5


def test_the_summary_workbook_has_no_row_sheets(october, english):
    book = load_workbook(io.BytesIO(exports.workbook(report_of(), None)))
    assert book.sheetnames == ["Summary", "Definitions"]


# --- PDF ----------------------------------------------------------------------------------------


def test_the_pdf_is_the_monthly_report_in_indonesian(october, indonesian, tmp_path):
    report = report_of(by="kecamatan")
    trend = report_of(ReportFilter(start=date(2025, 11, 1), end=OCTOBER.end), by="month")
    data = pdf.pdf(report, trend)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    head = EventChainHead.objects.get(pk=1)
    shown = pdf.fonts().text  # the same with DejaVu Sans or with the Latin-1 fallback
    for expected in [
        "Laporan Waktu Tanggap Layanan 112 Kota Ambon",
        "Oktober 2026",
        shown("01-10-2026 – 31-10-2026"),
        head.hash,
        "Dibuat 28-11-2026 10:00 WIT",
        "Halaman 1 dari",
        "Peristiwa tercakup",
        shown("T1 − T0"),
        "71,4%",
        "Tidak terpenuhi",
        "Tren p90 bulanan per interval",
        "Kejadian per kecamatan",
        "python manage.py verify_events",
        "/reports/integrity/",
        "laporan-112-ambon_2026-10-01_2026-10-31_calls.csv",
        "percentile_cont",
    ]:
        assert expected in text, expected


def test_the_pdf_prints_unicode_in_dejavu_sans_when_installed(october, indonesian, tmp_path):
    if not (pdf.DEJAVU_DIR / "DejaVuSans.ttf").exists():
        if CI:
            pytest.fail("CI=true and DejaVu Sans is missing (apt-get install fonts-dejavu-core)")
        pytest.skip("DejaVu Sans is not installed (fonts-dejavu-core)")
    data = pdf.pdf(report_of(), None)
    fonts = pdf_fonts(data, tmp_path)
    # reportlab lists Helvetica in every document (its default, not embedded, not drawn with).
    assert "DejaVuSans-Bold" in fonts and "DejaVuSans " in fonts
    text = pdf_text(data, tmp_path)
    assert "T1 − T0" in text and "≥ 60" in text and "01-10-2026 – 31-10-2026" in text


def test_an_empty_month_says_no_data_never_0_or_100_percent(october, indonesian, tmp_path):
    report = report_of(JANUARY_2025)
    assert report["has_data"] is False
    text = pdf_text(pdf.pdf(report, None), tmp_path)
    assert "tidak ada data" in text
    assert "Januari 2025" in text
    assert "0,0%" not in text and "100,0%" not in text


def test_without_dejavu_the_pdf_falls_back_to_helvetica_in_latin1(
    october, indonesian, tmp_path, monkeypatch
):
    monkeypatch.setattr(pdf, "DEJAVU_DIR", tmp_path / "no-fonts")
    assert pdf.fonts() == pdf.Fonts("Helvetica", "Helvetica-Bold", "Courier", unicode=False)
    data = pdf.pdf(report_of(), None)
    assert data.startswith(b"%PDF")
    assert "DejaVu" not in pdf_fonts(data, tmp_path)
    text = pdf_text(data, tmp_path)
    assert "T1 - T0" in text and "−" not in text  # the minus sign spelled as a hyphen
    assert ">= 60" in text and "≤" not in text and "<=" in text
    assert "Laporan Waktu Tanggap Layanan 112 Kota Ambon" in text


def test_the_latin1_fallback_spells_what_helvetica_cannot_print():
    helvetica = pdf.Fonts("Helvetica", "Helvetica-Bold", "Courier", unicode=False)
    assert helvetica.text("≤ 15 s – T1 − T0 • “ok” …") == '<= 15 s - T1 - T0 * "ok" ...'
    assert helvetica.text("× ÷ é") == "× ÷ é"  # Latin-1 stays
    assert helvetica.text("漢") == "?"


# --- Callers' numbers ---------------------------------------------------------------------------


def test_no_export_carries_a_whole_phone_number(october, english, tmp_path):
    report = report_of()
    texts = [exports.summary_csv(report)]
    texts += [rows_csv_text(report, source) for source in SOURCES]
    rows = {source: iter_rows(OCTOBER, Selection(source)) for source in SOURCES}
    book = load_workbook(io.BytesIO(exports.workbook(report, rows)))
    texts.append(
        "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    )
    data = pdf.pdf(report, None)
    for text in texts:
        assert WHOLE_NUMBER not in text
    assert "7890" in texts[1] and "7890" in texts[-1]  # the calls CSV and the workbook
    assert WHOLE_NUMBER.encode() not in data
    assert WHOLE_NUMBER not in pdf_text(data, tmp_path)


def test_the_rows_csv_keeps_the_language_it_was_asked_in(october):
    """A streaming response is read after the view returned, in whatever language is active."""
    with translation.override("id"):
        lines = exports.rows_csv(report_of(), "calls", iter_rows(OCTOBER, Selection("calls")))
    with translation.override("en"):
        text = "".join(lines)
    assert "# Periode: 01-10-2026 – 31-10-2026" in text
    assert "No. panggilan,Id telepon" in text


def test_exports_state_wit_whatever_time_zone_is_active(october, english):
    report = report_of()
    with timezone.override("UTC"):
        assert exports.generated_at(report) == "28-11-2026 10:00 WIT"
        rows = {"calls": iter_rows(OCTOBER, Selection("calls"))}
        book = load_workbook(io.BytesIO(exports.workbook(report, rows)))
    calls = list(book["Calls"].iter_rows(values_only=True))
    assert calls[1][calls[0].index("T0 ringing (WIT)")] == datetime(2026, 10, 5, 8, 0, 0)
