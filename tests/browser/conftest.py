"""The real server, as `make run` starts it, and Debian's Chromium driven by Playwright.

The server runs the embedded default (SQLite, in-memory channel layer, in-process ticker) in a
temporary directory, with its own database file: the browser tests never touch the test
database that pytest-django sets up, so they need no `db` mark.
"""

import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import CHROMIUM

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
DEMO_PASSWORD = "browser-demo-password-112"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(workdir: Path) -> dict[str, str]:
    """The embedded default: no DATABASE_URL, no REDIS_URL, a SQLite file of our own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        SQLITE_PATH=str(workdir / "ambon112.sqlite3"),
        AMBON112_SIGNING_KEY=str(workdir / "signing-key.pem"),  # made by prepare, as make run
        DEMO_PASSWORD=DEMO_PASSWORD,
        DJANGO_SETTINGS_MODULE="ambon112.settings",
        DEBUG="false",
        PYTHONUNBUFFERED="1",
        # A crew's phone (issue #19): positions every 2 s, a tap held offline 3 s is late.
        CREW_POSITION_INTERVAL_S="2",
        CREW_LATE_AFTER_S="3",
    )
    return env


# The database and signing key the first server on the real clock was prepared with.
_PREPARED: list[Path] = []


class Server:
    """`manage.py serve` as a subprocess; it can be stopped and started again on its port."""

    real_clock = True

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.env = server_env(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def prepare(self) -> None:
        """What `make run` does before serving: migrate, load Ambon, create demo accounts and the
        signing key. A later server of the run on the real clock starts from a copy of what the
        first one's commands made (the same commands make the same database and key)."""
        files = [Path(self.env["SQLITE_PATH"]), Path(self.env["AMBON112_SIGNING_KEY"])]
        if self.real_clock and _PREPARED:
            for made, copy in zip(_PREPARED, files, strict=True):
                shutil.copyfile(made, copy)
            return
        self.manage("migrate", "--no-input")
        self.manage("load_ambon")
        self.manage("create_demo_accounts")
        self.manage("create_signing_key", "--if-missing")
        if self.real_clock:
            prepared = self.workdir / "prepared"
            prepared.mkdir()
            for made in files:
                _PREPARED.append(shutil.copyfile(made, prepared / made.name))

    def record_event(self, kind: str, *, agencies: list[str], actor_label: str = "test") -> None:
        """Append an event to the server's log from another process, as a second web worker
        would. The embedded channel layer lives in the server's memory, so this event is not
        pushed: a console finds it by resyncing after its next (re)connection. Its made-up kind
        is declared in that process only (incidents.kinds refuses an unknown one)."""
        code = (
            "from django.db import transaction\n"
            "from agencies.models import Agency\n"
            "from incidents.events import record_event\n"
            "from incidents.kinds import Audience, Kind, register\n"
            f"register([Kind({kind!r}, '', {kind!r}, Audience.AGENCIES)])\n"
            "with transaction.atomic():\n"
            f"    record_event({kind!r}, actor_label={actor_label!r},\n"
            f"                 agencies=Agency.objects.filter(code__in={agencies!r}))\n"
        )
        self.manage("shell", "--no-imports", "-c", code)

    def start(self) -> None:
        assert self.process is None, "the server is already running"
        log = self.log_path.open("a")
        log.write(f"\n--- start {time.strftime('%H:%M:%S')} ---\n")
        log.flush()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.wait_healthy()

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz in {START_TIMEOUT_S}s:\n{self.log}")

    def stop(self, timeout: float = 10) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait until its port is closed."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.accepts_connections():
            time.sleep(0.1)

    def restart(self) -> None:
        self.stop()
        self.start()

    def accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# The clock of a browser test's own server (ClockedServer): a sitecustomize module on its
# PYTHONPATH, so every process of that server, `manage.py` included, reads it.
CLOCK = '''"""time-machine's clock, ticking from {start}: a browser test's own server.

The test moves it forward (ClockedServer.advance_clock_to): the seconds in the file "advance"
beside this module, then SIGUSR1; the file is removed once the clock has moved."""
import datetime
import signal
import zoneinfo
from pathlib import Path

import time_machine

WIT = zoneinfo.ZoneInfo("Asia/Jayapura")
_traveller = time_machine.travel({start}, tick=True).start()
_ADVANCE = Path(__file__).with_name("advance")


def _advance(signum, frame):
    _traveller.shift(float(_ADVANCE.read_text()))
    _ADVANCE.unlink()


signal.signal(signal.SIGUSR1, _advance)
'''


REAL_NOW = "datetime.datetime.now(datetime.UTC)"


class ClockedServer(Server):
    """A server of its own on time-machine's ticking clock, from `start` (a Python expression
    in `datetime`, `WIT`), which the test moves forward instead of waiting: a deadline is
    reached on the server's clock as it would be in real time, only sooner."""

    def __init__(self, workdir: Path, start: str = REAL_NOW):
        super().__init__(workdir)
        self.real_clock = start == REAL_NOW
        clock = workdir / "clock"
        clock.mkdir()
        (clock / "sitecustomize.py").write_text(CLOCK.format(start=start), encoding="utf-8")
        self.env["PYTHONPATH"] = str(clock)
        self._advance = clock / "advance"
        self.advanced_s = 0.0

    def clock(self) -> float:
        """The server's clock as the test counts it, in seconds: this process's monotonic
        clock plus the seconds it moved the server's forward."""
        return time.monotonic() + self.advanced_s

    def advance_clock_to(self, moment: float) -> None:
        """Move the running server's clock forward to `moment` (of `clock()`), at once; nothing
        when it is there already."""
        seconds = moment - self.clock()
        if seconds <= 0:
            return
        self._advance.write_text(repr(seconds), encoding="utf-8")
        os.kill(self.process.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while self._advance.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not move its clock:\n{self.log}")
            time.sleep(0.02)
        self.advanced_s += seconds


@pytest.fixture(scope="package")
def server(tmp_path_factory):
    """The running server, one for the browser tests; `live_server_url` starts it again when
    a test left it stopped."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")  # no point starting a server
    instance = Server(tmp_path_factory.mktemp("ambon112-server"))
    instance.prepare()
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def live_server_url(server):
    """The server's address, started again if a previous test left it stopped."""
    if not server.running:
        server.start()
    return server.url


@pytest.fixture(scope="package")
def playwright_instance():
    """One Playwright driver for the browser tests, stopped when they are done.

    While it runs, Playwright's event loop counts as *running* in this thread (its greenlet
    dispatcher never leaves it), so Django would refuse every later synchronous database call
    with SynchronousOnlyOperation, and pytest-asyncio could not run a loop of its own: hence
    package scope, never session scope."""
    sync_api = pytest.importorskip("playwright.sync_api")
    playwright = sync_api.sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="package")
def browser(playwright_instance):
    """Debian's Chromium; never a browser downloaded by Playwright."""
    chromium = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser, live_server_url, request):
    """A fresh browser profile on an Indonesian workstation in Ambon (WIT)."""
    context = browser.new_context(
        base_url=live_server_url,
        locale="id-ID",
        timezone_id="Asia/Jayapura",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        screenshot(tab, f"FAILED-{request.node.name}")
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_collection_modifyitems(config, items):
    """Every test here drives the browser: mark it, so that tests/conftest.py fails it under
    CI=true when Chromium is missing and skips it elsewhere, even if its author forgot."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture(scope="package", autouse=True)
def _clean_artifacts():
    if ARTIFACTS.exists():
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
    yield


@pytest.fixture(scope="package")
def cti_token(server) -> str:
    """The telephony adapter's secret on the test server, as `manage.py create_cti_token`
    prints it for a PBX administrator."""
    return server.manage("create_cti_token", "browser-pbx").stdout.strip()


# --- What several scenarios share ----------------------------------------------------------------


def label_point(code: str) -> tuple[float, float]:
    """An area's label point (lat, lon) from the Ambon reference data."""
    with (REPO / "agencies" / "data" / "ambon" / "areas.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["code"] == code:
                return float(row["label_lat"]), float(row["label_lon"])
    raise LookupError(code)


BATU_MERAH = label_point("81.71.02.2003")


def report_problems(page, username: str, problems: list[str]) -> None:
    """Collect the page's script errors and Content-Security-Policy violations."""
    page.on("pageerror", lambda error: problems.append(f"{username}: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"{username}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )


# A crew's or a desk's Android phone, 390 px wide.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


class People:
    """People signed in on one server, each in a browser profile of their own (an Indonesian
    workstation in Ambon, WIT, or with `phone=True` a phone; more `context_options` for
    Playwright, such as a geolocation), landing on `path` (`/`: their home). With `live=False`
    the screen is one left behind: its socket never hears from the server. Every page's script
    errors and CSP violations are collected. `close` screenshots every page of a failed test,
    closes them, and fails the test on any problem seen. This is the browser tests' one sign-in."""

    def __init__(self, browser, base_url: str, *, width: int = 1280, timeout_ms: int = 15_000):
        self.browser, self.base_url = browser, base_url
        self.width, self.timeout_ms = width, timeout_ms
        self.pages: list[tuple[str, object]] = []
        self.problems: list[str] = []

    def open(
        self,
        username: str,
        path: str = "/console/calls/",
        *,
        phone: bool = False,
        live: bool = True,
        **context_options,
    ):
        from playwright.sync_api import expect

        context = self.browser.new_context(
            base_url=self.base_url,
            locale="id-ID",
            timezone_id="Asia/Jayapura",
            **(PHONE if phone else {"viewport": {"width": self.width, "height": 1000}}),
            **context_options,
        )
        context.set_default_timeout(self.timeout_ms)
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
        if not live:
            context.route_web_socket(re.compile(r"/ws/"), lambda socket: None)
        page = context.new_page()
        report_problems(page, username, self.problems)
        page.goto(f"/login/?next={quote(path)}")
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        # Signed in once the login page is left: its own address, `/login/?next=/`, ends with
        # the path "/", so the check below alone could pass before the sign-in is sent.
        expect(page).not_to_have_url(re.compile(r"/login/"))
        expect(page).to_have_url(re.compile(f"{re.escape(path)}$"))
        if live and path.startswith("/console/"):
            expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
        self.pages.append((username, page))
        return page

    def watch(self, page, name: str):
        """Collect the problems of a page the test opened itself (a tab a click opened)."""
        report_problems(page, name, self.problems)
        self.pages.append((name, page))
        return page

    def another_tab(self, page, username: str):
        """A second tab of the same person: the same profile and session, watched the same."""
        return self.watch(page.context.new_page(), f"{username}-tab")

    def close(self, request) -> None:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            for username, page in self.pages:
                if not page.is_closed():
                    screenshot(page, f"FAILED-{request.node.name}-{username}")
        for context in {id(page.context): page.context for _, page in self.pages}.values():
            context.close()  # once per person, whatever tabs they opened
        assert self.problems == [], "script errors or CSP violations in the browser"


@pytest.fixture
def people(browser, live_server_url, request):
    """`people.open(username, path)`: see People."""
    signed_in = People(browser, live_server_url)
    yield signed_in
    signed_in.close(request)


def csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


class Telephone:
    """The PBX adapter: posts call events to /api/cti/events/ with its token."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.token = token
        self.live: dict[str, str] = {}  # call id -> number

    def post(self, **body) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}/api/cti/events/",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def ring(self, number: str, *, line: str = "112-1", at: tuple[float, float] | None = None):
        call_id = f"browser-{uuid.uuid4().hex[:12]}"
        body = {"call_id": call_id, "event": "ringing", "number": number, "line": line}
        if at:
            body["location"] = {"lat": at[0], "lon": at[1], "radius_m": 20, "source": "aml"}
        self.post(**body)
        self.live[call_id] = number
        return call_id

    def hang_up(self, call_id: str) -> None:
        self.post(call_id=call_id, event="ended", number=self.live.pop(call_id))

    def hang_up_all(self) -> None:
        for call_id in list(self.live):
            self.hang_up(call_id)


@pytest.fixture
def telephone(live_server_url, cti_token):
    phone = Telephone(live_server_url, cti_token)
    yield phone
    phone.hang_up_all()  # no call of this test is left ringing for the next one


def post(page, url: str, body: dict | None = None) -> dict:
    """A POST from a signed-in page, with its CSRF token; the JSON answer."""
    answer = page.request.post(url, headers={"X-CSRFToken": csrf(page)}, data=body or {})
    assert answer.ok, f"POST {url}: {answer.status} {answer.text()}"
    return answer.json()


def log_house_fire(supervisor, telephone: Telephone) -> int:
    """A house fire in Batu Merah logged by the supervisor through the API: a call rings, is
    taken, becomes the incident and hangs up. The incident's id."""
    number = f"+62812{uuid.uuid4().int % 10**7:07d}"
    call_id = telephone.ring(number)
    ringing = supervisor.request.get("/api/calls/?status=ringing").json()["calls"]
    call = next(c for c in ringing if c["number"] == number)
    post(supervisor, f"/api/calls/{call['id']}/take/")
    incident = post(
        supervisor,
        f"/api/calls/{call['id']}/incident/",
        {
            "incident_type": "kebakaran.rumah",
            "lat": BATU_MERAH[0],
            "lon": BATU_MERAH[1],
            "address": "Lorong belakang masjid",
            "description": "Api dari dapur, dua rumah terancam",
        },
    )
    telephone.hang_up(call_id)
    return incident["id"]
