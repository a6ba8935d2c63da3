"""Dispatch: unit recommendation over 10, 100 and 1,000 units (in process), and, against a
running server, accept_ticket over HTTP and the time until ticket.accepted reaches the desk's
socket.

    python benchmarks/dispatch_desk.py                        # recommendation only
    python benchmarks/dispatch_desk.py --url http://127.0.0.1:8020 --tickets 300

The second part needs the server running on the same database (`manage.py serve --port 8020`).
It creates its own agency (code `bench-<n>`), units, incidents and desk account: use a database
of its own. Incidents and units are synthetic, placed at random on Ambon Island.
"""

import argparse
import asyncio
import http.client
import json
import random
import re
import sys
import time
import urllib.parse
import uuid

from _setup import percentiles
from cti_surge import sign_in
from django.db import connection
from django.utils import timezone

from agencies.models import Agency, Area, Role, Unit, User
from dispatch.recommend import recommend_units
from dispatch.services.tickets import notify_agency
from incidents.models import Incident, IncidentType

PASSWORD = "bench-password-112"


def random_point(rng: random.Random) -> tuple[float, float]:
    area = rng.choice(list(Area.objects.filter(level=Area.Level.DESA)))
    return area.label_lat + rng.uniform(-0.003, 0.003), area.label_lon + rng.uniform(-0.003, 0.003)


def bench_agency(rng: random.Random, units: int) -> Agency:
    code = f"bench-{uuid.uuid4().hex[:6]}"
    agency = Agency.objects.create(
        code=code, name=code, short_name=code, kind="fire", regencies=["81.71", "81.01"]
    )
    now = timezone.now()
    rows = []
    for i in range(units):
        lat, lon = random_point(rng)
        rows.append(
            Unit(
                call_sign=f"{code}-{i}",
                agency=agency,
                kind="engine",
                capabilities=["fire"] if i % 10 else ["water_supply"],
                status=Unit.Status.AVAILABLE if i % 7 else Unit.Status.OUT_OF_SERVICE,
                last_lat=lat,
                last_lon=lon,
                last_position_at=now,
                is_demo=True,
            )
        )
    Unit.objects.bulk_create(rows)
    return agency


def bench_incident(rng: random.Random, creator) -> Incident:
    lat, lon = random_point(rng)
    return Incident.objects.create(
        incident_type=IncidentType.objects.get(code="kebakaran.rumah"),
        category="kebakaran",
        priority=1,
        lat=lat,
        lon=lon,
        created_at=timezone.now(),
        created_by=creator,
    )


def staff(username: str, role: str, agency: Agency | None = None) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"role": role, "agency": agency}
    )
    user.role, user.agency = role, agency
    user.set_password(PASSWORD)
    user.save()
    return user


def recommendation(rng: random.Random, creator) -> None:
    for size in (10, 100, 1000):
        agency = bench_agency(rng, size)
        incident = bench_incident(rng, creator)
        recommend_units(incident=incident, agency=agency)  # warm up
        samples = []
        for _ in range(50):
            started = time.perf_counter()
            recommend_units(incident=incident, agency=agency)
            samples.append(time.perf_counter() - started)
        print(f"recommend_units over {size:>4} units (50 runs): {percentiles(samples)}")


def waiting_tickets(args, rng: random.Random, creator) -> tuple[User, list[int]]:
    """A desk of a new agency and `args.tickets` tickets waiting for it."""
    agency = bench_agency(rng, 20)
    desk = staff(f"desk-{agency.code}", Role.AGENCY_DESK, agency)
    tickets = [
        notify_agency(incident=bench_incident(rng, creator), agency=agency, by=creator).pk
        for _ in range(args.tickets)
    ]
    connection.close()
    return desk, tickets


async def accept_to_socket(args, desk: User, tickets: list[int]) -> None:
    import websockets

    base = urllib.parse.urlsplit(args.url)
    cookie = sign_in(base, desk.username, PASSWORD)
    conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=10)
    conn.request("GET", "/console/agency/", headers={"Cookie": cookie})
    page = conn.getresponse()
    page.read()
    csrf = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "")
    csrf = csrf.group(1) if csrf else ""
    headers = {
        "Cookie": f"{cookie}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/json",
        "Referer": f"{args.url}/console/agency/",
        "Origin": args.url,
    }
    ws_url = f"{'wss' if base.scheme == 'https' else 'ws'}://{base.netloc}/ws/console/"
    writes, to_socket = [], []
    async with websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": args.url}
    ) as socket:
        hello = json.loads(await socket.recv())
        print(f"desk connected to feed {hello['feed']!r}")
        for ticket in tickets:
            started = time.perf_counter()
            await asyncio.to_thread(
                conn.request, "POST", f"/api/tickets/{ticket}/accept/", "{}", headers
            )
            response = await asyncio.to_thread(conn.getresponse)
            body = response.read()
            writes.append(time.perf_counter() - started)
            if response.status != 200:
                sys.exit(f"accept failed: HTTP {response.status} {body[:200]!r}")
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=5))
                event = message.get("event") or {}
                if event.get("kind") == "ticket.accepted" and event["subject"]["id"] == str(ticket):
                    to_socket.append(time.perf_counter() - started)
                    break
    print(f"accept_ticket over HTTP ({len(writes)} tickets, one client): {percentiles(writes)}")
    print(f"accept_ticket posted → ticket.accepted on the desk socket: {percentiles(to_socket)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on the same database")
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--seed", type=int, default=112)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    creator = staff("bench-dispatcher", Role.DISPATCHER)
    print(f"database: {connection.vendor}; incidents stored: {Incident.objects.count()}")
    recommendation(rng, creator)
    if args.url:
        desk, tickets = waiting_tickets(args, rng, creator)
        asyncio.run(accept_to_socket(args, desk, tickets))


if __name__ == "__main__":
    main()
