"""The house's import and write rules, checked rather than kept by care (STYLE.md, README
"Architecture", docs/architecture.md "The apps").

Three tiers. The kernel `core` (domain errors, API conventions, input checks, database helpers,
the centre's calendar, the records /healthz reads) imports no app and nothing of the config
package. The apps form layers: agencies (organisations, people, places, units) ← incidents
(calls, incidents, the event log) ← dispatch (tickets, units on calls, deadlines) ← hazards
(quakes, major incidents, public warnings) ← reports (the verifiers' figures, read from every
app); an app imports only the apps below it and the kernel, at module level, inside functions,
or by dotted string (`"dispatch.models.Ticket"`), and never another app's views. The config
package `ambon112` wires them all; nothing imports it.

Every write to a model is a service's (`<app>/services…`) or a migration's, but for a short
allow-list, each with its reason; views, tasks and the socket never write. Services refuse with
the kernel's domain errors and import nothing of the web layer (DRF, django.http).
Each rule has a test that it catches a wrong one, so the check cannot pass by reading nothing.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "core"
CONFIG = "ambon112"
LAYERS = ["agencies", "incidents", "dispatch", "hazards", "reports"]
_DOTTED = re.compile(
    r"^(core|agencies|incidents|dispatch|hazards|reports|ambon112)(\.[A-Za-z_]+)+$"
)


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        yield name, path.read_text(encoding="utf-8")


def imports_of(source: str) -> list[tuple[int, str]]:
    """Every module a source names: imports at any depth, and dotted strings of our packages."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # `from core import health` names the module core.health.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _DOTTED.match(node.value):
                found.append((node.lineno, node.value))
    return found


def violations(module: str, source: str) -> list[str]:
    """The imports `module` (of the kernel or an app) may not make."""
    package = module.split(".")[0]
    allowed_apps = set() if package == KERNEL else set(LAYERS[: LAYERS.index(package) + 1])
    wrong = []
    for line, name in imports_of(source):
        top = name.split(".")[0]
        if top == CONFIG:
            wrong.append(f"{module}:{line} imports {name} (the config package; use {KERNEL})")
        elif top in LAYERS and top not in allowed_apps:
            above = "an app" if package == KERNEL else f"an app above {package}"
            wrong.append(f"{module}:{line} imports {name} ({above})")
        elif top in LAYERS and top != package and ".views" in name:
            wrong.append(f"{module}:{line} imports {name} (another app's views)")
    return wrong


def scan(packages: list[str], check, only=lambda module: True) -> tuple[int, list[str]]:
    """`check(module, source)` over every module of `packages` that `only` selects: how many
    modules it read (so a check cannot pass by reading nothing) and what it found wrong."""
    read, wrong = 0, []
    for package in packages:
        for module, source in _modules(package):
            if only(module):
                read += 1
                wrong += check(module, source)
    return read, wrong


def _within(name: str, modules: set[str]) -> bool:
    return any(name == module or name.startswith(module + ".") for module in modules)


def test_every_app_imports_only_the_apps_below_it_and_the_kernel():
    read, wrong = scan(LAYERS, violations)
    assert read > 100
    assert not wrong, "\n".join(wrong)


def test_the_kernel_imports_no_app_and_not_the_config_package():
    read, wrong = scan([KERNEL], violations)
    assert read >= 8
    assert not wrong, "\n".join(wrong)


# --- Writes -------------------------------------------------------------------------------------

# Creating rows: no other library of this project has methods of these names.
CREATES = {"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
WRITES = CREATES | {"save", "update", "delete"}
# A queryset's methods: a chain through one of these (or a manager's `objects`) is the ORM's.
QUERYSET = {
    "objects",
    "all",
    "filter",
    "exclude",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "annotate",
    "only",
    "defer",
    "using",
}
# Modules outside the services that write models, each for its reason.
WRITERS = {
    "incidents.events": "the event log's own writer: numbers, chains and pushes every event",
    "dispatch.deadlines": "the deadline machinery: its observer starts and clears deadlines "
    "inside the transaction of the event it sees; the check raises escalations on its own",
    "dispatch.policies": "installs the shipped SLA policies, from migrations",
    "reports.access": "logs every report read (not an event: reads change nothing)",
    "agencies.reference": "loads the reference data for load_ambon, logged as the command's",
    "agencies.authentication": "stamps a machine token's last use as it authenticates",
    "incidents.models": "Room.get() creates the room's one row on its first read",
}


def _chain(node) -> list:
    """The links of a call chain, innermost first: `A.objects.filter(x).update` → A, objects,
    filter(…), update."""
    links = []
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        links.append(node)
        node = node.func if isinstance(node, ast.Call) else node.value
    links.append(node)
    return links[::-1]


def _is_queryset(node, querysets: set[str]) -> bool:
    for link in _chain(node):
        if isinstance(link, ast.Attribute) and link.attr in QUERYSET:
            return True
        if isinstance(link, ast.Name) and link.id in querysets:
            return True
    return False


def _is_super(node) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "super"


# A statement in plain SQL that writes a table (not a SELECT … FOR UPDATE, which locks).
SQL_WRITE = re.compile(r'\b(?:INSERT INTO|DELETE FROM|(?<!FOR )(?<!KEY )UPDATE) +"?([a-z_]\w*)')


def sql_writes_in(tree) -> list[tuple[int, str]]:
    """The tables a module's SQL strings write, with their lines."""
    return [
        (node.lineno, table)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for table in SQL_WRITE.findall(node.value)
    ]


def writes_in(source: str) -> list[str]:
    """The writes of a source: rows created (any receiver), a queryset's update or delete,
    a model's (or a DRF serializer's) save() or delete() without positional arguments, and
    SQL that inserts, updates or deletes; not a dict's or a hash's update, a cache's
    delete(key), a workbook's save(buffer), super()."""
    tree = ast.parse(source)
    querysets = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_queryset(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        if (
            method in CREATES
            or (method in {"update", "delete"} and _is_queryset(receiver, querysets))
            or (method in {"save", "delete"} and not node.args and not _is_super(receiver))
        ):
            found.append(f"line {node.lineno}: .{method}()")
    found += [f"line {line}: SQL writing {table}" for line, table in sql_writes_in(tree)]
    return sorted(set(found), key=lambda write: int(write.split()[1].rstrip(":")))


def _is_service(module: str) -> bool:
    return "services" in module.split(".")


def write_violations(module: str, source: str) -> list[str]:
    """The writes `module` may not make: any, unless it is a service or allowed in WRITERS."""
    if _is_service(module) or module in WRITERS:
        return []
    return [f"{module} {write}" for write in writes_in(source)]


def _thin(module: str) -> bool:
    """Modules that take a request, a socket message or a schedule and hand it to a service."""
    parts = module.split(".")
    return "views" in parts or parts[-1] in {"tasks", "consumers", "realtime"}


def test_only_services_and_migrations_write_models():
    read, wrong = scan([KERNEL, *LAYERS, CONFIG], write_violations)
    assert read > 150
    assert not wrong, "\n".join(wrong)


def test_every_allowed_writer_still_writes_and_none_is_a_view_a_task_or_the_socket():
    for module, reason in WRITERS.items():
        path = ROOT / (module.replace(".", "/") + ".py")
        assert writes_in(path.read_text(encoding="utf-8")), f"{module} no longer writes: {reason}"
        assert not _thin(module) and not _is_service(module)


def test_views_tasks_and_the_socket_write_only_through_services():
    read, wrong = scan(
        [*LAYERS, CONFIG],
        lambda module, source: [f"{module} {write}" for write in writes_in(source)],
        only=_thin,
    )
    assert read > 10
    assert not wrong, "\n".join(wrong)


# --- Services speak the domain's language --------------------------------------------------------

# The web layer: a service's refusal is a domain error (core.errors), never an HTTP exception.
WEB = {"rest_framework", "django.http", "django.core.exceptions.PermissionDenied"}


def web_imports_in(module: str, source: str) -> list[str]:
    return [
        f"{module}:{line} imports {name}" for line, name in imports_of(source) if _within(name, WEB)
    ]


def test_services_import_nothing_of_the_web_layer():
    read, wrong = scan(LAYERS, web_imports_in, only=_is_service)
    assert read > 15
    assert not wrong, "\n".join(wrong)


# The event log is written by incidents.events alone: it numbers the events in commit order,
# chains their hashes and pushes them after commit (docs/architecture.md "From a write to the
# consoles"). A row written anywhere else would break the chain or never reach a console.
LOG_MODELS = {"Event", "EventAudience", "EventChainHead"}
LOG_WRITER = "incidents.events"


def _root_name(node) -> str | None:
    """The name a chain starts from: `Event` in `Event.objects.filter(pk=1).update(...)`."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def log_writes_in(source: str) -> list[str]:
    tree = ast.parse(source)
    found = [
        f"line {line}: SQL writing {table}"
        for line, table in sql_writes_in(tree)
        if table in {"incidents_event", "incidents_eventaudience", "incidents_eventchainhead"}
    ]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in LOG_MODELS:
            found.append(f"line {node.lineno}: {func.id}(…)")
        elif isinstance(func, ast.Attribute) and func.attr in WRITES:
            root = _root_name(func.value)
            if root in LOG_MODELS:
                found.append(f"line {node.lineno}: {root}….{func.attr}()")
    return found


def observer_registrations_in(source: str) -> list[int]:
    """Lines that register an event observer (`observe_events(...)`)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and "observe_events" in {getattr(node.func, "id", None), getattr(node.func, "attr", None)}
    ]


def test_only_the_event_log_writes_its_tables():
    read, wrong = scan(
        [KERNEL, *LAYERS, CONFIG],
        lambda module, source: [f"{module} {write}" for write in log_writes_in(source)],
        only=lambda module: module != LOG_WRITER,
    )
    assert read > 100
    assert log_writes_in((ROOT / "incidents" / "events.py").read_text(encoding="utf-8"))
    assert not wrong, "\n".join(wrong)


def test_observers_join_the_write_path_only_when_the_apps_start():
    """An observer runs inside every write's transaction, before the chain head is locked; it
    is registered once, in its app's AppConfig.ready, never as a side effect of an import."""
    registered, wrong = [], []
    for package in [KERNEL, *LAYERS, CONFIG]:
        for module, source in _modules(package):
            lines = observer_registrations_in(source)
            if module.endswith(".apps"):
                registered += lines
            else:
                wrong += [f"{module}:{line} registers an observer" for line in lines]
    assert registered  # dispatch's deadlines and hazards' quakes and major incidents
    assert not wrong, "\n".join(wrong)


def test_the_log_checks_catch_a_write_and_a_stray_observer():
    assert log_writes_in("Event.objects.filter(seq=3).update(kind='x')\n")
    assert log_writes_in("EventChainHead.objects.filter(pk=1).update(seq=9)\n")
    assert log_writes_in("Event(seq=1, kind='x').save()\n")
    assert not log_writes_in("EventChainHead.objects.select_for_update().get(pk=1)\n")
    assert not log_writes_in("Event.objects.filter(incident=incident).order_by('seq')\n")
    assert log_writes_in("SQL = 'INSERT INTO \"incidents_event\" (seq) VALUES (%s)'\n")
    assert log_writes_in("SQL = 'UPDATE incidents_eventchainhead SET seq = %s'\n")
    assert not log_writes_in("SQL = 'SELECT seq FROM incidents_eventchainhead FOR UPDATE'\n")
    assert observer_registrations_in("observe_events(on_event)\n")
    assert observer_registrations_in("events.observe_events(on_event)\n")


# --- Each check catches a deliberately wrong module, and passes a right one -----------------------

UPDATE = "def f():\n    Unit.objects.filter(pk=1).update(status='x')\n"
WRONG = [
    # An app importing an app above it, at any depth or as a string, or another app's views.
    (violations, "agencies.services", "from incidents.models import Call\n"),
    (violations, "incidents.services.calls", "def f():\n    import dispatch.deadlines\n"),
    (violations, "incidents.models", 'X = "dispatch.models.Ticket"\n'),
    (violations, "dispatch.views.units", "from incidents.views import CallViewSet\n"),
    (violations, "hazards.services.quakes", "def f():\n    from dispatch.views import x\n"),
    # An app importing the config package.
    (violations, "dispatch.views.units", "from ambon112.urls import urlpatterns\n"),
    (violations, "dispatch.views.units", "from ambon112 import realtime\n"),
    (violations, "dispatch.deadlines", "from ambon112 import health\n"),
    # The kernel importing an app or the config package.
    (violations, "core.api", "from agencies.models import User\n"),
    (violations, "core.errors", "def f():\n    import incidents.events\n"),
    (violations, "core.clock", 'X = "hazards.models.Quake"\n'),
    (violations, "core.db", "from ambon112 import settings\n"),
    # A model written outside the services.
    (write_violations, "dispatch.situation", UPDATE),
    (write_violations, "dispatch.views.units", "def post(request):\n    serializer.save()\n"),
    (write_violations, "hazards.geo", "def f(q):\n    q.save(update_fields=['at'])\n"),
    (write_violations, "incidents.selectors", "def f():\n    Note.objects.create(text='x')\n"),
    (write_violations, "core.clock", "rows = Call.objects.all()\nrows.delete()\n"),
    (write_violations, "ambon112.realtime", "def f(unit):\n    unit.delete()\n"),
    (write_violations, "incidents.views", "Position(name='x').save()\n"),
    (write_violations, "incidents.selectors", "SQL = 'DELETE FROM incidents_call'\n"),
    (write_violations, "core.db", "SQL = f'UPDATE \"incidents_call\" SET x = {x}'\n"),
    # A service importing the web layer.
    (web_imports_in, "x", "from rest_framework.exceptions import ValidationError\n"),
    (web_imports_in, "x", "def f():\n    from rest_framework import exceptions\n"),
    (web_imports_in, "x", "from django.http import Http404\n"),
    (web_imports_in, "x", "from django.core.exceptions import PermissionDenied\n"),
]
RIGHT = [
    (violations, "dispatch.services.tickets", "from incidents.events import record\n"),
    (violations, "dispatch.deadlines", "from core import health\n"),
    (violations, "core.schema", "from core.validation import InServiceArea\n"),
    (write_violations, "dispatch.services.units", UPDATE),
    (write_violations, "dispatch.deadlines", UPDATE),
    (write_violations, "dispatch.situation", "def f():\n    return Unit.objects.all()\n"),
    # Not a row: a hash's or a dict's update, a cache's delete, a workbook's save, super().
    (write_violations, "reports.rows", "digest.update(data)\nshown.update(values)\n"),
    (write_violations, "reports.rows", "again.update(number=1)\ncache.delete(key)\n"),
    (write_violations, "reports.rows", "book.save(buffer)\n"),
    (write_violations, "reports.rows", "SQL = 'SELECT id FROM t FOR UPDATE SKIP LOCKED'\n"),
    (write_violations, "x", "class C(Canvas):\n    def save(self):\n        super().save()\n"),
    (web_imports_in, "x", "from core.errors import Conflict, Forbidden\n"),
    (web_imports_in, "x", "from django.core.exceptions import ObjectDoesNotExist\n"),
]


@pytest.mark.parametrize(("check", "module", "source"), WRONG)
def test_each_check_catches_a_deliberately_wrong_module(check, module, source):
    assert check(module, source)


@pytest.mark.parametrize(("check", "module", "source"), RIGHT)
def test_each_check_passes_a_right_module(check, module, source):
    assert not check(module, source)
