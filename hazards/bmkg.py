"""BMKG's open earthquake feeds (data.bmkg.go.id, documented in infoBMKG/data-gempabumi):
`autogempa` (the latest quake), `gempaterkini` (the last 15 of M5+), `gempadirasakan` (the last
15 felt), each as JSON or XML.

JSON: {"Infogempa": {"gempa": {...} or [{...}, ...]}}; XML: <Infogempa><gempa>…</gempa>…
with the coordinates under <point><coordinates>. Each record has Tanggal ("26 Sep 2019"), Jam
("06:46:44 WIB"), DateTime (UTC, "2019-09-25T23:46:44+00:00"), Coordinates ("-3.38,128.43"),
Lintang ("3.38 LS"), Bujur ("128.43 BT"), Magnitude ("6.5"), Kedalaman ("10 km"), Wilayah,
and Potensi, Dirasakan ("V-VI Ambon, IV Masohi"), Shakemap when the feed has them.

A body that is neither is refused whole (FeedError); a record that is incomplete, impossible
or in the future is refused alone with its reason (Rejected), and the others are kept.
"""

import json
import re
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone
from lxml import etree

MAX_BODY = 2 * 1024 * 1024  # the real feeds are a few kB
TIMEOUT_S = 10
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks differ a little; a quake from tomorrow is wrong
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des"]
    )
}
MONTHS.update({"may": 5, "aug": 8, "oct": 10, "dec": 12, "agt": 8})
FELT_ITEM = re.compile(r"^\s*([IVX]+(?:\s*-\s*[IVX]+)?)\s+(.+?)\s*$")
REQUIRED = ("Magnitude", "Kedalaman", "Wilayah")


class FeedError(Exception):
    """The feed could not be read or is not a BMKG earthquake feed: nothing is changed."""


class Rejected(Exception):
    """One record of the feed is refused; the message says why."""


@dataclass(frozen=True)
class QuakeReport:
    """One earthquake as a feed record states it."""

    origin_time: datetime
    lat: float
    lon: float
    magnitude: Decimal
    depth_km: int
    region: str
    potential: str = ""
    felt: list[dict] = field(default_factory=list)
    shakemap: str = ""

    @property
    def tsunami(self) -> bool:
        """BMKG writes "Tidak berpotensi tsunami" or "Berpotensi tsunami" (and, in the felt
        feed, an instruction with no word of tsunami)."""
        text = self.potential.lower()
        return "tsunami" in text and "tidak" not in text


def fetch(url: str) -> bytes:
    """The feed's body, or FeedError saying what went wrong (HTTP status, timeout, size)."""
    request = urllib.request.Request(url, headers={"User-Agent": "Ambon112/1 (112 Kota Ambon)"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            body = response.read(MAX_BODY + 1)
    except OSError as exc:  # URLError, HTTPError, timeouts, refused connections
        raise FeedError(f"{exc.__class__.__name__}: {exc}"[:300]) from exc
    if len(body) > MAX_BODY:
        raise FeedError(f"body larger than {MAX_BODY} bytes")
    return body


def records(body: bytes) -> list[dict]:
    """The feed's records as {field: text}, from JSON or XML, or FeedError."""
    text = body.lstrip()
    if text.startswith(b"{"):
        try:
            data = json.loads(text)
            quakes = data["Infogempa"]["gempa"]
        except (ValueError, KeyError, TypeError) as exc:
            raise FeedError("not a BMKG earthquake feed (JSON without Infogempa.gempa)") from exc
        quakes = [quakes] if isinstance(quakes, dict) else quakes
        if not isinstance(quakes, list) or not all(isinstance(q, dict) for q in quakes):
            raise FeedError("not a BMKG earthquake feed (Infogempa.gempa is not a list)")
        return [{k: v for k, v in q.items() if isinstance(v, str | int | float)} for q in quakes]
    if text.startswith(b"<"):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            root = etree.fromstring(text, parser)
        except etree.XMLSyntaxError as exc:
            raise FeedError(f"malformed XML: {exc}"[:300]) from exc
        if root.tag != "Infogempa":
            raise FeedError("not a BMKG earthquake feed (XML root is not Infogempa)")
        result = []
        for gempa in root.findall("gempa"):
            record = {child.tag: (child.text or "").strip() for child in gempa if len(child) == 0}
            coordinates = gempa.findtext("point/coordinates")
            if coordinates and "Coordinates" not in record:
                record["Coordinates"] = coordinates.strip()
            result.append(record)
        return result
    raise FeedError("neither JSON nor XML")


def parse(record: dict, *, now: datetime | None = None) -> QuakeReport:
    """One record as a QuakeReport, or Rejected naming the field at fault."""
    now = now or timezone.now()
    missing = [name for name in REQUIRED if not str(record.get(name, "")).strip()]
    if missing:
        raise Rejected(f"missing field(s): {', '.join(missing)}")
    origin = _origin_time(record)
    if origin > now + FUTURE_TOLERANCE:
        raise Rejected(f"origin time {origin.isoformat()} is in the future")
    lat, lon = _coordinates(record)
    magnitude = _number(record["Magnitude"], "Magnitude")
    if not Decimal("0") < magnitude < Decimal("10"):
        raise Rejected(f"impossible magnitude {magnitude}")
    depth = _number(str(record["Kedalaman"]).lower().replace("km", ""), "Kedalaman")
    if not 0 <= depth <= 800:
        raise Rejected(f"impossible depth {depth} km")
    return QuakeReport(
        origin_time=origin,
        lat=lat,
        lon=lon,
        magnitude=magnitude.quantize(Decimal("0.1")),
        depth_km=int(depth),
        region=str(record["Wilayah"]).strip()[:200],
        potential=str(record.get("Potensi", "")).strip()[:200],
        felt=felt_places(str(record.get("Dirasakan", ""))),
        shakemap=str(record.get("Shakemap", "")).strip()[:100],
    )


def felt_places(text: str) -> list[dict]:
    """ "V-VI Ambon, IV Masohi" → [{"mmi": "V-VI", "place": "Ambon"}, …]; a part that names no
    intensity is kept as a place with no MMI."""
    felt = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = FELT_ITEM.match(part)
        if match:
            felt.append({"mmi": re.sub(r"\s+", "", match[1]), "place": match[2]})
        else:
            felt.append({"mmi": "", "place": part})
    return felt


def _origin_time(record: dict) -> datetime:
    value = str(record.get("DateTime", "")).strip()
    if value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Rejected(f"DateTime {value!r} is not a date and time") from exc
        if moment.tzinfo is None:
            raise Rejected(f"DateTime {value!r} has no time zone")
        return moment
    # Older records: Tanggal "26 Sep 2019" and Jam "06:46:44 WIB", in the zone named.
    tanggal, jam = str(record.get("Tanggal", "")).split(), str(record.get("Jam", "")).split()
    if len(tanggal) != 3 or len(jam) != 2 or jam[1] not in ZONES:
        raise Rejected("missing field(s): DateTime (or Tanggal and Jam with WIB/WITA/WIT)")
    try:
        day, month, year = int(tanggal[0]), MONTHS[tanggal[1].lower()[:3]], int(tanggal[2])
        year += 2000 if year < 100 else 0
        hour, minute, second = (int(x) for x in jam[0].split(":"))
        return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(ZONES[jam[1]]))
    except (KeyError, ValueError) as exc:
        raise Rejected(f"Tanggal/Jam {tanggal} {jam} is not a date and time") from exc


def _coordinates(record: dict) -> tuple[float, float]:
    value = str(record.get("Coordinates", "")).strip()
    if value:
        parts = value.split(",")
        if len(parts) != 2:
            raise Rejected(f"Coordinates {value!r} is not 'lat,lon'")
        lat, lon = (float(_number(p, "Coordinates")) for p in parts)
    else:
        lat = _hemisphere(record.get("Lintang", ""), {"LU": 1, "LS": -1}, "Lintang")
        lon = _hemisphere(record.get("Bujur", ""), {"BT": 1, "BB": -1}, "Bujur")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        raise Rejected(f"impossible coordinates {lat}, {lon}")
    return lat, lon


def _hemisphere(value, signs: dict[str, int], name: str) -> float:
    parts = str(value).split()
    if len(parts) != 2 or parts[1].upper() not in signs:
        raise Rejected(f"missing field(s): Coordinates (or {name})")
    return float(_number(parts[0], name)) * signs[parts[1].upper()]


def _number(value, name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise Rejected(f"{name} {value!r} is not a number") from exc
    if not number.is_finite():
        raise Rejected(f"{name} {value!r} is not a number")
    return number
