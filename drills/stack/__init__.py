"""A private production stack for fault drills: PostgreSQL, Redis, two web processes, a Celery
worker and Celery beat, each on a free 127.0.0.1 port in a temporary directory.

Nothing here touches the machine's own PostgreSQL or Redis: the drill's PostgreSQL is a fresh
`initdb` cluster (run as the `postgres` OS user when we are root), its Redis a fresh
`redis-server` without persistence. Every process is started in its own session so that it and
its children (Celery's pool) are killed together, by process group id. `Stack.stop()` kills
everything and is also registered with atexit, so a failed drill leaves nothing running.

    with Stack() as stack:
        stack.kill_redis(); stack.start_redis()
        stack.restart_postgres(down_s=3)
        stack.kill_checker(); stack.start_checker()

`Stack` is put together from one part per service, so that each can be read on its own:
`postgres` (the cluster), `redis` (the server), `app` (Django's setup and web processes),
`checker` (Celery worker and beat), over `processes` (process groups and their logs); `config`
holds the ports' host, the drill's accounts and its short ladder. This module is the package's
interface: drills and tests import from `drills.stack` only.
"""

from drills.stack.config import (
    CALL_LADDER_S,
    CALL_TAKERS,
    CONSOLE_HEARTBEAT_S,
    PASSWORD,
    SUPERVISOR,
)
from drills.stack.core import Stack, missing_services
from drills.stack.processes import StackError

__all__ = [
    "CALL_LADDER_S",
    "CALL_TAKERS",
    "CONSOLE_HEARTBEAT_S",
    "PASSWORD",
    "SUPERVISOR",
    "Stack",
    "StackError",
    "missing_services",
]
