"""The monthly report as a PDF to hand to the ministry (reportlab platypus).

In Bahasa Indonesia when that is the active language: every text here goes through gettext and
the report dict's texts arrive already translated. The document states what it covers (filter,
time generated, events, the event chain's head), the figures with their compliance, charts, the
definitions, how to verify the event log and, in an appendix, how to recompute every figure
from the row-level CSV export.

Fonts: reportlab's built-in Helvetica covers Latin-1 only, so "≤", "−" or "•" would print as
black boxes. DejaVu Sans (Debian's fonts-dejavu-core, installed by CI) is embedded when present;
without it the text falls back to Helvetica with those characters spelled in Latin-1.
"""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dispatch.reports import exports
from dispatch.reports.definitions import METRICS_BY_KEY, SOURCES

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN  # 510 pt of text width

INK = colors.HexColor("#1A1A1A")
NAVY = colors.HexColor("#1F3A5F")
MUTED = colors.HexColor("#5F6B7A")
RULE = colors.HexColor("#B8C2CC")
BAND = colors.HexColor("#EEF2F6")
BAR = colors.HexColor("#2F5D8A")
LIMIT = colors.HexColor("#C0392B")
STATUS_COLOURS = {
    "met": colors.HexColor("#A5D6A7"),
    "near": colors.HexColor("#FFD180"),
    "missed": colors.HexColor("#EF9A9A"),
    "no_data": colors.HexColor("#E0E0E0"),
}

# What Helvetica cannot print, spelled in Latin-1.
LATIN1 = str.maketrans(
    {
        "≤": "<=",
        "≥": ">=",
        "–": "-",
        "—": "-",
        "−": "-",
        "•": "*",
        "…": "...",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "→": "->",
    }
)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    mono: str
    unicode: bool  # False: Helvetica, Latin-1 only

    def text(self, value) -> str:
        """A text as this font can print it."""
        text = str(value)
        if self.unicode:
            return text
        return text.translate(LATIN1).encode("latin-1", "replace").decode("latin-1")


def fonts() -> Fonts:
    """DejaVu Sans when installed, else reportlab's built-in Helvetica."""
    files = {
        "DejaVuSans": DEJAVU_DIR / "DejaVuSans.ttf",
        "DejaVuSans-Bold": DEJAVU_DIR / "DejaVuSans-Bold.ttf",
        "DejaVuSansMono": DEJAVU_DIR / "DejaVuSansMono.ttf",
    }
    if not (files["DejaVuSans"].exists() and files["DejaVuSans-Bold"].exists()):
        return Fonts("Helvetica", "Helvetica-Bold", "Courier", unicode=False)
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, path in files.items():
        if name not in registered and path.exists():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        "DejaVuSans",
        normal="DejaVuSans",
        bold="DejaVuSans-Bold",
        italic="DejaVuSans",
        boldItalic="DejaVuSans-Bold",
    )
    mono = "DejaVuSansMono" if files["DejaVuSansMono"].exists() else "Courier"
    return Fonts("DejaVuSans", "DejaVuSans-Bold", mono, unicode=True)


# --- Numbers as the active language writes them -------------------------------------------------


def _count(value: int) -> str:
    return number_format(value, 0, force_grouping=True)


def _decimal(value: float, digits: int) -> str:
    # Django's number_format cuts the digits off; round first so 2/3 reads 66,7 as in the CSV.
    return number_format(round(value, digits), digits, force_grouping=True)


def _secs(value: float | None) -> str:
    return "–" if value is None else _decimal(value, 1)


def _percent(share: float) -> str:
    return f"{_decimal(share * 100, 1)}%"


def _period_title(report: dict) -> str:
    """The period as a title: "Oktober 2026" for a whole month, else as the filter states it."""
    start, end = (date.fromisoformat(report["filter"][k]) for k in ("start", "end"))
    whole_month = start.day == 1 and (end + timedelta(days=1)).day == 1
    if whole_month and (start.year, start.month) == (end.year, end.month):
        return date_format(start, "F Y")
    return report["filter"]["labels"]["period"]


def _styles(fonts: Fonts) -> dict[str, ParagraphStyle]:
    regular, bold, white = fonts.regular, fonts.bold, colors.white
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=12.5, textColor=INK)
    heading = {"keepWithNext": 1, "spaceAfter": 2}
    specs = {  # name: font, size, leading, anything else
        "kicker": (bold, 8.5, 11, {"textColor": MUTED}),
        "title": (bold, 19, 24, {"textColor": NAVY}),
        "subtitle": (regular, 12, 16, {"textColor": NAVY}),
        "h1": (bold, 12.5, 16, {**heading, "textColor": NAVY, "spaceBefore": 12, "spaceAfter": 5}),
        "h2": (bold, 9.5, 13, {**heading, "spaceBefore": 6}),
        "small": (regular, 7.5, 10, {"textColor": MUTED}),
        "cell": (regular, 7.5, 9.5, {}),
        "cell_bold": (bold, 7.5, 9.5, {}),
        "cell_small": (regular, 7, 9, {}),
        "cell_right": (regular, 7.5, 9.5, {"alignment": TA_RIGHT}),
        "compliance": (regular, 7, 9, {"alignment": TA_CENTER}),
        "head": (bold, 7, 9, {"textColor": white}),
        "head_right": (bold, 7, 9, {"textColor": white, "alignment": TA_RIGHT}),
        "head_small": (bold, 6.5, 8, {"textColor": white, "alignment": TA_RIGHT}),
        "mono": (fonts.mono, 8, 11, {}),
        "bullet": (regular, 9, 12.5, {"leftIndent": 11, "bulletIndent": 2, "spaceAfter": 1.5}),
    }
    styles = {"base": base}
    for name, (font, size, leading, extra) in specs.items():
        styles[name] = ParagraphStyle(
            name,
            base,
            fontName=font,
            fontSize=size,
            leading=leading,
            bulletFontName=regular,
            **extra,
        )
    return styles


# --- The document ---------------------------------------------------------------------------------


def pdf(report: dict, trend: dict | None) -> bytes:
    """The report as a PDF; `trend` (the same filter over 12 months, by month) adds the trend."""
    return _Document(report, trend, fonts()).render()


class _Document:
    def __init__(self, report: dict, trend: dict | None, fonts: Fonts):
        self.report, self.trend, self.fonts = report, trend, fonts
        self.styles = _styles(fonts)

    # Text --------------------------------------------------------------------------------------

    def p(self, text, style: str = "base") -> Paragraph:
        """A paragraph of plain text (escaped: a label may hold "<" or "&")."""
        return Paragraph(escape(self.fonts.text(text)), self.styles[style])

    def labelled(self, label, text, style: str = "base") -> Paragraph:
        body = f"<b>{escape(self.fonts.text(label))}</b> {escape(self.fonts.text(text))}"
        return Paragraph(body, self.styles[style])

    def string(self, x, y, text, size, *, anchor="middle", colour=MUTED) -> String:
        """A chart's label."""
        return String(
            x,
            y,
            self.fonts.text(text),
            fontName=self.fonts.regular,
            fontSize=size,
            fillColor=colour,
            textAnchor=anchor,
        )

    def bullet(self, text) -> Paragraph:
        return Paragraph(
            escape(self.fonts.text(text)), self.styles["bullet"], bulletText=self.fonts.text("•")
        )

    # Layout ------------------------------------------------------------------------------------

    def render(self) -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + 6 * mm,
            bottomMargin=MARGIN + 6 * mm,
            title=self.fonts.text(exports.title()),
            subject=self.fonts.text(_period_title(self.report)),
            author="Ambon 112",
            creator="Ambon 112",
            initialFontName=self.fonts.regular,  # no Helvetica in a DejaVu document
        )
        story = [
            *self.cover(),
            *self.summary(),
            *self.groups(),
            *self.charts(),
            *self.definitions(),
            *self.integrity(),
            *self.appendix(),
        ]
        document.build(story, canvasmaker=self.canvas_class())
        return buffer.getvalue()

    def canvas_class(self):
        """A canvas that knows the page count when it writes each page's header and footer."""
        document = self

        class NumberedCanvas(canvas.Canvas):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.pages = []

            def showPage(self):
                self.pages.append(dict(self.__dict__))
                self._startPage()

            def save(self):
                for state in self.pages:
                    self.__dict__.update(state)
                    document.decorate(self, len(self.pages))
                    super().showPage()
                super().save()

        return NumberedCanvas

    def decorate(self, page: canvas.Canvas, pages: int) -> None:
        text, width, height = self.fonts.text, A4[0], A4[1]
        page.saveState()
        page.setStrokeColor(RULE)
        page.setLineWidth(0.5)
        page.setFillColor(MUTED)
        page.setFont(self.fonts.regular, 7.5)
        footer_y = MARGIN
        page.line(MARGIN, footer_y + 9, width - MARGIN, footer_y + 9)
        created = _("Generated %(time)s") % {"time": exports.generated_at(self.report)}
        page.drawString(MARGIN, footer_y, text(f"{created} · Ambon 112"))
        number = _("Page %(page)s of %(pages)s") % {"page": page.getPageNumber(), "pages": pages}
        page.drawRightString(width - MARGIN, footer_y, text(number))
        if page.getPageNumber() > 1:
            top = height - MARGIN
            page.drawString(MARGIN, top, text(exports.title()))
            page.drawRightString(width - MARGIN, top, text(_period_title(self.report)))
            page.line(MARGIN, top - 4, width - MARGIN, top - 4)
        page.restoreState()

    def table(self, rows, widths, style=(), *, head_rows: int = 1) -> Table:
        table = Table(rows, colWidths=widths, repeatRows=head_rows, hAlign="LEFT")
        commands = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ]
        if head_rows:
            commands += [("BACKGROUND", (0, 0), (-1, head_rows - 1), NAVY)]
        table.setStyle(TableStyle([*commands, *style]))
        return table

    # Page 1 ------------------------------------------------------------------------------------

    def cover(self) -> list:
        report = self.report
        facts = [
            [self.p(label, "cell_bold"), self.p(value, "cell")]
            for label, value in exports.filter_lines(report)
        ]
        facts += [
            [self.p(_("Generated at"), "cell_bold"), self.p(exports.generated_at(report), "cell")],
            [
                self.p(_("Events covered"), "cell_bold"),
                self.p(_count(report["events_covered"]), "cell"),
            ],
            [
                self.p(_("Event chain head"), "cell_bold"),
                self.p(
                    _("sequence no. %(seq)s, SHA-256 hash:") % {"seq": report["chain_head"]["seq"]},
                    "cell",
                ),
            ],
            ["", self.p(report["chain_head"]["hash"], "mono")],
        ]
        facts_table = self.table(
            facts,
            [130, WIDTH - 130],
            [("BACKGROUND", (0, 0), (-1, -1), BAND), ("LINEBELOW", (0, 0), (-1, -1), 0, BAND)],
            head_rows=0,
        )
        flow = [
            self.p(_("112 EMERGENCY SERVICE · AMBON CITY · MALUKU PROVINCE"), "kicker"),
            Spacer(1, 3),
            self.p(exports.title(), "title"),
            self.p(_period_title(report), "subtitle"),
            Spacer(1, 8),
            facts_table,
        ]
        if not report["has_data"]:
            flow += [
                Spacer(1, 6),
                self.p(
                    _("No call and no incident was recorded in this period: no data."),
                    "h2",
                ),
            ]
        return flow

    def summary(self) -> list:
        total = self.report["total"]
        calls = total["calls"]
        flow = [self.p(_("1. Summary"), "h1")]
        if calls:
            rate = _percent(calls["abandoned_rate"]) if calls["abandoned_rate"] is not None else "–"
            flow.append(
                self.p(
                    _(
                        "Calls presented: %(presented)s · abandoned: %(abandoned)s (%(rate)s) · "
                        "incidents: %(incidents)s"
                    )
                    % {
                        "presented": _count(calls["presented"]),
                        "abandoned": _count(calls["abandoned"]),
                        "rate": rate,
                        "incidents": _count(total["incidents"]),
                    }
                )
            )
            flow += [Spacer(1, 4), self.legend(), Spacer(1, 5)]
        head = [
            self.p(_("Measure"), "head"),
            self.p(_("Population"), "head_right"),
            self.p(_("Measured"), "head_right"),
            self.p(_("Missing"), "head_right"),
            self.p("p50", "head_right"),
            self.p("p90", "head_right"),
            self.p("p95", "head_right"),
            self.p(_("Max"), "head_right"),
            self.p(_("Threshold"), "head"),
            self.p(_("Compliance"), "head"),
        ]
        rows, style = [head], []
        for metric in total["metrics"]:
            first = len(rows)
            thresholds = metric["thresholds"] or [None]
            for index, threshold in enumerate(thresholds):
                if index == 0:
                    row = [
                        Paragraph(
                            f"<b>{escape(self.fonts.text(metric['label']))}</b><br/>"
                            f'<font size="6.5" color="#5F6B7A">'
                            f"{escape(self.fonts.text(metric['formula']))}</font>",
                            self.styles["cell"],
                        ),
                        self.p(_count(metric["population"]), "cell_right"),
                        self.p(_count(metric["measured"]), "cell_right"),
                        self.p(_count(metric["missing"]), "cell_right"),
                        *(self.p(_secs(metric[k]), "cell_right") for k in ("p50", "p90", "p95")),
                        self.p(_secs(metric["max"]), "cell_right"),
                    ]
                else:
                    row = [""] * 8
                row += self.compliance(threshold, style, len(rows))
                rows.append(row)
            if len(thresholds) > 1:
                for column in range(8):
                    style.append(("SPAN", (column, first), (column, len(rows) - 1)))
            style.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.8, MUTED))
        widths = [88, 40, 38, 40, 35, 35, 35, 37, 84, 76]
        flow += [
            self.table(rows, widths, style),
            Spacer(1, 3),
            self.p(
                _(
                    "Times in seconds. p50, p90, p95: the time within which 50, 90 and 95 % of "
                    "the measured items fall. Missing: items that never reached the interval's "
                    "end; they are not counted as zero."
                ),
                "small",
            ),
        ]
        return flow

    def compliance(self, threshold: dict | None, style: list, row: int) -> list:
        if threshold is None:
            return [self.p(_("no threshold"), "cell"), self.p("–", "compliance")]
        status = threshold["status"]
        style.append(("BACKGROUND", (9, row), (9, row), STATUS_COLOURS[status]))
        if status == "no_data":  # never a 0 % or 100 % for nothing measured
            cell = self.p(exports.status_label(status), "compliance")
        else:
            share = escape(self.fonts.text(_percent(threshold["share"])))
            counts = _("%(within)s of %(of)s") % {
                "within": threshold["within"],
                "of": threshold["of"],
            }
            label = escape(self.fonts.text(exports.status_label(status)))
            cell = Paragraph(
                f"<b>{share}</b> ({escape(self.fonts.text(counts))})<br/>{label}",
                self.styles["compliance"],
            )
        return [self.p(threshold["label"], "cell_small"), cell]

    def legend(self) -> Table:
        entries = [
            ("met", _("Met: the share reaches the target")),
            ("near", _("Nearly met: up to 5 points below")),
            ("missed", _("Not met")),
            ("no_data", _("No data: nothing measured")),
        ]
        cells, style = [], []
        for index, (status, text) in enumerate(entries):
            cells += ["", self.p(text, "small")]
            style.append(("BACKGROUND", (2 * index, 0), (2 * index, 0), STATUS_COLOURS[status]))
        style += [("LINEBELOW", (0, 0), (-1, -1), 0, colors.white)]
        return self.table([cells], [10, 117.5] * 4, style, head_rows=0)

    def groups(self) -> list:
        report = self.report
        if not report["by"] or not report["groups"]:
            return []
        names = {
            "month": _("month"),
            "agency": _("agency"),
            "category": _("category"),
            "kecamatan": _("kecamatan"),
            "shift": _("shift"),
            "priority": _("priority"),
        }
        metrics = report["total"]["metrics"]
        head = [
            self.p(names[report["by"]].capitalize(), "head"),
            self.p(_("Incidents"), "head_small"),
            self.p(_("Calls"), "head_small"),
            *(self.p(m["label"], "head_small") for m in metrics),
        ]
        rows = [head]
        for group in report["groups"]:
            by_key = {m["key"]: m for m in group["metrics"]}
            calls = group["calls"]
            rows.append(
                [
                    self.p(group["label"], "cell"),
                    self.p(_count(group["incidents"]), "cell_right"),
                    self.p(_count(calls["presented"]) if calls else "–", "cell_right"),
                    *(
                        self.p(_secs(by_key.get(m["key"], {}).get("p90")), "cell_right")
                        for m in metrics
                    ),
                ]
            )
        rest = (WIDTH - 84 - 2 * 44) / len(metrics)
        widths = [84, 44, 44, *([rest] * len(metrics))]
        title = _("By %(breakdown)s: p90 in seconds") % {"breakdown": names[report["by"]]}
        note = _(
            "Calls have no agency, category or kecamatan until they become incidents: “–” where "
            "a group holds no calls of its own, or nothing was measured."
        )
        narrow = [("LEFTPADDING", (1, 0), (-1, 0), 1.5), ("RIGHTPADDING", (1, 0), (-1, 0), 1.5)]
        table = self.table(rows, widths, narrow)
        return [KeepTogether([self.p(title, "h2"), table, Spacer(1, 2), self.p(note, "small")])]

    # Charts ------------------------------------------------------------------------------------

    def charts(self) -> list:
        blocks = []  # each kept on one page; the section's heading goes with the first
        if self.trend and self.trend["groups"]:
            blocks.append(self.trend_charts())
        pair = Table(
            [
                [
                    self.p(_("Answer time distribution (answered calls)"), "h2"),
                    self.p(_("Calls by disposition"), "h2"),
                ],
                [self.histogram_chart(), self.disposition_chart()],
            ],
            colWidths=[WIDTH / 2, WIDTH / 2],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
            hAlign="LEFT",
        )
        blocks.append([pair])
        if self.report["by"] == "kecamatan" and self.report["groups"]:
            blocks.append([self.p(_("Incidents by kecamatan"), "h2"), self.kecamatan_chart()])
        blocks[0].insert(0, self.p(_("2. Charts"), "h1"))
        return [KeepTogether(block) for block in blocks]

    def trend_charts(self) -> list:
        groups = self.trend["groups"]
        months = [date_format(date.fromisoformat(f"{g['key']}-01"), "M") for g in groups]
        cells = []
        for metric in self.trend["total"]["metrics"]:
            values = []
            for group in groups:
                found = next((m for m in group["metrics"] if m["key"] == metric["key"]), None)
                values.append(found["p90"] if found else None)
            limit = next(
                (t.limit_s for t in METRICS_BY_KEY[metric["key"]].thresholds if not t.subset),
                None,
            )
            cells.append(self.trend_chart(metric["label"], months, values, limit))
        note = self.p(
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
        period = self.trend["filter"]["labels"]["period"]
        title = _("Monthly p90 trend per interval, %(period)s") % {"period": period}
        table = Table(
            grid,
            colWidths=[WIDTH / 2, WIDTH / 2],
            style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
            hAlign="LEFT",
        )
        return [self.p(title, "h2"), table, Spacer(1, 6)]

    def trend_chart(self, label: str, months: list[str], values: list, limit) -> Drawing:
        """One interval's p90 per month: points joined only across consecutive months."""
        text = self.fonts.text
        width, height = WIDTH / 2 - 6, 112
        left, bottom, top, right = 34, 16, 18, 6
        plot_w, plot_h = width - left - right, height - bottom - top
        drawing = Drawing(width, height)
        drawing.add(String(0, height - 11, text(label), fontName=self.fonts.bold, fontSize=8))
        known = [v for v in values if v is not None]
        peak = max([*known, limit or 0, 1])
        step = _nice_step(peak / 4)
        ceiling = step * (int(peak / step) + 1)
        for tick in range(int(ceiling / step) + 1):
            y = bottom + plot_h * tick * step / ceiling
            drawing.add(Line(left, y, left + plot_w, y, strokeColor=BAND, strokeWidth=0.6))
            drawing.add(self.string(left - 3, y - 2.5, _count(tick * step), 6, anchor="end"))
        drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=MUTED, strokeWidth=0.6))
        slot = plot_w / len(values)
        for index, month in enumerate(months):
            drawing.add(self.string(left + slot * (index + 0.5), bottom - 8, month, 5.5))
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
            drawing.add(self.string(left + plot_w / 2, bottom + plot_h / 2 - 3, _("no data"), 8))
        return drawing

    def histogram_chart(self) -> Drawing:
        buckets = self.report["answer_histogram"]
        labels = [
            f"{b['from_s']}–{b['to_s']}" if b["to_s"] is not None else f"≥ {b['from_s']}"
            for b in buckets
        ]
        counts = [b["count"] for b in buckets]
        drawing = Drawing(WIDTH / 2 - 6, 150)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 28, 30, WIDTH / 2 - 44, 105
        chart.data = [counts]
        chart.bars[0].fillColor = BAR
        chart.bars[0].strokeColor = None
        chart.categoryAxis.categoryNames = [self.fonts.text(label) for label in labels]
        self._axes(chart, max(counts, default=0))
        chart.barLabelFormat = "%d"
        chart.barLabels.fontName = self.fonts.regular
        chart.barLabels.fontSize = 6.5
        chart.barLabels.nudge = 5
        drawing.add(chart)
        drawing.add(
            self.string(chart.x + chart.width / 2, 4, _("seconds from ring to answer"), 6.5)
        )
        if not sum(counts):
            self._no_data(drawing, chart)
        return drawing

    def disposition_chart(self) -> Drawing:
        calls = self.report["total"]["calls"]
        rows = calls["by_disposition"] if calls else []
        return self._horizontal_bars(
            [r["label"] for r in rows], [r["count"] for r in rows], WIDTH / 2 - 6, 95
        )

    def kecamatan_chart(self) -> Drawing:
        groups = self.report["groups"]
        return self._horizontal_bars(
            [g["label"] for g in groups], [g["incidents"] for g in groups], WIDTH, 210
        )

    def _horizontal_bars(self, labels: list, counts: list, width: float, label_w: float):
        height = 14 * len(labels) + 34
        drawing = Drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = label_w, 20
        chart.width, chart.height = width - label_w - 20, 14 * len(labels)
        chart.data = [list(reversed(counts))]  # the first category on top
        chart.bars[0].fillColor = BAR
        chart.bars[0].strokeColor = None
        chart.categoryAxis.categoryNames = [self.fonts.text(x) for x in reversed(labels)]
        self._axes(chart, max(counts, default=0))
        chart.barLabelFormat = "%d"
        chart.barLabels.fontName = self.fonts.regular
        chart.barLabels.fontSize = 6.5
        chart.barLabels.nudge = 6
        drawing.add(chart)
        if not sum(counts):
            self._no_data(drawing, chart)
        return drawing

    def _axes(self, chart, peak: int) -> None:
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
            axis.labels.fontName = self.fonts.regular
            axis.labels.fontSize = 6.5
            axis.labels.fillColor = INK

    def _no_data(self, drawing: Drawing, chart) -> None:
        x, y = chart.x + chart.width / 2, chart.y + chart.height / 2
        drawing.add(Rect(x - 40, y - 7, 80, 16, fillColor=colors.white, strokeColor=None))
        drawing.add(self.string(x, y - 2, _("no data"), 8))

    # Definitions, integrity, appendix ------------------------------------------------------------

    def definitions(self) -> list:
        intro = [
            self.p(_("3. Definitions"), "h1"),
            self.p(
                _(
                    "T0 ring, T1 answer, T2 incident created, T3 agency notified, T4 agency "
                    "accepted, T4d unit dispatched, T5 unit en route, T6 unit on scene, T6f "
                    "operations started. Every time is set by the server when the event "
                    "happens; times are WIT (UTC+9)."
                ),
                "small",
            ),
            Spacer(1, 4),
        ]
        flow = []
        for metric in self.report["total"]["metrics"]:
            block = [
                *(intro if not flow else []),
                self.p(f"{metric['label']}  ({metric['formula']})", "h2"),
                self.labelled(_("Counted over:"), metric["counted_over"]),
                self.labelled(_("Missing:"), metric["missing_note"]),
            ]
            thresholds = "; ".join(exports.threshold_text(t) for t in metric["thresholds"])
            block.append(self.labelled(_("Thresholds:"), thresholds or _("none (reported only)")))
            flow.append(KeepTogether(block))
        return flow

    def integrity(self) -> list:
        head = self.report["chain_head"]
        return [
            KeepTogether(
                [
                    self.p(_("4. Data integrity"), "h1"),
                    self.p(
                        _(
                            "Every change in Ambon 112 is written to an append-only event log. "
                            "Each event carries a SHA-256 hash that covers the previous one: "
                            "altering, inserting or removing any event breaks the chain from "
                            "that point on."
                        )
                    ),
                    Spacer(1, 4),
                    self.labelled(
                        _("Events covered:"),
                        _("%(n)s events logged in the period.")
                        % {"n": _count(self.report["events_covered"])},
                    ),
                    self.labelled(
                        _("Chain head when this report was generated:"),
                        _("sequence no. %(seq)s, hash") % {"seq": head["seq"]},
                    ),
                    self.p(head["hash"], "mono"),
                    Spacer(1, 4),
                    self.p(_("How to verify:"), "h2"),
                    self.bullet(
                        _(
                            "on the server, run “python manage.py verify_events”: it rechecks "
                            "every hash and names the first broken sequence number, if any;"
                        )
                    ),
                    self.bullet(
                        _(
                            "or open the integrity page /reports/integrity/ and check the "
                            "period of this report;"
                        )
                    ),
                    self.bullet(
                        _(
                            "the chain head above must still appear, with the same hash, at "
                            "the same sequence number: an event log that was rewritten after "
                            "this report no longer has it."
                        )
                    ),
                ]
            )
        ]

    def appendix(self) -> list:
        start, end = self.report["filter"]["start"], self.report["filter"]["end"]
        flow = [
            PageBreak(),
            self.p(_("Appendix: recomputing every figure from the row-level export"), "h1"),
            self.p(
                _(
                    "Every figure of this report can be recomputed without Ambon 112, from the "
                    "row-level CSV export with the same filter (format CSV, part “rows”, one "
                    "file per source). Each row carries its timestamps in WIT, each interval in "
                    "seconds and the 1/0 flag columns that decide which figures count it. "
                    "Callers' numbers are masked."
                )
            ),
            Spacer(1, 4),
        ]
        files = [
            [self.p(_("Source"), "head"), self.p(_("File"), "head")],
            *(
                [
                    self.p(exports.source_label(source), "cell"),
                    self.p(f"laporan-112-ambon_{start}_{end}_{source}.csv", "mono"),
                ]
                for source in SOURCES
            ),
        ]
        flow += [self.table(files, [110, WIDTH - 110]), Spacer(1, 6)]
        flow.append(self.p(_("Method"), "h2"))
        flow += [self.bullet(line) for line in exports.method_lines()]
        flow.append(
            self.bullet(
                _(
                    "Example: 7 measured values sorted x0 … x6; p90 is at rank 0.9 × 6 = 5.4, "
                    "so p90 = x5 + 0.4 × (x6 − x5)."
                )
            )
        )
        for metric in self.report["total"]["metrics"]:
            block = [self.p(f"{metric['label']}  ({metric['formula']})", "h2")]
            block += [self.bullet(step) for step in exports.recipe(metric["key"], method=False)]
            flow.append(KeepTogether(block))
        return flow


def _nice_step(rough: float) -> float:
    """1, 2 or 5 times a power of ten, at least `rough`."""
    power = 10 ** len(str(int(max(rough, 1)))) / 10
    for factor in (1, 2, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power
