"""Response-time report at Jakarta scale (issue #7): a synthetic year of calls and incidents,
then the monthly report, the monthly report by kecamatan, the full year by month, one page of
a figure's rows (drill-down) and the month's calls as the rows CSV, timed against one
hand-written SQL statement over the calls (the floor the report is compared with).

    python benchmarks/report_year.py --calls 640000 [--keep] [--runs 5] [--explain 5]

THE DATA ARE SYNTHETIC. They stand in for a year the size of Jakarta 2024 (637,292 calls
presented): ≈23 % prank/ghost, ≈10 % abandoned, ≈100,000 incidents over Ambon's real
kecamatan and desa/kelurahan areas and incident types (`manage.py load_ambon`), each with 1–3
agency tickets and 0–3 unit assignments, with every clock time of docs/architecture.md "The clock".
Durations and rates are modelling choices, not measurements; see the constants below.

The year is the calendar year before today, in WIT. Writes into the database it is pointed at
(use a database of its own): calls `rpt-<year>-…`, incidents created by the user
`bench-reports`. Without --keep, the earlier synthetic data are deleted and generated again;
with --keep, they are reused when they are there for the same year and size. Runs `migrate` and
`load_ambon` first. Prints each timing as the median of --runs runs (after one warm-up run) with
min and max, and with --explain N the EXPLAIN ANALYZE of the N slowest queries of the reports.
"""

import argparse
import bisect
import itertools
import math
import random
import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import _setup  # noqa: F401  (sets Django up)
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, Area, Role, Station, Unit, User
from incidents.models import IncidentType, IncidentTypeAgency
from reports.build import build_report
from reports.exports import rows_csv
from reports.filters import ReportFilter
from reports.rows import Selection, count_rows, iter_rows

WIT = ZoneInfo("Asia/Jayapura")
PREFIX = "rpt-"
USERNAME = "bench-reports"
CALLS = Selection("calls")
BUDGET_S = 1.0  # issue #7: the monthly report within one second
JAKARTA_2024_CALLS = 637_292

# --- the synthetic year's shape (modelling choices) ----------------------------------------
# Share of presented calls by what they turned out to be. Emergency calls each open one
# incident (≈100,000 of 640,000); duplicates are further calls about an open incident.
# Abandoned 10 % as issue #7 asks: Jakarta's own 2024 count of calls cut off is far higher
# (58 %, incidents/simulation.py); it changes the answer-time population, not the queries.
CALL_MIX = {
    "emergency": 0.156,
    "duplicate": 0.024,
    "abandoned": 0.100,
    "prank": 0.140,
    "ghost": 0.090,
    "dropped": 0.040,
    "test": 0.005,
    "unclassified": 0.003,  # answered, ended, never given a disposition
    "information": 0.442,
}
# Calls per hour of the day (WIT), relative: quiet before dawn, busiest in the evening.
HOURLY = (2.0, 1.4, 1.0, 0.8, 0.8, 1.0, 1.6, 2.4, 3.2, 3.6, 3.8, 3.9,
          3.8, 3.8, 3.9, 4.0, 4.3, 4.7, 5.2, 5.6, 5.6, 5.0, 4.0, 3.0)  # fmt: skip
# Ambon's wet season is May–August: a few more calls then.
MONTHLY = (1.0, 0.95, 1.0, 1.0, 1.05, 1.15, 1.15, 1.1, 1.0, 0.95, 0.95, 1.05)
CATEGORIES = {  # Ambon's first month (simulation.TOPICS) plus road accidents
    "kamtibmas": 30,
    "lain_lain": 25,
    "medis": 23,
    "bencana": 20,
    "kecelakaan": 12,
    "kebakaran": 6,
    "mobil_jenazah": 4,
}
TICKETS = ((1, 2, 3), (60, 30, 10))  # agencies notified per incident, weights
UNITS = ((0, 1, 2, 3), (12, 58, 22, 8))  # units sent per incident, weights
CHANNELS = (("phone", "sms", "whatsapp"), (97, 1, 2))
MALTENG = {"bpbd": "bpbd-malteng", "dinkes": "dinkes-malteng"}  # who answers in 81.01
DECLINE_REASONS = ("Unit tidak tersedia", "Bukan wilayah kami", "Sudah ditangani instansi lain")
CANCEL_REASONS = ("Unit lain lebih dekat", "Dibatalkan pelapor", "Sudah tertangani di lokasi")


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))


def with_tail(rng: random.Random, base: float, share: float, low: float, high: float) -> float:
    """`base`, plus now and then a long wait (a busy room, a caller who cannot say where)."""
    return base + (rng.uniform(low, high) if rng.random() < share else 0.0)


class Clock:
    """Ring times over the year: a slot (hour) drawn by weight, a moment within it."""

    def __init__(self, rng: random.Random, year: int):
        self.rng = rng
        self.start = datetime(year, 1, 1, tzinfo=WIT).timestamp()
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        weights = []
        for day in range(days):
            d = date(year, 1, 1) + timedelta(days=day)
            weekend = 1.08 if d.weekday() >= 5 else 1.0
            weights += [MONTHLY[d.month - 1] * weekend * h for h in HOURLY]
        self.cum = list(itertools.accumulate(weights))
        self.mean_hourly = sum(HOURLY) / len(HOURLY)

    def rings(self, n: int) -> list[float]:
        slots = self.rng.choices(range(len(self.cum)), cum_weights=self.cum, k=n)
        return [self.start + (s + self.rng.random()) * 3600 for s in slots]

    def load(self, t0: float) -> float:
        """How busy the room is at t0, relative to the average hour."""
        return HOURLY[int((t0 - self.start) // 3600) % 24] / self.mean_hourly


class World:
    """The reference data the synthetic year is built on (load_ambon's areas, types, units)."""

    def __init__(self, rng: random.Random, user: User):
        self.user_id = user.pk
        kecamatan = {a.pk: a for a in Area.objects.filter(level=Area.Level.KECAMATAN)}
        self.desas = [
            (a.pk, a.parent_id, a.label_lat, a.label_lon, a.regency_code, a.name)
            for a in Area.objects.filter(level=Area.Level.DESA, parent__isnull=False)
        ]
        # Kota Ambon's dense kelurahan call more often than Maluku Tengah's villages.
        weights = [(3.0 if d[4] == "81.71" else 1.0) * rng.uniform(0.3, 1.7) for d in self.desas]
        self.desa_cum = list(itertools.accumulate(weights))
        self.kecamatan_names = {pk: a.name for pk, a in kecamatan.items()}
        agencies = {a.code: a.pk for a in Agency.objects.filter(is_active=True)}
        self.regencies = dict(Agency.objects.values_list("pk", "regencies"))
        defaults: dict[int, list[int]] = {}
        for row in IncidentTypeAgency.objects.order_by("incident_type", "order"):
            defaults.setdefault(row.incident_type_id, []).append(row.agency_id)
        self.types_by_category: dict[str, list[tuple]] = {}
        for t in IncidentType.objects.filter(is_active=True):
            entry = (t.pk, t.category, t.default_priority, defaults.get(t.pk, []))
            self.types_by_category.setdefault(t.category, []).append(entry)
        self.categories = [c for c in CATEGORIES if c in self.types_by_category]
        self.category_weights = [CATEGORIES[c] for c in self.categories]
        self.malteng = {
            agencies[k]: agencies[v] for k, v in MALTENG.items() if {k, v} <= set(agencies)
        }
        self.units: dict[int, list[int]] = {}
        for unit_id, agency_id in Unit.objects.values_list("pk", "agency_id"):
            self.units.setdefault(agency_id, []).append(unit_id)
        self.ambulance_agencies = set(
            Agency.objects.filter(kind=Agency.Kind.HEALTH).values_list("pk", flat=True)
        )
        self.hospitals = list(
            Station.objects.filter(kind=Station.Kind.HOSPITAL).values_list("pk", flat=True)
        )
        if not self.desas or not self.categories:
            raise SystemExit("No areas or incident types: run manage.py load_ambon first.")

    def place(self, rng: random.Random) -> tuple:
        return self.desas[bisect.bisect(self.desa_cum, rng.random() * self.desa_cum[-1])]

    def incident_type(self, rng: random.Random) -> tuple:
        category = rng.choices(self.categories, self.category_weights)[0]
        return rng.choice(self.types_by_category[category])


# Columns written by COPY, with the value a row has unless it says otherwise. Times are held as
# epoch seconds while generating; every "…_at" column is turned into a timestamptz on the way out.
CALL = dict.fromkeys(
    ("call_id", "channel", "line", "status", "ringing_at", "answered_at", "ended_at",
     "taken_by_id", "taken_at", "disposition", "disposed_at", "incident_id", "aml_lat",
     "aml_lon", "aml_radius_m", "aml_source", "aml_at", "caller_name", "callback_number",
     "notes", "created_at", "answered_via", "answered_by_id", "answered_extension", "message",
     "platform", "handle", "link")
)  # fmt: skip
CALL |= {"disposition": "", "aml_source": "", "caller_name": "", "callback_number": "", "notes": ""}
CALL |= {"answered_via": "", "answered_extension": "", "message": "", "platform": "", "handle": ""}
CALL |= {"link": ""}
INCIDENT = dict.fromkeys(
    ("id", "incident_type_id", "category", "priority", "status", "lat", "lon", "address",
     "area_id", "kecamatan_id", "location_approximate", "outside_coverage", "description",
     "created_at", "created_by_id", "closed_at", "closed_by_id", "outcome")
)  # fmt: skip
INCIDENT |= {"outside_coverage": False, "description": "Synthetic (benchmarks/report_year.py)"}
TICKET = dict.fromkeys(
    ("id", "incident_id", "agency_id", "role", "status", "cross_border", "notified_at",
     "notified_by_id", "accepted_at", "accepted_by_id", "declined_at", "declined_by_id",
     "decline_reason", "ended_at")
)  # fmt: skip
TICKET |= {"decline_reason": ""}
ASSIGNMENT = dict.fromkeys(
    ("incident_id", "ticket_id", "unit_id", "status", "dispatched_at", "dispatched_by_id",
     "eta_s", "en_route_at", "on_scene_at", "operations_started_at", "transporting_at",
     "destination_id", "at_hospital_at", "cleared_at", "cancelled_at", "cancel_reason")
)  # fmt: skip
ASSIGNMENT |= {"cancel_reason": "", "late_steps": "{}"}


def reserve_ids(table: str, n: int) -> list[int]:
    """n ids from the table's own sequence, so rows written by COPY can refer to each other."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return sorted(row[0] for row in cursor.fetchall())


def copy_rows(table: str, columns: dict, rows: list[dict], label: str) -> None:
    """COPY rows in, printing progress every ~10 % (small tables: once, at the end)."""
    names = list(columns)
    stamps = [name.endswith("_at") for name in names]
    step = math.ceil(len(rows) / 10) if len(rows) >= 50_000 else max(1, len(rows))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for i, row in enumerate(rows, 1):
                values = (row[name] for name in names)
                copy.write_row(
                    [
                        datetime.fromtimestamp(v, UTC) if stamp and v is not None else v
                        for v, stamp in zip(values, stamps, strict=True)
                    ]
                )
                if i % step == 0 or i == len(rows):
                    elapsed = time.perf_counter() - started
                    print(f"  {label} {i}/{len(rows)} written ({elapsed:.1f} s)", flush=True)


# --- generation ---------------------------------------------------------------------------


class Year:
    """One synthetic year: calls, and incidents with their tickets and assignments."""

    def __init__(self, rng: random.Random, world: World, year: int):
        self.rng, self.world, self.year = rng, world, year
        self.clock = Clock(rng, year)
        self.user = world.user_id
        self.calls, self.incidents, self.tickets, self.assignments = [], [], [], []
        self.links = set()  # (incident, agency): incidents_incident_agencies

    def answer_s(self, t0: float) -> float:
        # Median ~6 s, longer in the evening rush, and a tail when every line is busy.
        base = lognormal(self.rng, 6.0, 0.5) * self.clock.load(t0) ** 0.4
        return max(1.0, with_tail(self.rng, base, 0.03, 10, 90))

    def call(self, t0: float, kind: str, incident_id=None, place=None) -> dict:
        rng = self.rng
        channel = rng.choices(*CHANNELS)[0]
        row = CALL | {"channel": channel, "ringing_at": t0, "created_at": t0}
        row["line"] = f"112-{rng.randint(1, 30)}" if channel == "phone" else ""
        if kind == "abandoned":  # the caller hung up before anyone answered
            row |= {"status": "abandoned", "ended_at": t0 + lognormal(rng, 14, 0.6)}
            return row
        t1 = t0 + self.answer_s(t0)
        talk = {"emergency": 150, "duplicate": 60, "information": 70, "prank": 25}.get(kind, 15)
        ended = t1 + lognormal(rng, talk, 0.5)
        row |= {"status": "ended", "answered_at": t1, "taken_at": t1, "taken_by_id": self.user}
        row |= {"answered_via": "console", "answered_by_id": self.user}
        row |= {"ended_at": ended, "incident_id": incident_id}
        if kind != "unclassified":
            row |= {"disposition": kind, "disposed_at": ended + rng.uniform(2, 30)}
        if place is not None and rng.random() < 0.7:  # the handset sent its AML fix
            row |= {
                "aml_lat": place[2] + rng.gauss(0, 0.002),
                "aml_lon": place[3] + rng.gauss(0, 0.002),
                "aml_radius_m": rng.choice((15, 40, 80, 800)),
                "aml_source": "aml",
                "aml_at": t0 + rng.uniform(5, 20),
            }
        return row

    def incident(self, incident_id: int, t0: float) -> None:
        """An emergency call at t0, its incident, tickets (T3, T4) and assignments (T4d…T10)."""
        rng, world = self.rng, self.world
        place = world.place(rng)
        desa_id, kecamatan_id, lat, lon, regency, desa_name = place
        type_id, category, priority, default_agencies = world.incident_type(rng)
        call = self.call(t0, "emergency", incident_id, place)
        self.calls.append(call)
        processing = with_tail(rng, lognormal(rng, 70, 0.35), 0.03, 120, 600)
        t3 = call["answered_at"] + processing
        t2 = call["answered_at"] + processing * rng.uniform(0.35, 0.8)
        far = regency != "81.71"  # Maluku Tengah: its own BPBD and health office, longer trips
        agencies = [world.malteng.get(a, a) if far else a for a in default_agencies]
        agencies = list(dict.fromkeys(agencies))[: rng.choices(*TICKETS)[0]]
        tickets = []
        for j, agency_id in enumerate(agencies):
            notified = t3 if j == 0 else t3 + rng.uniform(5, 180)
            ticket = TICKET | {
                "incident_id": incident_id,
                "agency_id": agency_id,
                "role": "primary" if j == 0 else "support",
                "status": "completed",
                "cross_border": regency[:5] not in world.regencies.get(agency_id, []),
                "notified_at": notified,
                "notified_by_id": self.user,
            }
            r = rng.random()
            if r < 0.04:
                ticket["status"], ticket["declined_by_id"] = "declined", self.user
                ticket["declined_at"] = notified + lognormal(rng, 60, 0.6)
                ticket["decline_reason"] = rng.choice(DECLINE_REASONS)
            elif r < 0.055:  # never answered: withdrawn when the incident closed
                ticket["status"] = "cancelled"
            else:
                ack = with_tail(rng, lognormal(rng, 40, 0.45), 0.04, 120, 900)
                ticket["accepted_at"], ticket["accepted_by_id"] = notified + ack, self.user
            tickets.append(ticket)
            self.links.add((incident_id, agency_id))
        last = self.units(incident_id, category, tickets, far, t3)
        closed = max(last, t3 + 600) + rng.uniform(300, 1800)
        outcomes = ("resolved", "false_alarm", "transferred", "cancelled")
        outcome = rng.choices(outcomes, (90, 6, 2, 2))[0]
        for ticket in tickets:
            if ticket["status"] == "completed":
                ticket["ended_at"] = max(ticket["accepted_at"], closed - rng.uniform(0, 300))
            elif ticket["status"] == "cancelled":
                ticket["ended_at"] = closed
        self.tickets += tickets
        self.incidents.append(
            INCIDENT
            | {
                "id": incident_id,
                "incident_type_id": type_id,
                "category": category,
                "priority": priority,
                "status": "cancelled" if outcome == "cancelled" else "closed",
                "lat": lat + rng.gauss(0, 0.002),
                "lon": lon + rng.gauss(0, 0.002),
                "address": f"Sekitar {desa_name}",
                "area_id": desa_id,
                "kecamatan_id": kecamatan_id,
                "location_approximate": rng.random() < 0.1,
                "created_at": t2,
                "created_by_id": self.user,
                "closed_at": closed,
                "closed_by_id": self.user,
                "outcome": outcome,
                "t0": t0,  # not a column: for the duplicate calls
            }
        )

    def units(self, incident_id, category, tickets, far, t3) -> float:
        """0–3 units from the agencies that accepted, the primary's first; their last time."""
        rng, world = self.rng, self.world
        able = [
            t for t in tickets if t["accepted_at"] is not None and world.units.get(t["agency_id"])
        ]
        wanted = rng.choices(*UNITS)[0] if able else 0
        used, last = set(), t3
        for k in range(wanted):
            ticket = able[0] if k == 0 else rng.choice(able)
            pool = [u for u in world.units[ticket["agency_id"]] if u not in used]
            if not pool:
                continue
            used.add(unit_id := rng.choice(pool))
            t4d = ticket["accepted_at"] + max(5.0, lognormal(rng, 40, 0.6))
            t5 = t4d + lognormal(rng, 70, 0.45)  # turnout, mostly 30–150 s
            t6 = t5 + lognormal(rng, 330, 0.5) * (1.6 if far else 1.0)  # travel, 2–15 min
            row = ASSIGNMENT | {
                "incident_id": incident_id,
                "ticket_id": ticket,  # the ticket's id is known once tickets are ordered
                "unit_id": unit_id,
                "status": "cleared",
                "dispatched_at": t4d,
                "dispatched_by_id": self.user,
                "eta_s": round(lognormal(rng, 330, 0.4)),
            }
            r = rng.random()
            if r < 0.03:  # cancelled, before or after leaving
                cancelled = t4d + rng.uniform(60, 600)
                row |= {"status": "cancelled", "cancelled_at": cancelled}
                row["cancel_reason"] = rng.choice(CANCEL_REASONS)
                t5, t6 = (t5 if t5 < cancelled else None), None
            elif r < 0.06:
                t5 = None  # never marked en route
            elif r < 0.09:
                t6 = None  # never marked on scene
            row["en_route_at"], row["on_scene_at"] = t5, t6
            if t6 is not None and category == "kebakaran" and rng.random() < 0.97:
                row["operations_started_at"] = t6 + rng.uniform(30, 300)
            ambulance = ticket["agency_id"] in world.ambulance_agencies
            medical = category in ("medis", "kecelakaan") and ambulance
            if t6 is not None and medical and world.hospitals and rng.random() < 0.6:
                row["transporting_at"] = t8 = t6 + rng.uniform(300, 1500)
                row["at_hospital_at"] = t8 + rng.uniform(300, 1200)
                row["destination_id"] = rng.choice(world.hospitals)
            if row["status"] == "cleared":
                times = (t4d, t5, t6, row["operations_started_at"], row["at_hospital_at"])
                row["cleared_at"] = max(t for t in times if t) + rng.uniform(600, 3600)
            last = max(last, row["cleared_at"] or row["cancelled_at"])
            self.assignments.append(row)
        return last

    def generate(self, n_calls: int) -> None:
        rng = self.rng
        counts = {kind: round(n_calls * share) for kind, share in CALL_MIX.items()}
        counts["information"] += n_calls - sum(counts.values())
        n_incidents = counts["emergency"]
        print(f"generating {n_incidents} incidents with their tickets and assignments…")
        ids = reserve_ids("incidents_incident", n_incidents)
        step, started = math.ceil(n_incidents / 10), time.perf_counter()
        for i, (incident_id, t0) in enumerate(
            zip(ids, sorted(self.clock.rings(n_incidents)), strict=True), 1
        ):
            self.incident(incident_id, t0)
            if i % step == 0 or i == n_incidents:
                elapsed = time.perf_counter() - started
                print(f"  incidents {i}/{n_incidents} ({elapsed:.1f} s)", flush=True)
        # The other calls: duplicates about an incident, and everything that made no incident.
        for _ in range(counts["duplicate"]):
            incident = self.incidents[rng.randrange(n_incidents)]
            t0 = incident["t0"] + lognormal(rng, 180, 0.8)
            self.calls.append(self.call(t0, "duplicate", incident["id"]))
        for kind, count in counts.items():
            if kind not in ("emergency", "duplicate"):
                self.calls += [self.call(t0, kind) for t0 in self.clock.rings(count)]
                elapsed = time.perf_counter() - started
                print(
                    f"  calls {len(self.calls)}/{n_calls} (to {kind}, {elapsed:.1f} s)", flush=True
                )

    def write(self) -> None:
        """COPY everything in, each table in time order as the live system would have."""
        self.calls.sort(key=lambda c: c["ringing_at"])
        for i, call in enumerate(self.calls, 1):
            call["call_id"] = f"{PREFIX}{self.year}-{i:07d}"
        self.tickets.sort(key=lambda t: t["notified_at"])
        ids = reserve_ids("dispatch_ticket", len(self.tickets))
        for ticket_id, ticket in zip(ids, self.tickets, strict=True):
            ticket["id"] = ticket_id
        for assignment in self.assignments:
            assignment["ticket_id"] = assignment["ticket_id"]["id"]
        self.assignments.sort(key=lambda a: a["dispatched_at"])
        print(
            f"writing {len(self.calls)} calls, {len(self.incidents)} incidents, "
            f"{len(self.tickets)} tickets, {len(self.assignments)} assignments (COPY)…"
        )
        copy_rows("incidents_incident", INCIDENT, self.incidents, "incidents")
        links = [{"incident_id": i, "agency_id": a} for i, a in sorted(self.links)]
        copy_rows("incidents_incident_agencies", {"incident_id": 0, "agency_id": 0}, links, "links")
        copy_rows("incidents_call", CALL, self.calls, "calls")
        copy_rows("dispatch_ticket", TICKET, self.tickets, "tickets")
        copy_rows("dispatch_assignment", ASSIGNMENT, self.assignments, "assignments")
        mix = Counter(
            c["disposition"] or ("abandoned" if c["status"] == "abandoned" else "unclassified")
            for c in self.calls
        )
        shares = ", ".join(f"{k} {100 * n / len(self.calls):.1f} %" for k, n in mix.most_common())
        print(f"  call mix: {shares}")


def delete_synthetic(user: User) -> None:
    """Remove an earlier run's rows (and only those): its calls, then its incidents' rows."""
    mine = "SELECT id FROM incidents_incident WHERE created_by_id = %s"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_call WHERE call_id LIKE %s", [PREFIX + "%"])
        calls = cursor.rowcount
        cursor.execute(f"DELETE FROM dispatch_assignment WHERE incident_id IN ({mine})", [user.pk])
        cursor.execute(f"DELETE FROM dispatch_ticket WHERE incident_id IN ({mine})", [user.pk])
        cursor.execute(
            f"DELETE FROM incidents_incident_agencies WHERE incident_id IN ({mine})", [user.pk]
        )
        cursor.execute("DELETE FROM incidents_incident WHERE created_by_id = %s", [user.pk])
        incidents = cursor.rowcount
    elapsed = time.perf_counter() - started
    print(
        f"deleted the earlier synthetic data: {calls} calls, {incidents} incidents "
        f"({elapsed:.0f} s)"
    )


def existing_calls(year: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM incidents_call WHERE call_id LIKE %s", [f"{PREFIX}{year}-%"]
        )
        return cursor.fetchone()[0]


def prepare(args, year: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_ambon", "--demo-units")  # the synthetic year sends the demo units
    user, created = User.objects.get_or_create(
        username=USERNAME, defaults={"role": Role.SUPERVISOR, "first_name": "Benchmark"}
    )
    if created:  # the incidents' creator; nobody signs in with it
        user.set_unusable_password()
        user.save(update_fields=["password"])
    have = existing_calls(year)
    if args.keep and have == args.calls:
        print(f"--keep: reusing the {have} synthetic calls of {year} already stored")
        return
    started = time.perf_counter()
    rng = random.Random(args.seed)
    with transaction.atomic():
        delete_synthetic(user)
        synthetic = Year(rng, World(rng, user), year)
        synthetic.generate(args.calls)
        synthetic.write()
    print(f"loaded in {time.perf_counter() - started:.0f} s; VACUUM ANALYZE…", flush=True)
    with connection.cursor() as cursor:
        for table in (
            "incidents_incident",
            "incidents_incident_agencies",
            "incidents_call",
            "dispatch_ticket",
            "dispatch_assignment",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"synthetic year generated in {time.perf_counter() - started:.0f} s")


# --- timing -------------------------------------------------------------------------------

HAND_SQL = """
SELECT count(*) AS presented,
       count(answered_at) AS answered,
       percentile_cont(ARRAY[0.5, 0.9, 0.95])
           WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - ringing_at)) AS pcts,
       max(extract(epoch FROM answered_at - ringing_at)) AS max_s,
       count(*) FILTER (WHERE answered_at - ringing_at <= interval '15 seconds')::float
           / nullif(count(answered_at), 0) AS within_15
FROM incidents_call
WHERE ringing_at >= %s AND ringing_at < %s AND channel = 'phone'  -- voice: NENA's answer time
"""


def hand_sql(start: date, end: date):
    """Answer time (T1 − T0) of the calls that rang from start to end (inclusive, WIT)."""
    since = datetime.combine(start, datetime.min.time(), WIT)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), WIT)
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, [since, until])
        return cursor.fetchone()


def timed(fn, runs: int) -> tuple[list[float], int, object]:
    """Run once to warm up (counting its queries), then `runs` times; the samples in seconds."""
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples, len(captured.captured_queries), result


def answer_metric(report: dict) -> dict | None:
    for metric in report.get("total", {}).get("metrics", []):
        if metric.get("key") == "answer":
            return metric
    return None


def explain_slowest(jobs: list[tuple[str, object]], n: int) -> None:
    queries = []
    for name, fn in jobs:
        with CaptureQueriesContext(connection) as captured:
            fn()
        queries += [(float(q["time"]), name, q["sql"]) for q in captured.captured_queries]
    queries.sort(key=lambda q: -q[0])
    print(f"\nThe {n} slowest of the reports' {len(queries)} queries, EXPLAIN ANALYZE:")
    with connection.cursor() as cursor:
        for seconds, name, sql in queries[:n]:
            print(f"\n--- {name}: {seconds * 1000:.0f} ms ---\n{sql}\n")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()))


def run_timings(args, year: int) -> None:
    month = date(year, args.month, 1)
    month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    label = month.strftime("%b %Y")
    rows = []  # (what, samples, queries)

    presented, answered, pcts, max_s, within = hand_sql(month, month_end)
    print(
        f"\nhand SQL, {label}: {presented} calls presented, {answered} answered; answer time "
        f"p50 {pcts[0]:.1f} s, p90 {pcts[1]:.1f} s, p95 {pcts[2]:.1f} s, max {max_s:.0f} s; "
        f"{100 * within:.1f} % within 15 s"
    )

    month_filter = ReportFilter(start=month, end=month_end)
    over_15 = Selection("calls", metric="answer", outcome="over", threshold="nena_15")

    def drill_down():  # what GET /api/reports/rows/ does for page 3 of a figure's rows
        count = count_rows(month_filter, over_15)
        return count, list(iter_rows(month_filter, over_15, limit=100, offset=200))

    def calls_csv():  # what the rows export of the month's calls writes
        lines = rows_csv(build_report(month_filter), "calls", iter_rows(month_filter, CALLS))
        return sum(len(piece) for piece in lines)

    jobs = [
        (f"monthly report ({label})", lambda: build_report(month_filter, by=None)),
        (f"monthly by kecamatan ({label})", lambda: build_report(month_filter, by="kecamatan")),
        (
            f"full year by month ({year})",
            lambda: build_report(ReportFilter(start=year_start, end=year_end), by="month"),
        ),
        (f"drill-down page ({label})", drill_down),
        (f"rows CSV of the calls ({label})", calls_csv),
        (f"hand SQL, answer time ({label})", lambda: hand_sql(month, month_end)),
        (f"hand SQL, answer time ({year})", lambda: hand_sql(year_start, year_end)),
    ]
    results = {}
    for name, fn in jobs:
        samples, queries, result = timed(fn, args.runs)
        rows.append((name, samples, queries))
        results[name] = result
        print(f"  {name}: {statistics.median(samples):.3f} s", flush=True)

    print(
        f"\nSYNTHETIC data, {existing_calls(year)} calls in {year}; median of {args.runs} runs "
        f"after one warm-up, seconds:"
    )
    print(f"{'':38} {'median':>8} {'min':>8} {'max':>8} {'queries':>8}")
    for name, samples, queries in rows:
        print(
            f"{name:38} {statistics.median(samples):8.3f} {min(samples):8.3f} "
            f"{max(samples):8.3f} {queries:8d}"
        )
    monthly = statistics.median(rows[0][1])
    verdict = "met" if monthly <= BUDGET_S else "MISSED"
    print(f"budget: monthly report ≤ {BUDGET_S:.0f} s: {verdict} ({monthly:.3f} s)")
    metric = answer_metric(results[jobs[0][0]])
    if metric:
        print(
            f"report's answer time, {label}: measured {metric.get('measured')}, "
            f"p50 {metric.get('p50')}, p90 {metric.get('p90')}, p95 {metric.get('p95')}, "
            f"max {metric.get('max')} (hand SQL: {answered}, {pcts[0]:.3f}, {pcts[1]:.3f}, "
            f"{pcts[2]:.3f}, {max_s:.3f})"
        )
    if args.explain:
        explain_slowest(jobs[:3], args.explain)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=640_000, help="calls presented in the year")
    parser.add_argument("--keep", action="store_true", help="reuse the data already generated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--month", type=int, default=10, help="the month timed (1–12)")
    parser.add_argument("--seed", type=int, default=112)
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="EXPLAIN ANALYZE the N slowest queries of the reports",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Needs PostgreSQL: set DATABASE_URL to a database of its own.")
    year = datetime.now(WIT).year - 1
    print(
        f"database: {connection.settings_dict['NAME']}; SYNTHETIC data for {year} (WIT), "
        f"{args.calls} calls (Jakarta 2024: {JAKARTA_2024_CALLS})"
    )
    prepare(args, year)
    run_timings(args, year)  # the report turns PostgreSQL's JIT off for its own statements


if __name__ == "__main__":
    main()
