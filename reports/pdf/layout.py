"""The PDF's look: page geometry, colours, paragraph styles, numbers as the language writes them,
and the Writer that turns texts into paragraphs, chart labels and tables in the chosen fonts."""

from datetime import date, timedelta
from xml.sax.saxutils import escape

from django.utils.formats import date_format, number_format
from reportlab.graphics.shapes import String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from reports.pdf.typefaces import Fonts

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


# --- Numbers as the active language writes them -------------------------------------------------


def count(value: int) -> str:
    return number_format(value, 0, force_grouping=True)


def decimal(value: float, digits: int) -> str:
    # Django's number_format cuts the digits off; round first so 2/3 reads 66,7 as in the CSV.
    return number_format(round(value, digits), digits, force_grouping=True)


def secs(value: float | None) -> str:
    return "–" if value is None else decimal(value, 1)


def percent(share: float) -> str:
    return f"{decimal(share * 100, 1)}%"


def period_title(report: dict) -> str:
    """The period as a title: "Oktober 2026" for a whole month, else as the filter states it."""
    start, end = (date.fromisoformat(report["filter"][k]) for k in ("start", "end"))
    whole_month = start.day == 1 and (end + timedelta(days=1)).day == 1
    if whole_month and (start.year, start.month) == (end.year, end.month):
        return date_format(start, "F Y")
    return report["filter"]["labels"]["period"]


# --- Texts as flowables -------------------------------------------------------------------------


class Writer:
    """Paragraphs, chart labels and tables in one set of fonts and styles."""

    def __init__(self, fonts: Fonts):
        self.fonts = fonts
        self.styles = _styles(fonts)

    def p(self, text, style: str = "base") -> Paragraph:
        """A paragraph of plain text (escaped: a label may hold "<" or "&")."""
        return Paragraph(escape(self.fonts.text(text)), self.styles[style])

    def labelled(self, label, text, style: str = "base") -> Paragraph:
        body = f"<b>{escape(self.fonts.text(label))}</b> {escape(self.fonts.text(text))}"
        return Paragraph(body, self.styles[style])

    def bullet(self, text) -> Paragraph:
        return Paragraph(
            escape(self.fonts.text(text)), self.styles["bullet"], bulletText=self.fonts.text("•")
        )

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
