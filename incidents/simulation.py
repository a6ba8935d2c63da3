"""Synthetic 112 call streams for Ambon, for demos and load tests (`manage.py simulate_calls`).

Pure and seedable: `build_scenario(name, seed, start)` returns the same timeline for the same
arguments and needs neither a server nor the database.

What the simulator does, standing in for the PBX
-------------------------------------------------
Every call starts with `ringing`. Most handsets then send an AML fix 5–20 s later (a handset
sends its SMS once it has a good fix, or after 20 s). What follows depends on the call:

- *abandoned*: the caller hangs up after 5–40 s, before anyone answered → `abandoned`.
- *ghost* (a silent line, often a pocket dial): silence, and the line drops after 30–90 s →
  `ended`. Our server derives the state from the timestamps, so a call nobody answered ends up
  abandoned; a server that refused it with 409 would get `abandoned` instead, as from a PBX
  that knows the call was never picked up.
- *emergency*, *information*, *prank*: left to the people at the consoles. In a real centre the
  PBX says `answered` when a call-taker picks up; here the call stays ringing until someone takes
  it on the console, and the simulator sends neither `answered` nor `ended`.
- With `extensions` (the PBX extensions of the room's desks, issue #15), a share of those calls
  (`handset_share`, half by default) is answered at a handset 3–12 s after it rang: `answered`
  with one of the extensions, as a call-taker picking up the phone at their desk. The call opens
  on the console of whoever is signed in at that desk; the others keep ringing until someone
  takes them on a console. So a demo has both ways to answer, and T1 from both.
- With `auto_answer` (unattended load runs) every call that is not abandoned is answered 3–12 s
  after it rang (NENA: 90 % within 15 s) and ended after a talk time that suits its kind.

Each AML carries a message id, as an SMS gateway gives one, so a retried AML changes nothing. An
AML the server gets before its call's ringing is held for that call (answered 202), as happens
when two web processes take the two requests at once.

So one tool serves a demo with people at the consoles and an unattended run. A scripted hang-up
may come after a person already took the call; that is what a real caller does, and the server
records it. Should a server answer such an event 409, the simulator counts it as "taken at a
console", not as an error.

Callers use synthetic numbers +62 812-0000-0000 … +62 812-0000-9999: valid-looking Telkomsel
mobile numbers (0812), a block we use only for simulation. The AML fields follow: network
510-10, IMSI reduced to its first six digits as Google's ELS sends it, a made-up IMEI per number.
Places are real: each call is placed at its desa/kelurahan's label point from areas.csv, moved by
a random jitter that stays inside the area's polygon. A place without an area of its own is put in
the area the sources put it in (Air Besar: Batu Merah); no landmark gets an invented coordinate.

Rates, and where they come from
-------------------------------
- Abandoned 45 % of presented calls: between Kendari's first week (978 of 2,360 calls not
  answered, 41 %; kolomrakyat.com 19 Jun 2025) and Jakarta 2024 (370,817 of 637,292 calls cut
  off, 58 %; suara.com 17 Mar 2025).
- Prank + ghost 60 % of the calls that are answered (33 % of presented calls): inside the
  Indonesian range of docs/architecture.md "Who it serves", between Semarang 2025 (8,496 of 22,021,
  38.6 %; repronews.id 24 Sep 2025) and Ambon's first weeks (>200 pranks against 78 reports by 29
  Sep 2025, ≥72 %; rakyatmaluku.co.id); Jakarta 2024 23 % and Purworejo 83 % are the ends. Prank and
  ghost about equal, as in Purworejo (1,147 prank, 1,170 ghost of 2,802; gatra.com 26 Jul 2024).
- Information 15 % of answered calls, near the 16–18 % of all calls reported by Jakarta,
  Purworejo and Semarang (same sources). Jakarta's prank count is 144,863 in most reports and
  114,863 in suara.com; both are near the 23 % used as the low end.
- The night (quiet-night) has no unscripted emergency; 75 % of its answered calls are pranks or
  ghosts, like Ambon's first weeks.
- What an emergency is about: Ambon's first month, 8 Sep–8 Oct 2025 (pelitamaluku.com 24 Oct
  2025): 30 kamtibmas, 25 lain-lain, 23 medis, 20 bencana, 4 mobil jenazah; plus fires at Damkar's
  2025 pace (75 in the year, ~6 a month; laskarmaluku.com 14 Jan 2026).
- Repeat callers: pranksters call again (Purworejo blocks ghost callers for 24 h; Polda Sumut
  blocks a number after three pranks, detik.com 27 May 2021); 30 % of prank/ghost numbers call
  again within 2–20 min, half of the abandoned callers redial, 1 in 10 emergency callers calls
  back. These three are modelling choices, as are AML on 70 % of calls (we found no published
  figure for AML/ELS in Indonesia), the night and day call rates, and the disaster mixes below.

The historical scenarios replay past disasters as if today's 112 centre had existed then (Ambon
opened it on 8 Sep 2025): the times, places and scale come from history.md; the calls do not.

The `messages` scenario stands in for the message gateway (issue #15) instead of the PBX: a
dozen WhatsApp and SMS conversations in an hour, each one to three messages from one number,
posted to /api/gateway/messages/ with a message id each (a repeat changes nothing). The texts,
numbers and mix (WhatsApp 70 %, SMS 30 %) are synthetic, written for demonstrations; no
published figure for Ambon's non-voice channels was found.
"""

import csv
import json
import math
import random
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache, lru_cache

from shapely.geometry import Point, shape
from shapely.prepared import prep

from agencies.reference import AMBON_DIR
from incidents.aml import build_aml_body

WIT = timezone(timedelta(hours=9), "WIT")
NUMBER_PREFIX = "+628120000"  # + four digits: +62 812-0000-xxxx, synthetic
IMSI = "510100000000000"  # 510-10 (Telkomsel), cut to six digits as ELS does
LINES = 30  # one E1 trunk
KINDS = ("emergency", "information", "prank", "ghost", "abandoned")

BACKGROUND_MIX = {
    "abandoned": 0.45,
    "prank": 0.16,
    "ghost": 0.17,
    "information": 0.08,
    "emergency": 0.14,
}
NIGHT_MIX = {"abandoned": 0.45, "prank": 0.20, "ghost": 0.21, "information": 0.14}
# What the sources say, for the tests to hold the mixes to.
PRANK_GHOST_RANGE = (0.23, 0.83)  # Jakarta 2024 … Purworejo
ABANDONED_RANGE = (0.41, 0.58)  # Kendari 2025 … Jakarta 2024
TOPICS = {
    "kamtibmas": 30,
    "lain-lain": 25,
    "medis": 23,
    "bencana": 20,
    "kebakaran": 6,
    "mobil jenazah": 4,
}
DAY_RATE, NIGHT_RATE = 4.0, 3.0  # background calls per hour
AML_SHARE = 0.7
PRANK_REPEAT, REDIAL, CALLBACK = 0.3, 0.5, 0.1
MAX_ATTEMPTS = 3
FIX_METHODS = {"G": (0.6, 3, 25), "W": (0.3, 15, 80), "C": (0.1, 300, 1500)}  # share, radius
# Disasters: mostly genuine callers, and many who give up on a busy line (modelling choices).
FIRE_MIX = {"emergency": 0.8, "abandoned": 0.2}
FLOOD_MIX = {"emergency": 0.55, "abandoned": 0.30, "information": 0.10, "prank": 0.05}
QUAKE_MIX = {"abandoned": 0.50, "emergency": 0.32, "information": 0.16, "prank": 0.02}
TALK_S = {"emergency": (60, 240), "information": (30, 120), "prank": (10, 60), "ghost": (10, 40)}


@dataclass(frozen=True)
class Fix:
    """The AML fix a caller's handset will send: how it was found and how good it is."""

    method: str
    radius_m: float
    age_s: float


@dataclass(frozen=True)
class SimCall:
    """One simulated telephone call: who, from where, what it turns out to be."""

    call_id: str
    number: str
    kind: str
    script: str  # "background", or the scenario's own story ("fire", "flood", …)
    topic: str  # what an emergency is about; "" for the other kinds
    area_code: str
    place: str  # what the caller would say: the desa, or e.g. "Air Besar"
    lat: float
    lon: float
    rings_at_s: float
    line: str
    repeat: bool  # this number already called in this scenario
    fix: Fix | None


@dataclass(frozen=True)
class SimEvent:
    """One thing the PBX reports, `offset_s` seconds after the scenario starts."""

    offset_s: float
    action: str  # ringing | aml | answered | ended | abandoned | message
    call: SimCall
    fallback: str = ""  # sent instead when the server refuses `action` with 409
    channel: str = ""  # a message's: whatsapp | sms
    text: str = ""  # a message's text
    extension: str = ""  # an answer's: the desk's handset that picked up

    def at(self, start: datetime) -> datetime:
        return start + timedelta(seconds=self.offset_s)

    def request(self, *, clock: datetime, prefix: str = "") -> tuple[str, dict]:
        """The API path and JSON body of this event, stamped with `clock` (real time)."""
        call = self.call
        if self.action == "message":  # the message gateway, not the PBX
            return "/api/gateway/messages/", {
                "channel": self.channel,
                "message_id": f"{prefix}{call.call_id}-{round(self.offset_s * 10)}",
                "number": call.number,
                "text": self.text,
                "sent_at": clock.isoformat(timespec="milliseconds"),
            }
        if self.action == "aml":
            return "/api/cti/aml/", {
                "number": call.number,
                "body": self.aml_body(clock),
                "message_id": f"{prefix}{call.call_id}-aml",  # as an SMS gateway numbers it
            }
        body = {
            "call_id": prefix + call.call_id,
            "event": self.action,
            "number": call.number,
            "line": call.line,
            "at": clock.isoformat(timespec="milliseconds"),
            "channel": "phone",
        }
        if self.extension:
            body["extension"] = self.extension
        return "/api/cti/events/", body

    def aml_body(self, clock: datetime) -> str:
        call, fix = self.call, self.call.fix
        return build_aml_body(
            lat=call.lat,
            lon=call.lon,
            radius_m=fix.radius_m,
            positioned_at=clock - timedelta(seconds=fix.age_s),
            method=fix.method,
            imsi=IMSI,
            imei=imei_for(call.number),
            mcc="510",
            mnc="10",
        )


def imei_for(number: str) -> str:
    """A made-up but well-formed (Luhn) IMEI, one per simulated number."""
    body = "35000000" + number[-6:]
    digits = [int(d) for d in body]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return body + str((10 - total % 10) % 10)


# --- places --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def areas() -> dict[str, dict]:
    """areas.csv rows by code, each with its polygon."""
    features = json.loads((AMBON_DIR / "boundaries.geojson").read_text(encoding="utf-8"))
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in features["features"]}
    with (AMBON_DIR / "areas.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row["code"]: {**row, "polygon": shapes[row["code"]]} for row in rows}


@cache
def _prepared(code: str):
    return prep(areas()[code]["polygon"])


def desas(regency: str | None = None) -> list[str]:
    return [
        code
        for code, row in areas().items()
        if row["level"] == "desa" and regency in (None, row["regency"])
    ]


def point_in(code: str, rng: random.Random, radius_m: float | None = None) -> tuple[float, float]:
    """The area's label point moved up to `radius_m` in a random direction, still inside it."""
    row = areas()[code]
    lat0, lon0 = float(row["label_lat"]), float(row["label_lon"])
    if radius_m is None:  # a fifth of the side of a square that large, at most 400 m
        radius_m = min(400.0, 200.0 * math.sqrt(float(row["area_km2"])))
    for _ in range(50):
        distance = radius_m * math.sqrt(rng.random())
        bearing = rng.uniform(0, 2 * math.pi)
        lat = round(lat0 + distance * math.cos(bearing) / 110_574.0, 5)
        lon = round(
            lon0 + distance * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat0))), 5
        )
        if _prepared(code).contains(Point(lon, lat)):
            return lat, lon
    return round(lat0, 5), round(lon0, 5)  # label points lie inside their areas


# --- building a scenario ---------------------------------------------------------------------


def _draw(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Builder:
    """Collects calls in any order; `events()` numbers them by ringing time and expands them."""

    def __init__(self, name: str, rng: random.Random, horizon_s: float):
        self.name, self.rng, self.horizon_s = name, rng, horizon_s
        self.drafts: list[dict] = []
        self.free = list(range(10_000))
        rng.shuffle(self.free)
        self.used: list[str] = []
        self.messages: list[SimEvent] = []  # the message gateway's, in any order

    def number(self) -> tuple[str, bool]:
        """A number not used yet in this scenario, and False; or, when all 10,000 are taken,
        one that has called before, and True."""
        if not self.free:
            return self.rng.choice(self.used), True
        number = f"{NUMBER_PREFIX}{self.free.pop():04d}"
        self.used.append(number)
        return number, False

    def call(
        self,
        at,
        *,
        mix,
        script,
        place,
        topic=None,
        number=None,
        point=None,
        attempt=1,
        redial=(20, 180),
    ):
        """One call and, by the repeat rules, the calls the same number makes after it.

        A repeat call comes from the same number at the same point; `redial` is how long an
        abandoned caller waits before trying again, in seconds.
        """
        rng = self.rng
        if at > self.horizon_s:
            return
        repeat = number is not None
        if number is None:
            number, repeat = self.number()
        code, said, radius = place
        kind = _draw(rng, mix)
        if kind == "emergency" and not topic:
            topic = _draw(rng, TOPICS)
        lat, lon = point or point_in(code, rng, radius)
        fix = None
        if rng.random() < AML_SHARE:
            method = rng.choices(list(FIX_METHODS), [m[0] for m in FIX_METHODS.values()])[0]
            _, low, high = FIX_METHODS[method]
            fix = Fix(method, round(rng.uniform(low, high)), round(rng.uniform(1, 5), 1))
        draft = dict(
            number=number,
            kind=kind,
            script=script,
            topic=topic if kind == "emergency" else "",
            area_code=code,
            place=said,
            lat=lat,
            lon=lon,
            rings_at_s=round(at, 1),
            repeat=repeat,
            fix=fix,
        )
        self.drafts.append(draft)
        again = dict(mix=mix, script=script, place=place, topic=topic, attempt=attempt + 1)
        again.update(number=number, point=(lat, lon), redial=redial)
        if attempt >= MAX_ATTEMPTS:
            return
        if kind == "abandoned" and rng.random() < REDIAL:
            self.call(at + rng.uniform(*redial), **again)
        elif kind in ("prank", "ghost") and rng.random() < PRANK_REPEAT:
            again["mix"] = {"prank": 1, "ghost": 1}
            self.call(at + rng.uniform(120, 1200), **again)
        elif kind == "emergency" and rng.random() < CALLBACK:
            again["mix"] = {"emergency": 1}
            self.call(at + rng.uniform(300, 900), **again)

    def background(self, *, per_hour, mix, places=None, start_s=0.0):
        """Calls at a steady rate (a Poisson stream) from anywhere in the service area."""
        places = places or [(code, areas()[code]["name"], None) for code in desas()]
        at = start_s + self.rng.expovariate(per_hour / 3600)
        while at < self.horizon_s:
            self.call(at, mix=mix, script="background", place=self.rng.choice(places))
            at += self.rng.expovariate(per_hour / 3600)

    def events(
        self, *, auto_answer: bool, compress: bool = False, desks: "Desks | None" = None
    ) -> list[SimEvent]:
        rng, out = self.rng, []
        self.drafts.sort(key=lambda d: d["rings_at_s"])
        for index, draft in enumerate(self.drafts):
            call = SimCall(
                call_id=f"{self.name}-{index + 1:04d}", line=f"112-{index % LINES + 1}", **draft
            )
            steps = _steps(call, rng, auto_answer, desks)
            for step, (t, action, fallback, extension) in enumerate(steps):
                offset = 0.0 if compress else round(t, 1)
                event = SimEvent(offset, action, call, fallback, extension=extension)
                out.append((offset, index, step, event))
        for index, message in enumerate(self.messages, start=len(self.drafts)):
            out.append((message.offset_s, index, 0, message))
        out.sort(key=lambda item: item[:3])
        return [event for *_, event in out]


@dataclass
class Desks:
    """The desks' extensions, and which calls a handset answers: drawn from a generator of
    their own, so that a scenario's calls are the same with desks or without."""

    extensions: tuple[str, ...]
    share: float
    rng: random.Random

    def handset(self) -> str:
        """The extension that picks this call up, or "" when it is left to the consoles."""
        if self.rng.random() >= self.share:
            return ""
        return self.rng.choice(self.extensions)


def _steps(
    call: SimCall, rng: random.Random, auto_answer: bool, desks: Desks | None = None
) -> list[tuple]:
    """(time, action, fallback, extension) for one call, in order."""
    t0 = call.rings_at_s
    steps = [(t0, "ringing", "", "")]
    end = None
    extension = desks.handset() if desks and call.kind != "abandoned" else ""
    if call.kind == "abandoned":
        end = (t0 + rng.uniform(5, 40), "abandoned", "", "")
    elif auto_answer:
        answered = t0 + rng.uniform(3, 12)
        steps.append((answered, "answered", "", extension))
        end = (answered + rng.uniform(*TALK_S[call.kind]), "ended", "", "")
    elif call.kind == "ghost":
        end = (t0 + rng.uniform(30, 90), "ended", "abandoned", "")
    elif extension:  # a call-taker picks up the handset at their desk; the console classifies
        steps.append((t0 + desks.rng.uniform(3, 12), "answered", "", extension))
    if call.fix is not None:
        sent = t0 + rng.uniform(5, 20)
        if end is None or sent < end[0]:
            steps.append((sent, "aml", "", ""))
    if end is not None:
        steps.append(end)
    return sorted(steps, key=lambda step: step[0])


# --- the scenarios ------------------------------------------------------------------------


def _places(*items) -> list[tuple[tuple, float]]:
    """(code, what the caller says, jitter radius or None) with a weight each."""
    return [((code, said, radius), weight) for code, said, radius, weight in items]


def _pick(rng: random.Random, weighted: list[tuple[tuple, float]]) -> tuple:
    return rng.choices([p for p, _ in weighted], [w for _, w in weighted])[0]


def _quiet_night(b: _Builder, calls: int | None) -> None:
    """21:00–07:00 WIT: a few calls an hour, mostly pranks and ghosts, one medical, one fight."""
    b.background(per_hour=NIGHT_RATE, mix=NIGHT_MIX)
    city = [(code, areas()[code]["name"], None) for code in desas("Kota Ambon")]
    # Acute breathlessness was among Ambon's first medical reports (rakyatmaluku.co.id).
    medical_at = b.rng.uniform(2.5, 7) * 3600
    b.call(
        medical_at, mix={"emergency": 1}, script="medical", place=b.rng.choice(city), topic="medis"
    )
    # Youth fights after drinking (pelitamaluku.com); Kudamati, Belakang Soya (Karang Panjang)
    # and the Batu Merah border named as trouble spots (rakyatmaluku.co.id, 30 Sep 2025).
    spots = _places(
        ("81.71.01.1009", "Kudamati", None, 1),
        ("81.71.02.1013", "Belakang Soya", None, 1),
        ("81.71.02.2003", "Batu Merah", None, 1),
    )
    spot = _pick(b.rng, spots)
    fight_at = b.rng.uniform(1.5, 5) * 3600
    for offset in (0, b.rng.uniform(20, 120)):  # a witness, then a neighbour
        b.call(
            fight_at + offset, mix={"emergency": 1}, script="fight", place=spot, topic="kamtibmas"
        )


def _house_fire(b: _Builder, calls: int | None) -> None:
    """Gang Banjo, Batu Merah, 20 Aug 2025: 6–10 neighbours call within three minutes."""
    b.background(per_hour=DAY_RATE, mix=BACKGROUND_MIX)
    # Gang Banjo has no published coordinate: around Batu Merah's label point.
    batu_merah = ("81.71.02.2003", "Batu Merah (Gang Banjo)", 250.0)
    first = 300.0
    for _ in range(b.rng.randint(6, 10)):
        at = first + b.rng.uniform(0, 180)
        b.call(at, mix=FIRE_MIX, script="fire", place=batu_merah, topic="kebakaran")


FLOOD_PLACES = _places(
    # tempo.co 2 Aug 2012 (history.md); Air Besar is in Batu Merah ("Anto, warga Air Besar,
    # Desa Batu Merah"), so its callers are placed there.
    ("81.71.02.2003", "Batu Merah", None, 18),
    ("81.71.02.2003", "Air Besar", None, 12),
    ("81.71.02.1016", "Batu Gajah", None, 14),
    ("81.71.02.1015", "Batu Meja", None, 12),
    ("81.71.02.1012", "Amantelu", None, 8),
    ("81.71.01.1012", "Waihaong", None, 6),
    ("81.71.01.1013", "Silale", None, 6),
    # Also flooded or sliding that day (bencana-kesehatan.net 1 Aug 2012, from BNPB/tempo).
    ("81.71.02.2002", "Galala", None, 3),
    ("81.71.03.1018", "Lateri", None, 3),
    ("81.71.03.2001", "Passo", None, 3),
    ("81.71.01.1010", "Mangga Dua", None, 3),
    ("81.71.02.1013", "Karang Panjang", None, 3),
    # Jalan Baru, Ponegoro, Soabali, Pohon Pule, Air Mata Cina, Parigi Lima and Kadewatan are
    # neighbourhoods without an area in areas.csv; left out rather than placed by guess.
)


def _flash_flood(b: _Builder, calls: int | None) -> None:
    """1 Aug 2012: calls rise over an hour as the rivers through the city burst their banks."""
    b.background(per_hour=DAY_RATE, mix=BACKGROUND_MIX)
    for _ in range(calls or 120):
        at = 3600 * math.sqrt(b.rng.random())  # density grows linearly with time
        topic = _draw(b.rng, {"bencana": 8, "medis": 1})
        b.call(at, mix=FLOOD_MIX, script="flood", place=_pick(b.rng, FLOOD_PLACES), topic=topic)


QUAKE_PLACES = _places(
    # The worst-hit villages (history.md, BNPB 26 Sep 2019).
    ("81.01.14.2001", "Liang", None, 14),
    ("81.01.14.2002", "Waai", None, 11),
    ("81.01.14.2003", "Tulehu", None, 9),
    ("81.01.14.2005", "Tengah Tengah", None, 6),
)


def _earthquake(b: _Builder, calls: int | None) -> None:
    """26 Sep 2019 08:46 WIT, M6.5: hundreds of calls in minutes, decaying, many abandoned."""
    b.background(per_hour=DAY_RATE, mix=BACKGROUND_MIX)
    city = [((code, areas()[code]["name"], None), 1.0) for code in desas("Kota Ambon")]
    places = QUAKE_PLACES + city
    for _ in range(calls or b.rng.randint(400, 500)):
        at = b.rng.expovariate(1 / 720)  # a rate that decays with a 12-minute time constant
        topic = _draw(b.rng, {"bencana": 6, "medis": 3, "kamtibmas": 1})
        place = _pick(b.rng, places)
        b.call(at, mix=QUAKE_MIX, script="quake", place=place, topic=topic, redial=(30, 300))


def _surge(b: _Builder, calls: int | None) -> None:
    """N calls at once, for load tests; one in ten from a number that already called."""
    places = [(code, areas()[code]["name"], None) for code in desas()]
    for _ in range(calls or 200):
        number = b.rng.choice(b.used) if b.used and b.rng.random() < 0.1 else None
        place = b.rng.choice(places)
        # attempt=MAX_ATTEMPTS: no redials, the surge is all at once
        b.call(
            0.0,
            mix=BACKGROUND_MIX,
            script="surge",
            place=place,
            number=number,
            attempt=MAX_ATTEMPTS,
        )


# What people write to the centre's WhatsApp and SMS: synthetic texts, one opening and the
# follow-ups of a conversation; {place} is the desa the sender is in.
CONVERSATIONS = (
    ("Ada pohon tumbang menutup jalan di {place}, kendaraan tidak bisa lewat", "bencana"),
    ("Lampu jalan di {place} padam sejak kemarin, jalan gelap sekali", "layanan publik"),
    ("Beredar pesan berantai soal bentrok di {place}, apakah benar?", "hoaks"),
    ("Air PAM tidak mengalir tiga hari di {place}", "layanan publik"),
    ("Tolong, ada orang pingsan di depan pasar {place}", "medis"),
    ("Ada anjing liar menggigit anak di {place}", "lain-lain"),
)
FOLLOW_UPS = (
    "Mohon segera ditindaklanjuti",
    "Fotonya sudah saya kirim",
    "Lokasinya dekat gereja / masjid di situ",
    "Terima kasih",
)
MESSAGE_CHANNELS = {"whatsapp": 0.7, "sms": 0.3}


def _messages(b: _Builder, calls: int | None) -> None:
    """An hour of WhatsApp and SMS conversations through the message gateway (synthetic)."""
    city = [(code, areas()[code]["name"], None) for code in desas("Kota Ambon")]
    for conversation in range(calls or 12):
        number, repeat = b.number()
        code, said, _radius = b.rng.choice(city)
        lat, lon = point_in(code, b.rng)
        opening, topic = b.rng.choice(CONVERSATIONS)
        channel = _draw(b.rng, MESSAGE_CHANNELS)
        call = SimCall(
            call_id=f"{b.name}-{conversation + 1:04d}",
            number=number,
            kind="message",
            script="messages",
            topic=topic,
            area_code=code,
            place=said,
            lat=lat,
            lon=lon,
            rings_at_s=round(b.rng.uniform(0, b.horizon_s * 0.9), 1),
            line="",
            repeat=repeat,
            fix=None,
        )
        at = call.rings_at_s
        texts = [opening.format(place=said)]
        texts += b.rng.sample(FOLLOW_UPS, b.rng.randint(0, 2))
        for text in texts:
            b.messages.append(SimEvent(round(at, 1), "message", call, channel=channel, text=text))
            at += b.rng.uniform(30, 180)


@dataclass(frozen=True)
class Scenario:
    build: Callable[[_Builder, int | None], None]
    start: datetime  # the scenario's own clock; the requests carry the real time
    hours: float
    about: str


SCENARIOS = {
    "quiet-night": Scenario(
        _quiet_night, datetime(2025, 10, 15, 21, 0, tzinfo=WIT), 10, "a 21–07 night shift"
    ),
    # Reports disagree on the hour: engines arrived ~13:15 WIT (rakyatmaluku.co.id), fire seen
    # ~19:30 WIT (indolensa.com). We take the earlier.
    "house-fire-batu-merah": Scenario(
        _house_fire, datetime(2025, 8, 20, 12, 55, tzinfo=WIT), 0.5, "Gang Banjo, Batu Merah"
    ),
    # The sources give the day, not the hour; 06:00 WIT is our assumption.
    "flash-flood-2012": Scenario(
        _flash_flood, datetime(2012, 8, 1, 6, 0, tzinfo=WIT), 1, "Ambon flash flood, 1 Aug 2012"
    ),
    "earthquake-2019": Scenario(
        _earthquake, datetime(2019, 9, 26, 8, 46, tzinfo=WIT), 1.5, "M6.5, 26 Sep 2019"
    ),
    "surge": Scenario(_surge, datetime(2026, 1, 5, 10, 0, tzinfo=WIT), 0, "N calls at once"),
    "messages": Scenario(
        _messages,
        datetime(2026, 1, 5, 9, 0, tzinfo=WIT),
        1,
        "WhatsApp and SMS through the message gateway (synthetic)",
    ),
}


def build_scenario(
    name: str,
    seed: int = 112,
    start: datetime | None = None,
    *,
    calls: int | None = None,
    auto_answer: bool = False,
    extensions: tuple[str, ...] = (),
    handset_share: float = 0.5,
) -> list[SimEvent]:
    """The scenario's events in time order; the same arguments give the same events. With
    `extensions`, `handset_share` of the answered calls are answered at one of them."""
    if name not in SCENARIOS:
        raise ValueError(f"Unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}.")
    scenario = SCENARIOS[name]
    rng = random.Random(f"{name}/{seed}")
    builder = _Builder(name, rng, scenario.hours * 3600)
    scenario.build(builder, calls)
    desks = None
    if extensions:
        desks = Desks(tuple(extensions), handset_share, random.Random(f"{name}/{seed}/desks"))
    return builder.events(auto_answer=auto_answer, compress=name == "surge", desks=desks)


def scenario_start(name: str, start: datetime | None = None) -> datetime:
    return (start or SCENARIOS[name].start).astimezone(UTC)


def calls_of(events: list[SimEvent]) -> list[SimCall]:
    return [event.call for event in events if event.action == "ringing"]


def summarise(events: list[SimEvent]) -> dict:
    """Counts a person checks a run against: kinds, repeats, AML, the documented shares."""
    calls = calls_of(events)
    kinds = Counter(call.kind for call in calls)
    answered = len(calls) - kinds["abandoned"]
    return {
        "calls": len(calls),
        "kinds": {kind: kinds[kind] for kind in KINDS},
        "numbers": len({call.number for call in calls}),
        "repeat_calls": sum(call.repeat for call in calls),
        "aml": sum(event.action == "aml" for event in events),
        "messages": sum(event.action == "message" for event in events),
        "handset_answers": sum(bool(event.extension) for event in events),
        "abandoned_share": kinds["abandoned"] / len(calls) if calls else 0.0,
        "prank_ghost_share_of_answered": (
            (kinds["prank"] + kinds["ghost"]) / answered if answered else 0.0
        ),
    }


def worker_for(event: SimEvent, workers: int) -> int:
    """A stable worker per call, so that one call's events leave in order."""
    return zlib.crc32(event.call.call_id.encode()) % workers
