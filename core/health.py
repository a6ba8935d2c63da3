"""What the periodic work records of its runs, where /healthz (ambon112/health.py) reads it:
the scheduler's heartbeat and the deadline check's last completed run.

Kept in the kernel so that the deadline check (an app's) records its runs without importing the
config package that reads them.
"""

import logging

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "ambon112:scheduler-heartbeat"
DEADLINE_CHECK_KEY = "ambon112:deadline-check"
DEADLINE_FAILURE_KEY = "ambon112:deadline-check-failure"


def record_heartbeat() -> None:
    cache.set(HEARTBEAT_KEY, timezone.now().timestamp(), timeout=3600)


def record_deadline_check(*, raised: int, failed: list[int]) -> None:
    """A run of the deadline check completed: when, how many it raised, which rows it skipped.
    Never raises: a run that worked is not turned into an error by its own bookkeeping."""
    now = timezone.now().timestamp()
    try:
        cache.set(DEADLINE_CHECK_KEY, {"at": now, "raised": raised}, timeout=3600)
        if failed:
            cache.set(DEADLINE_FAILURE_KEY, {"at": now, "deadlines": failed[:20]}, timeout=3600)
    except Exception:
        logger.warning("could not record the deadline check's run", exc_info=True)
