"""Every page and API checks the role on the server: who may open what."""

import pytest
from django.urls import reverse

from agencies.models import Role
from tests.conftest import PMI

ALL = {"operator", "dispatcher", "supervisor", "verifier", "admin_user", "damkar", "crew"}

# url name → the cast members who get 200; everyone else signed in gets 403.
PAGES = {
    "calls_console": {"operator", "supervisor", "admin_user"},
    "dispatch_console": {"dispatcher", "supervisor", "admin_user"},
    "agency_console": {"damkar"},
    "crew_console": {"crew"},
    "audit": {"verifier", "supervisor", "admin_user"},
    # Live operations: not for verifiers (reports are theirs) nor desks (their own console).
    "map_console": {"dispatcher", "supervisor", "admin_user"},
    "wallboard_console": {"dispatcher", "supervisor", "admin_user"},
    "incident_list": {"operator", "dispatcher", "supervisor", "admin_user", "verifier"},
    "report_page": {"verifier", "supervisor", "admin_user"},
    "integrity_page": {"verifier", "supervisor", "admin_user"},
}
READ_APIS = {
    "events": ALL,
    "agency-list": ALL,
    "station-list": ALL,
    "unit-list": ALL,
    "area-list": ALL,
    "incidenttype-list": ALL,
    "schema": ALL,
    "call-list": {"operator", "supervisor", "admin_user"},
    "incident-list": {"operator", "dispatcher", "supervisor", "admin_user", "verifier"},
    "caller-list": {"supervisor", "admin_user"},
    # A crew reads its own job through /api/crew/ only (tests/dispatch/test_crew.py).
    "ticket-list": ALL - {"crew"},  # a desk's own only: tests/dispatch/test_api.py
    "assignment-list": ALL - {"crew"},
    "fleet-list": ALL - {"crew"},
    "dispatch-board": ALL - {"damkar", "crew"},
    "escalation-list": ALL - {"verifier", "crew"},
    "deadlines": ALL - {"verifier", "crew"},
    "slapolicy-list": ALL,
    "situation-map": {"dispatcher", "supervisor", "admin_user"},
    "situation-wallboard": {"dispatcher", "supervisor", "admin_user"},
    "situation-calls-today": {"dispatcher", "supervisor", "admin_user"},
    "crew": {"crew"},
}


@pytest.mark.parametrize("name", sorted(PAGES | READ_APIS))
@pytest.mark.parametrize("who", sorted(ALL))
def test_a_console_or_a_read_api_answers_only_its_roles(request, client_for, name, who):
    response = client_for(request.getfixturevalue(who)).get(reverse(name))
    assert response.status_code == (200 if who in (PAGES | READ_APIS)[name] else 403)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_console_sends_a_stranger_to_sign_in(ambon, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(READ_APIS))
def test_a_read_api_refuses_a_stranger(ambon, client, name):
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("who", sorted(ALL - {"admin_user"}))
def test_only_an_administrator_changes_reference_data(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    response = client.post(reverse("agency-list"), PMI, content_type="application/json")
    assert response.status_code == 403


def test_an_administrator_adds_an_agency(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("agency-list"), PMI | {"phone": "0911 352 000"}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+62911352000"


def test_a_desk_sees_its_own_units_only(client_for, damkar):
    units = client_for(damkar).get(reverse("unit-list")).json()
    assert units and {unit["agency"] for unit in units} == {"damkar"}


@pytest.mark.parametrize(
    "who, console",
    [
        ("operator", "calls_console"),
        ("dispatcher", "dispatch_console"),
        ("supervisor", "dispatch_console"),  # issue #16: never the call-taker queue
        ("verifier", "report_page"),
        ("damkar", "agency_console"),
        ("crew", "crew_console"),
    ],
)
def test_home_sends_each_person_to_their_console(request, client_for, who, console):
    response = client_for(request.getfixturevalue(who)).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(console)


def test_a_person_without_a_role_is_refused_everywhere(ambon, client_for, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x" * 12, role="")
    client = client_for(nobody)
    assert client.get(reverse("home")).status_code == 403
    assert client.get(reverse("events")).status_code == 403


def test_the_admin_site_is_for_administrators(client_for, admin_user, operator):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    assert client_for(admin_user).get("/admin/agencies/unit/").status_code == 200
    assert Role.ADMIN == admin_user.role
