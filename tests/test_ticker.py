"""The embedded default runs Celery beat's schedule inside the server process."""

import asyncio

from asgiref.testing import ApplicationCommunicator
from django.core.cache import cache

from ambon112.health import check_scheduler
from ambon112.ticker import Lifespan
from core.health import HEARTBEAT_KEY


async def test_the_server_starts_the_ticker_and_it_runs_the_beat_schedule(settings):
    settings.EMBEDDED_TICKER = True
    await asyncio.to_thread(cache.delete, HEARTBEAT_KEY)
    server = ApplicationCommunicator(Lifespan(), {"type": "lifespan"})
    await server.send_input({"type": "lifespan.startup"})
    assert (await server.receive_output(timeout=2))["type"] == "lifespan.startup.complete"

    for _ in range(40):
        if (await asyncio.to_thread(check_scheduler))["ok"]:
            break
        await asyncio.sleep(0.05)
    assert (await asyncio.to_thread(check_scheduler))["ok"]

    await server.send_input({"type": "lifespan.shutdown"})
    assert (await server.receive_output(timeout=2))["type"] == "lifespan.shutdown.complete"


async def test_production_leaves_the_schedule_to_celery_beat(settings):
    settings.EMBEDDED_TICKER = False
    await asyncio.to_thread(cache.delete, HEARTBEAT_KEY)
    server = ApplicationCommunicator(Lifespan(), {"type": "lifespan"})
    await server.send_input({"type": "lifespan.startup"})
    await server.receive_output(timeout=2)
    await asyncio.sleep(0.3)
    assert (await asyncio.to_thread(check_scheduler)) == {"ok": False, "last_tick": None}
    await server.send_input({"type": "lifespan.shutdown"})
    await server.receive_output(timeout=2)
