"""The application on the drill stack: its environment (this checkout's code, or another one's
from `DRILL_APP_DIR`, pointed at the drill's own PostgreSQL and Redis), `manage.py`, the
database's setup (migrations, Ambon's reference data, drill accounts, a CTI token and the short
ladder) and the web processes that a drill kills, restarts or runs with other settings.

`AppMixin` is one part of `Stack`; it uses the stack's `app_dir`, `extra_env`, `web_env`,
`web_ports` and `token`, set by `Stack.__init__`, and the other parts' `database_url`,
`redis_url`, `_spawn` and `note`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

from drills.stack.config import (
    CALL_LADDER_S,
    CALL_TAKERS,
    CONSOLE_HEARTBEAT_S,
    HOST,
    PASSWORD,
    SECRET_KEY,
    SUPERVISOR,
)
from drills.stack.processes import StackError

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


class AppMixin:
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
