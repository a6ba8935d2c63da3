"""Deleting a unit that is on a call is refused with a clear message, over the API and in the
admin (it was a 500), and a unit that can go is deleted with its change-log event."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from agencies.models import Agency, Role, Unit, User
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, notify_agency
from incidents.models import Event
from tests.conftest import PASSWORD


@pytest.fixture
def engine_on_a_call(make_incident, dispatcher, damkar):
    incident = make_incident("kebakaran.rumah")
    ticket = notify_agency(
        incident=incident, agency=Agency.objects.get(code="damkar"), by=dispatcher
    )
    accept_ticket(ticket=ticket, by=damkar)
    unit = Unit.objects.get(call_sign="DAMKAR-01")
    dispatch_unit(ticket=ticket, unit=unit, by=damkar)
    return unit, incident


@pytest.fixture
def admin_site(client, ambon):
    root = User.objects.create_superuser(
        username="root", password=PASSWORD, email="", role=Role.ADMIN
    )
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_api_refuses_to_delete_a_unit_on_a_call_naming_the_call(
    engine_on_a_call, client_for, admin_user
):
    unit, incident = engine_on_a_call
    response = client_for(admin_user).delete(reverse("unit-detail", args=[unit.pk]))
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"DAMKAR-01 sedang bertugas pada kejadian #{incident.pk} (Kebakaran rumah): "
        "selesaikan tugasnya atau tarik kembali unit itu sebelum menghapusnya."
    }
    assert Unit.objects.filter(pk=unit.pk).exists()
    assert not Event.objects.filter(kind="unit.deleted").exists()


def test_the_admin_refuses_to_delete_a_unit_on_a_call_one_or_in_a_batch(
    engine_on_a_call, admin_site
):
    unit, incident = engine_on_a_call
    response = admin_site.get(reverse("admin:agencies_unit_delete", args=[unit.pk]))
    assert response.status_code == 302
    assert response.url == reverse("admin:agencies_unit_change", args=[unit.pk])
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"DAMKAR-01 sedang bertugas pada kejadian #{incident.pk}" in message

    spare = Unit.objects.get(call_sign="DAMKAR-02")
    response = admin_site.post(
        reverse("admin:agencies_unit_changelist"),
        {"action": "delete_units", "_selected_action": [unit.pk, spare.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Unit.objects.filter(pk__in=[unit.pk, spare.pk]).count() == 2  # nothing deleted
    assert not Event.objects.filter(kind="unit.deleted").exists()


def test_the_admin_deletes_a_unit_that_is_free_with_its_change_log_event(admin_site):
    spare = Unit.objects.get(call_sign="DAMKAR-02")
    response = admin_site.post(
        reverse("admin:agencies_unit_changelist"),
        {"action": "delete_units", "_selected_action": [spare.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=spare.pk).exists()
    [event] = Event.objects.filter(kind="unit.deleted", subject_id=str(spare.pk))
    assert event.actor_label == "root"
    assert event.payload["before"]["call_sign"] == "DAMKAR-02"
