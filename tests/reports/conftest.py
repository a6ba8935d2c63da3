"""October 2026 as the report tests build it (tests/dispatch/report_data.py, synthetic), with a
few events in the month so that the chain head an export carries is a real one."""

import pytest
import time_machine
from django.db import transaction

from incidents.events import record_event
from tests.dispatch.report_data import build_october, wit


@pytest.fixture
def october(dispatcher):
    incidents = build_october(dispatcher)
    with time_machine.travel(wit("10-05", "08:00:30"), tick=False), transaction.atomic():
        for incident in incidents.values():
            record_event("incident.created", subject=incident, actor=dispatcher)
    return incidents
