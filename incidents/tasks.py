"""Celery tasks: thin adapters over the services (beat schedule in ambon112/celery.py)."""

from celery import shared_task

from incidents.services.presence import check_presence


@shared_task(name="incidents.tasks.check_presence", ignore_result=True)
def check_presence_task() -> int:
    return check_presence()
