"""The production topology runs the same entry points as the project does natively.

docker-compose.yml cannot be run here (no Docker engine in CI), so it is read and checked
against the code it starts; the Celery worker itself is started for real against Redis.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "beat"]
SERVE = ["python", "manage.py", "serve", "--host", "0.0.0.0", "--port", "8000"]
WORKER_START_TIMEOUT_S = 60


def command_of(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    assert isinstance(command, list), f"{service}: use the list (exec) form for its command"
    return command


def make_recipe(target: str) -> list[str]:
    """The recipe lines of one Makefile target."""
    lines = (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{target}\s*:", line))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


# --- docker-compose.yml -----------------------------------------------------------------------


def test_compose_describes_postgres_redis_web_worker_and_beat():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    for service in ("postgres", "redis"):
        assert SERVICES[service]["healthcheck"]["test"], f"{service} needs a healthcheck"
        assert SERVICES[service].get("volumes"), f"{service} keeps its data in a volume"


def test_the_web_service_runs_the_serve_command_that_make_run_runs():
    from ambon112.management.commands.serve import Command

    assert command_of("web") == SERVE
    assert Command.help
    assert any("manage.py serve" in line for line in make_recipe("run"))


def test_worker_and_beat_run_the_celery_app_of_the_project():
    assert command_of("worker")[:4] == ["celery", "-A", "ambon112", "worker"]
    assert command_of("beat")[:4] == ["celery", "-A", "ambon112", "beat"]


def test_the_beat_schedule_names_only_registered_tasks():
    from ambon112.celery import app

    app.loader.import_default_modules()  # what a worker does at start
    schedule = app.conf.beat_schedule
    assert schedule, "beat would have nothing to send"
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"{name}: no worker would run {entry['task']}"


def test_every_application_service_gets_the_database_redis_and_secret_key():
    for service in APP_SERVICES:
        environment = SERVICES[service]["environment"]
        for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
            assert environment.get(name), f"{service} lacks {name}"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:")
    web = SERVICES["web"]["environment"]
    for name in ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "WEB_CONCURRENCY"):
        assert name in web, f"web lacks {name}"


def test_the_schema_and_reference_data_are_loaded_before_anything_serves():
    migrate = " ".join(command_of("migrate"))
    assert "python manage.py migrate --no-input" in migrate
    assert "python manage.py load_ambon" in migrate
    assert migrate.index("migrate --no-input") < migrate.index("load_ambon")
    for service in ("web", "worker", "beat"):
        depends_on = SERVICES[service]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_the_image_runs_as_a_non_root_user_with_static_files_collected():
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert re.search(r"^RUN pip install \.$", dockerfile, re.M)
    assert "collectstatic --no-input" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "var"} <= set(ignored)


# --- .ci/run and the Makefile -----------------------------------------------------------------


def test_ci_installs_the_services_and_runs_make_test():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    install = re.search(r"packages=\(([^)]*)\)", script)
    assert install, ".ci/run lists the packages it installs"
    assert {"postgresql", "redis-server", "chromium"} <= set(install.group(1).split())
    assert "apt-get install -y --no-install-recommends" in script
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    # The suite runs last and unguarded: its exit status (pytest's 5 for "no tests" included)
    # is the exit status of CI.
    assert commands[-1] == "make test"


def test_make_run_migrates_loads_ambon_and_serves_on_the_chosen_port():
    run = make_recipe("run")
    setup = make_recipe("setup")
    assert any("manage.py migrate" in line for line in setup)
    assert any("manage.py load_ambon" in line for line in setup)
    assert run[-1].endswith("manage.py serve --host $(HOST) --port $(PORT)")


# --- a real worker ----------------------------------------------------------------------------


def _celery(*args: str, log: Path) -> subprocess.Popen:
    """`celery -A ambon112 ...` with this process's environment, as the compose services run."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    celery = Path(sys.executable).with_name("celery")
    program = [str(celery)] if celery.exists() else [sys.executable, "-m", "celery"]
    with log.open("w") as out:
        return subprocess.Popen(
            [*program, "-A", "ambon112", *args],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen) -> None:
    """Stop a process group: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _wait_for_heartbeat(processes: list[subprocess.Popen], logs: list[Path]) -> dict:
    from ambon112.health import check_scheduler

    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    status = check_scheduler()
    while not status["ok"] and time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                pytest.fail(f"celery exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.2)
        status = check_scheduler()
    if not status["ok"]:
        output = "\n".join(f"--- {log.name}\n{log.read_text()}" for log in logs)
        pytest.fail(f"no heartbeat in {WORKER_START_TIMEOUT_S}s: {status}\n{output}")
    return status


@pytest.fixture
def no_heartbeat():
    from django.core.cache import cache

    from ambon112.health import HEARTBEAT_KEY, check_scheduler

    cache.delete(HEARTBEAT_KEY)
    assert check_scheduler() == {"ok": False, "last_tick": None}


@pytest.mark.redis
@pytest.mark.timeout(120)
def test_a_celery_worker_started_like_compose_runs_the_heartbeat_task(no_heartbeat, tmp_path):
    from ambon112.tasks import heartbeat

    log = tmp_path / "worker.log"
    worker = _celery("worker", "--pool=solo", "--loglevel=INFO", log=log)
    try:
        heartbeat.delay()  # queued in Redis; the worker picks it up once it is ready
        status = _wait_for_heartbeat([worker], [log])
    finally:
        _stop(worker)
    assert status["age_s"] <= 10


@pytest.mark.redis
@pytest.mark.timeout(120)
def test_celery_beat_and_a_worker_keep_the_scheduler_healthy_on_their_own(no_heartbeat, tmp_path):
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker = _celery("worker", "--pool=solo", "--loglevel=INFO", log=worker_log)
    beat = _celery(
        "beat", "--loglevel=INFO", f"--schedule={tmp_path / 'celerybeat-schedule'}", log=beat_log
    )
    try:
        _wait_for_heartbeat([worker, beat], [worker_log, beat_log])
    finally:
        _stop(beat)
        _stop(worker)
