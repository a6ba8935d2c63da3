"""The fixed cast of the test suite, its standing clock, and the rule for services a test needs.

Under CI=true a test that needs PostgreSQL, Redis or the browser fails when the service is
missing; elsewhere (a fresh machine with only Python and make) it is skipped with the reason.
"""

import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from agencies.models import Agency, Role, User
from dispatch.models import EscalationLevel, SlaPolicy, Watch
from dispatch.policies import install_defaults
from incidents import kinds
from incidents.models import EventChainHead

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery-112"
# An agency to add through the API: the Red Cross (PMI) of Kota Ambon.
PMI = {"code": "pmi", "name": "PMI", "short_name": "PMI", "kind": "health", "regencies": ["81.71"]}
T0 = datetime(2026, 11, 28, 1, 0, 0, tzinfo=UTC)  # 10:00 WIT: the day-time policies


def _missing(marker: str) -> str | None:
    """Why the service behind a marker cannot be used here, or None when it can."""
    if marker == "postgres":
        engine = settings.DATABASES["default"]["ENGINE"]
        return None if "postgresql" in engine else "DATABASE_URL does not point to PostgreSQL"
    if marker == "redis":
        if not settings.REDIS_URL:
            return "REDIS_URL is not set"
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            return f"Redis at REDIS_URL does not answer: {exc}"
        return None
    if marker == "browser":
        if not os.path.exists(CHROMIUM):
            return f"{CHROMIUM} is not installed (apt-get install chromium)"
        if shutil.which("node") is None:
            try:
                import playwright  # noqa: F401
            except ImportError:
                return "playwright is not installed"
        return None
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker):
            reason = _missing(marker)
            if reason and CI:
                pytest.fail(f"CI=true and this test needs {marker}: {reason}", pytrace=False)
            if reason:
                pytest.skip(f"needs {marker}: {reason}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects real accounts; tests only need a hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _MadeUpKinds(dict):
    def __missing__(self, name: str) -> kinds.Kind:
        if not name.startswith("test."):
            raise KeyError(name)
        return kinds.Kind(name, "", name, kinds.Audience.AGENCIES)


@pytest.fixture
def made_up_kinds(monkeypatch):
    """The event log's own tests record kinds no service does ("test.…"): about nothing, to
    whichever agencies the test names. Every other kind is still the registry's."""
    monkeypatch.setattr(kinds, "_kinds", _MadeUpKinds(kinds._kinds))


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory):
    """The centre's signing key for the test run: made in a temporary directory, never a key
    kept in the repository (AMBON112_SIGNING_KEY in a real centre)."""
    from incidents.signing import create_key

    path = tmp_path_factory.mktemp("signing") / "signing-key.pem"
    create_key(path)
    return path


@pytest.fixture(autouse=True)
def _signing_key(settings, signing_key_file):
    """Every export is signed and every day sealed, so every test has the temporary key."""
    settings.SIGNING_KEY_PATH = signing_key_file


def _load_reference_data() -> None:
    """What migrations and `load_ambon` put in a fresh database (a transactional test's flush
    empties the tables, data migrations included)."""
    EventChainHead.objects.get_or_create(pk=1)
    if not Agency.objects.exists():
        # The demo units too: tests run with Redis are not the embedded default.
        call_command("load_ambon", "--demo-units", verbosity=0)
    with transaction.atomic():  # each policy created is logged, in the same transaction
        install_defaults(SlaPolicy, EscalationLevel)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference data once; each test's transaction is rolled back above it."""
    with django_db_blocker.unblock():
        _load_reference_data()


@pytest.fixture
def ambon(db):
    """Ambon's reference data and the event log's head row, as `make run` loads them.

    Reloaded only after a transactional test has flushed the tables.
    """
    _load_reference_data()


def _person(username: str, role: str, agency: Agency | None = None) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, role=role, agency=agency, first_name=username
    )


@pytest.fixture
def operator(ambon):
    return _person("operator", Role.CALL_TAKER)


@pytest.fixture
def dispatcher(ambon):
    return _person("dispatcher", Role.DISPATCHER)


@pytest.fixture
def supervisor(ambon):
    return _person("supervisor", Role.SUPERVISOR)


@pytest.fixture
def verifier(ambon):
    return _person("verifier", Role.VERIFIER)


@pytest.fixture
def admin_user(ambon):
    return _person("admin", Role.ADMIN)


@pytest.fixture
def damkar(ambon):
    """The fire service's desk."""
    return _person("damkar", Role.AGENCY_DESK, Agency.objects.get(code="damkar"))


@pytest.fixture
def dinkes(ambon):
    """The PSC 119 ambulance desk."""
    return _person("dinkes", Role.AGENCY_DESK, Agency.objects.get(code="dinkes"))


@pytest.fixture
def crew(ambon):
    """A crew member of Damkar on a phone (issue #19), signed in to no unit yet."""
    return _person("damkar-crew", Role.CREW, Agency.objects.get(code="damkar"))


@pytest.fixture
def client_for(client):
    """A test client signed in as the given person."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


@pytest.fixture
def nobody_ready_aside(ambon):
    """For tests of other waits: no "nobody ready" alarm, which every call that rings while no
    call-taker is signed in and ready starts (tests/incidents/test_presence.py tests it)."""
    SlaPolicy.objects.filter(watch=Watch.NOBODY_READY).update(is_active=False)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def clock():
    """A clock that stands still at T0 until moved (clock.move_to(at(s)), clock.shift(s))."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def english():
    """Messages in English, to match them as the code writes them."""
    with translation.override("en"):
        yield
