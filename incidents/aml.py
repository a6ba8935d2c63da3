"""Advanced Mobile Location (AML) SMS bodies, ETSI TS 103 625, version 1.

When someone dials 112, an AML-capable handset (Android's ELS, iOS) works out where it is and
sends the PSAP one SMS of `key=value` pairs separated by semicolons::

    A"ML=1;lt=-3.69540;lg=+128.18140;rd=15;top=20260101120000;lc=68;pm=G;si=510100000000000;
    ei=356938035643809;mcc=510;mnc=10;ml=127

    A"ML  version (1)               lt, lg  WGS84 degrees, signed     rd   radius, metres
    top   time of positioning, YYYYMMDDhhmmss, UTC                    lc   confidence, %
    pm    method: G GNSS, W Wi-Fi, C cell, N none                     si   IMSI, ei IMEI
    mcc, mnc  network the call was made on                            ml   message length

How `ml` is counted: the number of characters of the *whole* message, the header and the
`ml=NNN` pair included. Google's ELS reference says so in words ("Length of message (including
message length and header)", developers.google.com/android/els/reference/sms-spec), and the
real bodies we could check agree: the data-SMS vector of cpilatre/aml-lib decodes to a
123-character body with ml=123, and the EENA-style UK example and a French builder's README
example both count their own full length. Some hand-edited documentation examples are off by
one or two (Google's own "location computed" example: 127 characters, ml=126; cpilatre/aml-lib's
tests/verify.rs: 126 characters, ml=128); we treat those as typos in the documents, not as a
second way of counting. A server that meets handsets which count differently can pass
`check_length=False`. Surrounding whitespace (a gateway's trailing CR/LF) is not counted.

Version 2 bodies (Google's "ELS Beta": `lo=lat,lon,acc`, and `lt` there is a *time*) have a
different grammar and are refused by name rather than misread.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

HEADER = 'A"ML'
SUPPORTED_VERSION = "1"
REQUIRED = ("lt", "lg", "rd", "top")
METHODS = {"G": "gnss", "W": "wifi", "C": "cell", "N": "unknown"}
KNOWN = {HEADER, "lt", "lg", "rd", "top", "lc", "pm", "si", "ei", "mcc", "mnc", "ml"}

_DEGREES = re.compile(r"[+-]?\d{1,3}(\.\d+)?")
_NUMBER = re.compile(r"[+]?\d+(\.\d+)?")
_TIMESTAMP = re.compile(r"\d{14}")
_DIGITS = re.compile(r"\d+")


class AmlError(ValueError):
    """An AML body we cannot use; `field` names the key at fault (`A"ML` for the header)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AmlFix:
    """Where the caller's handset says it is, with how sure it is and how it found out."""

    lat: float
    lon: float
    radius_m: float
    positioned_at: datetime
    confidence_pct: int | None
    method: str
    imsi: str | None
    imei: str | None
    mcc: str | None
    mnc: str | None
    version: int
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def parse_aml(
    body: str,
    *,
    check_length: bool = True,
    bounds: tuple[float, float, float, float] | None = None,
) -> AmlFix:
    """Read one AML v1 SMS body; raise AmlError naming the first field that is wrong.

    With `bounds` (south, west, north, east) a fix outside them, or at 0, 0 (what a handset
    without a fix may write), is refused too.
    """
    text = body.strip()
    pairs = _pairs(text)
    version = pairs.get(HEADER)
    if version is None:
        raise AmlError(HEADER, f"the body must start with {HEADER}=1, not {text[:12]!r}")
    if version != SUPPORTED_VERSION:
        raise AmlError(HEADER, f"version {version!r} is not supported (only AML version 1)")
    for key in REQUIRED:
        if not pairs.get(key):
            raise AmlError(key, "missing")
    if check_length and "ml" in pairs:
        _check_length(pairs["ml"], text)

    lat, lon = _degrees(pairs, "lt", limit=90), _degrees(pairs, "lg", limit=180)
    if bounds is not None:
        _check_place(lat, lon, bounds)
    method = pairs.get("pm", "")
    return AmlFix(
        lat=lat,
        lon=lon,
        radius_m=_radius(pairs["rd"]),
        positioned_at=_timestamp(pairs["top"]),
        confidence_pct=_confidence(pairs.get("lc")),
        method=METHODS.get(method.upper(), "unknown"),
        imsi=pairs.get("si") or None,
        imei=pairs.get("ei") or None,
        mcc=pairs.get("mcc") or None,
        mnc=pairs.get("mnc") or None,
        version=int(version),
        extra={key: value for key, value in pairs.items() if key not in KNOWN},
    )


def build_aml_body(
    *,
    lat: float,
    lon: float,
    radius_m: float,
    positioned_at: datetime,
    method: str = "G",
    confidence_pct: int = 68,
    imsi: str = "",
    imei: str = "",
    mcc: str = "",
    mnc: str = "",
) -> str:
    """An AML v1 body as a handset writes it, with `ml` counting the whole message."""
    stamp = positioned_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    radius = f"{radius_m:.1f}".removesuffix(".0")
    prefix = (
        f"{HEADER}={SUPPORTED_VERSION};lt={lat:+.5f};lg={lon:+.5f};rd={radius};top={stamp};"
        f"lc={confidence_pct};pm={method};si={imsi};ei={imei};mcc={mcc};mnc={mnc};ml="
    )
    length = len(prefix) + 1
    while len(prefix) + len(str(length)) != length:  # the digits of ml count themselves
        length = len(prefix) + len(str(length))
    return f"{prefix}{length}"


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in text.split(";"):
        if not part:
            continue  # a trailing semicolon
        key, sep, value = part.partition("=")
        if not sep:
            if not pairs:
                raise AmlError(HEADER, f"the body must start with {HEADER}=1, not {part[:12]!r}")
            raise AmlError(key, "has no '=' and no value")
        if key in pairs:
            raise AmlError(key, "appears twice")
        if not pairs and key != HEADER:
            raise AmlError(HEADER, f"the body must start with {HEADER}=1, not {key!r}")
        pairs[key] = value
    return pairs


def _check_length(value: str, text: str) -> None:
    if not _DIGITS.fullmatch(value):
        raise AmlError("ml", f"{value!r} is not a whole number")
    if int(value) != len(text):
        raise AmlError("ml", f"says {value} characters, the message has {len(text)}")


def _degrees(pairs: dict[str, str], key: str, *, limit: int) -> float:
    value = pairs[key]
    if not _DEGREES.fullmatch(value):
        raise AmlError(key, f"{value!r} is not a number of degrees")
    degrees = float(value)
    if not -limit <= degrees <= limit:
        raise AmlError(key, f"{degrees} is outside -{limit}..{limit}")
    return degrees


def _check_place(lat: float, lon: float, bounds: tuple[float, float, float, float]) -> None:
    if lat == 0 and lon == 0:
        raise AmlError("lt", "0, 0 is a handset without a fix, not a place")
    south, west, north, east = bounds
    if not south <= lat <= north:
        raise AmlError("lt", f"{lat} is outside the service area ({south}..{north})")
    if not west <= lon <= east:
        raise AmlError("lg", f"{lon} is outside the service area ({west}..{east})")


def _radius(value: str) -> float:
    if value.upper() == "N":
        raise AmlError("rd", "the handset found no location (rd=N)")
    if not _NUMBER.fullmatch(value) or float(value) <= 0:
        raise AmlError("rd", f"{value!r} is not a positive number of metres")
    return float(value)


def _timestamp(value: str) -> datetime:
    if not _TIMESTAMP.fullmatch(value):
        raise AmlError("top", f"{value!r} is not YYYYMMDDhhmmss")
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise AmlError("top", f"{value!r} is not a real date and time") from exc


def _confidence(value: str | None) -> int | None:
    if not value:
        return None
    if not _DIGITS.fullmatch(value) or int(value) > 100:
        raise AmlError("lc", f"{value!r} is not a percentage 0..100")
    return int(value)
