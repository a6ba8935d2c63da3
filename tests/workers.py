"""A Redis database of its own for each pytest-xdist worker (`make test` runs two).

Loaded with `-p tests.workers` (pyproject's addopts), so it runs before pytest-django imports
the settings, which read REDIS_URL once. Worker gwN uses REDIS_URL's database number plus N:
the channel layer's groups, the cache (rate limits, locks) and Celery's queue of one worker are
never seen by the other, and a test that empties its database (tests/test_realtime.py) empties
only its own. Processes a test starts (the Celery worker and beat, a fault drill's tools) inherit
the shifted REDIS_URL. The test databases need nothing here: pytest-django suffixes their names
with the worker's id itself (test_ambon112_gw0, test_ambon112_gw1).
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis-server's default `databases`


def worker_redis_url(url: str, worker: str) -> str:
    """REDIS_URL for xdist worker `worker` ("gw1"): its database number moved by the index."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + int(worker.removeprefix("gw"))
    if database >= REDIS_DATABASES:
        raise RuntimeError(
            f"REDIS_URL {url} leaves no Redis database for xdist worker {worker}: "
            f"give a database number below {REDIS_DATABASES - int(worker.removeprefix('gw'))}"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], _worker)
