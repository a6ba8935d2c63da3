"""No input reaches a 500 (issue #14): every bad input gets a 4xx with a message, nothing is
written, and a walk over every URL pattern with bad inputs finds no 5xx.

PostgreSQL matters here: a NUL, a lone surrogate and a bigint overflow fail only there.
"""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from agencies.models import Agency, MachineToken, Unit
from agencies.services import create_machine_token
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.aml import build_aml_body
from incidents.models import AmlMessage, Call, Incident, IncidentNote, IncidentType
from incidents.services.calls import create_incident, receive_call_event, take_call

HUGE = "99999999999999999999"  # 20 digits: more than a PostgreSQL bigint holds
NESTED = "[" * 5000 + "]" * 5000  # the standard parser fails on this with a RecursionError
BATU_MERAH = (-3.6890, 128.1920)  # Sirimau, Kota Ambon


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    return english(client)


@pytest.fixture
def damkar_client(damkar):
    client = Client()
    client.force_login(damkar, backend="django.contrib.auth.backends.ModelBackend")
    return english(client)


def token_client(kind: str, agency: Agency | None = None) -> Client:
    _token, secret = create_machine_token(name=f"{kind}-probe", kind=kind, agency=agency)
    return english(Client(HTTP_AUTHORIZATION=f"Token {secret}"))


@pytest.fixture
def cti(ambon):
    return token_client(MachineToken.Kind.CTI)


@pytest.fixture
def tracker(ambon):
    return token_client(MachineToken.Kind.TRACKER, Agency.objects.get(code="damkar"))


def post(client, url, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


@pytest.fixture
def scene(operator, dispatcher, damkar):
    """A house fire in Batu Merah from a call, forwarded to Damkar, DAMKAR-01 on its way."""
    call, _changed = receive_call_event(
        call_id="scene-1", event="ringing", number="+6281200001234", adapter="pbx"
    )
    take_call(call=call, by=operator)
    incident = create_incident(
        call=call,
        by=operator,
        incident_type=IncidentType.objects.get(code="kebakaran.rumah"),
        lat=BATU_MERAH[0],
        lon=BATU_MERAH[1],
    )
    ticket = notify_agency(
        incident=incident, agency=Agency.objects.get(code="damkar"), by=dispatcher
    )
    accept_ticket(ticket=ticket, by=damkar)
    engine = Unit.objects.get(call_sign="DAMKAR-01")
    assignment = dispatch_unit(ticket=ticket, unit=engine, by=damkar)
    return {
        "call": Call.objects.get(pk=call.pk),
        "incident": incident,
        "ticket": ticket,
        "assignment": assignment,
        "unit": engine,
    }


# --- 1. Bodies: size and nesting -----------------------------------------------------------------


def test_deeply_nested_json_is_a_400_naming_the_limit(admin_client, scene):
    url = reverse("incident-notes", args=[scene["incident"].pk])
    response = post(admin_client, url, NESTED)
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON is nested more than 32 levels deep."}
    nested_object = '{"text":' * 40 + '"x"' + "}" * 40
    assert post(admin_client, url, nested_object).status_code == 400
    assert not IncidentNote.objects.exists()


def test_deeply_nested_json_to_the_telephony_adapter_is_a_400(cti):
    response = post(cti, reverse("cti-events"), NESTED)
    assert response.status_code == 400 and "nested" in response.json()["detail"]


def test_a_body_over_the_upload_limit_is_a_413(admin_client, scene, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    url = reverse("incident-notes", args=[scene["incident"].pk])
    response = post(admin_client, url, {"text": "x" * 2000})
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1000 bytes."}
    assert post(admin_client, url, {"text": "x" * 900}).status_code == 201


# --- 2. Text PostgreSQL cannot store -------------------------------------------------------------


def test_a_lone_surrogate_in_a_choice_field_is_a_400_naming_the_field(cti):
    body = '{"call_id": "c-1", "event": "\\ud800", "number": "+6281200001234"}'
    response = post(cti, reverse("cti-events"), body)
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "event: Text must be valid Unicode: a lone surrogate (such as \\ud800) is not a character."
    )
    assert not Call.objects.filter(call_id="c-1").exists()


def test_a_lone_surrogate_as_a_field_name_or_deep_in_a_list_is_a_400(admin_client, tracker):
    assert post(admin_client, reverse("agency-list"), '{"\\ud800": 1}').status_code == 400
    body = '{"positions": [{"call_sign": "DAMKAR-\\udfff", "lat": -3.7, "lon": 128.17}]}'
    response = post(tracker, reverse("tracker-positions"), body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("positions.0.call_sign: ")


def test_a_surrogate_pair_is_a_character_and_welcome(admin_client, scene):
    url = reverse("incident-notes", args=[scene["incident"].pk])
    response = post(admin_client, url, '{"text": "Api besar \\ud83d\\udd25"}')
    assert response.status_code == 201
    assert IncidentNote.objects.get().text == "Api besar \U0001f525"


def test_a_nul_in_a_body_or_a_query_string_is_a_400(admin_client, scene):
    url = reverse("incident-notes", args=[scene["incident"].pk])
    assert post(admin_client, url, '{"text": "a\\u0000b"}').status_code == 400
    response = admin_client.get(reverse("incident-list"), {"kecamatan": "\x00"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Text may not contain the NUL character."}
    assert admin_client.get(reverse("situation-map"), {"agency": "a\x00"}).status_code == 400
    assert admin_client.get("/api/situation/areas/%00/").status_code == 400


def test_the_message_is_in_indonesian_by_default(scene, admin_user):
    client = Client()
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("incident-list"), {"kecamatan": "\x00"})
    assert response.json() == {"detail": "Teks tidak boleh berisi karakter NUL."}


# --- 3. Dates and times within reason ------------------------------------------------------------


@pytest.mark.parametrize("start,end", [("0001-01-01", "2026-10-31"), ("2026-10-01", "9999-12-31")])
def test_a_report_for_year_1_or_9999_is_a_400_with_a_message(supervisor, start, end):
    client = Client()
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    english(client)
    extra = {"report-rows": {"source": "calls"}, "report-export": {"format": "csv"}}
    for name in ("report-summary", "report-rows", "report-export", "report-integrity"):
        response = client.get(reverse(name), {"start": start, "end": end, **extra.get(name, {})})
        assert response.status_code == 400, name
        errors = response.json()["errors"]
        field = "start" if start.startswith("0001") else "end"
        assert errors[field] == ["Give a day between 2000-01-01 and 2099-12-31."], name


def test_a_cti_time_in_year_1_is_refused_and_nothing_is_stored(cti):
    body = {"call_id": "c-1", "event": "ringing", "number": "+6281200001234"}
    response = post(cti, reverse("cti-events"), {**body, "at": "0001-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "more than 24 hours away from the server's clock" in response.json()["errors"]["at"][0]
    response = post(cti, reverse("cti-events"), {**body, "at": "9999-12-31T23:59:59Z"})
    assert response.status_code == 400 and "at" in response.json()["errors"]
    assert not Call.objects.exists()


def test_a_pbx_clock_minutes_off_still_records_the_call_flagged(cti):
    at = timezone.now() + timedelta(minutes=3)
    body = {"call_id": "c-1", "event": "ringing", "number": "+6281200001234", "at": at}
    response = post(cti, reverse("cti-events"), body)
    assert response.status_code == 201
    assert 179 < response.json()["clock_skew_s"] < 181


def test_a_tracker_fix_from_a_broken_clock_is_refused(tracker):
    fix = {"call_sign": "DAMKAR-03", "lat": -3.70, "lon": 128.17, "at": "2006-03-12T00:00:00Z"}
    response = post(tracker, reverse("tracker-positions"), {"positions": [fix]})
    assert response.status_code == 400
    assert "at" in response.json()["errors"]["positions"]["0"]
    assert Unit.objects.get(call_sign="DAMKAR-03").last_lat is None


# --- 3. Places within Maluku ---------------------------------------------------------------------


def test_a_unit_placed_at_0_0_or_outside_maluku_is_refused(damkar_client):
    engine = Unit.objects.get(call_sign="DAMKAR-03")
    url = reverse("fleet-position", args=[engine.pk])
    response = post(damkar_client, url, {"lat": 0, "lon": 0})
    assert response.status_code == 400
    assert "Latitude 0, longitude 0" in response.json()["errors"]["non_field_errors"][0]
    response = post(damkar_client, url, {"lat": -6.2, "lon": 106.8})  # Jakarta
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "This point is outside Maluku (latitude -9.0 to -2.0, longitude 124.0 to 136.0)."
    ]
    assert post(damkar_client, url, {"lat": -3.30, "lon": 128.95}).status_code == 200  # Masohi
    engine.refresh_from_db()
    assert (engine.last_lat, engine.last_lon) == (-3.30, 128.95)


def test_a_tracker_fix_at_0_0_is_refused(tracker):
    fix = {"call_sign": "DAMKAR-03", "lat": 0, "lon": 0}
    response = post(tracker, reverse("tracker-positions"), {"positions": [fix]})
    assert response.status_code == 400
    assert Unit.objects.get(call_sign="DAMKAR-03").last_lat is None


def test_a_cti_location_outside_maluku_is_refused(cti):
    body = {
        "call_id": "c-1",
        "event": "ringing",
        "number": "+6281200001234",
        "location": {"lat": 0, "lon": 0, "radius_m": 10},
    }
    response = post(cti, reverse("cti-events"), body)
    assert response.status_code == 400 and "location" in response.json()["errors"]
    assert not Call.objects.exists()


def test_an_incident_outside_maluku_is_refused(client_for, operator):
    call, _changed = receive_call_event(
        call_id="c-1", event="ringing", number="+6281200001234", adapter="pbx"
    )
    take_call(call=call, by=operator)
    client = english(client_for(operator))
    body = {"incident_type": "kebakaran.rumah", "lat": 3.7, "lon": 128.19}  # north: sign typo
    response = post(client, reverse("call-incident", args=[call.pk]), body)
    assert response.status_code == 400
    assert "outside Maluku" in response.json()["errors"]["non_field_errors"][0]
    assert not Incident.objects.exists()


def test_an_aml_fix_at_0_0_or_outside_maluku_is_refused_by_field(cti):
    for lat, lon, field in [(0, 0, "lt"), (3.7, 128.2, "lt"), (-3.7, 106.8, "lg")]:
        body = build_aml_body(
            lat=lat, lon=lon, radius_m=15, positioned_at=timezone.now() - timedelta(seconds=5)
        )
        response = post(cti, reverse("cti-aml"), {"number": "+6281200001234", "body": body})
        assert response.status_code == 400
        assert response.json()["errors"]["body"][0].startswith(f"{field}: ")
    assert not AmlMessage.objects.exists()


# --- 4. Ids that do not fit, or are not ids ------------------------------------------------------


@pytest.mark.parametrize("bad", [HUGE, "abc", "1e3"])
def test_an_id_that_is_no_bigint_is_a_404(admin_client, bad):
    assert admin_client.get(f"/api/incidents/{bad}/").status_code == 404
    assert admin_client.get(f"/api/tickets/{bad}/").status_code == 404
    assert post(admin_client, f"/api/assignments/{bad}/en-route/", {}).status_code == 404
    assert post(admin_client, f"/api/escalations/{bad}/acknowledge/", {}).status_code == 404
    assert admin_client.get(f"/incidents/{bad}/").status_code == 404


def test_a_huge_id_in_a_query_or_a_body_is_a_400(admin_client, scene):
    for name in ("ticket-list", "assignment-list"):
        response = admin_client.get(reverse(name), {"incident": HUGE})
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["incident"]
    assert admin_client.get(reverse("events"), {"after": HUGE}).status_code == 400
    url = reverse("call-attach", args=[scene["call"].pk])
    response = post(admin_client, url, {"incident": int(HUGE)})
    assert response.status_code == 400 and "incident" in response.json()["errors"]


# --- 5. OPTIONS on every API route ---------------------------------------------------------------


def test_options_answers_on_every_api_route(admin_client, cti, tracker, crew, scene):
    machines = {"/api/cti/events/": cti, "/api/cti/aml/": cti, "/api/tracker/positions/": tracker}
    machines["/api/gateway/messages/"] = cti  # the message gateway holds a telephony token
    crew_client = Client()
    crew_client.force_login(crew, backend="django.contrib.auth.backends.ModelBackend")
    answered = []
    for pattern in api_patterns():
        url = concrete(pattern, scene)
        client = crew_client if url.startswith("/api/crew/") else admin_client
        response = machines.get(url, client).options(url)
        assert response.status_code == 200, (url, response.status_code)
        answered.append(url)
    assert len(answered) > 50


def test_options_describes_the_input_of_reference_data(admin_client):
    body = admin_client.options(reverse("agency-list")).json()
    assert "code" in body["actions"]["POST"]


# --- 6. Deleting what is still in use ------------------------------------------------------------


def test_deleting_an_agency_still_in_use_over_the_api_is_a_409_saying_why(admin_client, scene):
    damkar = Agency.objects.get(code="damkar")
    response = admin_client.delete(reverse("agency-detail", args=[damkar.pk]))
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("This cannot be deleted: it is still used by ")
    assert "tickets (1)" in detail and "units (" in detail
    response = admin_client.delete(reverse("unit-detail", args=[scene["unit"].pk]))
    assert response.status_code == 409  # on a call: the refusal names the call
    assert response.json()["detail"] == (
        f"{scene['unit'].call_sign} is on a call, incident #{scene['incident'].pk} (House fire): "
        "clear it or call it back before deleting it."
    )
    assert Unit.objects.filter(pk=scene["unit"].pk).exists()


@pytest.mark.parametrize("model", ["agencies/agency", "agencies/unit", "incidents/incidenttype"])
def test_the_admin_refuses_to_delete_what_is_still_in_use(admin_user, scene, model):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = english(Client())
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    obj = {
        "agencies/agency": scene["ticket"].agency,
        "agencies/unit": scene["unit"],
        "incidents/incidenttype": scene["incident"].incident_type,
    }[model]
    on_a_call = model == "agencies/unit"  # refused before the confirmation, naming the call
    action = "delete_units" if on_a_call else "delete_selected"
    for response in (
        client.post(f"/admin/{model}/{obj.pk}/delete/", {"post": "yes"}),
        client.post(
            f"/admin/{model}/",
            {"action": action, "_selected_action": [obj.pk], "post": "yes"},
        ),
    ):
        if on_a_call:
            assert response.status_code == 302
            said = [str(m) for m in get_messages(response.wsgi_request)]
            assert any(f"{obj.call_sign} is on a call" in m for m in said), said
        else:
            assert response.status_code == 200
            assert "protected related objects" in response.content.decode()
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- 7. The API's documentation and machine tokens -----------------------------------------------


def test_the_api_docs_answer_403_to_a_machine_token(cti):
    assert cti.get(reverse("schema")).status_code == 403
    response = cti.get(reverse("api-docs"))
    assert response.status_code == 403 and "detail" in response.json()
    assert cti.options(reverse("api-docs")).status_code == 403


def test_the_api_docs_still_open_for_staff(admin_client):
    assert admin_client.get(reverse("api-docs")).status_code == 200
    assert admin_client.options(reverse("api-docs")).status_code == 200


# --- 8. Every URL pattern with bad inputs --------------------------------------------------------

BODIES = [
    NESTED,
    '{"\\ud800": "\\ud800"}',
    '{"code": "\\u0000", "name": "a\\u0000", "regencies": ["\\u0000"], "text": "\\u0000"}',
    # Every input field of the API, with a value of the wrong kind.
    '{"event": "\\ud800", "call_id": [], "number": {}, "lat": "x", "lon": [], "at": "0001-01-01",'
    ' "positions": "x", "agencies": 5, "unit": [1], "incident": ' + HUGE + ","
    ' "destination": ' + HUGE + ', "station": "' + HUGE + '", "agency": ' + HUGE + ","
    ' "priority": ' + HUGE + ', "outcome": "\\udfff", "in_service": "perhaps",'
    ' "incident_type": {"a": [1]}, "reason": null, "hours": 1e999, "disposition": 3}',
    "[1, 2]",
    '"x"',
    "",
]
QUERIES = [
    {
        "incident": HUGE,
        "after": HUGE,
        "limit": HUGE,
        "page": HUGE,
        "start": "0001-01-01",
        "end": "9999-12-31",
        "status": "x",
        "state": "x",
        "level": "x",
        "lat": "nan",
        "lon": "inf",
        "group": HUGE,
        "by": "priority",
        "priority": HUGE,
    },
    {"start": "2026-10-01", "end": "2026-10-31", "by": "priority", "group": HUGE, "page": HUGE},
    {"category": "\x00", "incident": "abc"},
]


def walk(resolver, prefix=""):
    """(pattern, view) of every URL pattern."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def api_patterns() -> list[str]:
    return [p for p, _view in walk(get_resolver()) if p.startswith("api/") and "docs" not in p]


def writes(view) -> list[str]:
    """The write methods a view answers (an API view's; a page answers none)."""
    actions = getattr(view, "actions", None)
    if actions is not None:
        return [m for m in ("post", "put", "patch") if m in actions]
    cls = getattr(view, "cls", None)
    return [m for m in ("post", "put", "patch") if cls is not None and hasattr(cls, m)]


def concrete(pattern: str, scene: dict | None, value: str | None = None) -> str:
    """A URL of `pattern` with its placeholders filled: an existing row's id where one is
    known, else `value`."""
    ids = {}
    if scene:
        ids = {
            "calls": scene["call"].pk,
            "incidents": scene["incident"].pk,
            "tickets": scene["ticket"].pk,
            "assignments": scene["assignment"].pk,
            "fleet": scene["unit"].pk,
            "units": scene["unit"].pk,
            "agencies": scene["ticket"].agency_id,
            "incident-types": scene["incident"].incident_type_id,
            "callers": scene["call"].caller_id,
            "areas": "81.71.02",
        }
    path = pattern.replace("^", "").replace("$", "").replace("\\Z", "")
    prefix = path.removeprefix("api/").split("/")[0]
    filler = value if value is not None else str(ids.get(prefix, 1))
    path = re.sub(r"\(\?P<\w+>(?:[^()]|\([^()]*\))*\)", filler, path)
    path = re.sub(r"<[^>]+>", filler, path)
    return "/" + path


def requests_for(pattern: str, view, scene: dict, *, machine: bool):
    """(method, url, query, body) of the bad inputs tried on one URL pattern: bad ids where it
    takes one; bad queries and bodies on the API (all of them for the operations user, whom
    every view lets in; the machine token mostly meets refusals, so fewer)."""
    admin_page = pattern.startswith("admin/")
    if re.search(r"<|\(\?P", pattern):
        for filler in (HUGE, "abc"):
            url = concrete(pattern, scene, filler)
            yield "get", url, None, None
            if not admin_page:
                yield "post", url, None, "{}"
    url = concrete(pattern, scene)
    if admin_page:
        return  # the admin's own pages are forms, tried with bad ids above
    yield "options", url, None, None
    yield "get", url, None, None
    if pattern == "api/schema/":
        return  # the whole schema on every query: slow, and it reads no parameter
    queries, bodies = (QUERIES[:1], BODIES[:1] + BODIES[3:4]) if machine else (QUERIES, BODIES)
    for query in queries:
        yield "get", url, query, None
    for method in writes(view) or ["post"]:  # a view that writes nothing: one 405
        for body in bodies if writes(view) else ["{}"]:
            yield method, url, None, body


@pytest.mark.timeout(60)
def test_no_bad_input_on_any_route_gets_a_5xx(admin_user, scene, cti):
    admin_user.is_staff = admin_user.is_superuser = True  # the admin's pages too
    admin_user.save()
    operations = Client(raise_request_exception=False)
    operations.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    machine = Client(
        raise_request_exception=False, HTTP_AUTHORIZATION=cti.defaults["HTTP_AUTHORIZATION"]
    )
    # /healthz answers 503 when the deadline check is not running (here): not about input.
    patterns = [(p, v) for p, v in walk(get_resolver()) if "logout" not in p and p != "healthz"]
    failures, requests, began = [], 0, time.monotonic()
    for who, client in (("operations", operations), ("machine", machine)):
        for pattern, view in patterns:
            bad = requests_for(pattern, view, scene, machine=who == "machine")
            for method, url, query, body in bad:
                requests += 1
                if body is not None:
                    response = getattr(client, method)(url, body, "application/json")
                elif query is not None:
                    response = client.get(url, query)
                else:
                    response = getattr(client, method)(url)
                if response.status_code >= 500:
                    failures.append((who, method.upper(), url, query, (body or "")[:40]))
    elapsed = time.monotonic() - began
    assert failures == []
    assert requests > 800, requests
    print(f"{requests} requests in {elapsed:.1f} s")
