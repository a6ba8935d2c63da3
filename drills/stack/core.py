"""`Stack`, the drill's own services put together from their parts: where each one lives (a
temporary directory, free loopback ports), the order they start in, and a stop that kills them
all however the drill ended (it is also registered with atexit). And `missing_services`, which
says why no stack can start on this machine, so that tests skip or fail with the reason.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from drills.stack.app import AppMixin
from drills.stack.checker import CheckerMixin
from drills.stack.config import BASE_DIR, free_port
from drills.stack.postgres import PostgresMixin, postgres_bin
from drills.stack.processes import ProcessMixin
from drills.stack.redis import RedisMixin


def missing_services() -> list[str]:
    """Why a drill stack cannot start on this machine (empty when it can)."""
    reasons = []
    if postgres_bin() is None:
        reasons.append("no PostgreSQL server under /usr/lib/postgresql/*/bin (apt: postgresql)")
    if shutil.which("redis-server") is None:
        reasons.append("redis-server is not on PATH (apt: redis-server)")
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            reasons.append("running as root but there is no `postgres` OS user to run initdb")
    return reasons


class Stack(PostgresMixin, RedisMixin, AppMixin, CheckerMixin, ProcessMixin):
    """The drill's own services. `start()` brings them all up; `stop()` kills them all."""

    def __init__(
        self,
        *,
        webs: int = 2,
        app_dir: Path | str | None = None,
        extra_env: dict[str, str] | None = None,
        keep: bool = False,
        log: Callable[[str], None] | None = None,
    ):
        # The application to run: this working tree, or another checkout of it (a drill can be
        # run against an older version, e.g. `git archive HEAD` unpacked somewhere).
        self.app_dir = Path(app_dir or os.environ.get("DRILL_APP_DIR") or BASE_DIR).resolve()
        self.root = Path(tempfile.mkdtemp(prefix="ambon112-drill-"))
        os.chmod(self.root, 0o755)  # the postgres OS user must reach its data directory
        self.keep = keep
        self.log = log or (lambda message: print(f"[stack] {message}", flush=True))
        self.pg_bin = postgres_bin()
        self.pg_dir = self.root / "pg"
        self.pg_data = self.pg_dir / "data"
        self.pg_log = self.pg_dir / "postgres.log"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.web_ports = [free_port() for _ in range(webs)]
        self.extra_env = dict(extra_env or {})
        self.web_env: dict[str, str] = {}
        self.token = ""
        self.procs: dict[str, subprocess.Popen] = {}
        self._logs: dict[str, object] = {}
        self.events: list[tuple[float, str]] = []  # (monotonic time, what happened)
        self._stopped = False
        self.on_stop: list[Callable[[], None]] = []  # run first by stop() (drills' consoles)
        atexit.register(self.stop)

    def start(self) -> Stack:
        started = time.monotonic()
        try:
            self.start_postgres(init=True)
            self.start_redis()
            self._setup_database()
            for index in range(len(self.web_ports)):
                self.start_web(index, wait=False)
            self.start_worker()
            self.start_beat()
            for index in range(len(self.web_ports)):
                self.wait_web(index)
            self.wait_checker()
        except BaseException:
            self.stop()
            raise
        self.note(f"stack up in {time.monotonic() - started:.1f} s under {self.root}")
        return self

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for callback in self.on_stop:
            try:
                callback()
            except Exception:  # noqa: BLE001 (stopping must go on)
                pass
        for name in list(self.procs):
            self._kill(name)
        self._stop_postgres(mode="immediate")
        for handle in self._logs.values():
            try:
                handle.close()
            except OSError:
                pass
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
