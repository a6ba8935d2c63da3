"""A verifier changes nothing (docs/architecture.md "House rules"): every URL of the project refuses
their writes.

The URLs are walked from the resolver, not listed by hand, so a route added tomorrow is checked
too; a path parameter this file has no sample for fails the test until one is added here.
"""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern
from django.utils import timezone
from rest_framework.authentication import SessionAuthentication

from agencies.models import Agency, Station, Unit
from dispatch.deadlines import escalate_overdue
from dispatch.models import Escalation, SlaPolicy
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, notify_agencies
from incidents.models import Event
from incidents.services.calls import receive_call_event
from incidents.services.presence import create_position
from tests.conftest import PASSWORD
from tests.fires import house_fire

METHODS = ["post", "put", "patch", "delete"]
CSRF_SECRET = "verifier0csrf0secret0abcdefghijk"  # 32 characters, as Django's cookie holds

# Not walked: signing out (`logout`, the admin's `logout`), signing in (`login`, the admin's
# `login`: a failed attempt is the lockout's own bookkeeping, open to anyone, and signing in as
# someone else is no write by this verifier) and choosing the session's language
# (`set_language`). None of them writes to the system's data.
# The caller's location link (`location-share`, issue #19) is open to whoever holds the link:
# its credential is the link's secret, not the person signed in; a used, expired or unknown link
# changes nothing (tests/dispatch/test_location_links.py).
SKIPPED = {"logout", "login", "set_language", "admin:logout", "admin:login", "location-share"}

# A router route's name starts with its basename: which created object its `pk` names.
PK_OF = {
    "agency": "agency",
    "station": "station",
    "unit": "unit",
    "fleet": "unit",
    "incidenttype": "incident_type",
    "call": "call",
    "caller": "caller",
    "incident-dispatch": "incident",
    "incident": "incident",
    "incident_detail": "incident",
    "ticket": "ticket",
    "assignment": "assignment",
    "escalation": "escalation",
    "slapolicy": "policy",
    "account": "account",
    "position": "position",
}
# Hazards' routes with an id are POST actions only (review a quake, close a major incident,
# approve a warning …): nothing is read there, so any id does for the walk.
ACTION_ONLY = ("quake-", "major-incident-", "warning-")
NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def leaf_patterns(resolver=None, parts=(), namespace=""):
    """Every route of the project: (its name with namespace, its patterns from the root, view)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from leaf_patterns(pattern, (*parts, pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or ''}", (*parts, pattern.pattern), pattern.callback


ROUTES = [route for route in leaf_patterns() if route[0] not in SKIPPED]


def sample(name: str, param: str, world: dict) -> str:
    """A value for one path parameter that names an object that exists."""
    if param == "format":
        return "json"
    if param == "code":
        return world["area"].code
    if param == "pk" and name.startswith(ACTION_ONLY):
        return "1"
    if param == "identifier":  # a public CAP message's: one that does not exist
        return "no-such-alert"
    if param == "pk":
        basename = max((b for b in PK_OF if name.startswith(b)), key=len, default=None)
        assert basename, f"{name}: which object does its pk name? Add it to PK_OF."
        return str(world[PK_OF[basename]].pk)
    if param == "app_label":
        return "incidents"
    if param in {"object_id", "id"}:
        return str(admin_object(name, world).pk)
    if param == "content_type_id":
        return str(ContentType.objects.get_for_model(world["incident"]).pk)
    if param == "url":
        return "nowhere/"
    if param == "secret":  # a location link's: one that does not exist
        return "no-such-link"
    raise AssertionError(f"{name}: no sample value for <{param}>; add one in sample().")


def admin_object(name: str, world: dict):
    """admin:incidents_incident_change → an incident that exists (the incident by default)."""
    for model in apps.get_models():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model._default_manager.order_by("pk").first() or world["incident"]
    return world["incident"]


def path_of(name: str, patterns: tuple, world: dict) -> str:
    path = ""
    for pattern in patterns:
        if isinstance(pattern, RegexPattern):  # re_path, and the router's routes
            text = str(pattern).lstrip("^").rstrip("$")
            text = NAMED_GROUP.sub(lambda m: sample(name, m.group(1), world), text)
            path += text.replace("\\.", ".").replace("/?", "/")
        else:  # path()
            path += ROUTE_PARAM.sub(lambda m: sample(name, m.group(1), world), str(pattern))
    return "/" + path


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def every_row() -> dict[str, list]:
    """Every value of every row: a count misses an update, this does not."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture
def world(ambon, operator, dispatcher, damkar):
    """One of everything a URL can name: a call and its caller, an incident forwarded to
    Damkar, the ticket accepted, an engine sent, and the escalations of what then waited."""
    call, incident = house_fire(
        by=operator, call_id="ro-1", number="+6281200005678", caller_name="Budi Santoso"
    )
    receive_call_event(call_id="ro-2", event="ringing", number="+6281200005679", adapter="pbx")
    damkar_agency = Agency.objects.get(code="damkar")
    [ticket] = notify_agencies(incident=incident, agencies=[damkar_agency], by=dispatcher)
    accept_ticket(ticket=ticket, by=damkar)
    engine = Unit.objects.get(call_sign="DAMKAR-01")
    assignment = dispatch_unit(ticket=ticket, unit=engine, by=damkar)
    escalate_overdue(timezone.now() + timedelta(hours=6))
    return one_of_each(call=call, ticket=ticket, assignment=assignment, by=dispatcher)


def one_of_each(*, call, ticket, assignment, by) -> dict:
    """The rows a URL can name, by the name of its parameter, around one call's incident; the
    account is its call-taker's, the position one that `by` creates."""
    call.refresh_from_db()
    return {
        "area": call.incident.area,
        "agency": ticket.agency,
        "station": Station.objects.order_by("pk").first(),
        "unit": assignment.unit,
        "incident_type": call.incident.incident_type,
        "call": call,
        "caller": call.caller,
        "incident": call.incident,
        "ticket": ticket,
        "assignment": assignment,
        "escalation": Escalation.objects.order_by("pk").first(),
        "policy": SlaPolicy.objects.order_by("pk").first(),
        "account": call.taken_by,
        "position": create_position(name="Meja 1", extensions=["201"], by=by),
    }


def signed_in(verifier, *, csrf: bool) -> Client:
    """The verifier's browser. With `csrf`, CSRF is enforced and a valid token is sent, as a
    page's script would; without, the test client skips CSRF, so only the permission refuses."""
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(verifier, backend="django.contrib.auth.backends.ModelBackend")
    if csrf:
        client.cookies["csrftoken"] = CSRF_SECRET
        client.defaults["HTTP_X_CSRFTOKEN"] = CSRF_SECRET
    return client


def machine_only(view) -> bool:
    """An API for machines (the PBX adapter, vehicle trackers): a person's sign-in is no
    credential there, so it answers 401 and asks for the machine's token."""
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    authenticators = getattr(view_class, "authentication_classes", None)
    return bool(authenticators) and SessionAuthentication not in authenticators


def refusal_problem(name: str, view, response) -> str | None:
    """Why this answer is not a refusal, or None when it is one."""
    status = response.status_code
    if name.startswith("admin:"):
        # Not staff: the admin sends anyone else to its own sign-in, which a verifier fails.
        if status == 302 and response["Location"].startswith("/admin/login/"):
            return None
        return f"the admin let the verifier in ({status})"
    if status in (403, 405) or (status == 401 and machine_only(view)):
        return None
    return f"answered {status}"


@pytest.mark.parametrize("csrf", [False, True], ids=["csrf-not-checked", "csrf-token-sent"])
def test_a_verifier_can_write_nowhere(world, verifier, csrf):
    assert len(ROUTES) > 100 and world["escalation"] and world["assignment"]
    client = signed_in(verifier, csrf=csrf)
    before, rows, events = every_row(), row_counts(), Event.objects.count()
    problems, checked = [], 0
    for name, patterns, view in ROUTES:
        path = path_of(name, patterns, world)
        match = resolve(path)
        assert match.func == view, f"{path} resolves to {match.view_name}, not {name}"
        for method in METHODS:
            response = getattr(client, method)(path, {}, content_type="application/json")
            problem = refusal_problem(name, view, response)
            if problem:
                problems.append(f"{method.upper()} {path} ({name}): {problem}")
            counts = row_counts()
            if counts != rows:
                changed = {k: (rows[k], v) for k, v in counts.items() if v != rows[k]}
                problems.append(f"{method.upper()} {path} ({name}) changed rows: {changed}")
                rows = counts
            checked += 1
    assert not problems, "\n".join(problems)
    assert Event.objects.count() == events
    after = every_row()
    assert after == before, [label for label in before if after[label] != before[label]]
    assert checked == len(ROUTES) * len(METHODS)


def test_the_admin_site_does_not_let_a_verifier_in(ambon, verifier, client):
    assert client.get("/admin/").status_code == 302
    response = client.post("/admin/login/", {"username": "verifier", "password": PASSWORD})
    assert response.status_code == 200  # the sign-in form again, with the admin's refusal
    assert response.context["form"].errors
    answer = client.get("/admin/incidents/incident/")
    assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")
