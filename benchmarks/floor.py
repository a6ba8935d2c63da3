"""The floor under every request (issue #18): what the stack costs before a request does any
work of its own, one layer at a time, over HTTP on one kept-alive connection.

    python benchmarks/floor.py [--rounds 2000] [--port 8106]

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL, SECRET_KEY), a database of its own (it runs
`migrate` and signs in as its own account `bench-floor`, whose last_login the writes update).
It starts one server process of its own: uvicorn with the project's settings and HTTP handler
(ambon112/asgi.py), answering these paths, each one layer more than the one before:

    raw ASGI        answered by the ASGI callable itself: uvicorn, the event loop, no Django
    Django bare     Django's handler with no middleware, a plain view
    middleware      the project's middleware (settings.MIDDLEWARE), not signed in
    signed in       the same, reading the signed-in user (session and user rows)
    DRF GET         a DRF view with the project's authentication, permission and renderer
    project GET     the project's own signed-in GET (/api/events/?limit=1, as http_loop.py)
    DRF write       a JSON POST through DRF (CSRF, the project's parser): in one transaction,
                    the account's row locked (SELECT … FOR UPDATE) and updated, then committed
    + event         the same write appending one event to the log as every write of the
                    project does (incidents/events.py: the chain head locked, the hash chained,
                    the deadline observers, the push after commit); kind `bench.floor`, SYNTHETIC

Each round sends every path once, in that order, so the machine's drift touches every rung
alike. Prints p50/p95 of each over --rounds rounds (after 200 warm-up rounds) and the server's
CPU per request (its threads' schedstat, as http_loop.py), and one PostgreSQL round trip
(`SELECT 1`) and a writing transaction's commit from this process, for scale.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _setup  # noqa: F401  (Django, before the project's modules)
import psycopg
import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from http_loop import Http, ThreadsCpu, staff
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Role, User
from incidents.events import record_event
from incidents.kinds import Audience, Kind, register

# No service records it: declared here, in the benchmark's processes only.
register([Kind("bench.floor", "", "bench.floor", Audience.AGENCIES)])

ROOT = Path(__file__).resolve().parent.parent
USERNAME = "bench-floor"
WARMUP = 200
RUNGS = (
    ("raw ASGI", "GET", "/floor/raw"),
    ("Django bare", "GET", "/floor/bare/"),
    ("middleware", "GET", "/floor/plain/"),
    ("signed in", "GET", "/floor/signed-in/"),
    ("DRF GET", "GET", "/floor/drf/"),
    ("project GET", "GET", "/api/events/?limit=1"),
    ("DRF write", "POST", "/floor/write/"),
    ("+ event", "POST", "/floor/write-event/"),
)


# --- the server's side ----------------------------------------------------------------------


@csrf_exempt
def plain(request):
    return HttpResponse(b"ok", content_type="text/plain")


def signed_in(request):
    return HttpResponse(request.user.get_username().encode(), content_type="text/plain")


class DrfGet(APIView):
    def get(self, request):
        return Response({"ok": True})


class DrfWrite(APIView):
    event = False

    def post(self, request):
        with transaction.atomic():
            user = User.objects.select_for_update().only("pk").get(pk=request.user.pk)
            User.objects.filter(pk=user.pk).update(last_login=timezone.now())
            if self.event:
                record_event("bench.floor", actor=request.user, payload={"note": "benchmark"})
        return Response({"ok": True})


urlpatterns = [
    path("floor/bare/", plain),
    path("floor/plain/", plain),
    path("floor/signed-in/", signed_in),
    path("floor/drf/", DrfGet.as_view()),
    path("floor/write/", DrfWrite.as_view()),
    path("floor/write-event/", DrfWrite.as_view(event=True)),
    path("", include("ambon112.urls")),
]


def serve(port: int) -> None:
    """One server process, as `manage.py serve` runs it, with the floor's paths added."""
    settings.ROOT_URLCONF = __name__
    from ambon112.asgi import OneHopHandler, django_asgi_app

    with override_settings(MIDDLEWARE=[]):
        bare = OneHopHandler()

    async def application(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["path"] == "/floor/raw":
            await receive()
            headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"ok"})
        elif scope["path"] == "/floor/bare/":
            await bare(scope, receive, send)
        else:
            await django_asgi_app(scope, receive, send)

    uvicorn.run(application, host="127.0.0.1", port=port, lifespan="off", log_config=None)


# --- the client's side ----------------------------------------------------------------------


def start(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the floor's server stopped; run it alone with --serve to see why")
        try:
            Http(f"http://127.0.0.1:{port}").send("GET", "/floor/raw")
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the floor's server did not answer within 60 s")


def database_scale(rounds: int = 2000) -> tuple[float, float]:
    """p50 of one `SELECT 1` round trip and of a writing transaction's commit (one that took a
    transaction id, so its commit record is flushed to the WAL), in µs."""
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        trips = []
        for _ in range(rounds):
            started = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            trips.append(time.perf_counter() - started)
        conn.autocommit = False
        commits = []
        for _ in range(rounds):
            conn.execute("SELECT txid_current()").fetchone()
            started = time.perf_counter()
            conn.commit()
            commits.append(time.perf_counter() - started)
    return statistics.median(trips) * 1e6, statistics.median(commits) * 1e6


def measure(args) -> None:
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        staff(USERNAME, Role.SUPERVISOR)
    trip_us, commit_us = database_scale()
    connection.close()
    server = start(args.port)
    try:
        send = Http(f"http://127.0.0.1:{args.port}")
        send.sign_in("floor", USERNAME)
        threads_cpu = ThreadsCpu(server.pid)
        walls = {name: [] for name, _method, _path in RUNGS}
        cpus = {name: [] for name, _method, _path in RUNGS}
        for round_ in range(WARMUP + args.rounds):
            for name, method, url in RUNGS:
                who = None if name in ("raw ASGI", "Django bare", "middleware") else "floor"
                data = {} if method == "POST" else None
                cpu_started, started = threads_cpu(), time.perf_counter()
                status, body = send(who, method, url, data)
                wall, cpu = time.perf_counter() - started, threads_cpu() - cpu_started
                if status != 200:
                    raise SystemExit(f"{name}: {method} {url} answered {status}: {body[:300]!r}")
                if round_ >= WARMUP:
                    walls[name].append(wall)
                    cpus[name].append(cpu)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{args.rounds} rounds after {WARMUP} warm-up rounds, one kept-alive connection; "
        f"{os.cpu_count()} cores"
    )
    print(f"{'rung':14} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8}  (server threads, mean)")
    for name, _method, _path in RUNGS:
        ordered = sorted(walls[name])
        p50, p95 = ordered[len(ordered) // 2] * 1000, ordered[int(0.95 * len(ordered))] * 1000
        print(f"{name:14} {p50:8.2f} {p95:8.2f} {statistics.fmean(cpus[name]) / 1e6:8.2f}")
    print(
        f"PostgreSQL from this process: SELECT 1 p50 {trip_us:.0f} µs, "
        f"a writing transaction's commit p50 {commit_us:.0f} µs"
    )
    print("issue #18's budget: each write p50 <= 3 ms, p95 <= 6 ms; the signed-in GET <= 1.5 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        raise SystemExit("Needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL.")
    if args.serve:
        serve(args.port)
    else:
        measure(args)


if __name__ == "__main__":
    main()
