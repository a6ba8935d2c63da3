"""The embedded deadline ticker: Celery beat's schedule, run inside the server process.

Only in the embedded default (no Redis). Each entry of `app.conf.beat_schedule` runs at its
interval as the same Celery task production runs, executed in-process in a worker thread.
"""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from ambon112.celery import app
from ambon112.production import production_problems, refusal

logger = logging.getLogger(__name__)


def _run_task(name: str) -> None:
    close_old_connections()
    try:
        app.tasks[name].apply(throw=True)
    finally:
        close_old_connections()


async def run_ticker() -> None:
    app.loader.import_default_modules()  # autodiscover tasks.py modules, as a worker does
    # Intervals are plain seconds in ambon112/celery.py; crontab entries would need beat.
    schedule = {
        entry["task"]: float(entry["schedule"]) for entry in app.conf.beat_schedule.values()
    }
    next_run = dict.fromkeys(schedule, time.monotonic())
    logger.info("embedded ticker started", extra={"tasks": sorted(schedule)})
    while True:
        now = time.monotonic()
        for name, interval in schedule.items():
            if now >= next_run[name]:
                next_run[name] = now + interval
                try:
                    await sync_to_async(_run_task, thread_sensitive=False)(name)
                except Exception:
                    logger.exception("embedded ticker task failed", extra={"task": name})
        await asyncio.sleep(max(0.05, min(next_run.values()) - time.monotonic()))


class Lifespan:
    """ASGI lifespan: refuse an unsafe production start; start the ticker with the server
    (embedded default), stop it with it."""

    async def __call__(self, scope, receive, send):
        task = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Production refuses here too when uvicorn is started without `manage.py serve`.
                problems = await sync_to_async(production_problems)() if settings.PRODUCTION else []
                if problems:
                    await send({"type": "lifespan.startup.failed", "message": refusal(problems)})
                    return
                if settings.EMBEDDED_TICKER:
                    task = asyncio.create_task(run_ticker())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if task:
                    task.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return
