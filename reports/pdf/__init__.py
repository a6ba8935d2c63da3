"""The monthly report as a PDF to hand to the ministry (reportlab platypus).

In Bahasa Indonesia when that is the active language: every text here goes through gettext and
the report dict's texts arrive already translated. The document states what it covers (filter,
time generated, events, the event chain's head), the figures with their compliance, charts, the
definitions, how to verify the event log and, in an appendix, how to recompute every figure
from the row-level CSV export.
"""

from pathlib import Path

from reports.pdf import back, charts, document, figures, typefaces
from reports.pdf.layout import Writer
from reports.pdf.typefaces import Fonts

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

__all__ = ["DEJAVU_DIR", "Fonts", "fonts", "pdf"]


def fonts() -> Fonts:
    """DejaVu Sans when installed in DEJAVU_DIR, else reportlab's built-in Helvetica."""
    return typefaces.load(DEJAVU_DIR)


def pdf(report: dict, trend: dict | None) -> bytes:
    """The report as a PDF; `trend` (the same filter over 12 months, by month) adds the trend."""
    w = Writer(fonts())
    story = [
        *figures.cover(w, report),
        *figures.summary(w, report),
        *figures.groups(w, report),
        *charts.charts(w, report, trend),
        *back.definitions(w, report),
        *back.integrity(w, report),
        *back.appendix(w, report),
    ]
    return document.render(w, report, story)
