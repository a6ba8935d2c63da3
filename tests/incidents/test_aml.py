from datetime import UTC, datetime

import pytest

from incidents.aml import AmlError, AmlFix, build_aml_body, parse_aml

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
    assert fix.as_location() == {
        "lat": -3.6954,
        "lon": 128.1814,
        "radius_m": 15.0,
        "source": "aml",
    }


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
