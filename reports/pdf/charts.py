"""The PDF's charts (reportlab.graphics): the monthly p90 trend, the answer-time histogram,
calls by disposition and incidents by kecamatan."""

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Spacer, Table

from reports.definitions import METRICS_BY_KEY
from reports.pdf.layout import BAND, BAR, INK, LIMIT, MUTED, WIDTH, Writer, count


def charts(w: Writer, report: dict, trend: dict | None) -> list:
    blocks = []  # each kept on one page; the section's heading goes with the first
    if trend and trend["groups"]:
        blocks.append(_trend_charts(w, trend))
    pair = _halves(
        [
            [
                w.p(_("Answer time distribution (answered calls)"), "h2"),
                w.p(_("Calls by disposition"), "h2"),
            ],
            [_histogram(w, report), _dispositions(w, report)],
        ],
        "TOP",
    )
    blocks.append([pair])
    if report["by"] == "kecamatan" and report["groups"]:
        blocks.append([w.p(_("Incidents by kecamatan"), "h2"), _kecamatans(w, report)])
    blocks[0].insert(0, w.p(_("2. Charts"), "h1"))
    return [KeepTogether(block) for block in blocks]


def _halves(rows: list, valign: str) -> Table:
    """Two columns, each half the text width."""
    return Table(
        rows,
        colWidths=[WIDTH / 2, WIDTH / 2],
        style=[("VALIGN", (0, 0), (-1, -1), valign), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
        hAlign="LEFT",
    )


def _trend_charts(w: Writer, trend: dict) -> list:
    groups = trend["groups"]
    months = [date_format(date.fromisoformat(f"{g['key']}-01"), "M") for g in groups]
    cells = []
    for metric in trend["total"]["metrics"]:
        values = []
        for group in groups:
            found = next((m for m in group["metrics"] if m["key"] == metric["key"]), None)
            values.append(found["p90"] if found else None)
        limit = next(
            (t.limit_s for t in METRICS_BY_KEY[metric["key"]].thresholds if not t.subset),
            None,
        )
        cells.append(_trend_chart(w, metric["label"], months, values, limit))
    note = w.p(
        _(
            "Each chart: the month's p90 in seconds; no point where nothing was measured. "
            "Dashed red line: the threshold's limit for every measured item."
        ),
        "small",
    )
    cells.append(note)
    grid = [cells[i : i + 2] for i in range(0, len(cells), 2)]
    if len(grid[-1]) == 1:
        grid[-1].append("")
    period = trend["filter"]["labels"]["period"]
    title = _("Monthly p90 trend per interval, %(period)s") % {"period": period}
    return [w.p(title, "h2"), _halves(grid, "MIDDLE"), Spacer(1, 6)]


def _trend_chart(w: Writer, label: str, months: list[str], values: list, limit) -> Drawing:
    """One interval's p90 per month: points joined only across consecutive months."""
    width, height = WIDTH / 2 - 6, 112
    left, bottom, top, right = 34, 16, 18, 6
    plot_w, plot_h = width - left - right, height - bottom - top
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, w.fonts.text(label), fontName=w.fonts.bold, fontSize=8))
    known = [v for v in values if v is not None]
    peak = max([*known, limit or 0, 1])
    step = _nice_step(peak / 4)
    ceiling = step * (int(peak / step) + 1)
    for tick in range(int(ceiling / step) + 1):
        y = bottom + plot_h * tick * step / ceiling
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=BAND, strokeWidth=0.6))
        drawing.add(w.string(left - 3, y - 2.5, count(tick * step), 6, anchor="end"))
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=MUTED, strokeWidth=0.6))
    slot = plot_w / len(values)
    for index, month in enumerate(months):
        drawing.add(w.string(left + slot * (index + 0.5), bottom - 8, month, 5.5))
    if limit is not None:
        y = bottom + plot_h * limit / ceiling
        dashes = {"strokeColor": LIMIT, "strokeWidth": 0.8, "strokeDashArray": [3, 2]}
        drawing.add(Line(left, y, left + plot_w, y, **dashes))
    points, segment = [], []
    for index, value in enumerate([*values, None]):
        if value is None:
            if len(segment) > 2:
                drawing.add(PolyLine(segment, strokeColor=BAR, strokeWidth=1.2))
            segment = []
            continue
        x, y = left + slot * (index + 0.5), bottom + plot_h * value / ceiling
        segment += [x, y]
        points.append((x, y))
    for x, y in points:
        drawing.add(Circle(x, y, 1.8, fillColor=BAR, strokeColor=BAR))
    if not known:
        drawing.add(w.string(left + plot_w / 2, bottom + plot_h / 2 - 3, _("no data"), 8))
    return drawing


def _histogram(w: Writer, report: dict) -> Drawing:
    buckets = report["answer_histogram"]
    labels = [
        f"{b['from_s']}–{b['to_s']}" if b["to_s"] is not None else f"≥ {b['from_s']}"
        for b in buckets
    ]
    counts = [b["count"] for b in buckets]
    drawing = Drawing(WIDTH / 2 - 6, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 30, WIDTH / 2 - 44, 105
    _bars(w, chart, labels, counts, nudge=5)
    drawing.add(chart)
    drawing.add(w.string(chart.x + chart.width / 2, 4, _("seconds from ring to answer"), 6.5))
    if not sum(counts):
        _no_data(w, drawing, chart)
    return drawing


def _dispositions(w: Writer, report: dict) -> Drawing:
    calls = report["total"]["calls"]
    rows = calls["by_disposition"] if calls else []
    return _horizontal_bars(
        w, [r["label"] for r in rows], [r["count"] for r in rows], WIDTH / 2 - 6, 95
    )


def _kecamatans(w: Writer, report: dict) -> Drawing:
    groups = report["groups"]
    return _horizontal_bars(
        w, [g["label"] for g in groups], [g["incidents"] for g in groups], WIDTH, 210
    )


def _horizontal_bars(w: Writer, labels: list, counts: list, width: float, label_w: float):
    height = 14 * len(labels) + 34
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_w, 20
    chart.width, chart.height = width - label_w - 20, 14 * len(labels)
    # The first category on top.
    _bars(w, chart, list(reversed(labels)), list(reversed(counts)), nudge=6)
    drawing.add(chart)
    if not sum(counts):
        _no_data(w, drawing, chart)
    return drawing


def _bars(w: Writer, chart, labels: list, counts: list, *, nudge: float) -> None:
    """One series of counted bars, labelled, on axes from 0 in steps of 1, 2 or 5."""
    chart.data = [counts]
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.categoryAxis.categoryNames = [w.fonts.text(label) for label in labels]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = w.fonts.regular
    chart.barLabels.fontSize = 6.5
    chart.barLabels.nudge = nudge
    peak = max(counts, default=0)
    step = max(1, int(_nice_step(max(peak, 1) / 4)))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = step * (peak // step + 1)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = BAND
    chart.valueAxis.strokeColor = MUTED
    chart.categoryAxis.strokeColor = MUTED
    for axis in (chart.valueAxis, chart.categoryAxis):
        axis.labels.fontName = w.fonts.regular
        axis.labels.fontSize = 6.5
        axis.labels.fillColor = INK


def _no_data(w: Writer, drawing: Drawing, chart) -> None:
    x, y = chart.x + chart.width / 2, chart.y + chart.height / 2
    drawing.add(Rect(x - 40, y - 7, 80, 16, fillColor=colors.white, strokeColor=None))
    drawing.add(w.string(x, y - 2, _("no data"), 8))


def _nice_step(rough: float) -> float:
    """1, 2 or 5 times a power of ten, at least `rough`."""
    power = 10 ** len(str(int(max(rough, 1)))) / 10
    for factor in (1, 2, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power
