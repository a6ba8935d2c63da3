from celery import shared_task

from core.health import record_heartbeat


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Prove the periodic scheduler (beat + worker, or the embedded ticker) is alive."""
    record_heartbeat()
