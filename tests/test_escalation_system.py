"""The whole production topology escalating on time: an ASGI server, a Celery worker and Celery
beat as real processes on PostgreSQL and Redis, and a supervisor's console socket.

The ladders are shortened in the database (3 s and 6 s) so that the test takes seconds, not
minutes; the machinery is the one that runs with the default 15 s / 30 s.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

import pytest
from django.db import connection
from django.test import Client

from agencies.models import Agency, MachineToken, Role, User
from agencies.services import create_machine_token
from dispatch.models import Escalation, EscalationLevel, SlaPolicy, Watch
from dispatch.services.tickets import notify_agency
from incidents.models import IncidentType
from incidents.services.calls import create_incident, receive_call_event, take_call
from tests.browser.conftest import free_port
from tests.test_deployment import REPO

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(240),
    pytest.mark.django_db(transaction=True),
]
ON_TIME_S = 2.0


def shorten(watch: str, *delays_s: int) -> None:
    policy = SlaPolicy.objects.get(watch=watch, category="")
    for level, delay in zip(policy.levels.order_by("level"), delays_s, strict=False):
        EscalationLevel.objects.filter(pk=level.pk).update(delay_s=delay)


def environment() -> dict[str, str]:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1", "DB_POOL_MAX": "4"}


def spawn(args: list[str], log_path) -> subprocess.Popen:
    with open(log_path, "w") as log:
        return subprocess.Popen(
            args,
            cwd=REPO,
            env=environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def celery(*args: str, log_path) -> subprocess.Popen:
    program = [sys.executable, "-m", "celery", "-A", "ambon112", *args]
    return spawn(program, log_path)


def kill(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for_server(url: str, process: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited:\n{log_path.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (503 until the scheduler's first heartbeat)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the server did not start:\n{log_path.read_text()}")


async def escalations(url: str, cookie: str, *, count: int, timeout: float) -> list[tuple]:
    """(kind, watch, level, arrival time) of escalation.raised events on a console socket."""
    import websockets

    found = []
    ws_url = url.replace("http://", "ws://") + "/ws/console/"
    async with websockets.connect(
        ws_url, additional_headers={"Cookie": cookie, "Origin": url}
    ) as socket:
        await socket.recv()  # hello
        end = time.time() + timeout
        while len(found) < count and time.time() < end:
            try:
                message = json.loads(await asyncio.wait_for(socket.recv(), end - time.time()))
            except TimeoutError:
                break
            event = message.get("event") or {}
            if event.get("kind") == "escalation.raised":
                e = event["data"]["escalation"]
                found.append((e["watch"], e["level"], e["due_at"], time.time()))
    return found


def lateness(found) -> list[float]:
    return [arrived - datetime.fromisoformat(due).timestamp() for _w, _l, due, arrived in found]


def test_escalations_arrive_on_time_and_once_across_a_worker_crash(
    ambon, nobody_ready_aside, tmp_path
):
    shorten(Watch.CALL_UNANSWERED, 3, 6)
    shorten(Watch.TICKET_NOT_ACCEPTED, 3)
    supervisor = User.objects.create_user("sup", password="x" * 12, role=Role.SUPERVISOR)
    operator = User.objects.create_user("op", password="x" * 12, role=Role.CALL_TAKER)
    client = Client()
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    _token, secret = create_machine_token(name="pbx-system", kind=MachineToken.Kind.CTI)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = {name: tmp_path / f"{name}.log" for name in ("server", "worker", "beat", "worker2")}
    server = spawn(
        [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
        logs["server"],
    )
    worker = celery("worker", "--pool=solo", "--loglevel=INFO", log_path=logs["worker"])
    beat = celery(
        "beat",
        "--loglevel=INFO",
        f"--schedule={tmp_path / 'beat-schedule'}",
        log_path=logs["beat"],
    )
    restarted = None
    try:
        wait_for_server(url, server, logs["server"])
        time.sleep(3)  # worker and beat up

        # 1. A call rings and nobody answers: level 1 at 3 s, level 2 at 6 s.
        request = urllib.request.Request(
            f"{url}/api/cti/events/",
            data=json.dumps(
                {"call_id": "sys-1", "event": "ringing", "number": "+6281200005555"}
            ).encode(),
            headers={"Authorization": f"Token {secret}", "Content-Type": "application/json"},
        )
        listening = asyncio.run(escalations(url, cookie, count=0, timeout=0))  # socket works
        assert listening == []
        urllib.request.urlopen(request, timeout=5).close()
        found = asyncio.run(escalations(url, cookie, count=2, timeout=15))
        assert [(w, lvl) for w, lvl, _d, _a in found] == [
            ("call_unanswered", 1),
            ("call_unanswered", 2),
        ], found
        assert all(late <= ON_TIME_S for late in lateness(found)), lateness(found)

        # 2. The worker dies; a ticket goes overdue meanwhile; the new worker raises it once.
        kill(worker, signal.SIGKILL)
        call, _changed = receive_call_event(
            call_id="sys-2", event="ringing", number="+6281200006666", adapter="test"
        )
        take_call(call=call, by=operator)
        incident = create_incident(
            call=call, by=operator, incident_type=IncidentType.objects.get(code="kebakaran.rumah")
        )
        notify_agency(incident=incident, agency=Agency.objects.get(code="pln"), by=supervisor)
        time.sleep(5)  # its 3-second deadline passes with no worker
        restarted = celery("worker", "--pool=solo", "--loglevel=INFO", log_path=logs["worker2"])
        found = asyncio.run(escalations(url, cookie, count=3, timeout=20))
        tickets = [f for f in found if f[0] == "ticket_not_accepted"]
        assert [(w, lvl) for w, lvl, _d, _a in tickets] == [("ticket_not_accepted", 1)], found
        assert Escalation.objects.filter(watch=Watch.TICKET_NOT_ACCEPTED).count() == 1
    finally:
        for process in (beat, restarted, worker, server):
            if process is not None:
                kill(process)
