"""Fault drills need their own PostgreSQL server binaries and redis-server (they start private
instances on free loopback ports). Under CI=true a drill fails when they are missing; elsewhere
it is skipped with the reason, like the `postgres` and `redis` markers of tests/conftest.py.
"""

import os

import pytest

from drills.stack import missing_services

CI = os.environ.get("CI", "").lower() == "true"


def pytest_runtest_setup(item):
    if not item.get_closest_marker("drill"):
        return
    reasons = missing_services()
    if reasons and CI:
        pytest.fail(f"CI=true and this drill needs: {'; '.join(reasons)}", pytrace=False)
    if reasons:
        pytest.skip(f"drill needs: {'; '.join(reasons)}")
