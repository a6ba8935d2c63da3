"""The house's import rules, checked rather than kept by care (STYLE.md, README "Architecture").

The apps form layers: agencies (organisations, people, places, units) ← incidents (calls,
incidents, the event log) ← dispatch (tickets, units on calls, deadlines) ← hazards (quakes,
major incidents, public warnings) ← reports (the verifiers' figures, read from every app). An
app imports only the apps below it, at module level, inside functions, or by dotted string
(`"dispatch.models.Ticket"`); the config package
`ambon112` wires them all, and the apps use only its shared modules (SHARED). Views, tasks and
the socket consumer write nothing themselves: every write is a service's (README "Contributing").
Each rule has a test that it catches a wrong one, so the check cannot pass by reading nothing.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["agencies", "incidents", "dispatch", "hazards", "reports"]
# What the apps may use of the config package: conventions and helpers that import no app.
SHARED = {"ambon112.api", "ambon112.clock", "ambon112.db", "ambon112.schema", "ambon112.validation"}
# A deadline check records that it ran where /healthz reads it (issue #13).
SHARED_FOR = {"dispatch.deadlines": {"ambon112.health"}}
_DOTTED = re.compile(r"^(agencies|incidents|dispatch|hazards|reports|ambon112)(\.[A-Za-z_]+)+$")


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
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
            # `from ambon112 import health` names the module ambon112.health.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _DOTTED.match(node.value):
                found.append((node.lineno, node.value))
    return found


def violations(module: str, source: str) -> list[str]:
    app = module.split(".")[0]
    allowed_apps = set(LAYERS[: LAYERS.index(app) + 1])
    shared = SHARED | SHARED_FOR.get(module, set())
    wrong = []
    for line, name in imports_of(source):
        top = name.split(".")[0]
        if top in LAYERS and top not in allowed_apps:
            wrong.append(f"{module}:{line} imports {name} (an app above {app})")
        elif top == "ambon112" and name != "ambon112" and not _within(name, shared):
            wrong.append(f"{module}:{line} imports {name} (the config package, not shared)")
        elif top in LAYERS and top != app and ".views" in name:
            wrong.append(f"{module}:{line} imports {name} (another app's views)")
    return wrong


# The ORM's writes, on a model, a queryset or a serializer (DRF's save() writes the model).
WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}


def _thin(module: str) -> bool:
    """Modules that take a request, a socket message or a schedule and hand it to a service."""
    parts = module.split(".")
    return "views" in parts or parts[-1] in {"tasks", "consumers", "realtime"}


def writes_in(source: str) -> list[str]:
    return [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WRITES
    ]


def _within(name: str, modules: set[str]) -> bool:
    return any(name == module or name.startswith(module + ".") for module in modules)


def test_every_app_imports_only_the_apps_below_it_and_the_shared_modules():
    checked, wrong = 0, []
    for app in LAYERS:
        for module, source in _modules(app):
            checked += 1
            wrong += violations(module, source)
    assert checked > 100
    assert not wrong, "\n".join(wrong)


def test_views_tasks_and_the_socket_write_only_through_services():
    thin, wrong = 0, []
    for package in [*LAYERS, "ambon112"]:
        for module, source in _modules(package):
            if _thin(module):
                thin += 1
                wrong += [f"{module} {write}" for write in writes_in(source)]
    assert thin > 10
    assert not wrong, "\n".join(wrong)


def test_the_write_check_catches_a_write_in_a_view():
    assert writes_in("def post(request):\n    Unit.objects.filter(pk=1).update(status='x')\n")
    assert writes_in("def post(request):\n    serializer.save()\n")
    assert not writes_in("def get(request):\n    return Unit.objects.filter(pk=1)\n")


def test_the_shared_modules_import_no_app():
    wrong = []
    for name in sorted(SHARED):
        source = (ROOT / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        wrong += [
            f"{name}:{line} imports {imported}"
            for line, imported in imports_of(source)
            if imported.split(".")[0] in LAYERS
        ]
    assert not wrong, "\n".join(wrong)


def test_the_check_catches_an_import_upwards_at_any_depth_or_as_a_string():
    assert violations("agencies.services", "from incidents.models import Call\n")
    assert violations("incidents.services.calls", "def f():\n    import dispatch.deadlines\n")
    assert violations("incidents.models", 'X = "dispatch.models.Ticket"\n')
    assert violations("dispatch.views.units", "from ambon112.urls import urlpatterns\n")
    assert violations("dispatch.views.units", "from ambon112 import realtime\n")
    assert violations("dispatch.views.units", "from incidents.views import CallViewSet\n")
    assert not violations("dispatch.services.tickets", "from incidents.events import record\n")
    assert not violations("dispatch.deadlines", "from ambon112 import health\n")


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
    found = []
    for node in ast.walk(ast.parse(source)):
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
    checked, wrong = 0, []
    for package in [*LAYERS, "ambon112"]:
        for module, source in _modules(package):
            if module != LOG_WRITER:
                checked += 1
                wrong += [f"{module} {write}" for write in log_writes_in(source)]
    assert checked > 100
    assert log_writes_in((ROOT / "incidents" / "events.py").read_text(encoding="utf-8"))
    assert not wrong, "\n".join(wrong)


def test_observers_join_the_write_path_only_when_the_apps_start():
    """An observer runs inside every write's transaction, before the chain head is locked; it
    is registered once, in its app's AppConfig.ready, never as a side effect of an import."""
    registered, wrong = [], []
    for package in [*LAYERS, "ambon112"]:
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
    assert observer_registrations_in("observe_events(on_event)\n")
    assert observer_registrations_in("events.observe_events(on_event)\n")
