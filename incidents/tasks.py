"""Celery tasks: thin adapters over the services (beat schedule in ambon112/celery.py)."""

import logging

from celery import shared_task

from incidents.services.presence import check_presence
from incidents.services.seals import seal_day
from incidents.services.verdicts import verify_days
from incidents.signing import SigningKeyMissing

logger = logging.getLogger(__name__)


@shared_task(name="incidents.tasks.check_presence", ignore_result=True)
def check_presence_task() -> int:
    return check_presence()


@shared_task(name="incidents.tasks.seal_chain", ignore_result=True)
def seal_chain_task() -> int | None:
    """Seal yesterday's chain head; run hourly, it seals each day once, soon after midnight,
    and then keeps a verdict for each closed day found intact (the integrity check's shortcut)."""
    try:
        seal = seal_day()
        if seal:
            verify_days()
    except SigningKeyMissing as exc:
        logger.error("the event log is not sealed: %s", exc)
        return None
    return seal.seq if seal else None
