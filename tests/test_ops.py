"""Health, API documentation, security headers."""

import os
import time
from datetime import timedelta
from unittest import mock

import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db.utils import OperationalError
from django.urls import reverse

from core.health import DEADLINE_CHECK_KEY
from dispatch.deadlines import escalate_overdue


def test_healthz_reports_the_database_and_channel_layer(db, client):
    escalate_overdue()  # the deadline check ran a moment ago
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] and body["channel_layer"]["ok"]
    assert body["deadline_check"]["ok"] and "scheduler" in body


def test_healthz_is_503_when_the_deadline_check_has_not_run_lately(db, client, settings):
    cache.delete(DEADLINE_CHECK_KEY)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["deadline_check"] == {"ok": False, "last_success": None}
    escalate_overdue()
    with time_machine.travel(timedelta(seconds=settings.DEADLINE_CHECK_STALE_AFTER_S + 1)):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503 and not response.json()["deadline_check"]["ok"]


def test_healthz_answers_within_2_s_when_the_database_hangs(db, client):
    escalate_overdue()

    def hang(*args, **kwargs):
        time.sleep(5)

    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=hang):
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        took = time.monotonic() - started
    assert took < 2
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "timeout"}


def test_healthz_is_503_when_the_database_is_unreachable(db, client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute") as execute:
        execute.side_effect = OperationalError("connection refused")
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}


def test_the_openapi_schema_documents_the_api(client_for, operator):
    response = client_for(operator).get(reverse("schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/events/", "/api/agencies/", "/api/units/", "/api/areas/locate/"]:
        assert path in paths


def test_the_api_docs_load_without_a_cdn_or_inline_script(client_for, operator):
    response = client_for(operator).get(reverse("api-docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_openapi_schema_generates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
