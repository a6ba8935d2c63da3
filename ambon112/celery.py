"""The Celery app and its beat schedule: the one list of periodic work.

In production Celery beat sends these every interval; in the embedded default the ticker
inside the server runs the same tasks in-process (ambon112/ticker.py). With
AMBON112_ENV=production the worker and beat refuse to start where the server would.
"""

import os

from celery import Celery
from celery.signals import beat_init, worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambon112.settings")

app = Celery("ambon112")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "scheduler-heartbeat": {"task": "ambon112.tasks.heartbeat", "schedule": 1.0},
    # docs/architecture.md "Deadlines": the deadline check every second. A check not started within
    # a second is dropped: the next one covers the same rows.
    "escalate-overdue": {
        "task": "dispatch.tasks.escalate_overdue",
        "schedule": 1.0,
        "options": {"expires": 1.0},
    },
    # Issue #15: wrap-up over its maximum back to ready, silent consoles marked away.
    "presence-check": {
        "task": "incidents.tasks.check_presence",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
    # Issue #17: the daily seal of the event log. Hourly rather than at midnight (the embedded
    # ticker runs plain intervals): each run seals yesterday once, so it is sealed within the
    # hour, and a server that was down at midnight seals when it is back.
    "seal-chain": {
        "task": "incidents.tasks.seal_chain",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    # Issue #20: BMKG's earthquake feeds (a no-op until their URLs are set).
    "poll-bmkg": {
        "task": "hazards.tasks.poll_bmkg",
        "schedule": settings.BMKG_POLL_S,
        "options": {"expires": 30.0},
    },
}


@worker_init.connect
def refuse_unsafe_production_worker(**kwargs):
    """A production worker refuses to start as the server does (ambon112/production.py)."""
    _refuse("celery worker")


@beat_init.connect
def refuse_unsafe_production_beat(**kwargs):
    _refuse("celery beat")


def _refuse(who: str) -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from ambon112.production import refuse_unsafe_production

    refuse_unsafe_production(who)
