"""A verifier reads no caller whole, anywhere (issue #14): every route of the project is walked
as the verifier over an incident whose every free-text field holds phone numbers (typed in five
ways) and callers' full names, and no response body (JSON, HTML, CSV, the XLSX's text, the PDF's
text) holds any of them. The routes come from the resolver, so a route added tomorrow is walked
too; the same walk as a supervisor proves the seed does reach the responses.
"""

import html
import io
import shutil
import subprocess
import zipfile
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from agencies.models import Agency, Area, Unit
from ambon112.realtime import ConsoleConsumer
from dispatch.deadlines import escalate_overdue
from dispatch.models import Escalation
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.crew import start_shift
from dispatch.services.incidents import close_incident, reopen_incident
from dispatch.services.tickets import accept_ticket, decline_ticket, notify_agencies
from dispatch.services.units import set_in_service
from incidents.models import IncidentType
from incidents.services.callers import block_caller
from incidents.services.calls import (
    attach_call_to_incident,
    create_incident,
    dispose_call,
    receive_call_event,
    take_call,
)
from incidents.services.incidents import add_note
from tests.conftest import CI
from tests.fires import house_fire
from tests.test_verifier_readonly import leaf_patterns, one_of_each, path_of

# The caller's own number, as the PBX sends it, and the numbers typed into free text: E.164,
# E.164 with spaces, national with hyphens, national with spaces, 62… without "+", a landline.
CALLER = "+6281277001001"
UNANSWERED = "+6281377002002"
SECOND_CALLER = "+6285277003003"
CALLBACK = "+6285298704004"
TYPED = {
    "description": "0812-3456-7005",
    "address": "+62 812 3456 7006",
    "call_notes": "0813 4567 7007",
    "note": "6281345677008",
    "decline": "(0911) 352009",
    "cancel": "+6281234567010",
    "close": "0821-1234-7011",
    "reopen": "62 821 1234 7012",
    "second_notes": "081234567013",
    "dispose_notes": "0812 9876 7014",
    "service": "(0911) 312015",
    "block": "0812-7777-7016",
}
NAME = "Budi Santoso"
SECOND_NAME = "Siti Nurhaliza Rahman"
NUMBERS = [CALLER, UNANSWERED, SECOND_CALLER, CALLBACK, *TYPED.values()]
SECRETS = [*NUMBERS, NAME, SECOND_NAME]

# Not walked: signing out and choosing a language (POST-only, no data); everything else is.
SKIPPED = {"logout", "admin:logout", "set_language"}


def text(field: str, name: str = NAME) -> str:
    """Free text as a call-taker types it: a name and a number in a sentence."""
    return f"Pelapor {name} minta ditelepon ke {TYPED[field]}, rumah dekat masjid"


@pytest.fixture
def seeded(ambon, operator, dispatcher, supervisor, damkar, dinkes):
    """An incident with callers' numbers and names in every field that can hold them: the
    incident (description, address), its calls (name, callback number, notes), a note, a
    declined ticket's reason, a cancelled unit's reason, the closing note and the reopening
    reason; a call that rang out and escalated (its summary names the number), a prank call
    disposed with notes, a caller blocked with a reason, a unit out of service with a reason."""
    call, incident = house_fire(
        by=operator,
        call_id="walk-1",
        number=CALLER,
        line="112-1",
        area=Area.objects.get(code="81.71.02.2003"),
        address=f"Jl. Sudirman 5, rumah {NAME}, telp {TYPED['address']}",
        caller_name=NAME,
        callback_number=CALLBACK,
        notes=text("call_notes"),
        description=f"Api di dapur; {SECOND_NAME} ({TYPED['description']}) juga melapor",
    )
    second, _changed = receive_call_event(
        call_id="walk-2", event="ringing", number=SECOND_CALLER, adapter="pbx"
    )
    take_call(call=second, by=operator)
    attach_call_to_incident(
        call=second,
        by=operator,
        incident=incident,
        caller_name=SECOND_NAME,
        notes=text("second_notes", SECOND_NAME),
    )
    add_note(incident=incident, by=operator, text=text("note"))
    damkar_agency, dinkes_agency = (
        Agency.objects.get(code="damkar"),
        Agency.objects.get(code="dinkes"),
    )
    fire_ticket, health_ticket = notify_agencies(
        incident=incident, agencies=[damkar_agency, dinkes_agency], by=dispatcher
    )
    accept_ticket(ticket=fire_ticket, by=damkar)
    decline_ticket(ticket=health_ticket, by=dinkes, reason=text("decline"))
    engine = Unit.objects.get(call_sign="DAMKAR-01")
    first_out = dispatch_unit(ticket=fire_ticket, unit=engine, by=damkar)
    advance(assignment=first_out, step="cancel", by=damkar, reason=text("cancel"))
    assignment = dispatch_unit(ticket=fire_ticket, unit=engine, by=damkar)
    spare = Unit.objects.filter(agency=damkar_agency).exclude(pk=engine.pk).first()
    set_in_service(unit=spare, by=damkar, in_service=False, reason=text("service"))
    prank, _changed = receive_call_event(
        call_id="walk-3", event="ringing", number=UNANSWERED, adapter="pbx"
    )
    escalate_overdue(timezone.now() + timedelta(hours=6))
    take_call(call=prank, by=operator)
    dispose_call(
        call=prank, by=operator, disposition="prank", caller_name=NAME, notes=text("dispose_notes")
    )
    block_caller(caller=prank.caller, by=supervisor, reason=text("block"))
    # A second, closed then reopened incident on the second call's number.
    fourth, _changed = receive_call_event(
        call_id="walk-4", event="ringing", number=SECOND_CALLER, adapter="pbx"
    )
    take_call(call=fourth, by=operator)
    closed = create_incident(
        call=fourth,
        by=operator,
        incident_type=IncidentType.objects.get(code="kebakaran.rumah"),
        caller_name=SECOND_NAME,
        description=text("close", SECOND_NAME),
    )
    close_incident(incident=closed, by=supervisor, outcome="false_alarm", note=text("close"))
    reopen_incident(incident=closed, by=supervisor, reason=text("reopen"))
    assert Escalation.objects.filter(summary__contains=UNANSWERED).exists()
    return one_of_each(call=call, ticket=fire_ticket, assignment=assignment, by=supervisor) | {
        "declined_ticket": health_ticket,
        "user": operator,  # a person's account (the supervisors' unlock)
    }


def extra_paths(world: dict) -> list[str]:
    """Query strings that widen what a route answers: every status, every source and format."""
    today = timezone.localdate().isoformat()
    period = f"start={today}&end={today}"
    incident, ticket = world["incident"].pk, world["declined_ticket"].pk
    paths = [
        "/api/incidents/?status=all",
        f"/api/tickets/?status=all&incident={incident}",
        f"/api/tickets/{ticket}/",
        f"/api/assignments/?incident={incident}",
        "/api/assignments/?active=false",
        "/api/events/?limit=1000",
        "/api/escalations/?state=all",
        "/audit/?verify=1",
        f"/api/reports/summary/?{period}",
        f"/api/reports/summary/?{period}&by=agency",
        f"/api/reports/integrity/?{period}",
        f"/api/reports/export/?{period}&format=csv",
        f"/api/reports/export/?{period}&format=xlsx",
        f"/api/reports/export/?{period}&format=xlsx&part=rows",
        f"/api/reports/export/?{period}&format=pdf",
    ]
    for source in ["calls", "incidents", "tickets", "assignments"]:
        paths.append(f"/api/reports/rows/?{period}&source={source}")
        paths.append(f"/api/reports/export/?{period}&format=csv&part=rows&source={source}")
    return paths


def body_text(response, tmp_path) -> tuple[str, str]:
    """What a person could read in a response: (its kind, its text)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "").split(";")[0]
    if kind.endswith("spreadsheetml.sheet"):
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            xml = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
        return "xlsx", html.unescape(xml)
    if kind == "application/pdf":
        if shutil.which("pdftotext") is None:
            if CI:
                pytest.fail("CI=true and pdftotext is missing (apt-get install poppler-utils)")
            return "pdf (unread: no pdftotext)", ""
        path = tmp_path / "walk.pdf"
        path.write_bytes(content)
        result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        return "pdf", result.stdout.decode()
    decoded = content.decode()
    return kind or "empty", html.unescape(decoded) if kind == "text/html" else decoded


def walk(user, world: dict, tmp_path) -> dict:
    """GET every route and every widening query as `user`: what was read, and what leaked."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    routes = [route for route in leaf_patterns() if route[0] not in SKIPPED]
    paths = []
    for name, patterns, view in routes:
        path = path_of(name, patterns, world)
        assert resolve(path).func == view, f"{path} does not resolve to {name}"
        paths.append(path)
    paths += extra_paths(world)
    found = {"routes": len(routes), "responses": 0, "read": {}, "statuses": {}, "leaks": []}
    for path in paths:
        response = client.get(path)
        kind, readable = body_text(response, tmp_path)
        found["responses"] += 1
        found["statuses"][response.status_code] = found["statuses"].get(response.status_code, 0) + 1
        if response.status_code == 200:
            found["read"][kind] = found["read"].get(kind, 0) + 1
        for secret in SECRETS:
            if secret in readable:
                found["leaks"].append(f"{path} ({response.status_code}, {kind}): {secret}")
    return found


def test_a_verifier_reads_no_callers_number_or_name_on_any_route(seeded, verifier, tmp_path):
    found = walk(verifier, seeded, tmp_path)
    print(
        f"\nverifier walk: {found['routes']} routes, {found['responses']} responses, "
        f"statuses {found['statuses']}, read {found['read']}, {len(found['leaks'])} leaks"
    )
    assert found["routes"] > 100
    assert found["read"].get("application/json", 0) >= 25
    assert found["read"].get("text/html", 0) >= 4
    assert found["read"].get("text/csv", 0) >= 5
    assert found["read"].get("xlsx", 0) == 2
    assert found["leaks"] == [], "\n".join(found["leaks"])


def test_the_walk_finds_the_seed_when_a_supervisor_walks_it(seeded, supervisor, tmp_path):
    """The seed does reach the responses: the verifier's walk is not vacuous."""
    leaked = {leak.rsplit(": ", 1)[1] for leak in walk(supervisor, seeded, tmp_path)["leaks"]}
    # The numbers typed into free text and the callers' names and numbers, shown whole; the
    # blocked caller's reason is on the supervisors' own list; a unit's service reason and the
    # reopening reason are in the event log.
    assert leaked == set(SECRETS)


def test_a_crew_on_a_phone_reads_callers_masked_like_a_verifier(seeded, crew, tmp_path):
    """A crew (issue #19) reads its job, its agency's feed and the reference data, with every
    caller masked: CREW_SEES_CALLER_NUMBER is off by default."""
    start_shift(crew=crew, unit=seeded["unit"], by=crew)
    found = walk(crew, seeded, tmp_path)
    assert found["read"].get("application/json", 0) >= 5
    assert found["read"].get("text/html", 0) >= 1  # the crew page
    assert found["leaks"] == [], "\n".join(found["leaks"])


@pytest.mark.django_db(transaction=True)
async def test_a_verifiers_socket_hears_numbers_and_names_typed_in_free_text_masked(
    ambon, operator, verifier
):
    call, _changed = await sync_to_async(receive_call_event)(
        call_id="walk-ws", event="ringing", number=CALLER, adapter="pbx"
    )
    await sync_to_async(take_call)(call=call, by=operator)
    incident = await sync_to_async(create_incident)(
        call=call,
        by=operator,
        incident_type=await IncidentType.objects.aget(code="kebakaran.rumah"),
        caller_name=NAME,
    )
    comm = WebsocketCommunicator(ConsoleConsumer.as_asgi(), "/ws/console/")
    comm.scope["user"] = verifier
    assert (await comm.connect())[0]
    await comm.receive_json_from()  # hello
    await sync_to_async(add_note)(incident=incident, by=operator, text=text("note"))
    # The incident's own events are pushed after their commit by the pusher's thread and may
    # still arrive after the socket joined: every message heard is checked, the note's last.
    heard = [await comm.receive_json_from(timeout=2)]
    while heard[-1]["event"]["kind"] != "incident.note_added":
        heard.append(await comm.receive_json_from(timeout=2))
    await comm.disconnect()
    assert not any(secret in str(earlier) for earlier in heard for secret in SECRETS)
    message = heard[-1]
    assert message["event"]["kind"] == "incident.note_added"
    note = message["event"]["data"]["note"]
    assert note == "Pelapor B. S. minta ditelepon ke •••••••••7008, rumah dekat masjid"
    assert not any(secret in str(message) for secret in SECRETS)
