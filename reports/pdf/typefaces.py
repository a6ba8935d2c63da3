"""The PDF's fonts: DejaVu Sans when installed, else reportlab's built-in Helvetica.

Helvetica covers Latin-1 only, so "≤", "−" or "•" would print as black boxes. DejaVu Sans
(Debian's fonts-dejavu-core, installed by CI) is embedded when present; without it the text
falls back to Helvetica with those characters spelled in Latin-1.
"""

from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

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


def load(directory: Path) -> Fonts:
    """DejaVu Sans from `directory` when it is there, else Helvetica."""
    files = {
        "DejaVuSans": directory / "DejaVuSans.ttf",
        "DejaVuSans-Bold": directory / "DejaVuSans-Bold.ttf",
        "DejaVuSansMono": directory / "DejaVuSansMono.ttf",
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
