"""Celery tasks: thin adapters over the services (beat schedule in ambon112/celery.py)."""

from celery import shared_task

from hazards.services.quakes import poll_feeds


@shared_task(name="hazards.tasks.poll_bmkg", ignore_result=True)
def poll_bmkg() -> int:
    """Read BMKG's feeds once; safe to run twice (each quake is stored once)."""
    return sum(len(reading.stored) for reading in poll_feeds())
