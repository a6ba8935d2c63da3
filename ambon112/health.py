"""What `/healthz` reports: the database, the channel layer and the periodic scheduler."""

import asyncio
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "ambon112:scheduler-heartbeat"
SCHEDULER_STALE_AFTER_S = 10


def record_heartbeat() -> None:
    cache.set(HEARTBEAT_KEY, timezone.now().timestamp(), timeout=3600)


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
        await layer.send(channel, {"type": "healthz", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        return message.get("token") == token

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


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
