"""The drill's own PostgreSQL: a fresh `initdb` cluster from the newest server under
/usr/lib/postgresql, run as the `postgres` OS user when we are root (initdb refuses root), that a
drill can stop the hard way (immediate shutdown, then crash recovery on start) and query with
psycopg without Django.

`PostgresMixin` is one part of `Stack`; it uses the stack's `pg_bin`, `pg_dir`, `pg_data`,
`pg_log` and `pg_port`, set by `Stack.__init__`, and `ProcessMixin`'s `note` and `log_tail`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from drills.stack.config import DB_NAME, HOST
from drills.stack.processes import StackError


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server's bin directory under /usr/lib/postgresql, or None."""
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return None

    def version(path: Path) -> tuple:
        return tuple(int(p) if p.isdigit() else 0 for p in path.name.split("."))

    for candidate in sorted(root.iterdir(), key=version, reverse=True):
        bindir = candidate / "bin"
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


class PostgresMixin:
    @property
    def database_url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.pg_port}/{DB_NAME}"

    def _as_postgres(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *args],
            cwd=self.pg_dir if self.pg_dir.exists() else "/",
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def _init_postgres(self) -> None:
        if self.pg_bin is None:
            raise StackError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.pg_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres", "postgres")
        result = self._as_postgres(
            str(self.pg_bin / "initdb"),
            "-D",
            str(self.pg_data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            raise StackError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        settings = {
            "listen_addresses": f"'{HOST}'",
            "port": str(self.pg_port),
            "unix_socket_directories": f"'{self.pg_dir}'",
            "max_connections": "200",
            # Speed without lying to clients: an immediate shutdown (our "crash") keeps what the
            # OS was given, so fsync may be off; synchronous_commit must stay on, or commits
            # already acknowledged would be lost by the drill's own restart.
            "fsync": "off",
            "full_page_writes": "off",
            "shared_buffers": "128MB",
            "log_min_messages": "warning",
            "log_line_prefix": "'%m [%p] '",
            "deadlock_timeout": "1s",
        }
        with open(self.pg_data / "postgresql.conf", "a") as conf:
            conf.write("\n# ambon112 drill\n")
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")

    def start_postgres(self, *, init: bool = False, timeout: float = 60) -> None:
        if init:
            self._init_postgres()
        result = self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            "-D",
            str(self.pg_data),
            "-l",
            str(self.pg_log),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 10,
        )
        if result.returncode != 0:
            raise StackError(
                f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n"
                f"{self.log_tail('postgres')}"
            )
        self.wait_postgres(timeout=timeout)
        if init:
            with self.connect(dbname="postgres") as conn:
                conn.execute(f"CREATE DATABASE {DB_NAME}")
        self.note(f"PostgreSQL up on {HOST}:{self.pg_port}")

    def _stop_postgres(self, *, mode: str) -> None:
        if self.pg_bin is None or not (self.pg_data / "postmaster.pid").exists():
            return
        result = self._as_postgres(
            str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m", mode, "-w", "stop"
        )
        if result.returncode != 0 and (self.pg_data / "postmaster.pid").exists():
            try:  # the last resort: the postmaster's pid, from its own pid file
                pid = int((self.pg_data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass

    def kill_postgres(self) -> None:
        """Stop PostgreSQL the hard way (immediate shutdown: no checkpoint, crash recovery)."""
        self._stop_postgres(mode="immediate")
        self.note("PostgreSQL stopped (immediate)")

    def restart_postgres(self, *, down_s: float = 0) -> None:
        self.kill_postgres()
        time.sleep(down_s)
        self.start_postgres()

    def connect(self, dbname: str = DB_NAME, timeout: float = 5):
        import psycopg

        return psycopg.connect(
            host=HOST,
            port=self.pg_port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
            connect_timeout=max(1, int(timeout)),
        )

    def wait_postgres(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                with self.connect(dbname="postgres", timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except Exception as exc:  # noqa: BLE001 (any failure means "not yet")
                last = exc
                time.sleep(0.2)
        raise StackError(f"PostgreSQL did not answer in {timeout} s: {last}")

    def query(self, sql: str, params: tuple | dict | None = None) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()

    def deadlocks(self) -> int:
        """'deadlock detected' lines in the PostgreSQL log so far."""
        try:
            return self.pg_log.read_text(errors="replace").count("deadlock detected")
        except OSError:
            return 0
