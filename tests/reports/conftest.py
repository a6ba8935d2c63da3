"""October 2026 as the report tests build it (tests/reports/report_data.py, synthetic), with a
few events in the month so that the chain head an export carries is a real one."""

import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from incidents.events import record_event
from tests.reports.report_data import build_october, wit


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Indonesian ones are checked by the API tests."""
    with translation.override("en"):
        yield


@pytest.fixture
def october(dispatcher):
    incidents = build_october(dispatcher)
    with time_machine.travel(wit("10-05", "08:00:30"), tick=False), transaction.atomic():
        for incident in incidents.values():
            record_event("incident.created", subject=incident, actor=dispatcher)
    return incidents
