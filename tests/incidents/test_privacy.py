"""A verifier reads callers masked (UU 27/2022): numbers to their last 4 digits, names to
initials; everyone else in the room reads them whole, and staff names are never masked."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from ambon112.realtime import ConsoleConsumer
from dispatch.deadlines import escalate_overdue
from incidents.models import Event
from incidents.privacy import (
    CallerNames,
    initials,
    mask_number,
    mask_payload,
    masks_personal_data,
)
from incidents.services.calls import receive_call_event
from incidents.services.incidents import add_note
from tests.fires import house_fire

NUMBER = "+6281200001234"
MASKED = "+•••••••••1234"
CALLBACK = "+6285298765432"
MASKED_CALLBACK = "+•••••••••5432"
NAME = "Budi Santoso"
UNANSWERED = "+6281300009876"
TYPED_NUMBER = "0813-1111-2222"  # a number a call-taker typed into a note


# --- The functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, masked",
    [
        ("+6281234567890", "+•••••••••7890"),
        (NUMBER, MASKED),
        ("081234567890", "••••••••7890"),
        ("", ""),
        ("12345", "•2345"),
        ("1234", "••••"),  # the last 4 digits would be all of it
        ("112", "•••"),
    ],
)
def test_a_number_keeps_its_plus_and_its_last_four_digits(number, masked):
    assert mask_number(number) == masked


def test_masking_a_masked_number_changes_nothing():
    for number in ["+6281234567890", "1234", "12345", ""]:
        assert mask_number(mask_number(number)) == mask_number(number)


@pytest.mark.parametrize(
    "name, expected",
    [("Budi Santoso", "B. S."), ("", ""), ("  siti  nur aini ", "S. N. A."), ("Wati", "W.")],
)
def test_a_name_becomes_its_initials(name, expected):
    assert initials(name) == expected


def test_a_payload_is_masked_wherever_callers_appear_and_the_original_is_left_alone():
    payload = {
        "call": {
            "number": NUMBER,
            "caller": {"number": NUMBER, "prank_calls": 0},
            "caller_name": NAME,
            "callback_number": CALLBACK,
            "taken_by": "operator",
            "taken_by_name": "Operator Satu",
            "ringing_at": "2025-10-01T10:00:00+09:00",
        },
        "calls": [{"number": NUMBER, "caller_name": ""}],
        "escalation": {"summary": f"{NUMBER} · 112-1"},
        "document": {"callBackInformationUri": [f"tel:{NUMBER}"]},
        "withheld": {"number": "", "caller": None},
    }
    original = json.loads(json.dumps(payload))

    masked = mask_payload(payload)

    assert payload == original
    assert masked["call"] == {
        "number": MASKED,
        "caller": {"number": MASKED, "prank_calls": 0},
        "caller_name": "B. S.",
        "callback_number": MASKED_CALLBACK,
        "taken_by": "operator",  # staff names stay whole: public servants answer for their acts
        "taken_by_name": "Operator Satu",
        "ringing_at": "2025-10-01T10:00:00+09:00",
    }
    assert masked["calls"] == [{"number": MASKED, "caller_name": ""}]
    assert masked["escalation"] == {"summary": f"{MASKED} · 112-1"}
    assert masked["document"] == {"callBackInformationUri": [f"tel:{MASKED}"]}
    assert masked["withheld"] == {"number": "", "caller": None}


@pytest.mark.parametrize(
    "text, masked",
    [
        ("minta ditelepon ke 0812-3456-7890.", "minta ditelepon ke ••••••••••7890."),
        ("+62 812 3456 7890 atau 62812345678", "+••••••••••••7890 atau •••••••5678"),
        ("kantor (0911) 352123", "kantor •••••••••2123"),
        ("0911-352123", "•••••••2123"),
        ("62 821 1234 7012", "••••••••••••7012"),
    ],
)
def test_a_phone_number_typed_into_free_text_is_masked(text, masked):
    assert mask_payload({"notes": text}) == {"notes": masked}


def test_a_name_a_caller_gave_is_masked_in_free_text_too():
    names = CallerNames(["Budi Santoso", "Wati", "Al", "  "])
    payload = {
        "call": {"caller_name": "Siti Aminah", "notes": "Siti Aminah bersama BUDI  santoso"},
        "description": "Ibu Wati (tetangga Budi Santoso) melapor; Budi saja; Watimah; Al",
    }
    masked = mask_payload(payload, names=names)
    assert masked["call"] == {"caller_name": "S. A.", "notes": "Siti Aminah bersama B. S."}
    assert masked["description"] == "Ibu W. (tetangga B. S.) melapor; Budi saja; Watimah; Al"
    # Without the names (a pure call), only the name's own field is masked.
    assert mask_payload(payload)["call"]["notes"] == "Siti Aminah bersama BUDI  santoso"


@pytest.mark.parametrize(
    "text",
    [
        "tanggal 01-10-2026, shift 07-14, 10:05:00+09:00, saluran 112-1",
        "-3.6952123456, 128.1812345678",
        "Rp 100.000.000, NIK 8171012345678901",
        "sintetis-2025-000123, hash 62812345678abcdef",
    ],
)
def test_dates_times_coordinates_and_identifiers_in_free_text_stay(text):
    assert mask_payload(text) == text


@pytest.mark.parametrize(
    "who, masked",
    [
        ("verifier", True),
        ("operator", False),
        ("dispatcher", False),
        ("supervisor", False),
        ("admin_user", False),
        ("damkar", False),
    ],
)
def test_only_a_verifier_reads_personal_data_masked(request, who, masked):
    assert masks_personal_data(request.getfixturevalue(who)) is masked


def test_a_stranger_is_no_verifier():
    assert masks_personal_data(AnonymousUser()) is False


# --- What a verifier reads ----------------------------------------------------------------------


@pytest.fixture
def fire(operator):
    """A house fire reported by Budi Santoso from NUMBER, who gave another number to call back;
    and a second call that rang unanswered until its deadline escalated."""
    _call, incident = house_fire(
        by=operator,
        call_id="p-1",
        number=NUMBER,
        line="112-1",
        caller_name=NAME,
        callback_number=CALLBACK,
        description=f"Api di dapur, tetangga ({TYPED_NUMBER}) juga melapor",
    )
    add_note(incident=incident, by=operator, text=f"Pelapor minta ditelepon ke {TYPED_NUMBER}")
    receive_call_event(call_id="p-2", event="ringing", number=UNANSWERED, adapter="pbx")
    assert escalate_overdue(timezone.now() + timedelta(minutes=10))
    return incident


def calls_in(events: list[dict]) -> list[dict]:
    """The calls the events carry (some name their call by id only)."""
    return [e["data"]["call"] for e in events if isinstance(e["data"].get("call"), dict)]


def whole_data_absent(content: bytes) -> bool:
    text = content.decode()
    secrets = (NUMBER, CALLBACK, UNANSWERED, NAME, TYPED_NUMBER)
    return not any(secret in text for secret in secrets)


def test_a_verifier_reads_an_incidents_calls_and_timeline_masked(fire, client_for, verifier):
    response = client_for(verifier).get(reverse("incident-detail", args=[fire.pk]))
    assert response.status_code == 200
    body = response.json()
    [call] = body["calls"]
    assert call["number"] == MASKED and call["caller"]["number"] == MASKED
    assert call["caller_name"] == "B. S." and call["callback_number"] == MASKED_CALLBACK
    assert call["taken_by"] == "operator"  # the call-taker is named: staff are not masked
    calls_in_timeline = calls_in(body["timeline"])
    assert calls_in_timeline
    assert {c["number"] for c in calls_in_timeline} == {MASKED}
    assert {c["caller_name"] for c in calls_in_timeline} <= {"", "B. S."}
    assert {e["actor"] for e in body["timeline"]} >= {"operator"}
    assert body["description"] == "Api di dapur, tetangga (••••••••••2222) juga melapor"
    assert [note["text"] for note in body["notes"]] == ["Pelapor minta ditelepon ke ••••••••••2222"]
    assert whole_data_absent(response.content)


def test_a_supervisor_reads_the_same_incident_whole(fire, client_for, supervisor):
    body = client_for(supervisor).get(reverse("incident-detail", args=[fire.pk])).json()
    [call] = body["calls"]
    assert call["number"] == NUMBER and call["caller"]["number"] == NUMBER
    assert call["caller_name"] == NAME and call["callback_number"] == CALLBACK
    last_call = calls_in(body["timeline"])[-1]
    assert last_call["number"] == NUMBER and last_call["caller_name"] == NAME
    assert TYPED_NUMBER in body["description"] and TYPED_NUMBER in body["notes"][0]["text"]


def test_the_stored_events_stay_whole(fire, client_for, verifier):
    client_for(verifier).get(reverse("incident-detail", args=[fire.pk]))
    assert Event.objects.filter(kind="incident.created").exists()
    assert Event.objects.filter(payload__call__caller_name=NAME).exists()


def test_a_verifier_resyncs_events_masked_and_a_supervisor_whole(
    fire, client_for, verifier, supervisor
):
    masked = client_for(verifier).get(reverse("events"))
    assert masked.status_code == 200 and whole_data_absent(masked.content)
    events = masked.json()["events"]
    summaries = [e["data"]["escalation"]["summary"] for e in events if "escalation" in e["data"]]
    assert "+•••••••••9876" in summaries  # the unanswered call's escalation names its number
    assert any(call["caller_name"] == "B. S." for call in calls_in(events))

    whole = calls_in(client_for(supervisor).get(reverse("events")).json()["events"])
    assert any(call["caller_name"] == NAME for call in whole)
    assert any(call["number"] == UNANSWERED for call in whole)


def test_the_audit_page_shows_a_verifier_the_log_masked(fire, client_for, verifier):
    response = client_for(verifier).get(reverse("audit"))
    assert response.status_code == 200
    assert whole_data_absent(response.content)
    events = response.context["recent_events"]
    assert any(call["number"] == MASKED for call in calls_in(events))
    assert NAME not in json.dumps(events, ensure_ascii=False)


def test_the_audit_page_shows_a_supervisor_the_log_whole(fire, client_for, supervisor):
    response = client_for(supervisor).get(reverse("audit"))
    assert any(call["number"] == NUMBER for call in calls_in(response.context["recent_events"]))


@pytest.mark.parametrize("page", ["incident_list", "incident_detail"])
def test_the_incident_pages_give_a_verifier_nothing_whole(fire, client_for, verifier, page):
    args = [fire.pk] if page == "incident_detail" else []
    response = client_for(verifier).get(reverse(page, args=args))
    assert response.status_code == 200 and whole_data_absent(response.content)


def test_the_eido_document_gives_a_verifier_the_callback_numbers_masked(
    fire, client_for, verifier, supervisor
):
    url = reverse("incident-dispatch-eido-document", args=[fire.pk])
    masked = client_for(verifier).get(url)
    assert masked.status_code == 200 and whole_data_absent(masked.content)
    [callback] = masked.json()["callbackComponent"]
    assert callback["callBackInformationUri"] == [f"tel:{MASKED}"]
    assert callback["updatedCbn"]["updatedCbnIdentifierUri"] == f"tel:{MASKED_CALLBACK}"
    whole = client_for(supervisor).get(url).json()["callbackComponent"][0]
    assert whole["callBackInformationUri"] == [f"tel:{NUMBER}"]


# --- What a verifier's socket hears -------------------------------------------------------------


async def heard_ringing(user) -> dict:
    comm = WebsocketCommunicator(ConsoleConsumer.as_asgi(), "/ws/console/")
    comm.scope["user"] = user
    assert (await comm.connect())[0]
    await comm.receive_json_from()  # hello
    await sync_to_async(receive_call_event)(
        call_id="p-9", event="ringing", number=NUMBER, adapter="pbx"
    )
    message = await comm.receive_json_from(timeout=2)
    await comm.disconnect()
    return message["event"]["data"]["call"]


@pytest.mark.django_db(transaction=True)
async def test_a_verifiers_socket_hears_calls_masked(ambon, verifier):
    call = await heard_ringing(verifier)
    assert call["number"] == MASKED and call["caller"]["number"] == MASKED


@pytest.mark.django_db(transaction=True)
async def test_an_operators_socket_hears_calls_whole(ambon, operator):
    call = await heard_ringing(operator)
    assert call["number"] == NUMBER
