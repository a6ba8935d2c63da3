"""The PDF's pages: A4 with margins, a header from page 2 on and a footer with "Page n of N"."""

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import SimpleDocTemplate

from reports.export_text import generated_at, title
from reports.pdf.layout import MARGIN, MUTED, RULE, Writer, period_title


def render(w: Writer, report: dict, story: list) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + 6 * mm,
        title=w.fonts.text(title()),
        subject=w.fonts.text(period_title(report)),
        author="Ambon 112",
        creator="Ambon 112",
        initialFontName=w.fonts.regular,  # no Helvetica in a DejaVu document
    )
    document.build(story, canvasmaker=_numbered_canvas(w, report))
    return buffer.getvalue()


def _numbered_canvas(w: Writer, report: dict):
    """A canvas that knows the page count when it writes each page's header and footer."""

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
                _decorate(w, report, self, len(self.pages))
                super().showPage()
            super().save()

    return NumberedCanvas


def _decorate(w: Writer, report: dict, page: canvas.Canvas, pages: int) -> None:
    text, width, height = w.fonts.text, A4[0], A4[1]
    page.saveState()
    page.setStrokeColor(RULE)
    page.setLineWidth(0.5)
    page.setFillColor(MUTED)
    page.setFont(w.fonts.regular, 7.5)
    footer_y = MARGIN
    page.line(MARGIN, footer_y + 9, width - MARGIN, footer_y + 9)
    created = _("Generated %(time)s") % {"time": generated_at(report)}
    page.drawString(MARGIN, footer_y, text(f"{created} · Ambon 112"))
    number = _("Page %(page)s of %(pages)s") % {"page": page.getPageNumber(), "pages": pages}
    page.drawRightString(width - MARGIN, footer_y, text(number))
    if page.getPageNumber() > 1:
        top = height - MARGIN
        page.drawString(MARGIN, top, text(title()))
        page.drawRightString(width - MARGIN, top, text(period_title(report)))
        page.line(MARGIN, top - 4, width - MARGIN, top - 4)
    page.restoreState()
