"""The supervisor's live map with 500 open incidents and 300 units: time to first render and
the browser's handling time per live update. A measurement, not a test.

Starts its own embedded server (SQLite in a temporary directory, as the browser tests do),
writes 500 synthetic incidents and 300 synthetic units (call signs BENCH-…) into its
database, opens /console/map/ as the supervisor in Debian's Chromium with every tile request
aborted, then moves units 100 times through the vehicle-tracker API (each move is a
`unit.moved` event pushed to the map's socket). Figures come from the page's own Performance
API entries: `situation:first-render` (a mark, ms since navigation), `situation:snapshot`
(fetching and drawing the snapshot) and one `situation:update` measure per live event handled.

    .venv/bin/python benchmarks/map_render.py [--incidents 500] [--units 300] [--updates 100]
"""

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import _setup  # noqa: F401, I001  (Django settings: the test helpers import models)

from tests.browser.conftest import CHROMIUM_ARGS, DEMO_PASSWORD, Server  # noqa: E402
from tests.conftest import CHROMIUM  # noqa: E402

SEED = """
import random
from datetime import timedelta
from django.utils import timezone
from agencies.models import Agency, Area, Unit, User
from incidents.models import Incident, IncidentType
random.seed(112)
now = timezone.now()
desas = list(Area.objects.filter(level="desa").select_related("parent").defer("geometry"))
types = list(IncidentType.objects.filter(is_active=True))
author = User.objects.get(username="operator")
statuses = ["new", "dispatched", "responding", "on_scene", "resolved"]
incidents = []
for i in range({incidents}):
    desa, kind = random.choice(desas), random.choice(types)
    incidents.append(Incident(
        incident_type=kind, category=kind.category, priority=random.randint(1, 4),
        status=random.choice(statuses),
        lat=desa.label_lat + random.uniform(-0.004, 0.004),
        lon=desa.label_lon + random.uniform(-0.004, 0.004),
        area=desa, kecamatan=desa.parent, created_by=author,
        created_at=now - timedelta(minutes=random.randint(1, 600))))
Incident.objects.bulk_create(incidents, batch_size=200)
damkar = Agency.objects.get(code="damkar")  # one agency, so one tracker token moves them all
kinds = ["engine", "ambulance", "patrol", "rescue", "truck"]
units = []
for i in range({units}):
    desa = random.choice(desas)
    units.append(Unit(
        call_sign=f"BENCH-{{i:03d}}", agency=damkar, kind=random.choice(kinds),
        status=random.choice(["available", "available", "en_route", "on_scene"]),
        last_lat=desa.label_lat + random.uniform(-0.003, 0.003),
        last_lon=desa.label_lon + random.uniform(-0.003, 0.003),
        last_position_at=now, is_demo=True))
Unit.objects.bulk_create(units, batch_size=200)
print(Incident.objects.count(), Unit.objects.count())
"""


def summary(values_ms: list[float]) -> str:
    ordered = sorted(values_ms)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"n={len(ordered)} mean {statistics.fmean(ordered):.2f} ms, p50 {pick(0.5):.2f} ms, "
        f"p95 {pick(0.95):.2f} ms, max {ordered[-1]:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--updates", type=int, default=100)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ambon112-map-bench-") as workdir:
        server = Server(Path(workdir))
        print("preparing the server's database…", flush=True)
        server.prepare()
        seeded = server.manage(
            "shell",
            "--no-imports",
            "-c",
            SEED.format(incidents=args.incidents, units=args.units),
        )
        print(f"incidents, units in the database: {seeded.stdout.strip()}")
        token = server.manage("create_tracker_token", "damkar").stdout.strip()
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(
                    base_url=server.url,
                    locale="id-ID",
                    timezone_id="Asia/Jayapura",
                    viewport={"width": 1600, "height": 1000},
                )
                context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda r: r.abort())
                page = context.new_page()
                page.goto("/login/")
                page.get_by_label("Nama pengguna").fill("supervisor")
                page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
                page.keyboard.press("Enter")
                page.wait_for_url(re.compile(r"/console/"))

                started = time.perf_counter()
                page.goto("/console/map/")
                page.wait_for_selector("#situation-map[data-ready='true']", timeout=60_000)
                page.wait_for_selector("[data-live-status='online']")
                wall_s = time.perf_counter() - started
                first = page.evaluate(
                    """() => ({
                      render: performance.getEntriesByName('situation:first-render')[0].startTime,
                      snapshot: performance.getEntriesByName('situation:snapshot')[0].duration,
                      incidents: situation.incidents.size,
                      units: situation.units.size,
                    })"""
                )
                print(
                    f"map loaded with {first['incidents']} open incidents and {first['units']} "
                    f"units: first render {first['render']:.0f} ms after navigation "
                    f"(snapshot fetch + draw {first['snapshot']:.0f} ms; "
                    f"{wall_s * 1000:.0f} ms wall clock from goto)"
                )

                bench_units = page.evaluate(
                    "() => [...situation.units.values()].map(u => u.data)"
                    ".filter(u => u.call_sign.startsWith('BENCH-'))"
                    ".map(u => [u.call_sign, u.lat, u.lon])"
                )
                before = page.evaluate("performance.getEntriesByName('situation:update').length")
                random.seed(7)
                post_s = []
                for i in range(args.updates):
                    call_sign, lat, lon = bench_units[i % len(bench_units)]
                    body = {
                        "call_sign": call_sign,
                        "lat": lat + random.uniform(-0.002, 0.002),
                        "lon": lon + random.uniform(-0.002, 0.002),
                    }
                    t0 = time.perf_counter()
                    answer = page.request.post(
                        "/api/tracker/positions/",
                        data=json.dumps({"positions": [body]}),
                        headers={
                            "Authorization": f"Token {token}",
                            "Content-Type": "application/json",
                        },
                    )
                    post_s.append(time.perf_counter() - t0)
                    assert answer.ok, answer.text()
                page.wait_for_function(
                    f"performance.getEntriesByName('situation:update').length >= "
                    f"{before + args.updates}",
                    timeout=60_000,
                )
                durations = page.evaluate(
                    f"performance.getEntriesByName('situation:update').slice({before})"
                    ".map(e => e.duration)"
                )
                print(f"live updates handled in the browser (unit.moved): {summary(durations)}")
                print(
                    "POST /api/tracker/positions/ round trip: "
                    f"{summary([s * 1000 for s in post_s])}"
                )
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
