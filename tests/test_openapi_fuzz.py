"""The OpenAPI schema tells the truth (issue #14): schemathesis calls every operation of
/api/schema/ as each role of the cast and each machine, in process through the WSGI app, and
every answer must be one the schema promises — its status code, content type and body — and
never a server error.

The run is bounded (a few examples per operation and role) so the whole suite stays fast; the
figures are printed for the record (`pytest -s tests/test_openapi_fuzz.py`).
"""

import os
import threading
import time
from collections import Counter

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.test import Client

from agencies.models import Agency, MachineToken, Role, Unit, User
from agencies.services import create_machine_token
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.models import IncidentType
from incidents.services.calls import create_incident, receive_call_event, take_call
from tests.conftest import CI, PASSWORD

try:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events
except ImportError:  # pragma: no cover - the test extras are not installed
    schemathesis = None

# About 3 minutes on a busy 2-CPU machine.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(360)]

# A few examples per operation and identity: 8 identities x 72 operations stay within minutes.
MAX_EXAMPLES = int(os.environ.get("AMBON112_FUZZ_EXAMPLES", "3"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
# The test client in schemathesis owns the Cookie header (it sends only its own jar), so a
# session travels in this header and `_signed_in` hands it to Django as the Cookie header.
SESSION_HEADER = "X-Fuzz-Cookie"
# Invalid input is refused after the role check, so the coverage phase's invalid values (every
# boundary of every field) are sent as the identities that get past it for most operations; the
# others get its valid values and the fuzzing phase's random valid and invalid requests.
NEGATIVE_COVERAGE = {"admin", "supervisor", "damkar", "cti", "tracker"}
# The CSRF cookie and header a browser sends with its session (DRF checks them on writes).
CSRF = "a" * 32


def _seed(ambon) -> dict[str, dict[str, str]]:
    """The cast, a call, an incident with an accepted ticket and a unit on it; the headers each
    identity signs in with."""
    people = {
        "call-taker": User.objects.create_user("operator", password=PASSWORD, role=Role.CALL_TAKER),
        "dispatcher": User.objects.create_user(
            "dispatcher", password=PASSWORD, role=Role.DISPATCHER
        ),
        "supervisor": User.objects.create_user(
            "supervisor", password=PASSWORD, role=Role.SUPERVISOR
        ),
        "verifier": User.objects.create_user("verifier", password=PASSWORD, role=Role.VERIFIER),
        "admin": User.objects.create_user("admin", password=PASSWORD, role=Role.ADMIN),
        "damkar": User.objects.create_user(
            "damkar",
            password=PASSWORD,
            role=Role.AGENCY_DESK,
            agency=Agency.objects.get(code="damkar"),
        ),
    }
    operator = people["call-taker"]
    call, _changed = receive_call_event(
        call_id="fuzz-1", event="ringing", number="+6281200009999", adapter="pbx"
    )
    take_call(call=call, by=operator)
    receive_call_event(call_id="fuzz-2", event="ringing", number="+6281200008888", adapter="pbx")
    incident = create_incident(
        call=call,
        by=operator,
        incident_type=IncidentType.objects.get(code="kebakaran.rumah"),
        lat=-3.69,
        lon=128.18,
    )
    damkar = Agency.objects.get(code="damkar")
    ticket = notify_agency(incident=incident, agency=damkar, by=people["dispatcher"])
    accept_ticket(ticket=ticket, by=people["damkar"])
    engine = Unit.objects.filter(agency=damkar).order_by("pk").first()
    dispatch_unit(ticket=ticket, unit=engine, by=people["damkar"])

    headers = {}
    for name, user in people.items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.cookies["sessionid"].value
        headers[name] = {
            SESSION_HEADER: f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        }
    _token, cti = create_machine_token(name="fuzz-pbx", kind=MachineToken.Kind.CTI)
    _token, tracker = create_machine_token(
        name="fuzz-tracker", kind=MachineToken.Kind.TRACKER, agency=damkar
    )
    headers["cti"] = {"Authorization": f"Token {cti}"}
    headers["tracker"] = {"Authorization": f"Token {tracker}"}
    return headers


def _signed_in(app):
    """The WSGI app as schemathesis's worker threads call it: the session from SESSION_HEADER,
    and each thread's database connection back to the pool after every request (a thread that
    ends holding one would empty the pool)."""

    def wsgi(environ, start_response):
        cookie = environ.pop("HTTP_" + SESSION_HEADER.upper().replace("-", "_"), None)
        if cookie is not None:
            environ["HTTP_COOKIE"] = cookie
        response = app(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()
        return [body]

    return wsgi


def _run(
    app, raw_schema: dict, identity: str, headers: dict[str, str], *, negative: bool
) -> tuple[int, int, Counter, dict[str, str]]:
    config = SchemathesisConfig.from_dict(
        {
            "seed": 112,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {
                "stateful": {"enabled": False},
                # Methods a path does not have are Django's and DRF's 405s, not this schema's.
                "coverage": {
                    "unexpected-methods": [],
                    "generate-duplicate-query-parameters": False,
                    **({} if negative else {"generation": {"mode": "positive"}}),
                },
            },
            "workers": int(os.environ.get("AMBON112_FUZZ_WORKERS", "1")),
            "headers": headers,
            "suppress-health-check": ["all"],
        }
    )
    schema = schemathesis.openapi.from_dict(raw_schema, config=config)
    schema.app = app
    labels, cases, failures, messages = set(), 0, Counter(), {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            labels.add(recorder.label)
            cases += len(recorder.cases)
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE:
                        failures[check.name] += 1
                        info = check.failure_info
                        title = info.failure.title if info else ""
                        detail = (info.failure.message if info else "")[:300]
                        messages.setdefault(
                            f"[{identity}] {recorder.label}: {check.name}: {title}", detail
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            messages[f"[{identity}] error: {getattr(event, 'info', event)}"] = ""
            failures["error"] += 1
    return len(labels), cases, failures, messages


def test_every_answer_is_one_the_openapi_schema_promises(ambon):
    if schemathesis is None:
        if CI:
            pytest.fail("CI=true and schemathesis is not installed (pip install -e '.[test]')")
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    headers = _seed(ambon)
    app = _signed_in(get_wsgi_application())
    # The schema as staff read it (a machine token may not).
    response = Client().get(
        "/api/schema/", HTTP_ACCEPT="application/json", HTTP_COOKIE=headers["admin"][SESSION_HEADER]
    )
    assert response.status_code == 200
    raw_schema = response.json()
    only = os.environ.get("AMBON112_FUZZ_ROLES")
    total_cases, total_failures, all_messages, operations = 0, Counter(), {}, 0
    for identity, identity_headers in headers.items():
        if only and identity not in only.split(","):
            continue
        started = time.monotonic()
        ops, cases, failures, messages = _run(
            app, raw_schema, identity, identity_headers, negative=identity in NEGATIVE_COVERAGE
        )
        operations = max(operations, ops)
        total_cases += cases
        total_failures += failures
        all_messages.update(messages)
        print(
            f"{identity}: {cases} cases in {time.monotonic() - started:.0f} s, "
            f"failures {dict(failures)}"
        )
    print(
        f"schemathesis: {operations} operations, {total_cases} cases, "
        f"failures by check: {dict(total_failures) or 'none'}"
    )
    assert not all_messages, "\n".join(f"{key} {detail}" for key, detail in all_messages.items())
