"""The deadline check on the drill stack: a Celery worker and Celery beat, which drills kill
together and start again, and the scheduler heartbeat (a beat-sent task that the worker runs)
that tells when the check is really running again rather than merely started.

`CheckerMixin` is one part of `Stack`; it uses the stack's `root` and `procs`, set by
`Stack.__init__`, and the other parts' `env`, `redis`, `_spawn` and `note`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from drills.stack.processes import StackError


class CheckerMixin:
    def _celery(self, name: str, *args: str) -> None:
        celery = Path(sys.executable).with_name("celery")
        program = [str(celery)] if celery.exists() else [sys.executable, "-m", "celery"]
        self._spawn(name, [*program, "-A", "ambon112", *args], self.env())

    def start_worker(self) -> None:
        self._celery("worker", "worker", "--loglevel=WARNING", "--concurrency=2")
        self.note("Celery worker started")

    def start_beat(self) -> None:
        schedule = self.root / "celerybeat-schedule"
        self._celery("beat", "beat", "--loglevel=WARNING", f"--schedule={schedule}")
        self.note("Celery beat started")

    def kill_worker(self) -> None:
        self._kill("worker")
        self.note("Celery worker killed (-9)")

    def kill_beat(self) -> None:
        self._kill("beat")
        self.note("Celery beat killed (-9)")

    def kill_checker(self) -> None:
        self.kill_beat()
        self.kill_worker()

    def start_checker(self, *, wait: bool = True) -> None:
        self.start_worker()
        self.start_beat()
        if wait:
            self.wait_checker()

    def scheduler_heartbeat(self) -> float | None:
        """The scheduler heartbeat's time (Unix seconds) as the web's cache keeps it."""
        try:
            for key in self.redis().scan_iter(match="*ambon112:scheduler-heartbeat*", count=100):
                raw = self.redis().get(key)
                if raw is None:
                    continue
                import pickle

                try:
                    return float(pickle.loads(raw))  # noqa: S301 (our own stack's cache)
                except Exception:  # noqa: BLE001
                    return float(raw)
        except Exception:  # noqa: BLE001
            return None
        return None

    def wait_checker(self, timeout: float = 60, *, after: float | None = None) -> float:
        """Wait until the worker has run a beat-sent task (the heartbeat) after `after`."""
        after = time.time() if after is None else after
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in ("worker", "beat"):
                if name in self.procs and not self.running(name):
                    raise StackError(f"{name} exited:\n{self.log_tail(name)}")
            beat = self.scheduler_heartbeat()
            if beat is not None and beat > after:
                waited = time.time() - after
                self.note(f"scheduler heartbeat after {waited:.1f} s")
                return waited
            time.sleep(0.2)
        raise StackError(
            f"no scheduler heartbeat in {timeout} s:\n{self.log_tail('worker')}\n"
            f"{self.log_tail('beat')}"
        )
