"""One registry of event kinds (incidents.kinds): the log refuses what it does not declare, the
source records and handles only what it declares, and it declares nothing that is never recorded.

The source is read, not run: Python with ast over the apps, the JavaScript under
static/ambon112/ with a pattern for its string literals.
"""

import ast
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from agencies.models import Agency, Station
from dispatch.models import Ticket
from dispatch.steps import STEPS
from incidents.changelog import change_kinds
from incidents.events import record_event
from incidents.kinds import UnknownKind, all_kinds
from incidents.models import Call, Event, EventChainHead

BASE_DIR = Path(settings.BASE_DIR)
APPS = ["core", "agencies", "incidents", "dispatch", "hazards", "reports", "ambon112"]
JS_DIR = BASE_DIR / "static" / "ambon112"
KIND = re.compile(r"^[a-z_]+\.[a-z_]+$")
PREFIX = re.compile(r"^[a-z_]+\.$")
AS_STEP = {"clear": "cleared", "cancel": "cancelled"}  # dispatch.services.assignments.advance

# The kinds each f-string that names a kind can make: a new one must say what it records.
DYNAMIC = {
    "f'call.{call.status}'": lambda: {f"call.{status}" for status in Call.Status.values},
    "f'assignment.{kind}'": lambda: {f"assignment.{AS_STEP.get(s, s)}" for s in STEPS},
    # Closing an incident ends its open tickets: completed when accepted, else cancelled.
    "f'ticket.{ticket.status}'": lambda: {
        f"ticket.{Ticket.Status.COMPLETED}",
        f"ticket.{Ticket.Status.CANCELLED}",
    },
    "f'{tracked.name}.{action}'": lambda: set(change_kinds()),
}


def registered() -> set[str]:
    return {kind.name for kind in all_kinds()}


class KindsInSource:
    """The kinds a set of modules records (the first argument of record_event, NewEvent or
    a function whose first parameter is `kind`) and handles (compared with an event's `kind`,
    or a query's `kind=`), with where each is."""

    def __init__(self, modules: dict[str, ast.Module]):
        self.recorded: dict[str, set[str]] = defaultdict(set)
        self.handled: dict[str, set[str]] = defaultdict(set)
        self.prefixes: dict[str, set[str]] = defaultdict(set)
        self.dynamic: dict[str, set[str]] = defaultdict(set)
        self.constants: dict[str, list[ast.expr]] = defaultdict(list)
        self.builders = {"record_event", "NewEvent"}
        for tree in modules.values():
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id.isupper():
                            self.constants[target.id].append(node.value)
            if not _uses_the_event_log(tree):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    params = [*node.args.posonlyargs, *node.args.args]
                    if params and params[0].arg == "kind":
                        self.builders.add(node.name)
        for name, tree in modules.items():
            self._walk(name, tree, scope=tree)

    def _walk(self, module: str, node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
            place = f"{module}:{getattr(child, 'lineno', '?')}"
            if isinstance(child, ast.Call):
                self._call(child, place, inner)
            elif isinstance(child, ast.Compare):
                operands = [child.left, *child.comparators]
                if any(_is_kind(o) for o in operands):
                    for operand in operands:
                        self._note(operand, place, inner, self.handled, every=False)
            self._walk(module, child, inner)

    def _call(self, call: ast.Call, place: str, scope: ast.AST) -> None:
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in self.builders:
            given = [a for a in call.args[:1] if not isinstance(a, ast.Starred)]
            given += [k.value for k in call.keywords if k.arg == "kind"]
            for value in given:
                self._note(value, place, scope, self.recorded, every=True)
        elif name == "startswith" and _is_kind(getattr(func, "value", None)):
            for value in call.args:
                self._note(value, place, scope, self.handled, every=False)
        elif name in {"filter", "exclude", "get"}:
            for keyword in call.keywords:
                if keyword.arg in {"kind", "kind__in", "kind__startswith"}:
                    self._note(keyword.value, place, scope, self.handled, every=False)

    def _note(self, node, place, scope, into, *, every: bool) -> None:
        for kind, text in self._strings(node, scope, depth=0):
            if kind == "f-string":
                self.dynamic[text].add(place)
            elif PREFIX.match(text):
                self.prefixes[text].add(place)
            elif every or KIND.match(text):
                into[text].add(place)

    def _strings(self, node, scope, depth):
        """The strings an expression may hold, following names to their assignments."""
        if depth > 5 or node is None:
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield "literal", node.value
        elif isinstance(node, ast.JoinedStr):
            yield "f-string", ast.unparse(node)
        elif isinstance(node, ast.IfExp):
            yield from self._strings(node.body, scope, depth + 1)
            yield from self._strings(node.orelse, scope, depth + 1)
        elif isinstance(node, ast.Set | ast.List | ast.Tuple):
            for element in node.elts:
                yield from self._strings(element, scope, depth + 1)
        elif isinstance(node, ast.Name):
            for value in self._assigned(node.id, scope):
                yield from self._strings(value, scope, depth + 1)

    def _assigned(self, name: str, scope: ast.AST) -> list[ast.expr]:
        local = [
            n.value
            for n in ast.walk(scope)
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
        ]
        return local if local or not name.isupper() else self.constants[name]


def _is_kind(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "kind"


def _uses_the_event_log(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and node.module == "incidents.events"
        for node in ast.walk(tree)
    )


def app_modules() -> dict[str, ast.Module]:
    found = {}
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if "migrations" not in path.parts:
                name = str(path.relative_to(BASE_DIR))
                found[name] = ast.parse(path.read_text(encoding="utf-8"), name)
    return found


@pytest.fixture(scope="module")
def source() -> KindsInSource:
    return KindsInSource(app_modules())


def expanded(source: KindsInSource) -> set[str]:
    return {kind for text in source.dynamic for kind in DYNAMIC[text]()}


JS_STRING = re.compile(r"""(["'`])([a-z_]+\.[a-z_]*)\1""")
JS_LABEL_ENTRY = re.compile(r"""(["'])([a-z_]+\.[a-z_]+)\1\s*:\s*n?p?gettext\(""")


def js_kinds() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The JavaScript's strings that name a kind (or a kind's prefix, `"call."`), and the
    entries of any table that labels kinds itself."""
    prefixes = {name.split(".")[0] for name in registered()}
    named, tables = defaultdict(set), defaultdict(set)
    for path in sorted(JS_DIR.rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            place = f"{path.relative_to(BASE_DIR)}:{number}"
            for match in JS_STRING.finditer(line):
                if match[2].split(".")[0] in prefixes:
                    named[match[2]].add(place)
            for match in JS_LABEL_ENTRY.finditer(line):
                tables[match[2]].add(place)
    return named, tables


def unregistered(found: dict[str, set[str]]) -> dict[str, list[str]]:
    known = registered()
    prefixes = {name.split(".")[0] + "." for name in known}
    return {
        text: sorted(places)
        for text, places in found.items()
        if text not in known and text not in prefixes
    }


def test_every_kind_the_source_records_or_handles_is_registered(source):
    assert set(source.dynamic) <= set(DYNAMIC), (
        f"a kind made at run time, {sorted(set(source.dynamic) - set(DYNAMIC))}: "
        "say in DYNAMIC which kinds it records"
    )
    assert expanded(source) <= registered(), sorted(expanded(source) - registered())
    assert unregistered(source.recorded) == {}
    assert unregistered(source.handled) == {}
    assert unregistered(source.prefixes) == {}
    named, _tables = js_kinds()
    assert unregistered(named) == {}


def test_every_registered_kind_is_recorded_somewhere(source):
    recorded = set(source.recorded) | expanded(source)
    assert sorted(registered() - recorded) == []


def test_the_javascript_has_no_table_of_kinds_of_its_own():
    _named, tables = js_kinds()
    assert dict(tables) == {}, "label kinds in incidents.kinds: ui.js eventLabel reads them"


def test_the_walk_catches_an_unknown_kind_and_a_second_label_table():
    wrong = ast.parse(
        "from incidents.events import NewEvent, record_event\n"
        "BAD = 'call.vanished'\n"
        "def publish_call(kind, call): ...\n"
        "def serve(call, new):\n"
        "    record_event('call.teleported', subject=call)\n"
        "    publish_call(BAD, call)\n"
        "    kind = 'call.lost' if call else f'call.{call.mood}'\n"
        "    NewEvent(kind)\n"
        "    if new.kind == 'call.dreamt' or new.kind.startswith('callz.'):\n"
        "        pass\n"
    )
    source = KindsInSource({"wrong.py": wrong})
    assert set(unregistered(source.recorded)) == {"call.teleported", "call.vanished", "call.lost"}
    assert set(unregistered(source.handled)) == {"call.dreamt"}
    assert set(unregistered(source.prefixes)) == {"callz."}
    assert set(source.dynamic) == {"f'call.{call.mood}'"}
    assert JS_LABEL_ENTRY.search('  "call.answered": gettext("Call answered"),')


def test_an_unknown_kind_cannot_be_recorded(ambon):
    head = EventChainHead.objects.get().seq
    with pytest.raises(UnknownKind, match="'call.teleported' is not a kind of event"):
        with transaction.atomic():
            record_event("call.teleported")
    assert EventChainHead.objects.get().seq == head
    assert not Event.objects.filter(kind="call.teleported").exists()


def test_an_event_about_another_record_than_its_kind_says_is_refused(ambon):
    station = Station.objects.first()
    with pytest.raises(ValueError, match="call.answered is about a 'call', not a 'station'"):
        with transaction.atomic():
            record_event("call.answered", subject=station)


def test_a_room_only_kind_cannot_name_an_agency(ambon):
    damkar = Agency.objects.get(code="damkar")
    with pytest.raises(ValueError, match="chain.sealed is for the operations room alone"):
        with transaction.atomic():
            record_event("chain.sealed", agencies=[damkar])


def test_every_kind_is_about_a_model_of_the_centre_and_labelled_in_both_languages():
    models = {model._meta.model_name for model in apps.get_models()}
    for kind in all_kinds():
        assert kind.subject in models | {""}, kind
    for language in ("id", "en"):
        with translation.override(language):
            shown = [str(kind.label) for kind in all_kinds()]
        assert len(set(shown)) == len(shown), f"two kinds read alike in {language}"
    with translation.override("id"):
        assert str(next(k.label for k in all_kinds() if k.name == "call.answered")) == (
            "Panggilan dijawab"
        )


def page_labels(client) -> dict[str, str]:
    page = client.get(reverse("calls_console")).content.decode()
    found = re.search(r'<script id="event-kinds" type="application/json">(.*?)</script>', page)
    assert found, "the page does not carry the kinds' labels"
    return json.loads(found[1])


def test_the_consoles_read_the_labels_from_the_page_in_the_users_language(client_for, operator):
    client = client_for(operator)
    labels = page_labels(client)
    assert set(labels) == registered()
    assert labels["call.answered"] == "Panggilan dijawab"
    assert labels["sla_policy.updated"] == "Kebijakan SLA diubah"

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    labels = page_labels(client)
    assert labels["call.answered"] == "Call answered"
    assert labels["quake.received"] == "Earthquake reported by BMKG"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("made_up_kinds")
async def test_the_change_log_is_appended_but_never_pushed(ambon, operator):
    from ambon112.realtime import ConsoleConsumer

    comm = WebsocketCommunicator(ConsoleConsumer.as_asgi(), "/ws/console/")
    comm.scope["user"] = operator
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["feed"] == "ops"

    @sync_to_async
    def rename_a_station_then_record():
        with transaction.atomic():
            station = Station.objects.order_by("pk").first()
            station.name = f"{station.name} (baru)"
            station.save()
        with transaction.atomic():
            return record_event("test.after-the-change").seq

    seq = await rename_a_station_then_record()
    message = await comm.receive_json_from(timeout=2)
    assert message["event"]["kind"] == "test.after-the-change"
    assert message["event"]["prev"] == seq - 1  # the station's change, never pushed
    changed = await sync_to_async(Event.objects.get)(seq=seq - 1)
    assert changed.kind == "station.updated"
    await comm.disconnect()
