"""The production topology runs the same entry points as the project does natively.

docker-compose.yml cannot be run here (no Docker engine in CI), so it is read and checked
against the code it starts; the Celery worker itself is started for real against Redis.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

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


def test_web_worker_and_beat_run_in_production_posture():
    """Production is said, not guessed from REDIS_URL (ambon112/production.py refuses then)."""
    for service in ("web", "worker", "beat"):
        assert SERVICES[service]["environment"]["AMBON112_ENV"] == "production", service
    assert "DEMO_PASSWORD" not in SERVICES["web"]["environment"]
    assert "create_demo_accounts" not in " ".join(command_of("migrate"))


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

    from ambon112.health import check_scheduler
    from core.health import HEARTBEAT_KEY

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


# --- production refuses an unsafe start --------------------------------------------------------

GOOD_KEY = "k7Qp2vX9-production-test-only-" + "Zr4mW8tN1bL6yH3cJ5dF0gS"


def _env(**changes: str | None) -> dict[str, str]:
    """This process's environment, pointed at the test database, with `changes` (None unsets)."""
    from django.conf import settings

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "core.postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "key, reason",
    [
        (None, "SECRET_KEY is not set"),
        ("embedded-default-not-secret-change-me-in-production", "SECRET_KEY is not set"),
        ("change-me-50-or-more-random-characters-change-me-50-or-more", "placeholder"),
        ("s3cr3t-but-short", "too short"),
    ],
    ids=["unset", "embedded-key", "placeholder", "short"],
)
def test_production_refuses_to_serve_without_a_real_secret_key(key, reason):
    result = _manage("serve", "--check", env=_env(AMBON112_ENV="production", SECRET_KEY=key))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "AMBON112_ENV=production, and this deployment is not safe to start" in result.stderr
    assert reason in result.stderr


def test_outside_production_redis_alone_changes_no_security_posture():
    """The test suite, the browser tests and the drills run this way (no AMBON112_ENV)."""
    result = _manage("serve", "--check", env=_env(AMBON112_ENV=None, SECRET_KEY=None))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Startup checks passed" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_production_refuses_while_a_demo_account_is_active(ambon, settings):
    from django.conf import global_settings

    from agencies.models import Role, User

    # As the embedded default made it (committed, so the child process sees it), hashed as a
    # server hashes it: the test suite's fast hasher is unknown to the child.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    User.objects.create_user(
        username="operator", password=settings.DEMO_PASSWORD, role=Role.CALL_TAKER
    )
    production = _env(AMBON112_ENV="production", SECRET_KEY=GOOD_KEY)
    result = _manage("serve", "--check", env=production)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Demo accounts are active with their public password" in result.stderr
    assert "deactivate_demo_accounts" in result.stderr

    assert "operator" in _manage("deactivate_demo_accounts", env=production).stdout
    result = _manage("serve", "--check", env=production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Startup checks passed (production)" in result.stdout
    assert not User.objects.get(username="operator").is_active


def test_a_real_account_named_like_a_demo_one_is_not_a_demo_account(ambon, settings):
    from agencies.models import Role, User
    from ambon112.production import production_problems

    settings.PRODUCTION, settings.SECRET_KEY = True, GOOD_KEY
    User.objects.create_user(username="admin", password="a-real-admin-passphrase", role=Role.ADMIN)
    assert production_problems() == []
    User.objects.create_user(username="operator", password="ambon112-demo", role=Role.CALL_TAKER)
    assert any("Demo accounts" in problem for problem in production_problems())


def test_production_refuses_debug(db, settings):
    from ambon112.production import production_problems

    settings.PRODUCTION, settings.SECRET_KEY, settings.DEBUG = True, GOOD_KEY, True
    assert [p for p in production_problems() if p.startswith("DEBUG is on")]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("program", ["worker", "beat"])
def test_a_production_celery_worker_or_beat_refuses_too(program, tmp_path):
    log = tmp_path / f"{program}.log"
    env = _env(AMBON112_ENV="production", SECRET_KEY=None)
    celery = Path(sys.executable).with_name("celery")
    extra = ["--pool=solo"] if program == "worker" else [f"--schedule={tmp_path / 'schedule'}"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(celery), "-A", "ambon112", program, *extra],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        returncode = process.wait(timeout=WORKER_START_TIMEOUT_S)
    finally:
        _stop(process)
    assert returncode == 1, log.read_text()
    assert f"celery {program}: AMBON112_ENV=production" in log.read_text()


def _settings_module(env: dict[str, str]) -> dict:
    """The security settings a fresh process computes from `env`."""
    code = (
        "import json\n"
        "from ambon112 import settings as s\n"
        "print(json.dumps({name: getattr(s, name) for name in ("
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
        "'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE')}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_send_hsts_behind_a_tls_proxy(client, db, settings):
    posture = _settings_module(_env(AMBON112_ENV="production", SECRET_KEY=GOOD_KEY))
    assert posture == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    posture["SECURE_PROXY_SSL_HEADER"] = tuple(posture["SECURE_PROXY_SSL_HEADER"])
    for name, value in posture.items():
        setattr(settings, name, value)
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get(reverse("login"))


def test_hsts_and_the_https_redirect_are_configurable():
    posture = _settings_module(
        _env(
            AMBON112_ENV="production",
            SECRET_KEY=GOOD_KEY,
            SECURE_HSTS_SECONDS="600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
            SECURE_SSL_REDIRECT="true",
        )
    )
    assert posture["SECURE_HSTS_SECONDS"] == 600
    assert posture["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert posture["SECURE_SSL_REDIRECT"] is True


def test_without_ambon112_env_there_is_no_hsts_even_with_redis():
    posture = _settings_module(_env(AMBON112_ENV=None))
    assert posture["SECURE_HSTS_SECONDS"] == 0
    assert posture["SECURE_PROXY_SSL_HEADER"] is None
    assert posture["SESSION_COOKIE_SECURE"] is False
