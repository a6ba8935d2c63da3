"""Non-voice contacts (issue #15): a call-taker logs a WhatsApp, SMS, social-media, walk-in,
radio, letter or e-mail contact by hand, the message gateway posts SMS and WhatsApp messages,
and each follows a call's path with a first-response deadline instead of a ring clock."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency
from core.errors import Conflict
from dispatch.deadlines import escalate_overdue
from dispatch.models import Action, Deadline, Escalation, SlaPolicy, Watch
from dispatch.policies import check_ladder, check_scope
from incidents.models import Call, Caller, ContactMessage, Event, IncidentType
from incidents.privacy import mask_payload
from incidents.services.calls import create_incident, dispose_call, receive_call_event, take_call
from incidents.services.contacts import Sender, caller_key, log_contact, receive_message
from reports.build import build_report
from reports.filters import ReportFilter

NUMBER = "+6281200005555"


def whatsapp(by, *, minutes_ago=2, take=False, text="Ada jalan amblas di depan SD Batu Merah"):
    return log_contact(
        by=by,
        channel=Call.Channel.WHATSAPP,
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
        message=text,
        sender=Sender(number=NUMBER, name="Budi"),
        take=take,
    )


def deadline_of(call: Call) -> Deadline | None:
    return Deadline.objects.filter(subject_type="call", subject_id=str(call.pk)).first()


# --- Logged by hand ------------------------------------------------------------------------------


def test_a_logged_whatsapp_contact_queues_with_a_first_response_deadline_not_a_ring_clock(
    operator,
):
    call = whatsapp(operator, minutes_ago=2)
    assert (call.channel, call.status, call.message) == (
        "whatsapp",
        "ringing",
        "Ada jalan amblas di depan SD Batu Merah",
    )
    assert call.caller.number == NUMBER and call.logged_by == operator
    assert call.taken_by is None and call.answered_at is None
    deadline = deadline_of(call)
    assert deadline.watch == Watch.CONTACT_UNHANDLED
    assert deadline.started_at == call.ringing_at  # T0 = received, two minutes ago
    assert deadline.due_at == call.ringing_at + timedelta(minutes=5)
    assert deadline.summary == f"whatsapp · {NUMBER}"
    assert Event.objects.filter(kind="call.logged", subject_id=str(call.pk)).count() == 1


def test_a_contact_left_unhandled_escalates_and_the_take_is_its_first_response(
    operator, supervisor
):
    call = whatsapp(operator, minutes_ago=1)
    with time_machine.travel(timezone.now() + timedelta(minutes=4, seconds=1), tick=False):
        assert escalate_overdue() == 1
        escalation = Escalation.objects.get(subject_id=str(call.pk))
        assert (escalation.watch, escalation.level) == (Watch.CONTACT_UNHANDLED, 1)
        assert escalation.to_call_takers and not escalation.to_supervisors
        taken = take_call(call=call, by=supervisor)
    assert taken.answered_at == taken.taken_at  # T1 of a message: first handled
    assert deadline_of(call) is None
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None


def test_a_first_response_policy_takes_no_scope_and_no_priority_to_raise(ambon):
    policy = SlaPolicy.objects.get(watch=Watch.CONTACT_UNHANDLED)
    assert [(level.delay_s, level.recipients) for level in policy.levels.order_by("level")] == [
        (300, ["call_takers"]),
        (600, ["call_takers", "supervisors"]),
    ]
    policy.category = "medis"
    with translation.override("en"):
        with pytest.raises(ValidationError, match="no category"):
            check_scope(policy)
        with pytest.raises(ValidationError, match="no priority"):
            ladder = [(1, 300, ["call_takers"], Action.RAISE_PRIORITY)]
            check_ladder(Watch.CONTACT_UNHANDLED, ladder)


def test_a_telephone_call_keeps_its_ring_clock(operator):
    call, _changed = receive_call_event(
        call_id="voice-1", event="ringing", number=NUMBER, adapter="pbx"
    )
    assert deadline_of(call).watch == Watch.CALL_UNANSWERED


def test_a_walk_in_handled_at_once_is_in_my_hands_with_t1_now(operator):
    now = timezone.now()
    call = log_contact(
        by=operator,
        channel=Call.Channel.WALK_IN,
        received_at=now - timedelta(minutes=3),
        message="Warga datang melapor anjing liar menggigit anak",
        sender=Sender(name="Ibu Maria"),
        take=True,
    )
    assert call.taken_by == operator and call.answered_at >= now
    assert call.caller is None and call.caller_name == "Ibu Maria"
    assert deadline_of(call) is None


def test_a_social_post_is_counted_against_its_account_like_a_number(operator, settings):
    settings.NUISANCE_CALLS = 2
    sender = Sender(
        platform="instagram", handle="@Provokator_Amq", link="https://instagram.com/p/x"
    )
    assert caller_key(Call.Channel.SOCIAL, sender) == "instagram:@provokator_amq"
    for _ in range(2):
        call = log_contact(
            by=operator,
            channel=Call.Channel.SOCIAL,
            received_at=timezone.now(),
            message="Kiriman palsu: 'air bah akan datang malam ini'",
            sender=sender,
            take=True,
        )
        dispose_call(call=call, by=operator, disposition="prank")
    caller = Caller.objects.get(number="instagram:@provokator_amq")
    assert caller.prank_calls == 2 and caller.flagged_at is not None


def test_a_hoax_becomes_an_incident_routed_to_diskominfo(operator):
    call = log_contact(
        by=operator,
        channel=Call.Channel.SOCIAL,
        received_at=timezone.now() - timedelta(minutes=10),
        message="Video lama bentrok disebar ulang seolah terjadi hari ini",
        sender=Sender(platform="facebook", handle="Info Ambon Terkini"),
        take=True,
    )
    hoax = IncidentType.objects.get(code="kamtibmas.hoaks_provokasi")
    incident = create_incident(call=call, by=operator, incident_type=hoax)
    assert incident.calls.get().channel == "social"
    defaults = [(link.agency.code, link.role) for link in hoax.default_agencies.all()]
    assert defaults == [("diskominfo", "primary"), ("polresta", "support")]
    complaint = IncidentType.objects.get(code="lain_lain.pengaduan_layanan_publik")
    assert [link.agency.code for link in complaint.default_agencies.all()] == ["diskominfo"]
    diskominfo = Agency.objects.get(code="diskominfo")
    assert diskominfo.name == "Dinas Komunikasi, Informatika dan Persandian Kota Ambon"


def test_a_verifier_reads_a_contacts_account_and_link_masked():
    payload = {"call": {"handle": "@budi.ambon", "link": "https://x.com/budi", "number": NUMBER}}
    masked = mask_payload(payload)["call"]
    assert "budi" not in masked["handle"] + masked["link"]
    assert masked["number"].endswith("5555") and "8120000" not in masked["number"]


# --- The message gateway -------------------------------------------------------------------------


def gateway(message_id: str, text: str = "Tolong, banjir masuk rumah", number: str = NUMBER):
    return receive_message(
        channel=Call.Channel.WHATSAPP,
        message_id=message_id,
        number=number,
        text=text,
        adapter="wa-relay",
    )


def test_messages_of_one_conversation_thread_into_one_contact(operator):
    first = gateway("wamid.1")
    second = gateway("wamid.2", text="Air sudah setinggi lutut")
    other = gateway("wamid.3", number="+6281200006666")
    assert first.opened and not second.opened and other.opened
    assert second.call.pk == first.call.pk != other.call.pk
    assert [m.text for m in first.call.messages.all()] == [
        "Tolong, banjir masuk rumah",
        "Air sudah setinggi lutut",
    ]
    assert first.call.message == "Tolong, banjir masuk rumah"
    assert first.call.ringing_at == first.message.received_at  # T0 = received by the centre
    take_call(call=first.call, by=operator)
    dispose_call(call=first.call, by=operator, disposition="information")
    later = gateway("wamid.4", text="Terima kasih")
    assert later.opened and later.call.pk != first.call.pk  # a classified contact is closed


def test_a_repeated_message_id_is_refused_and_changes_nothing(operator):
    received = gateway("wamid.1")
    events = Event.objects.count()
    with pytest.raises(Conflict) as refused:
        gateway("wamid.1", text="something else")
    assert "wamid.1" in str(refused.value)
    assert Event.objects.count() == events
    assert ContactMessage.objects.count() == 1
    assert Call.objects.get().message == received.call.message


# --- The API -------------------------------------------------------------------------------------


def post_message(relay, **body):
    """A message as the gateway relays it (on the telephony adapter's kind of token)."""
    body = {
        "channel": "whatsapp",
        "message_id": "wamid.A",
        "number": "0812-0000-5555",
        "text": "Ada pohon tumbang di Jalan Said Perintah",
        **body,
    }
    return relay.post(reverse("gateway-messages"), body, content_type="application/json")


def test_the_gateway_posts_a_message_that_opens_a_contact_then_joins_it(cti):
    response = post_message(cti, name="Budi Santoso")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["opened"] is True
    assert body["message"]["message_id"] == "wamid.A" and body["message"]["sender"] == NUMBER
    contact = body["contact"]
    assert (contact["channel"], contact["number"], contact["caller_name"]) == (
        "whatsapp",
        NUMBER,
        "Budi Santoso",
    )
    assert contact["message"] == "Ada pohon tumbang di Jalan Said Perintah"
    again = post_message(cti, message_id="wamid.B", text="Jalan tertutup total")
    assert again.status_code == 201
    assert again.json()["opened"] is False and again.json()["contact"]["id"] == contact["id"]


def test_the_gateway_bad_input_gets_a_clear_indonesian_message_and_stores_nothing(cti):
    assert post_message(cti).status_code == 201
    stored = (Call.objects.count(), ContactMessage.objects.count(), Event.objects.count())
    duplicate = post_message(cti, text="ulang")
    assert duplicate.status_code == 409
    assert "sudah diterima" in duplicate.json()["detail"]
    empty = post_message(cti, message_id="wamid.C", text="  ")
    assert empty.status_code == 400
    assert "isi pesan" in empty.json()["errors"]["text"][0]
    fax = post_message(cti, message_id="wamid.D", channel="fax")
    assert fax.status_code == 400
    assert fax.json()["errors"]["channel"] == [
        'Saluran "fax" tidak dikenal: gunakan sms, whatsapp.'
    ]
    assert (Call.objects.count(), ContactMessage.objects.count(), Event.objects.count()) == stored


def test_the_gateway_needs_the_machine_token(client_for, operator):
    response = client_for(operator).post(
        reverse("gateway-messages"),
        {"channel": "sms", "message_id": "1", "number": NUMBER, "text": "x"},
        content_type="application/json",
    )
    assert response.status_code == 401  # a person's session is no machine token


def log_over_api(client, **body):
    body = {
        "channel": "whatsapp",
        "received_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
        "message": "Lampu jalan padam sejak kemarin di Kayu Putih",
        "number": "081200005555",
        **body,
    }
    return client.post(reverse("call-contacts"), body, content_type="application/json")


def test_a_call_taker_logs_a_contact_over_the_api(client_for, operator):
    client = client_for(operator)
    response = log_over_api(client)
    assert response.status_code == 201, response.json()
    call = response.json()
    assert (call["channel"], call["number"], call["status"], call["taken_by"]) == (
        "whatsapp",
        NUMBER,
        "ringing",
        None,
    )
    queued = client.get(reverse("call-list"), {"status": "ringing"}).json()["calls"]
    assert [c["id"] for c in queued] == [call["id"]]
    taken = log_over_api(client, take=True, channel="radio", number="").json()
    assert taken["taken_by"] == "operator" and taken["channel"] == "radio"


@pytest.mark.parametrize(
    "body,field,words",
    [
        ({"received_at": "2099-01-01T10:00:00+09:00"}, "received_at", "tidak boleh lebih dari"),
        ({"message": ""}, "message", "isi pesan"),
        ({"channel": "fax"}, "channel", "tidak dikenal"),
        ({"channel": "phone"}, "channel", "tidak dikenal"),
        ({"number": ""}, "number", "nomor pengirim"),
        ({"channel": "social", "number": ""}, "platform", "platform"),
        ({"channel": "social", "platform": "instagram", "number": ""}, "handle", "akun"),
    ],
)
def test_a_bad_contact_gets_a_clear_indonesian_message_and_nothing_is_logged(
    client_for, operator, body, field, words
):
    response = log_over_api(client_for(operator), **body)
    assert response.status_code == 400
    assert words in " ".join(response.json()["errors"][field]).lower()
    assert not Call.objects.exists()
    assert not Event.objects.filter(kind__startswith="call.").exists()


def test_a_verifier_cannot_log_a_contact(client_for, verifier):
    assert log_over_api(client_for(verifier)).status_code == 403


# --- Reports -------------------------------------------------------------------------------------


def test_the_report_times_messages_per_channel_apart_from_voice_calls(operator):
    voice, _changed = receive_call_event(
        call_id="voice-1", event="ringing", number="+6281200007777", adapter="pbx"
    )
    take_call(call=voice, by=operator)
    for event in ("ringing", "abandoned"):
        receive_call_event(call_id="voice-2", event=event, number=NUMBER, adapter="pbx")
    message = whatsapp(operator, minutes_ago=3)
    take_call(call=message, by=operator)
    today = timezone.localdate()
    report = build_report(ReportFilter(start=today, end=today))
    answer = next(m for m in report["total"]["metrics"] if m["key"] == "answer")
    first = next(m for m in report["total"]["metrics"] if m["key"] == "first_response")
    assert (answer["population"], answer["measured"]) == (2, 1)  # the voice calls only
    calls = report["total"]["calls"]
    assert (calls["presented"], calls["abandoned"]) == (3, 1)
    assert calls["abandoned_rate"] == 1 / 2  # a message is never abandoned: not in the rate
    assert (first["population"], first["measured"]) == (1, 1)
    assert 180 <= first["p50"] < 200
    assert first["thresholds"][0]["within"] == 1  # within the 5-minute first response
    channels = {c["key"]: c for c in report["messages_by_channel"]}
    assert "phone" not in channels
    assert channels["whatsapp"]["received"] == 1
    assert channels["whatsapp"]["first_response"]["p50"] == first["p50"]
    assert channels["sms"]["received"] == 0
    assert sum(b["count"] for b in report["answer_histogram"]) == 1
