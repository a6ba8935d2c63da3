"""PostgreSQL's percentile_cont and the embedded engine's Python give the same figures.

Both engines run on PostgreSQL over the same synthetic history (reports/demo.py), for
every breakdown and several filters; every figure of every group must match.
"""

from datetime import date

import pytest
from django.db import transaction
from django.test import override_settings

from agencies.models import Agency, Role, User
from reports.build import build_report
from reports.demo import Cast, generate_history
from reports.filters import ReportFilter
from tests.conftest import _load_reference_data, _person

# The history is played through the services (issue #17): slower than writing rows.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(900)]
MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"


def comparable(report: dict) -> dict:
    """Everything but the generation time."""
    return {k: v for k, v in report.items() if k != "generated_at"}


@pytest.fixture(scope="module")
def months(django_db_setup, django_db_blocker):
    """Three months of synthetic history: whole seconds (so ties are common), abandoned,
    prank and ghost calls, tickets never answered, units never marked en route or on scene.

    Played once for the module, in a transaction rolled back after its last test: each test's
    own transaction is a savepoint inside it, and the reports only read."""
    fast_hashing = override_settings(PASSWORD_HASHERS=[MD5])  # as tests/conftest.py's, per test
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        _load_reference_data()
        _play_months()
        yield
        transaction.set_rollback(True)


def _play_months() -> None:
    operator = _person("operator", Role.CALL_TAKER)
    dispatcher = _person("dispatcher", Role.DISPATCHER)
    desks = {
        agency.pk: User.objects.create_user(
            username=f"desk-{agency.code}", role=Role.AGENCY_DESK, agency=agency
        )
        for agency in Agency.objects.all()
    }
    cast = Cast(call_taker=operator, dispatcher=dispatcher, desks=desks)
    generate_history(start=date(2026, 8, 28), end=date(2026, 11, 3), calls_per_day=4, cast=cast)


def test_both_engines_agree_for_every_breakdown(db, months):
    autumn = ReportFilter(start=date(2026, 9, 1), end=date(2026, 11, 30))
    for by in [None, "month", "agency", "category", "kecamatan", "shift", "priority"]:
        sql = build_report(autumn, by=by, engine="sql")
        assert sql["total"]["calls"]["presented"] > 150
        assert comparable(sql) == comparable(build_report(autumn, by=by, engine="python")), by


def test_both_engines_agree_under_filters(db, months):
    for narrowed in [
        {"shift": "21-07"},
        {"agency": "damkar"},
        {"category": "medis"},
        {"kecamatan": "81.71.02", "priority": 1},
    ]:
        october = ReportFilter(start=date(2026, 10, 1), end=date(2026, 10, 31), **narrowed)
        sql = build_report(october, by="shift", engine="sql")
        python = build_report(october, by="shift", engine="python")
        assert comparable(sql) == comparable(python), narrowed
