"""How the drill stack runs its processes, whichever service they are: each in its own session
with its output in `<name>.log` under the stack's directory, so that a kill -9 reaches the
process and its children (Celery's pool) by process group id, and a failure can quote the log.

`ProcessMixin` is one part of `Stack`; it uses the stack's `root`, `app_dir`, `procs`, `_logs`,
`pg_log`, `events` and `log`, set by `Stack.__init__`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time


class StackError(RuntimeError):
    pass


class ProcessMixin:
    def note(self, what: str) -> None:
        self.events.append((time.monotonic(), what))
        self.log(what)

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        if name in self.procs and self.procs[name].poll() is None:
            raise StackError(f"{name} is already running")
        log_path = self.root / f"{name}.log"
        handle = open(log_path, "ab")  # noqa: SIM115 (kept open for the process' life)
        self._logs[name] = handle
        proc = subprocess.Popen(
            args,
            cwd=self.app_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def _kill(self, name: str) -> None:
        """SIGKILL a process we started and every process of its group (its children)."""
        proc = self.procs.get(name)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        del self.procs[name]

    def running(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.pg_log if name == "postgres" else self.root / f"{name}.log"
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
