"""The consoles' JavaScript: plain ES modules with no bundler, so nothing but the browser checks
an import until a page loads it. Here every import names a module that exists and a name it
exports, and every module stays small (issue #21: a console is built from shared modules)."""

import re
from pathlib import Path

JS_DIR = Path(__file__).resolve().parents[1] / "static" / "ambon112"
MAX_LINES = 400

IMPORT = re.compile(r'import\s*(?:\{(?P<names>[^}]*)\}\s*from\s*)?"(?P<path>\.{1,2}/[^"]+)"')
DECLARED = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([\w$]+)", re.M)
DESTRUCTURED = re.compile(r"^export\s+const\s*\{([^}]*)\}", re.M)


def exports(source: str) -> set[str]:
    names = set(DECLARED.findall(source))
    for group in DESTRUCTURED.findall(source):
        names |= {part.split(":")[-1].strip() for part in group.split(",") if part.strip()}
    return names


def broken_imports(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.js")):
        for match in IMPORT.finditer(path.read_text(encoding="utf-8")):
            target = (path.parent / match["path"]).resolve()
            where = f"{path.relative_to(root)} imports {match['path']}"
            if not target.is_file():
                problems.append(f"{where}: no such module")
                continue
            wanted = {n.split(" as ")[0].strip() for n in (match["names"] or "").split(",")} - {""}
            missing = wanted - exports(target.read_text(encoding="utf-8"))
            problems += [f"{where}: {name} is not exported there" for name in sorted(missing)]
    return problems


def test_every_import_names_a_module_that_exists_and_a_name_it_exports():
    assert broken_imports(JS_DIR) == []


def test_the_import_check_catches_a_missing_module_and_a_missing_export(tmp_path):
    (tmp_path / "clock.js").write_text("export const serverNow = () => Date.now();\n")
    (tmp_path / "page.js").write_text(
        'import { serverNow, secondsSince } from "./clock.js";\nimport "./gone.js";\n'
    )
    assert broken_imports(tmp_path) == [
        "page.js imports ./clock.js: secondsSince is not exported there",
        "page.js imports ./gone.js: no such module",
    ]


def test_every_module_stays_under_four_hundred_lines():
    long = {
        str(path.relative_to(JS_DIR)): lines
        for path in JS_DIR.rglob("*.js")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
