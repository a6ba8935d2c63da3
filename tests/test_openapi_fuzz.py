"""The OpenAPI schema tells the truth (issue #14): schemathesis calls every operation of
/api/schema/ as each role of the cast and each machine, in process through the WSGI app, and
every answer must be one the schema promises — its status code, content type and body — and
never a server error. Invalid input (by the schema) must be refused, and valid input accepted
unless it breaks one of the UNSTATED_RULES that depend on data the schema cannot hold.

The run is bounded (a few examples per operation and role) so the whole suite stays fast; the
figures are printed for the record (`pytest -s tests/test_openapi_fuzz.py`).
"""

import json
import os
import re
import threading
import time
from collections import Counter

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.test import Client
from django.utils import translation
from rest_framework.relations import PrimaryKeyRelatedField, SlugRelatedField

from agencies.models import Agency, MachineToken, Role, Unit, User
from agencies.services import create_machine_token
from dispatch.services.assignments import dispatch_unit
from dispatch.services.crew import start_shift
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.services.calls import receive_call_event
from tests.conftest import CI, PASSWORD
from tests.fires import house_fire

try:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events
except ImportError:  # pragma: no cover - the test extras are not installed
    schemathesis = None

# About 5 minutes on a 2-CPU machine (110 operations, nine identities).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

# A few examples per operation and identity: 8 identities x 72 operations stay within minutes.
MAX_EXAMPLES = int(os.environ.get("AMBON112_FUZZ_EXAMPLES", "3"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
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
# Rules a request the schema calls valid can still break, because they depend on rows, on other
# fields or on the clock, which OpenAPI cannot state. A 400 to a schema-valid request passes
# positive_data_acceptance only when every message in it is one of these (any other is a schema
# that does not tell the truth); they are counted and printed.
UNSTATED_RULES = [
    "Text may not contain the NUL character.",  # PostgreSQL cannot store it
    SlugRelatedField.default_error_messages["does_not_exist"],  # a code no row has
    PrimaryKeyRelatedField.default_error_messages["does_not_exist"],  # an id no row has
    "%(model_name)s with this %(field_label)s already exists.",
    "This is not a phone number.",  # well-formed, but no number of the numbering plan
    "This time is more than %(hours)s hours away from the server's clock (%(now)s UTC); "
    "check the device's clock.",
    "This metric is not computed from %(source)s.",
    "This station belongs to another agency.",
    "Give a list of regency codes among: %(codes)s.",  # the regencies our area data covers
    "Unknown agency “%(code)s”.",  # a report's filter naming a row that does not exist
    "Unknown kecamatan “%(code)s”.",
    # A contact logged by hand (issue #15): its time against the clock, and what its channel needs.
    "The time received cannot be later than now (%(now)s WIT): a contact is logged after it "
    "arrived.",
    "The time received is more than %(days)s days ago; check the date.",
    "An SMS or WhatsApp contact needs the sender's number.",
    "Choose the social-media platform.",
    "Give the account or handle that posted it.",
    "A platform is only given for social media.",
    "Write the message's text, or a summary of what was said.",  # blank once trimmed
    "Choose the hospital or puskesmas.",  # a crew's transport step names where (issue #19)
    # Desks and the answer at a handset (issue #15): extensions known to a desk, one desk each.
    "Extension %(extension)s is on no position: an administrator adds it to one first.",
    "An extension goes only with the 'answered' event.",
    "Extension %(extension)s is already on position %(position)s.",
    "A position with this name already exists.",
    "Say why you are taking a break.",  # a break, and no reason given
    # Hazards (issue #20): rows named by id or code, an area given one way or another, the
    # times of a warning against each other and the clock, what a GeoJSON polygon must be.
    "There is no such call.",
    "There is no such earthquake.",
    "There is no such major incident.",
    "Unknown area code(s): %(codes)s.",
    "Unknown value “%(value)s”.",  # a report's major incident that does not exist
    "Choose the area: kecamatan, desa or a polygon.",
    "Choose the area: kelurahan/desa, kecamatan or a circle.",
    "Give a GeoJSON Polygon in lon/lat.",
    "The polygon is not valid: %(why)s.",
    "The polygon lies outside the earth's coordinates.",
    "The warning must expire after its onset.",
    "The warning would already have expired.",
    "An English instruction needs an English headline.",
    # Escalations (issue #16): one subject or all (a oneOf DRF cannot state), the policy's own
    # shelving limit, a reason that is only spaces.
    "Give either watch, subject_type and subject_id, or all: true.",
    "Shelve for 1 to %(max)s minutes (the policy's limit).",
    "Say why these alarms are shelved.",
]


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
    people["crew"] = User.objects.create_user(
        "damkar-crew", password=PASSWORD, role=Role.CREW, agency=people["damkar"].agency
    )
    operator = people["call-taker"]
    _call, incident = house_fire(by=operator, call_id="fuzz-1", number="+6281200009999")
    receive_call_event(call_id="fuzz-2", event="ringing", number="+6281200008888", adapter="pbx")
    damkar = Agency.objects.get(code="damkar")
    ticket = notify_agency(incident=incident, agency=damkar, by=people["dispatcher"])
    accept_ticket(ticket=ticket, by=people["damkar"])
    engine = Unit.objects.filter(agency=damkar).order_by("pk").first()
    dispatch_unit(ticket=ticket, unit=engine, by=people["damkar"])
    start_shift(crew=people["crew"], unit=engine, by=people["crew"])  # its phone (issue #19)

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
    rules = _rule_patterns()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            labels.add(recorder.label)
            cases += len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status != Status.FAILURE:
                        continue
                    if check.name == "positive_data_acceptance" and _breaks_an_unstated_rule(
                        recorder, case_id, rules
                    ):
                        failures["allowed: unstated rule"] += 1
                        continue
                    failures[check.name] += 1
                    messages.setdefault(
                        f"[{identity}] {recorder.label}: {check.name}",
                        _describe(recorder, case_id, check),
                    )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            messages[f"[{identity}] error: {getattr(event, 'info', event)}"] = ""
            failures["error"] += 1
    return len(labels), cases, failures, messages


def _rule_patterns() -> list[re.Pattern]:
    """UNSTATED_RULES as the server says them (in Bahasa Indonesia), placeholders as wildcards;
    a message may name its field first ("reason: …")."""
    patterns = []
    with translation.override("id"):
        for msgid in UNSTATED_RULES:
            text = re.escape(str(translation.gettext(msgid)))
            text = re.sub(r"%\\\(\w+\\\)s|\\\{\w+\\\}", ".+", text)
            patterns.append(re.compile(f"^(?:[^:]+: )?{text}$"))
    return patterns


def _messages(errors) -> list[str]:
    if isinstance(errors, dict):
        return [text for value in errors.values() for text in _messages(value)]
    if isinstance(errors, list):
        return [text for value in errors for text in _messages(value)]
    return [str(errors)]


def _breaks_an_unstated_rule(recorder, case_id: str, rules: list[re.Pattern]) -> bool:
    response = recorder.find_response(case_id=case_id)
    if response is None or response.status_code != 400:
        return False
    try:
        body = json.loads(response.text)
    except ValueError:
        return False
    messages = _messages(body["errors"]) if "errors" in body else [body.get("detail", "")]
    return bool(messages) and all(any(r.match(text) for r in rules) for text in messages)


def _describe(recorder, case_id: str, check) -> str:
    """What was sent and what came back, so a failure can be reproduced from the message."""
    info = check.failure_info
    case = recorder.cases[case_id].value
    response = recorder.find_response(case_id=case_id)
    answer = f"{response.status_code} {response.text[:200]}" if response is not None else ""
    sent = {"path": case.path_parameters, "query": case.query, "body": case.body}
    return f"{info.failure.message if info else ''}\n    sent: {sent!r:.300}\n    got: {answer}"


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
