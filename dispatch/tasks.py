"""Celery tasks: thin adapters over the services (beat schedule in ambon112/celery.py)."""

from celery import shared_task

from dispatch.deadlines import escalate_overdue


@shared_task(name="dispatch.tasks.escalate_overdue", ignore_result=True)
def escalate_overdue_task() -> int:
    return escalate_overdue()
