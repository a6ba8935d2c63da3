"""The hot path over HTTP (issue #18): one incident's whole loop, request by request, with one
kept-alive client, and the server's CPU per loop.

    python benchmarks/http_loop.py [--stored 100000] [--loops 300] [--warmup 30]
    python benchmarks/http_loop.py --url http://127.0.0.1:8105 --pid 12345
    python benchmarks/http_loop.py --profile 50      # in process: queries per request, cProfile

Each loop: the PBX adapter reports a call ringing (machine token), the call-taker takes it on the
console, creates the incident and forwards it to one agency, the agency's desk accepts the ticket,
sends a unit and marks it en route, on scene and clear (free again), the dispatcher closes the
incident and the adapter reports the hang-up; plus a signed-in trivial GET (one event) and a
static file as floors. Prints p50/p95/p99 per request kind over --loops loops (after --warmup),
the server's CPU (utime + stime from /proc of the server process and its children) per loop, and
each request's own: the mean CPU time of the server's threads from just before it was sent to
just after its answer came (their schedstat, to the nanosecond), summed for the 11 requests
issue #18 compares with TicketsCAD (every one but the closure and the hang-up).

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL, SECRET_KEY), a database of its own. Runs
`migrate` and `load_ambon`, then uses its own agency `bench-loop` with its own units (each loop
frees its unit) and accounts `bench-loop-*`. Without --url it starts `manage.py serve` on that
database and Redis itself (one process, as WEB_CONCURRENCY's default), on --port.

--stored N first tops the database up to N SYNTHETIC closed incidents, written by COPY as
benchmarks/report_year.py writes its year (calls, tickets, assignments over the real areas and
types of load_ambon), plus the events the live system would have logged for each, hash-chained
onto the log, so the loop can be timed at 0, 100,000 and 1,000,000 stored incidents (run them
in that order: rows are added, never removed). --profile N runs N loops in this process through
Django's test client instead: SQL statements and time per request kind, and the 15 functions
with the most cumulative time under cProfile for `create incident` and `accept ticket`.
"""

import argparse
import cProfile
import http.client
import json
import logging
import os
import pstats
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from _setup import percentiles
from cti_surge import server_cpu_s
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from report_year import ASSIGNMENT, CALL, INCIDENT, TICKET, WIT, World, Year, copy_rows, reserve_ids

from agencies.models import Agency, MachineToken, Role, Unit, User
from agencies.services import create_machine_token
from dispatch.models import Assignment, Ticket
from dispatch.services.incidents import close_incident
from incidents.events import _hash_of
from incidents.models import Call, EventChainHead, Incident

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-loop-password-112"
AGENCY = "bench-loop"
UNITS = 8
CREATOR = "bench-loop-stored"  # creator of the synthetic stored incidents; nobody signs in
PLACE = (-3.6956, 128.1815)  # Kota Ambon, near the Gong Perdamaian
INCIDENT_TYPE = "kebakaran.rumah"
STATIC = "/static/ambon112/console.css"
KINDS = (
    "static file",
    "signed-in GET",
    "CTI ringing",
    "take call",
    "create incident",
    "forward (1 agency)",
    "accept ticket",
    "send unit",
    "en route",
    "on scene",
    "clear (unit free)",
    "close incident",
    "CTI ended",
)
# The loop issue #18 timed TicketsCAD on had no closure and no hang-up.
NOT_IN_TICKETSCAD_LOOP = ("close incident", "CTI ended")


# --- accounts, agency and units of the loop -------------------------------------------------


def staff(username: str, role: str, agency: Agency | None = None) -> User:
    user, _created = User.objects.get_or_create(username=username)
    user.role, user.agency, user.is_active = role, agency, True
    user.set_password(PASSWORD)
    user.save()
    return user


def loop_world() -> tuple[dict[str, User], list[str], str]:
    """The loop's accounts, its agency's units (all free) and a new CTI token's secret."""
    agency, _created = Agency.objects.get_or_create(
        code=AGENCY,
        defaults={
            "name": "Benchmark loop",
            "short_name": AGENCY,
            "kind": "fire",
            "regencies": ["81.71", "81.01"],
        },
    )
    users = {
        "operator": staff("bench-loop-operator", Role.CALL_TAKER),
        "desk": staff("bench-loop-desk", Role.AGENCY_DESK, agency),
        "dispatcher": staff("bench-loop-dispatcher", Role.DISPATCHER),
    }
    # An earlier run stopped half-way leaves units out: close those incidents as a
    # dispatcher would, which frees the units.
    left = Assignment.objects.filter(unit__agency=agency, status__in=Assignment.ACTIVE_STATUSES)
    for incident in Incident.objects.filter(
        pk__in=left.values("incident_id"), status__in=Incident.OPEN_STATUSES
    ):
        with transaction.atomic():
            close_incident(incident=incident, by=users["dispatcher"], outcome="resolved")
    now = timezone.now()
    call_signs = [f"{AGENCY}-{i}" for i in range(1, UNITS + 1)]
    for i, call_sign in enumerate(call_signs):
        Unit.objects.update_or_create(
            call_sign=call_sign,
            defaults={
                "agency": agency,
                "kind": "engine",
                "capabilities": ["fire"],
                "status": Unit.Status.AVAILABLE,
                "last_lat": PLACE[0] + 0.002 * i,
                "last_lon": PLACE[1] - 0.002 * i,
                "last_position_at": now,
                "is_demo": True,
            },
        )
    _token, secret = create_machine_token(
        name=f"bench-loop-{uuid.uuid4().hex[:8]}", kind=MachineToken.Kind.CTI
    )
    return users, call_signs, secret


# --- synthetic stored incidents and their events ------------------------------------------


def synthetic_events(year: Year, agency_codes: dict[int, str]) -> list[dict]:
    """What the live system would have logged for the chunk's incidents, in time order."""
    out = []

    def add(at, kind, subject_type, subject_id, incident_id, agencies=(), **payload):
        out.append(
            {
                "at": at,
                "kind": kind,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "incident_id": incident_id,
                "agencies": sorted(agencies),
                "payload": payload,
            }
        )

    for call in year.calls:
        add(call["ringing_at"], "call.ringing", "call", call["id"], None, line=call["line"])
        add(call["taken_at"], "call.taken", "call", call["id"], call["incident_id"])
    for incident in year.incidents:
        i = incident["id"]
        add(incident["created_at"], "incident.created", "incident", i, i, priority=1)
        add(incident["closed_at"], "incident.closed", "incident", i, i, outcome="resolved")
    for ticket in year.tickets:
        code, i = agency_codes[ticket["agency_id"]], ticket["incident_id"]
        add(ticket["notified_at"], "ticket.notified", "ticket", ticket["id"], i, [code])
        if ticket["accepted_at"]:
            add(ticket["accepted_at"], "ticket.accepted", "ticket", ticket["id"], i, [code])
        if ticket["declined_at"]:
            add(ticket["declined_at"], "ticket.declined", "ticket", ticket["id"], i, [code])
    for a in year.assignments:
        code = agency_codes[a["ticket_id"]["agency_id"]]
        for kind, at in (
            ("assignment.dispatched", a["dispatched_at"]),
            ("assignment.en_route", a["en_route_at"]),
            ("assignment.on_scene", a["on_scene_at"]),
            ("assignment.cleared", a["cleared_at"]),
            ("assignment.cancelled", a["cancelled_at"]),
        ):
            if at is not None:
                add(at, kind, "assignment", a["id"], a["incident_id"], [code])
    out.sort(key=lambda e: e["at"])
    return out


def chain_events(events: list[dict], agency_ids: dict[str, int], user_id: int, label: str) -> None:
    """Append the events to the log after its head, hashed as incidents.events hashes them."""
    head = EventChainHead.objects.select_for_update().get(pk=1)
    rows, audiences = [], []
    for e in events:
        event = SimpleNamespace(
            seq=head.seq + 1,
            at=datetime.fromtimestamp(e["at"], UTC),
            actor_id=user_id,
            actor_label=CREATOR,
            kind=e["kind"],
            subject_type=e["subject_type"],
            subject_id=e["subject_id"],
            payload=e["payload"],
            agencies=e["agencies"],
            incident_id=e["incident_id"],
            prev_hash=head.hash,
            synthetic=True,  # invented history carries the mark, under its hash
        )
        event.hash = _hash_of(event)
        head.seq, head.hash = event.seq, event.hash
        for code in event.agencies:
            head.feeds[f"agency.{code}"] = event.seq
            audiences.append({"event_id": event.seq, "agency_id": agency_ids[code]})
        rows.append(
            {
                "seq": event.seq,
                "at": event.at,
                "actor_id": user_id,
                "actor_label": CREATOR,
                "kind": event.kind,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "payload": json.dumps(event.payload),
                "agencies": json.dumps(event.agencies),
                "incident_id": event.incident_id,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
                "synthetic": True,
            }
        )
    copy_rows("incidents_event", dict.fromkeys(rows[0]), rows, f"{label} events")
    copy_rows("incidents_eventaudience", dict.fromkeys(audiences[0]), audiences, "audiences")
    head.save(update_fields=["seq", "hash", "feeds"])


def columns(model, written: dict) -> dict:
    """report_year.py's columns of a table, plus the model's other required columns at their
    defaults (columns added since report_year.py was written would fail the COPY as NULL)."""
    out = dict(written)
    for field in model._meta.concrete_fields:
        if field.column not in out and not field.null and not field.primary_key:
            value = field.get_default()
            out[field.column] = json.dumps(value) if isinstance(value, dict | list) else value
    return out


def write_chunk(year: Year, agency_codes: dict[int, str], creator: User) -> None:
    """COPY one chunk: incidents, their agencies, calls, tickets, assignments, events."""
    # The rows' ids are the events' subjects: taken from each table's sequence beforehand.
    for table, rows in (
        ("incidents_call", year.calls),
        ("dispatch_ticket", year.tickets),
        ("dispatch_assignment", year.assignments),
    ):
        for row_id, row in zip(reserve_ids(table, len(rows)), rows, strict=True):
            row["id"] = row_id
    for call in year.calls:
        call["call_id"] = f"loop-stored-{call['incident_id']}"
    events = synthetic_events(year, agency_codes)
    assignments = [a | {"ticket_id": a["ticket_id"]["id"]} for a in year.assignments]
    links = [{"incident_id": i, "agency_id": a} for i, a in sorted(year.links)]
    for table, model, written, rows in (
        ("incidents_incident", Incident, INCIDENT, year.incidents),
        ("incidents_incident_agencies", None, {"incident_id": 0, "agency_id": 0}, links),
        ("incidents_call", Call, CALL | {"id": None}, year.calls),
        ("dispatch_ticket", Ticket, TICKET, year.tickets),
        ("dispatch_assignment", Assignment, ASSIGNMENT | {"id": None}, assignments),
    ):
        table_columns = columns(model, written) if model else written
        rows = [table_columns | row for row in rows]
        copy_rows(table, table_columns, rows, table.rsplit("_", 1)[-1])
    agency_ids = {code: pk for pk, code in agency_codes.items()}
    chain_events(events, agency_ids, creator.pk, "chunk")


def top_up(stored: int, chunk: int, seed: int) -> None:
    """Add synthetic closed incidents until `stored` of them are in the database."""
    creator, created = User.objects.get_or_create(
        username=CREATOR, defaults={"role": Role.SUPERVISOR, "first_name": "Benchmark"}
    )
    if created:
        creator.set_unusable_password()
        creator.save(update_fields=["password"])
    have = Incident.objects.filter(created_by=creator).count()
    if have > stored:
        raise SystemExit(f"{have} synthetic incidents stored already, more than --stored {stored}")
    if have == stored:
        return
    print(f"adding {stored - have} SYNTHETIC closed incidents to the {have} stored (COPY)…")
    started = time.perf_counter()
    rng = random.Random(seed + have)
    world = World(rng, creator)
    agency_codes = dict(Agency.objects.values_list("pk", "code"))
    year = datetime.now(WIT).year - 1
    for first in range(have, stored, chunk):
        n = min(chunk, stored - first)
        synthetic = Year(rng, world, year)
        ids = reserve_ids("incidents_incident", n)
        for incident_id, t0 in zip(ids, sorted(synthetic.clock.rings(n)), strict=True):
            synthetic.incident(incident_id, t0)
        with transaction.atomic():
            write_chunk(synthetic, agency_codes, creator)
        elapsed = time.perf_counter() - started
        print(f"  {first + n}/{stored} synthetic incidents stored ({elapsed:.0f} s)", flush=True)
    print("VACUUM ANALYZE…", flush=True)
    with connection.cursor() as cursor:
        for table in (
            "incidents_incident",
            "incidents_incident_agencies",
            "incidents_call",
            "dispatch_ticket",
            "dispatch_assignment",
            "incidents_event",
            "incidents_eventaudience",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"stored in {time.perf_counter() - started:.0f} s")


# --- the loop -------------------------------------------------------------------------------


def cookies_of(headers) -> str:
    return "; ".join(headers.get_all("Set-Cookie") or [])


class Http:
    """One kept-alive connection; each account's session and CSRF cookies."""

    def __init__(self, url: str):
        self.base = urllib.parse.urlsplit(url)
        self.origin = f"{self.base.scheme}://{self.base.netloc}"
        self.conn = http.client.HTTPConnection(self.base.hostname, self.base.port or 80, timeout=30)
        self.headers: dict[str, dict[str, str]] = {}

    def send(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes, dict]:
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, response.read(), response.headers

    def sign_in(self, who: str, username: str) -> None:
        status, page, headers = self.send("GET", "/login/")
        csrf = re.search(r"csrftoken=([^;]+)", cookies_of(headers)).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1)
        form = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        status, _body, headers = self.send(
            "POST",
            "/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
                "Referer": f"{self.origin}/login/",
            },
        )
        cookies = dict(re.findall(r"(sessionid|csrftoken)=([^;]+)", cookies_of(headers)))
        if status != 302 or "sessionid" not in cookies:
            raise SystemExit(f"sign-in as {username} failed (HTTP {status})")
        csrf = cookies.get("csrftoken", csrf)
        self.headers[who] = {
            "Cookie": f"sessionid={cookies['sessionid']}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Referer": f"{self.origin}/",
            "Origin": self.origin,
            "Content-Type": "application/json",
        }

    def machine(self, secret: str) -> None:
        self.headers["cti"] = {
            "Authorization": f"Token {secret}",
            "Content-Type": "application/json",
        }

    def __call__(self, who: str | None, method: str, path: str, data=None):
        body = json.dumps(data) if data is not None else None
        status, payload, _headers = self.send(method, path, body, self.headers.get(who, {}))
        return status, payload


class InProcess:
    """Django's test client in this process, for query counts and profiles."""

    def __init__(self, users: dict[str, User], secret: str):
        from django.test import Client

        self.clients = {}
        for who, user in users.items():
            self.clients[who] = Client(SERVER_NAME="127.0.0.1")
            self.clients[who].force_login(user)
        self.clients["cti"] = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {secret}")
        self.clients[None] = Client(SERVER_NAME="127.0.0.1")

    def __call__(self, who: str | None, method: str, path: str, data=None):
        client = self.clients[who]
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, json.dumps(data or {}), content_type="application/json")
        body = b"".join(response) if response.streaming else response.content
        return response.status_code, body


def one_loop(send, unit: str, timed) -> None:
    """The loop once; `timed(kind, fn)` runs each request and may measure it."""

    def request(kind, who, method, path, data=None, expect=(200, 201)):
        status, body = timed(kind, lambda: send(who, method, path, data))
        if status not in expect:
            raise SystemExit(f"{kind}: {method} {path} answered HTTP {status}: {body[:300]!r}")
        return json.loads(body) if body and body[:1] in (b"{", b"[") else None

    request("static file", None, "GET", STATIC)
    request("signed-in GET", "operator", "GET", "/api/events/?limit=1")
    call_id = f"bench-loop-{uuid.uuid4().hex[:12]}"
    ring = {"call_id": call_id, "event": "ringing", "number": "+6281200000112", "line": "112-1"}
    call = request("CTI ringing", "cti", "POST", "/api/cti/events/", ring)
    request("take call", "operator", "POST", f"/api/calls/{call['id']}/take/", {})
    details = {"incident_type": INCIDENT_TYPE, "lat": PLACE[0], "lon": PLACE[1]}
    incident = request(
        "create incident", "operator", "POST", f"/api/calls/{call['id']}/incident/", details
    )
    forward = {"agencies": [AGENCY]}
    path = f"/api/incidents/{incident['id']}/tickets/"
    ticket = request("forward (1 agency)", "operator", "POST", path, forward)[0]
    request("accept ticket", "desk", "POST", f"/api/tickets/{ticket['id']}/accept/", {})
    path = f"/api/tickets/{ticket['id']}/dispatch/"
    assignment = request("send unit", "desk", "POST", path, {"unit": unit})
    for kind, step in (("en route", "en-route"), ("on scene", "on-scene")):
        request(kind, "desk", "POST", f"/api/assignments/{assignment['id']}/{step}/", {})
    request("clear (unit free)", "desk", "POST", f"/api/assignments/{assignment['id']}/clear/", {})
    path = f"/api/incidents/{incident['id']}/close/"
    request("close incident", "dispatcher", "POST", path, {"outcome": "resolved"})
    request("CTI ended", "cti", "POST", "/api/cti/events/", ring | {"event": "ended"})


# --- the server and its CPU ---------------------------------------------------------------


class ThreadsCpu:
    """The CPU time of one process's threads so far, in ns: /proc/PID/task/*/schedstat, read
    with files kept open (about 30 µs for 15 threads). Work of the server's own threads after an
    answer (the live push) counts to the next request; a thread that ended would take its time
    with it, which the per-loop figure (from stat) does not."""

    def __init__(self, pid: int):
        self.tasks = f"/proc/{pid}/task"
        self.files: dict[str, int] = {}

    def __call__(self) -> int:
        total = 0
        for tid in os.listdir(self.tasks):
            if tid not in self.files:
                try:
                    self.files[tid] = os.open(f"{self.tasks}/{tid}/schedstat", os.O_RDONLY)
                except FileNotFoundError:  # ended meanwhile
                    continue
            total += int(os.pread(self.files[tid], 100, 0).split()[0])
        return total


def start_server(port: int, log: Path) -> subprocess.Popen:
    """`manage.py serve` on this database and Redis, as production runs it; its log to a file
    (a pipe nobody reads would stall it once full)."""
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            env=os.environ | {"WEB_CONCURRENCY": "1"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not answer within 60 s")


def run_http(args, users: dict[str, User], call_signs: list[str], secret: str) -> None:
    server = None
    if args.url:
        url, pid = args.url, args.pid
    else:
        log = Path(tempfile.gettempdir()) / f"http_loop-{args.port}.log"
        server = start_server(args.port, log)
        url, pid = f"http://127.0.0.1:{args.port}", server.pid
        print(f"server pid {pid} on {url}, its log in {log}")
    try:
        send = Http(url)
        for who, user in users.items():
            send.sign_in(who, user.username)
        send.machine(secret)
        samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
        cpus: dict[str, list[int]] = {kind: [] for kind in KINDS}
        threads_cpu = ThreadsCpu(pid) if pid else (lambda: 0)

        def timed(kind, fn):
            cpu_started = threads_cpu()
            started = time.perf_counter()
            result = fn()
            samples[kind].append(time.perf_counter() - started)
            cpus[kind].append(threads_cpu() - cpu_started)
            return result

        for i in range(args.warmup):
            one_loop(send, call_signs[i % len(call_signs)], lambda kind, fn: fn())
        cpu_before, started = server_cpu_s(pid) if pid else None, time.perf_counter()
        for i in range(args.loops):
            one_loop(send, call_signs[i % len(call_signs)], timed)
        wall = time.perf_counter() - started
        cpu = (server_cpu_s(pid) - cpu_before) if pid else None
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    print(
        f"\n{args.loops} loops after {args.warmup} warm-up loops, one kept-alive connection, "
        f"{url}; {stored_label()}"
    )
    header = f"{'request':22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
    print(header + (f" {'CPU ms':>8}" if cpu is not None else ""))
    cpu_of = {kind: statistics.fmean(cpus[kind]) / 1e6 for kind in KINDS}
    for kind in KINDS:
        ordered = sorted(samples[kind])

        def pick(q, ordered=ordered):
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

        mean = statistics.fmean(ordered) * 1000
        line = f"{kind:22} {pick(0.5):8.2f} {pick(0.95):8.2f} {pick(0.99):8.2f} {mean:8.2f}"
        print(line + (f" {cpu_of[kind]:8.2f}" if cpu is not None else ""))
    print(f"loop wall time: {1000 * wall / args.loops:.1f} ms ({len(KINDS)} requests)")
    if cpu is not None:
        print(
            f"server CPU per loop: {1000 * cpu / args.loops:.1f} ms for {len(KINDS)} requests "
            f"(utime+stime of pid {pid} and its children)"
        )
        compared = [kind for kind in KINDS if kind not in NOT_IN_TICKETSCAD_LOOP]
        print(
            f"server CPU of the {len(compared)} requests compared with TicketsCAD (#18): "
            f"{sum(cpu_of[kind] for kind in compared):.1f} ms (its threads' CPU per request)"
        )
    else:
        print("server CPU per loop: not measured (give --pid of the server)")


def run_profile(args, users: dict[str, User], call_signs: list[str], secret: str) -> None:
    """Queries and time per request kind in process; cProfile of two of them."""
    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per test-client sign-in
    send = InProcess(users, secret)
    queries: dict[str, list[int]] = {kind: [] for kind in KINDS}
    walls: dict[str, list[float]] = {kind: [] for kind in KINDS}
    cpus: dict[str, list[float]] = {kind: [] for kind in KINDS}
    profiles = {"create incident": cProfile.Profile(), "accept ticket": cProfile.Profile()}

    def timed(kind, fn):
        statements = []

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = fn()
            walls[kind].append(time.perf_counter() - started)
            cpus[kind].append(time.process_time() - cpu_started)
        queries[kind].append(len(statements))
        return result

    def profiled(kind, fn):
        profile = profiles.get(kind)
        return profile.runcall(fn) if profile else fn()

    for i in range(args.warmup):
        one_loop(send, call_signs[i % len(call_signs)], lambda kind, fn: fn())
    for i in range(args.profile):
        one_loop(send, call_signs[i % len(call_signs)], timed)
    for i in range(args.profile):
        one_loop(send, call_signs[i % len(call_signs)], profiled)
    print(
        f"\nIn process (Django test client, no HTTP server), {args.profile} loops; {stored_label()}"
    )
    print(f"{'request':22} {'SQL statements':>15} {'CPU p50 ms':>11}   wall")
    for kind in KINDS:
        counts = sorted(set(queries[kind]))
        shown = "–".join(str(c) for c in (counts[0], counts[-1])) if len(counts) > 1 else counts[0]
        cpu = statistics.median(cpus[kind]) * 1000
        print(f"{kind:22} {shown!s:>15} {cpu:11.2f}   {percentiles(walls[kind])}")
    cpu_loop = sum(statistics.median(cpus[kind]) for kind in KINDS) * 1000
    print(f"CPU of this process per loop (sum of the p50s): {cpu_loop:.1f} ms")
    for kind, profile in profiles.items():
        print_profile(f"`{kind}` over {args.profile} requests", profile)


def print_profile(title: str, profile: cProfile.Profile) -> None:
    """The project's own functions by cumulative time (the middleware and DRF wrappers around
    every request would fill a plain top 15), then every function by its own time."""
    rows = []
    stats = pstats.Stats(profile).stats
    for (path, line, name), (_cc, calls, own, cumulative, _callers) in stats.items():
        rows.append((cumulative, own, calls, f"{path}:{line}({name})"))
    ours = [
        r
        for r in rows
        if r[3].startswith(str(ROOT)) and "/.venv/" not in r[3] and "/benchmarks/" not in r[3]
    ]
    for heading, chosen, key in (
        (f"cProfile of {title}: the project's functions, top 15 by cumulative time", ours, 0),
        (f"cProfile of {title}: all functions, top 15 by own time", rows, 1),
    ):
        print(f"\n{heading}\n{'cumul. s':>9} {'own s':>7} {'calls':>7}  function")
        for cumulative, own, calls, where in sorted(chosen, key=lambda r: -r[key])[:15]:
            where = where.replace(str(ROOT) + "/", "")
            print(f"{cumulative:9.3f} {own:7.3f} {calls:7d}  {where}")


def stored_label() -> str:
    incidents = Incident.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM incidents_eventchainhead WHERE id = 1")
        events = cursor.fetchone()[0]
    synthetic = Incident.objects.filter(created_by__username=CREATOR).count()
    return f"{incidents} incidents stored ({synthetic} SYNTHETIC, by COPY), {events} events"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on this database (else one is started)")
    parser.add_argument("--pid", type=int, help="the running server's process, for its CPU")
    parser.add_argument("--port", type=int, default=8105, help="for the server started here")
    parser.add_argument("--loops", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--stored", type=int, help="top up to N synthetic stored incidents first")
    parser.add_argument("--chunk", type=int, default=50_000, help="synthetic incidents per COPY")
    parser.add_argument("--profile", type=int, metavar="N", help="N loops in process instead")
    parser.add_argument("--seed", type=int, default=112)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        raise SystemExit("Needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL.")
    call_command("migrate", verbosity=0)
    call_command("load_ambon", verbosity=0)
    if args.stored is not None:
        top_up(args.stored, args.chunk, args.seed)
    users, call_signs, secret = loop_world()
    connection.close()  # the server, not this process, holds connections while timing
    if args.profile:
        run_profile(args, users, call_signs, secret)
    else:
        run_http(args, users, call_signs, secret)


if __name__ == "__main__":
    main()
