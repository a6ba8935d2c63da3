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
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "drill-password-112-ambon"  # noqa: S105 (a throwaway stack's accounts)
SECRET_KEY = "drill-only-not-secret-ambon112-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DB_NAME = "ambon112_drill"
HOST = "127.0.0.1"

# Short ladders so that drills see every level within seconds: the call-unanswered policy rings
# L1 after 2 s and L2 after 4 s (DESIGN.md §6 says 15 s and 30 s).
CALL_LADDER_S = (2, 4)
CONSOLE_HEARTBEAT_S = 2

# People of the drill stack: one supervisor's console, call-takers who take calls.
SUPERVISOR = "drill-supervisor"
CALL_TAKERS = ("drill-operator-1", "drill-operator-2", "drill-operator-3", "drill-operator-4")

_SETUP = """
import json
from agencies.models import MachineToken, Role, User
from agencies.services import create_machine_token
from dispatch.models import EscalationLevel, SlaPolicy, Watch

spec = json.loads({spec!r})
for name, role in spec["users"]:
    if not User.objects.filter(username=name).exists():
        User.objects.create_user(username=name, password=spec["password"], role=role,
                                 first_name=name)
MachineToken.objects.filter(name="drill").delete()
token, secret = create_machine_token(name="drill", kind=MachineToken.Kind.CTI)
policies = SlaPolicy.objects.filter(watch=Watch.CALL_UNANSWERED, is_active=True)
ladder = spec["ladder"]
for policy in policies:
    levels = list(EscalationLevel.objects.filter(policy=policy).order_by("level"))
    # Raise later levels first: delays must keep rising while we edit.
    for level, delay in reversed(list(zip(levels, ladder))):
        level.delay_s = delay
        level.save(update_fields=["delay_s"])
print("DRILL-SETUP " + json.dumps({{"token": secret}}))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


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


class StackError(RuntimeError):
    pass


class Stack:
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

    # --- Addresses and environment ---------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.pg_port}/{DB_NAME}"

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/0"

    @property
    def urls(self) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.web_ports]

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "DJANGO_", "CELERY_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "ambon112.settings",
                "PYTHONPATH": str(self.app_dir),
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "SECRET_KEY": SECRET_KEY,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_COOKIES": "false",
                "DEBUG": "false",
                "LOG_LEVEL": "WARNING",
                "ACCESS_LOG_LEVEL": "WARNING",
                "EMBEDDED_TICKER": "false",
                "PYTHONUNBUFFERED": "1",
                "DB_POOL_MIN": "2",
                "DB_POOL_MAX": "10",
                # Settings being added for issue #13 (harmless where they do not exist yet).
                "CONSOLE_HEARTBEAT_S": str(CONSOLE_HEARTBEAT_S),
            }
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def note(self, what: str) -> None:
        self.events.append((time.monotonic(), what))
        self.log(what)

    # --- Whole stack -----------------------------------------------------------------------

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

    # --- Processes -------------------------------------------------------------------------

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

    def manage(self, *args: str, timeout: float = 300, check: bool = True) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.app_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise StackError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
            )
        return result.stdout + result.stderr

    # --- PostgreSQL ------------------------------------------------------------------------

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

    # --- Redis -----------------------------------------------------------------------------

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

    # --- Django: database setup, web processes, Celery -------------------------------------

    def _setup_database(self) -> None:
        started = time.monotonic()
        self.manage("migrate", "--no-input")
        self.manage("load_ambon")
        spec = {
            "users": [(SUPERVISOR, "supervisor"), *((name, "call_taker") for name in CALL_TAKERS)],
            "password": PASSWORD,
            "ladder": list(CALL_LADDER_S),
        }
        output = self.manage("shell", "-c", _SETUP.format(spec=json.dumps(spec)))
        for line in output.splitlines():
            if line.startswith("DRILL-SETUP "):
                self.token = json.loads(line.removeprefix("DRILL-SETUP "))["token"]
        if not self.token:
            raise StackError(f"the drill setup printed no token:\n{output[-3000:]}")
        self.note(f"database migrated and loaded in {time.monotonic() - started:.1f} s")

    def start_web(self, index: int, *, wait: bool = True, **env_overrides: str) -> None:
        port = self.web_ports[index]
        self.web_env = {**self.web_env, **env_overrides}
        self._spawn(
            f"web{index + 1}",
            [sys.executable, "manage.py", "serve", "--host", HOST, "--port", str(port)],
            self.env(**self.web_env),
        )
        if wait:
            self.wait_web(index)

    def wait_web(self, index: int, timeout: float = 60) -> None:
        name, url = f"web{index + 1}", self.urls[index]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running(name):
                raise StackError(f"{name} exited:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                    response.read()
                    self.note(f"{name} up on {url}")
                    return
            except urllib.error.HTTPError:
                self.note(f"{name} up on {url} (healthz not 200)")
                return
            except OSError:
                time.sleep(0.2)
        raise StackError(f"{name} did not answer in {timeout} s:\n{self.log_tail(name)}")

    def kill_web(self, index: int) -> None:
        self._kill(f"web{index + 1}")
        self.note(f"web{index + 1} killed (-9)")

    @contextmanager
    def webs_with(self, **env_overrides: str):
        """Run the web processes with other settings for a while (restarts them twice)."""
        saved = dict(self.web_env)
        try:
            self.restart_webs(**env_overrides)
            yield
        finally:
            self.web_env = saved
            self.restart_webs()

    def restart_webs(self, **env_overrides: str) -> None:
        for index in range(len(self.web_ports)):
            self.kill_web(index)
        for index in range(len(self.web_ports)):
            self.start_web(index, wait=False, **env_overrides)
        for index in range(len(self.web_ports)):
            self.wait_web(index)

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
