"""The Celery app and its beat schedule: the one list of periodic work.

In production Celery beat sends these every interval; in the embedded default the ticker
inside the server runs the same tasks in-process (ambon112/ticker.py).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambon112.settings")

app = Celery("ambon112")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "scheduler-heartbeat": {"task": "ambon112.tasks.heartbeat", "schedule": 1.0},
    # DESIGN.md §6: the deadline check every second. A check not started within a second is
    # dropped: the next one covers the same rows.
    "escalate-overdue": {
        "task": "dispatch.tasks.escalate_overdue",
        "schedule": 1.0,
        "options": {"expires": 1.0},
    },
}
