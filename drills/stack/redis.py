"""The drill's own Redis (channel layer, cache and Celery broker at once): a `redis-server`
without persistence, so that a kill -9 or a FLUSHALL really loses everything in it, as the
drills mean it to.

`RedisMixin` is one part of `Stack`; it uses the stack's `root` and `redis_port`, set by
`Stack.__init__`, and `ProcessMixin`'s `_spawn`, `_kill`, `running`, `log_tail` and `note`.
"""

from __future__ import annotations

import os
import shutil
import time

from drills.stack.config import HOST
from drills.stack.processes import StackError


class RedisMixin:
    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/0"

    def redis(self):
        import redis

        return redis.Redis(host=HOST, port=self.redis_port, socket_timeout=2)

    def start_redis(self, timeout: float = 30) -> None:
        redis_dir = self.root / "redis"
        redis_dir.mkdir(exist_ok=True)
        self._spawn(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(redis_dir),
                "--daemonize",
                "no",
            ],
            os.environ.copy(),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.redis().ping():
                    self.note(f"Redis up on {HOST}:{self.redis_port}")
                    return
            except Exception:  # noqa: BLE001
                if not self.running("redis"):
                    raise StackError(f"redis-server exited:\n{self.log_tail('redis')}") from None
                time.sleep(0.1)
        raise StackError(f"Redis did not answer in {timeout} s")

    def kill_redis(self) -> None:
        self._kill("redis")
        self.note("Redis killed (-9)")

    def flush_redis(self) -> None:
        self.redis().flushall()
        self.note("Redis FLUSHALL")
