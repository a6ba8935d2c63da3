"""AML SMS (ETSI TS 103 625): reading the body, and what the CTI API does with one: each kept,
a repeat changing nothing, one that beats its call's ringing held for it, one just after the
hang-up locating the call that ended."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from incidents.aml import AmlError, AmlFix, build_aml_body, parse_aml
from incidents.models import AmlMessage, Call, Event
from tests.conftest import T0

AMBON = (
    'A"ML=1;lt=-3.69540;lg=+128.18140;rd=15;top=20260101120000;lc=68;pm=G;'
    "si=510012345678901;ei=356938035643809;mcc=510;mnc=10;ml=128"
)

# Bodies published by others, each counting its own full length in ml:
PUBLIC_VECTORS = [
    # cpilatre/aml-lib, tests/verify.rs: the hex data SMS of from_data_sms(), 7-bit decoded
    # (an Android ELS message).
    (
        'A"ML=1;lt=37.42175;lg=-122.08461;rd=20;top=20150613010948;lc=68;pm=G;si=987654231;'
        "ei=358239059042542;mcc=310;mnc=260;ml=123",
        (37.42175, -122.08461, 20.0, "gnss", "310", "260"),
    ),
    # cpilatre/aml-lib, README.md usage example.
    (
        'A"ML=1;lt=48.82639;lg=-2.36619;rd=52;top=20191112112928;lc=68;pm=G;'
        "si=208201771948415;ei=353472104343540;mcc=208;mnc=20;ml=126",
        (48.82639, -2.36619, 52.0, "gnss", "208", "20"),
    ),
    # The UK example carried by several PSAP test tools (a PHP AML test harness in the public
    # code index), also quoted in EENA material.
    (
        'A"ML=1;lt=+55.74297;lg=-4.26880;rd=10;top=20130717175329;lc=95;pm=G;'
        "si=234302543446355;ei=356708041746734;mcc=234;mnc=30;ml=127",
        (55.74297, -4.26880, 10.0, "gnss", "234", "30"),
    ),
    # A French AML SMS builder's README ("Format du message"), which defines ml as the total
    # number of characters, header and this pair included.
    (
        'A"ML=1;lt=+48.902963;lg=+2.516582;rd=1964;top=20220210134654;lc=95;pm=G;'
        "si=234302543446355;ei=357365093474415;mcc=208;mnc=01;ml=131",
        (48.902963, 2.516582, 1964.0, "gnss", "208", "01"),
    ),
]


def test_it_reads_an_ambon_fix_with_every_field():
    fix = parse_aml(AMBON)
    assert fix == AmlFix(
        lat=-3.6954,
        lon=128.1814,
        radius_m=15.0,
        positioned_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        confidence_pct=68,
        method="gnss",
        imsi="510012345678901",
        imei="356938035643809",
        mcc="510",
        mnc="10",
        version=1,
    )
    assert fix.positioned_at.tzinfo is UTC
    assert fix.extra == {}


@pytest.mark.parametrize(("body", "expected"), PUBLIC_VECTORS)
def test_it_reads_the_published_example_bodies(body, expected):
    fix = parse_aml(body)
    assert (fix.lat, fix.lon, fix.radius_m, fix.method, fix.mcc, fix.mnc) == expected


def test_it_keeps_leading_zeros_of_the_network_code():
    assert parse_aml(PUBLIC_VECTORS[3][0]).mnc == "01"


@pytest.mark.parametrize(("letter", "method"), [("G", "gnss"), ("W", "wifi"), ("C", "cell")])
def test_it_names_the_positioning_method(letter, method):
    body = build_aml_body(
        lat=-3.7, lon=128.18, radius_m=40, positioned_at=datetime.now(UTC), method=letter
    )
    assert parse_aml(body).method == method


def test_a_missing_or_unknown_method_is_unknown_rather_than_an_error():
    without = 'A"ML=1;lt=-3.7;lg=128.18;rd=40;top=20260101120000'
    assert parse_aml(without).method == "unknown"
    assert parse_aml(without + ";pm=N").method == "unknown"
    assert parse_aml(without + ";pm=F").method == "unknown"


def test_it_keeps_unknown_fields_in_extra():
    body = 'A"ML=1;lt=-3.7;lg=128.18;rd=40;top=20260101120000;en=112;lz=12.5;pm=W'
    fix = parse_aml(body)
    assert fix.extra == {"en": "112", "lz": "12.5"}
    assert fix.method == "wifi"


def test_it_accepts_a_decimal_radius_and_no_length_field():
    fix = parse_aml('A"ML=1;lt=-3.7;lg=128.18;rd=20.5;top=20260101120000')
    assert fix.radius_m == 20.5
    assert fix.confidence_pct is None and fix.imsi is None and fix.mcc is None


def test_it_ignores_a_gateways_trailing_newline_and_semicolon():
    assert parse_aml(AMBON + "\r\n").lat == -3.6954
    body = build_aml_body(lat=-3.7, lon=128.18, radius_m=9, positioned_at=datetime.now(UTC))
    assert parse_aml(body).radius_m == 9


def test_the_builder_writes_bodies_whose_length_field_counts_itself():
    for radius in (1, 15, 1964, 12345.5):
        body = build_aml_body(
            lat=-3.69540,
            lon=128.18140,
            radius_m=radius,
            positioned_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
            imsi="510100000000000",
            imei="356938035643809",
            mcc="510",
            mnc="10",
        )
        assert body.endswith(f";ml={len(body)}")
        assert parse_aml(body).radius_m == radius


def test_length_checking_can_be_turned_off_for_handsets_that_count_differently():
    # cpilatre/aml-lib tests/verify.rs carries this body with ml=128; it has 126 characters.
    body = PUBLIC_VECTORS[1][0].replace("ml=126", "ml=128")
    with pytest.raises(AmlError) as caught:
        parse_aml(body)
    assert caught.value.field == "ml"
    assert parse_aml(body, check_length=False).lat == 48.82639


def replace(old: str, new: str) -> str:
    """The Ambon body with one change, its length field recounted."""
    assert old in AMBON
    changed = AMBON.replace(old, new).removesuffix(";ml=128")
    return f"{changed};ml={len(changed) + 7}"


INVALID = [
    ("", 'A"ML', "empty"),
    ("hello 112", 'A"ML', "not AML at all"),
    (replace('A"ML=1', "AML=1"), 'A"ML', "header without its quote"),
    (replace('A"ML=1', 'A"ML=2'), 'A"ML', "version 2"),
    (replace('A"ML=1;', 'lt=-3.7;A"ML=1;'), 'A"ML', "header not first"),
    (replace("lt=-3.69540;", ""), "lt", "latitude missing"),
    (replace("lg=+128.18140;", ""), "lg", "longitude missing"),
    (replace("rd=15;", ""), "rd", "radius missing"),
    (replace("top=20260101120000;", ""), "top", "time missing"),
    (replace("lt=-3.69540", "lt="), "lt", "latitude empty"),
    (replace("lt=-3.69540", "lt=-93.69540"), "lt", "latitude beyond the pole"),
    (replace("lt=-3.69540", "lt=-3,69540"), "lt", "latitude with a comma"),
    (replace("lt=-3.69540", "lt=abcdefgh"), "lt", "latitude not a number"),
    (replace("lg=+128.18140", "lg=+228.18140"), "lg", "longitude beyond 180"),
    (replace("lg=+128.18140", "lg=+1e2"), "lg", "longitude in exponent form"),
    (replace("lg=+128.18140", "lg=nan"), "lg", "longitude not a number"),
    (replace("rd=15", "rd=-5"), "rd", "negative radius"),
    (replace("rd=15", "rd=00"), "rd", "zero radius"),
    (replace("rd=15", "rd=ab"), "rd", "radius not a number"),
    (replace("rd=15", "rd=N"), "rd", "null location (rd=N)"),
    (replace("top=20260101120000", "top=20261301120000"), "top", "month 13"),
    (replace("top=20260101120000", "top=20260230120000"), "top", "30 February"),
    (replace("top=20260101120000", "top=2026010112000Z"), "top", "letters in the time"),
    (replace("top=20260101120000", "top=202601011200"), "top", "time too short"),
    (AMBON.replace("ml=128", "ml=130"), "ml", "length too long"),
    (AMBON.replace("ml=128", "ml=127"), "ml", "length one short (the brief's own example)"),
    (AMBON.replace("ml=128", "ml=1x8"), "ml", "length not a number"),
    (AMBON[:50], "top", "truncated by the network"),
    (replace("lc=68", "lc=101"), "lc", "confidence over 100"),
    (replace("lc=68", "lc=high"), "lc", "confidence not a number"),
    (replace(";mcc=510", ";mcc=510;mcc=511"), "mcc", "a field twice"),
    (replace(";pm=G", ";pmG"), "pmG", "a pair without '='"),
]


@pytest.mark.parametrize(("body", "field", "case"), INVALID, ids=[case for *_, case in INVALID])
def test_it_refuses_a_bad_body_naming_the_field(body, field, case):
    with pytest.raises(AmlError) as caught:
        parse_aml(body)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_an_aml_error_is_a_value_error():
    with pytest.raises(ValueError, match="^lt: -99.0 is outside -90..90$"):
        parse_aml(replace("lt=-3.69540", "lt=-99.00000"))


# --- The CTI API: every message kept, each located once ------------------------------------------

NUMBER = "+6281200005678"


def sms(*, lat=-3.69540, lon=128.18140, radius_m=15, age_s=5) -> str:
    return build_aml_body(
        lat=lat, lon=lon, radius_m=radius_m, positioned_at=T0 - timedelta(seconds=age_s)
    )


def post_aml(cti, body, **extra):
    payload = {"number": NUMBER, "body": body, **extra}
    return cti.post(reverse("cti-aml"), payload, content_type="application/json")


def post_event(cti, call_id, event):
    body = {"call_id": call_id, "event": event, "number": NUMBER}
    return cti.post(reverse("cti-events"), body, content_type="application/json")


def located() -> list[Event]:
    return list(Event.objects.filter(kind="call.located"))


def test_an_aml_delivered_twice_with_its_id_locates_the_call_once(cti, clock):
    post_event(cti, "c-1", "ringing")
    first = post_aml(cti, sms(), message_id="smsc-41")
    again = post_aml(cti, sms(), message_id="smsc-41")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["aml"] == {
        "lat": -3.6954,
        "lon": 128.1814,
        "radius_m": 15.0,
        "source": "aml",
        "at": "2026-11-28T09:59:55+09:00",
    }
    assert len(located()) == 1
    message = AmlMessage.objects.get()
    assert (message.message_id, message.call.call_id, message.adapter) == ("smsc-41", "c-1", "pbx")


def test_the_same_body_twice_without_an_id_locates_the_call_once(cti, clock):
    post_event(cti, "c-1", "ringing")
    body = sms()
    assert post_aml(cti, body).status_code == 200
    assert post_aml(cti, body + "\r\n").status_code == 200  # a gateway's line end is no change
    assert len(located()) == 1
    assert AmlMessage.objects.count() == 1


def test_a_repeated_id_keeps_the_first_body_and_a_new_one_is_a_new_message(cti, clock):
    post_event(cti, "c-1", "ringing")
    post_aml(cti, sms(radius_m=15), message_id="smsc-41")
    post_aml(cti, sms(radius_m=900), message_id="smsc-41")
    assert Call.objects.get().aml_radius_m == 15
    post_aml(cti, sms(radius_m=8, age_s=1), message_id="smsc-42")  # a later, better fix
    assert Call.objects.get().aml_radius_m == 8
    assert len(located()) == 2
    assert AmlMessage.objects.count() == 2


def test_an_older_fix_arriving_late_is_kept_but_does_not_move_the_call(cti, clock):
    post_event(cti, "c-1", "ringing")
    post_aml(cti, sms(radius_m=8, age_s=1))
    response = post_aml(cti, sms(radius_m=300, age_s=20))
    assert response.status_code == 200
    assert response.json()["aml"]["radius_m"] == 8
    assert len(located()) == 1
    assert AmlMessage.objects.filter(call__call_id="c-1").count() == 2


def test_an_aml_before_its_ringing_is_held_then_locates_the_call_when_it_rings(cti, clock):
    held = post_aml(cti, sms(), message_id="smsc-41")
    assert held.status_code == 202
    assert held.json() == {
        "detail": (  # in the server's default language
            "Belum ada panggilan dari nomor ini: lokasi disimpan untuk panggilan dari nomor ini "
            "yang berdering sebelum held_until."
        ),
        "number": NUMBER,
        "message_id": "smsc-41",
        "received_at": "2026-11-28T10:00:00+09:00",
        "held_until": "2026-11-28T10:05:00+09:00",
    }
    assert post_aml(cti, sms(), message_id="smsc-41").status_code == 202  # still held
    assert AmlMessage.objects.get().call is None and not located()

    clock.shift(2)
    rang = post_event(cti, "c-1", "ringing")
    assert rang.status_code == 201
    assert rang.json()["aml"]["radius_m"] == 15
    kinds = list(Event.objects.filter(subject_type="call").values_list("kind", flat=True))
    assert kinds == ["call.ringing", "call.located"]
    message = AmlMessage.objects.get()
    assert message.call.call_id == "c-1" and message.attached_at == T0 + timedelta(seconds=2)
    again = post_aml(cti, sms(), message_id="smsc-41")  # the gateway's retry, after the ring
    assert again.status_code == 200 and again.json()["call_id"] == "c-1"
    assert len(located()) == 1


def test_a_held_aml_locates_only_the_first_call_that_rings(cti, clock):
    post_aml(cti, sms())
    post_event(cti, "c-1", "ringing")
    post_event(cti, "c-1", "ended")
    post_event(cti, "c-2", "ringing")
    assert Call.objects.get(call_id="c-2").aml_lat is None
    assert len(located()) == 1


def test_an_aml_just_after_the_hang_up_locates_the_call_that_ended(cti, clock):
    post_event(cti, "c-1", "ringing")
    clock.shift(40)
    post_event(cti, "c-1", "abandoned")
    clock.shift(10)
    response = post_aml(cti, sms())
    assert response.status_code == 200
    assert response.json()["call_id"] == "c-1" and response.json()["status"] == "abandoned"
    assert Call.objects.get().aml_radius_m == 15  # the call-taker calls back: here it is
    assert len(located()) == 1


def test_an_aml_locates_the_newest_call_from_its_number(cti, clock):
    post_event(cti, "c-1", "ringing")
    post_event(cti, "c-1", "abandoned")
    clock.shift(30)
    post_event(cti, "c-2", "ringing")  # the caller redials
    assert post_aml(cti, sms()).json()["call_id"] == "c-2"
    assert Call.objects.get(call_id="c-1").aml_lat is None


def test_an_aml_held_longer_than_the_window_locates_no_later_call(cti, clock, settings):
    assert settings.AML_HOLD_S == 300
    assert post_aml(cti, sms()).status_code == 202
    clock.shift(301)
    assert post_event(cti, "c-1", "ringing").status_code == 201
    assert Call.objects.get().aml_lat is None
    assert AmlMessage.objects.get().call is None
    assert not located()


def test_an_aml_for_a_call_that_rang_before_the_window_is_held(cti, clock):
    post_event(cti, "c-1", "ringing")
    post_event(cti, "c-1", "ended")
    clock.shift(301)
    assert post_aml(cti, sms()).status_code == 202
    assert Call.objects.get().aml_lat is None
    assert not located()


def test_a_malformed_aml_is_refused_and_not_kept(cti, clock):
    response = post_aml(cti, 'A"ML=1;lt=south;lg=+128.19906;rd=9;top=20261128010203')
    assert response.status_code == 400
    assert response.json()["errors"]["body"][0].startswith("lt:")
    assert not AmlMessage.objects.exists()


def test_the_admin_lists_aml_messages_and_changes_none(cti, client_for, admin_user):
    post_aml(cti, sms(), message_id="smsc-41")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    listing = client.get("/admin/incidents/amlmessage/")
    assert listing.status_code == 200
    assert "smsc-41" in listing.content.decode()
    message = AmlMessage.objects.get()
    assert client.get("/admin/incidents/amlmessage/add/").status_code == 403
    assert client.post(f"/admin/incidents/amlmessage/{message.pk}/delete/").status_code == 403
