"""What `/healthz` reports: the database, the channel layer, the periodic scheduler and the
deadline check's last successful run.

The alarm is the centre's promise, so the check is judged by what it last *did*, not by whether
something that schedules it is alive: `escalate_overdue` records each completed run (and the
rows it had to skip) in core/health.py, and /healthz answers 503 when the last one is older
than a few seconds.
Every probe runs in its own thread under one time budget, so /healthz answers within 2 s even
when the database or Redis does not answer at all.
"""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

from core.health import DEADLINE_CHECK_KEY, DEADLINE_FAILURE_KEY, HEARTBEAT_KEY
from hazards.health import check_hazard_feeds

SCHEDULER_STALE_AFTER_S = 10
CHECK_BUDGET_S = 1.5


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": _ms_since(started)}


def check_channel_layer() -> dict:
    """A message sent to a fresh channel must come back: proves Redis (or memory) round-trips."""
    layer = get_channel_layer()
    started = time.perf_counter()

    async def round_trip() -> bool:
        channel = await layer.new_channel("healthz.")
        token = uuid.uuid4().hex
        received = asyncio.ensure_future(layer.receive(channel))
        # Sent until it comes back: a message published before the channel's subscription is
        # made is lost (ambon112/layers.py).
        try:
            async with asyncio.timeout(CHECK_BUDGET_S):
                while not received.done():
                    await layer.send(channel, {"type": "healthz", "token": token})
                    await asyncio.wait([received], timeout=0.05)
        finally:
            received.cancel()
        return received.result().get("token") == token

    try:
        ok = async_to_sync(round_trip)()
    except Exception as exc:
        return {"ok": False, "backend": layer.__class__.__name__, "error": exc.__class__.__name__}
    return {"ok": ok, "backend": layer.__class__.__name__, "ms": _ms_since(started)}


def check_scheduler() -> dict:
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if last is None:
        return {"ok": False, "last_tick": None}
    age = timezone.now().timestamp() - last
    return {"ok": age <= SCHEDULER_STALE_AFTER_S, "age_s": round(age, 1)}


def check_deadline_check() -> dict:
    """How long ago the deadline check last completed a run, and the rows it last skipped."""
    try:
        values = cache.get_many([DEADLINE_CHECK_KEY, DEADLINE_FAILURE_KEY])
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    last, failure = values.get(DEADLINE_CHECK_KEY), values.get(DEADLINE_FAILURE_KEY)
    if last is None:
        return {"ok": False, "last_success": None}
    now = timezone.now().timestamp()
    age = now - last["at"]
    status = {
        "ok": age <= settings.DEADLINE_CHECK_STALE_AFTER_S,
        "age_s": round(age, 1),
        "raised_last_run": last["raised"],
    }
    if failure is not None:
        status["last_failure"] = {
            "age_s": round(now - failure["at"], 1),
            "deadlines": failure["deadlines"],
        }
    return status


CHECKS = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "scheduler": check_scheduler,
    "deadline_check": check_deadline_check,
    "hazard_feeds": check_hazard_feeds,
}


def run_checks() -> dict[str, dict]:
    """Every probe at once, each in its own thread; one that has not answered within the
    budget is reported as a timeout (its thread finishes on its own)."""
    executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="healthz")
    futures = {name: executor.submit(_probe, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=CHECK_BUDGET_S)
    executor.shutdown(wait=False)
    return {
        name: future.result() if future.done() else {"ok": False, "error": "timeout"}
        for name, future in futures.items()
    }


def _probe(check) -> dict:
    try:
        return check()
    finally:
        connections.close_all()  # this thread's connection goes back to the pool


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
