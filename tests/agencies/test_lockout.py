"""Lockout by account and address, and the supervisor's unlock."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import Event
from tests.conftest import PASSWORD

CONTROL_ROOM = "10.112.0.21"
ELSEWHERE = "203.0.113.66"
WRONG = "wrong-password-123"


def sign_in(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def lock_out(username, address):
    client = Client()
    for _ in range(5):
        response = sign_in(client, username, WRONG, address)
    assert response.status_code == 429


def test_failures_from_one_address_do_not_lock_the_account_at_another(operator):
    lock_out("operator", ELSEWHERE)
    assert sign_in(Client(), "operator", PASSWORD, ELSEWHERE).status_code == 429
    assert sign_in(Client(), "operator", PASSWORD, CONTROL_ROOM).status_code == 302


def test_one_persons_typos_do_not_lock_others_at_the_same_console(operator, dispatcher):
    lock_out("operator", CONTROL_ROOM)
    assert sign_in(Client(), "dispatcher", PASSWORD, CONTROL_ROOM).status_code == 302


def test_the_lock_lifts_fifteen_minutes_after_the_last_failure(operator):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        lock_out("operator", CONTROL_ROOM)
        clock.shift(14 * 60)
        assert sign_in(Client(), "operator", PASSWORD, CONTROL_ROOM).status_code == 429
        clock.shift(16 * 60)
        assert sign_in(Client(), "operator", PASSWORD, CONTROL_ROOM).status_code == 302


def test_a_supervisor_sees_the_locked_accounts_and_where_they_are_locked(
    client_for, supervisor, operator, dispatcher
):
    with time_machine.travel("2026-12-01T10:00:00+09:00", tick=False):
        lock_out("operator", ELSEWHERE)
        sign_in(Client(), "dispatcher", WRONG, CONTROL_ROOM)  # one typo: not locked
        response = client_for(supervisor).get(reverse("account-locked"))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": operator.pk,
            "username": "operator",
            "name": "operator",
            "role": "call_taker",
            "agency": None,
            "locks": [
                {
                    "address": ELSEWHERE,
                    "failures": 5,
                    "last_failure": "2026-12-01T10:00:00+09:00",
                    "locked_until": "2026-12-01T10:15:00+09:00",
                }
            ],
        }
    ]


def test_a_supervisor_unlocks_an_account_and_the_unlock_is_logged(client_for, supervisor, operator):
    lock_out("operator", ELSEWHERE)
    lock_out("operator", CONTROL_ROOM)
    response = client_for(supervisor).post(reverse("account-unlock", args=[operator.pk]))
    assert response.status_code == 200
    assert response.json() == {"id": operator.pk, "username": "operator", "failures_cleared": 10}
    assert sign_in(Client(), "operator", PASSWORD, CONTROL_ROOM).status_code == 302
    event = Event.objects.get(kind="account.unlocked")
    assert event.actor == supervisor
    assert (event.subject_type, event.subject_id) == ("user", str(operator.pk))
    assert event.payload == {
        "username": "operator",
        "addresses": [CONTROL_ROOM, ELSEWHERE],
        "failures_cleared": 10,
    }
    assert client_for(supervisor).get(reverse("account-locked")).json() == []


def test_an_administrator_may_unlock_too(client_for, admin_user, operator):
    lock_out("operator", ELSEWHERE)
    response = client_for(admin_user).post(reverse("account-unlock", args=[operator.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["operator", "dispatcher", "verifier", "damkar"])
def test_nobody_else_sees_or_unlocks_locked_accounts(request, client_for, supervisor, who):
    person = request.getfixturevalue(who)
    lock_out("supervisor", ELSEWHERE)
    client = client_for(person)
    assert client.get(reverse("account-locked")).status_code == 403
    response = client.post(reverse("account-unlock", args=[supervisor.pk]))
    assert response.status_code == 403
    assert sign_in(Client(), "supervisor", PASSWORD, ELSEWHERE).status_code == 429
    assert not Event.objects.filter(kind="account.unlocked").exists()


def test_unlocking_an_account_that_is_not_locked_is_a_conflict(client_for, supervisor, operator):
    sign_in(Client(), "operator", WRONG, CONTROL_ROOM)  # one typo is not a lock
    response = client_for(supervisor).post(reverse("account-unlock", args=[operator.pk]))
    assert response.status_code == 409
    assert response.json() == {"detail": "Akun ini tidak terkunci."}


def test_the_calls_console_shows_the_lockout_panel_to_supervisors_only(
    client_for, supervisor, operator
):
    assert 'id="lockouts"' in client_for(supervisor).get(reverse("calls_console")).text
    assert 'id="lockouts"' not in client_for(operator).get(reverse("calls_console")).text


def test_the_unlock_is_in_the_openapi_schema(client_for, supervisor):
    schema = client_for(supervisor).get(reverse("schema"), HTTP_ACCEPT="application/json").json()
    assert "post" in schema["paths"]["/api/accounts/{id}/unlock/"]
    assert "get" in schema["paths"]["/api/accounts/locked/"]
