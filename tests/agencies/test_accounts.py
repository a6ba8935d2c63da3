import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from agencies.models import Agency, MachineToken, User
from agencies.services import create_demo_accounts
from tests.conftest import PASSWORD


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_person_signs_in_and_lands_on_their_console(client, operator):
    response = sign_in(client, "operator", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("calls_console")


def test_the_account_locks_after_five_failed_sign_ins(client, operator):
    for _ in range(5):
        response = sign_in(client, "operator", "wrong-password-123")
    assert response.status_code == 429
    assert "terkunci" in response.content.decode() or "locked" in response.content.decode()
    # Even the right password is refused while locked.
    assert sign_in(client, "operator", PASSWORD).status_code == 429


def test_four_failures_do_not_lock_and_a_success_resets_the_count(client, operator):
    for _ in range(4):
        sign_in(client, "operator", "wrong-password-123")
    assert sign_in(client, "operator", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "operator", "wrong-password-123")
    assert sign_in(client, "operator", PASSWORD).status_code == 302


def test_one_persons_typos_do_not_lock_another(client, operator, dispatcher):
    for _ in range(5):
        sign_in(client, "operator", "wrong-password-123")
    assert sign_in(client, "dispatcher", PASSWORD).status_code == 302


def test_a_password_needs_twelve_characters(db):
    with pytest.raises(ValidationError):
        validate_password("kopi-pala-1")  # 11
    validate_password("kopi-pala-12")  # 12


def test_demo_accounts_are_one_per_role_and_one_desk_per_agency(ambon, settings):
    settings.EMBEDDED = True
    settings.PRODUCTION = False
    created = create_demo_accounts(password="ambon112-demo")
    assert {"operator", "dispatcher", "supervisor", "verifier", "admin"} <= set(created)
    for agency in Agency.objects.all():
        desk = User.objects.get(username=agency.code)
        assert desk.agency == agency and desk.role == "agency_desk"
    assert User.objects.get(username="damkar").check_password("ambon112-demo")
    assert create_demo_accounts(password="ambon112-demo") == []


@override_settings(PRODUCTION=True)
def test_demo_accounts_are_refused_in_production(ambon):
    with pytest.raises(CommandError, match="refused in production"):
        call_command("create_demo_accounts")
    assert not User.objects.filter(username="operator").exists()


@override_settings(EMBEDDED=False, PRODUCTION=False)
def test_demo_accounts_may_be_made_with_redis_outside_production(ambon):
    """A test run or a drill uses Redis too: only AMBON112_ENV=production says production."""
    call_command("create_demo_accounts")
    assert User.objects.get(username="operator").is_active


def test_a_cti_token_is_shown_once_and_stored_hashed(ambon, capsys):
    call_command("create_cti_token", "pbx-ambon")
    secret = capsys.readouterr().out.strip()
    token = MachineToken.objects.get(name="pbx-ambon")
    assert len(secret) >= 40 and secret not in token.key_hash
    with pytest.raises(CommandError):
        call_command("create_cti_token", "pbx-ambon")


@pytest.mark.parametrize(
    "method, name",
    [
        ("get", "events"),
        ("get", "agency-list"),
        ("get", "unit-list"),
        ("get", "area-list"),
        ("get", "incidenttype-list"),
        ("get", "schema"),
        ("post", "agency-list"),
        ("get", "calls_console"),
        ("get", "home"),
    ],
)
def test_the_cti_token_can_do_nothing_but_post_call_events(ambon, client, capsys, method, name):
    call_command("create_cti_token", "pbx")
    secret = capsys.readouterr().out.strip()
    response = getattr(client, method)(
        reverse(name), HTTP_AUTHORIZATION=f"Token {secret}", content_type="application/json"
    )
    assert response.status_code in {302, 403}


def test_a_revoked_or_wrong_token_is_refused(ambon, client):
    response = client.get(reverse("events"), HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code in {401, 403}
    assert "token" in response.json()["detail"].lower()
