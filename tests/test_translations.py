"""The translations: committed .mo files match their .po, Indonesian is complete, and pages use it.

GNU gettext is not needed here: the .po files are compiled with polib (as `make messages` does)
and the source strings are found with Python's ast and Django's own template lexer, not with
`makemessages`.
"""

import ast
import gettext
import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation.template import templatize

from agencies.models import Role, Unit
from ambon112.i18n import LOCALE_DIR, po_files
from incidents.models import IncidentType

BASE_DIR = Path(settings.BASE_DIR)
SOURCE_DIRS = ["core", "agencies", "incidents", "dispatch", "hazards", "reports", "ambon112"]
TEMPLATE_DIR = BASE_DIR / "templates"
JS_DIR = BASE_DIR / "static" / "ambon112"
ID_PO = LOCALE_DIR / "id" / "LC_MESSAGES" / "django.po"
ID_JS_PO = LOCALE_DIR / "id" / "LC_MESSAGES" / "djangojs.po"

# The keywords `makemessages` passes to xgettext: name -> (context arg, msgid arg, plural arg).
PY_KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
STRING = r"""u?'(?:[^'\\\n]|\\.)*'"""
TEMPLATE_CALL = re.compile(rf"\b(n?p?gettext)\(((?:{STRING}\s*,?\s*)+)")
# gettext("…") / ngettext('…', …) / pgettext("context", "…") in the JavaScript.
JS_CALL = re.compile(
    r"""\b(?P<func>n?p?gettext)\(\s*"""
    r"""(?P<q1>["'])(?P<first>(?:(?!(?P=q1))[^\\\n]|\\.)*)(?P=q1)"""
    r"""(?:\s*,\s*(?P<q2>["'])(?P<second>(?:(?!(?P=q2))[^\\\n]|\\.)*)(?P=q2))?"""
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)\}")


def catalogue(mo_path: Path) -> dict:
    """The message catalogue exactly as Django's runtime (Python's gettext) reads it."""
    with mo_path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def translatable_entries(path: Path) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


def python_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for directory in SOURCE_DIRS:
        for path in (BASE_DIR / directory).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in PY_KEYWORDS:
                    continue
                context_arg, msgid_arg, _plural = PY_KEYWORDS[name]
                args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
                if len(args) <= msgid_arg or not isinstance(args[msgid_arg], str):
                    continue  # a variable: nothing for the translator to extract
                context = args[context_arg] if context_arg is not None else None
                found.add((context, args[msgid_arg]))
    return found


def template_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for path in TEMPLATE_DIR.rglob("*.html"):
        text = templatize(path.read_text(encoding="utf-8"), str(path))
        for match in TEMPLATE_CALL.finditer(text):
            strings = [ast.literal_eval(s) for s in re.findall(STRING, match.group(2))]
            if match.group(1).startswith(("pgettext", "npgettext")):
                found.add((strings[0], strings[1]))
            else:
                found.add((None, strings[0]))
    return found


def js_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def js_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for path in JS_DIR.rglob("*.js"):
        for match in JS_CALL.finditer(path.read_text(encoding="utf-8")):
            first, second = js_unescape(match["first"]), match["second"]
            if match["func"].startswith(("pgettext", "npgettext")):
                found.add((first, js_unescape(second or "")))
            else:
                found.add((None, first))
    return found


def test_there_is_an_indonesian_catalogue():
    assert ID_PO in po_files()


@pytest.mark.parametrize("po_path", po_files(), ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_committed_mo_matches_its_po(po_path, tmp_path):
    committed = po_path.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run `make messages` and commit it"
    fresh = tmp_path / committed.name
    polib.pofile(str(po_path)).save_as_mofile(str(fresh))
    assert catalogue(committed) == catalogue(fresh), (
        f"{committed.relative_to(BASE_DIR)} is stale: run `make messages` and commit it"
    )


@pytest.mark.parametrize(
    "po_path",
    [p for p in po_files() if p.parts[-3] == "id"],
    ids=lambda p: p.name,
)
def test_indonesian_has_no_fuzzy_or_untranslated_entries(po_path):
    po = polib.pofile(str(po_path))
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert [e.msgid for e in po.fuzzy_entries() if not e.obsolete] == []
    assert [e.msgid for e in po.untranslated_entries() if not e.obsolete] == []
    # Leftovers of a fuzzy match ("#| msgid …") that polib reads but GNU msgmerge rejects.
    leftovers = [e.msgid for e in po if e.previous_msgid_plural and not e.previous_msgid]
    assert leftovers == [], "'#| msgid_plural' without '#| msgid': makemessages will fail"
    assert po.metadata.get("Language") == "id"


@pytest.mark.parametrize("po_path", po_files(), ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_translations_keep_their_placeholders(po_path):
    for entry in translatable_entries(po_path):
        if not entry.translated():
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for msgstr in [entry.msgstr] if entry.msgstr else entry.msgstr_plural.values():
            assert sorted(PLACEHOLDER.findall(msgstr)) == expected, entry.msgid


def test_indonesian_covers_every_string_marked_in_the_code_and_templates():
    """A string marked for translation but missing from locale/id: run
    `python manage.py makemessages -l id --ignore=.venv --ignore=var --ignore=tests`,
    translate the new entries, then `make messages`."""
    known = {(e.msgctxt, e.msgid) for e in translatable_entries(ID_PO) if e.translated()}
    missing = sorted((python_msgids() | template_msgids()) - known, key=lambda m: m[1])
    assert not missing, f"{len(missing)} strings have no Indonesian translation:\n" + "\n".join(
        f"  {msgid!r}" + (f" (context {context!r})" if context else "")
        for context, msgid in missing
    )


def test_indonesian_covers_every_string_marked_in_the_javascript():
    marked = js_msgids()
    if not marked:
        return  # no djangojs catalogue is needed
    assert ID_JS_PO.exists(), f"JavaScript marks strings for translation but {ID_JS_PO} is missing"
    known = {(e.msgctxt, e.msgid) for e in translatable_entries(ID_JS_PO) if e.translated()}
    missing = sorted(marked - known, key=lambda m: m[1])
    assert not missing, (
        f"{len(missing)} JavaScript strings have no Indonesian translation (run makemessages "
        "-d djangojs -l id --ignore=.venv --ignore=var --ignore=tests):\n"
        + "\n".join(f"  {msgid!r}" for _context, msgid in missing)
    )


def test_django_reads_the_compiled_indonesian_catalogue():
    with translation.override("id"):
        assert str(Role.CALL_TAKER.label) == "Petugas penerima panggilan"
        assert str(Role.AGENCY_DESK.label) == "Meja instansi"
        assert str(Unit.Status.ON_SCENE.label) == "Di lokasi"
        assert str(IncidentType.Category.KEBAKARAN.label) == "Kebakaran"
        assert translation.gettext("Sign out") == "Keluar"
    with translation.override("en"):
        assert str(Role.CALL_TAKER.label) == "Call-taker"


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


@pytest.mark.django_db
def test_sign_in_page_is_indonesian_by_default(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert html_lang(response) == "id"
    page = response.content.decode()
    assert "Masuk ke Ambon 112" in page
    assert ">Masuk</button>" in page
    assert "Nama pengguna" in page and "Kata sandi" in page
    assert "Sign in" not in page


@pytest.mark.django_db
def test_sign_in_page_is_english_after_choosing_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/"
    response = client.get("/login/")
    assert html_lang(response) == "en"
    page = response.content.decode()
    assert "Sign in to Ambon 112" in page
    assert ">Sign in</button>" in page
    assert "Masuk" not in page

    client.post("/i18n/setlang/", {"language": "id", "next": "/login/"})
    assert html_lang(client.get("/login/")) == "id"


@pytest.mark.django_db
def test_error_pages_are_indonesian(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert html_lang(response) == "id"
    assert "Halaman tidak ditemukan" in response.content.decode()

    with translation.override("id"):
        page = render_to_string("500.html")  # rendered with no request, as Django does
    assert '<html lang="id">' in page and "Kesalahan server" in page


@pytest.mark.django_db
def test_javascript_catalogue_is_served_in_indonesian(client):
    if not js_msgids():
        pytest.skip("the JavaScript marks no strings for translation")
    catalog = client.get("/jsi18n/").content.decode()
    known = [e for e in translatable_entries(ID_JS_PO) if e.translated() and e.msgstr != e.msgid]
    assert known, "djangojs.po translates nothing"
    assert json.dumps(known[0].msgstr)[1:-1] in catalog
