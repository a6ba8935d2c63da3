"""Who is signed in is read in one plain SELECT (agencies/sessions.py): the session and the
account, afresh on every request, so whatever ends a session ends it on the next request."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies import sessions
from agencies.models import User
from agencies.sessions import MODEL_BACKEND, AccountBackend, SessionStore
from tests.conftest import PASSWORD

EVENTS = "/api/events/?limit=1"


def signed_in(username: str) -> Client:
    """A console signed in through the sign-in form, as a person signs in."""
    console = Client()
    assert (
        console.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code
        == 302
    )
    return console


def same_cookie(console: Client) -> Client:
    """Another browser holding a copy of the console's session cookie."""
    copy = Client()
    copy.cookies["sessionid"] = console.cookies["sessionid"].value
    return copy


def statements(console: Client, path: str = EVENTS) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert console.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_signed_in_request_reads_its_session_and_its_account_in_one_statement(operator):
    console = signed_in("operator")

    first, *_view = statements(console)

    assert "django_session" in first and "agencies_user" in first
    assert not any("django_session" in sql or "agencies_user" in sql for sql in _view)


def test_a_process_that_has_not_seen_the_session_reads_the_account_on_its_own_once(
    operator, monkeypatch
):
    console = signed_in("operator")
    monkeypatch.setattr(sessions, "_account_of", type(sessions._account_of)())

    session, account, *_view = statements(console)
    assert "django_session" in session and "agencies_user" not in session
    assert "agencies_user" in account

    joined, *_view = statements(console)
    assert "django_session" in joined and "agencies_user" in joined


def test_a_wrong_guess_of_the_sessions_account_reads_the_right_account(operator, supervisor):
    console = signed_in("operator")
    sessions._account_of[console.cookies["sessionid"].value] = supervisor.pk

    response = console.get(EVENTS)

    assert response.status_code == 200
    assert response.wsgi_request.user == operator
    assert sessions._account_of[console.cookies["sessionid"].value] == operator.pk


def test_a_session_whose_account_is_gone_is_signed_out(operator):
    console = signed_in("operator")
    assert console.get(EVENTS).status_code == 200
    User.objects.filter(pk=operator.pk).delete()

    assert console.get(EVENTS).status_code == 403


def test_an_account_read_with_a_session_is_given_once_and_for_that_account_alone(
    operator, supervisor
):
    key = signed_in("operator").cookies["sessionid"].value

    def reads(user_id) -> tuple[User | None, int]:
        with CaptureQueriesContext(connection) as queries:
            return AccountBackend().get_user(user_id), len(queries)

    SessionStore(key).load()  # reads the operator's account with the session
    assert reads(operator.pk) == (operator, 0)
    assert reads(operator.pk) == (operator, 1)

    SessionStore(key).load()
    assert reads(supervisor.pk) == (supervisor, 1)


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(operator):
    console = signed_in("operator")
    elsewhere = same_cookie(console)
    assert elsewhere.get(EVENTS).status_code == 200

    assert console.post(reverse("logout")).status_code == 302

    assert elsewhere.get(EVENTS).status_code == 403


def test_a_deactivated_account_is_refused_on_its_next_request(operator):
    console = signed_in("operator")
    assert console.get(EVENTS).status_code == 200

    operator.is_active = False
    operator.save(update_fields=["is_active"])

    assert console.get(EVENTS).status_code == 403


def test_an_account_deactivated_by_a_bulk_update_is_refused_too(operator):
    console = signed_in("operator")
    User.objects.filter(pk=operator.pk).update(is_active=False)  # no signal, no save()

    assert console.get(EVENTS).status_code == 403


def test_a_changed_password_ends_the_sessions_signed_in_with_the_old_one(operator):
    console = signed_in("operator")
    session_key = console.cookies["sessionid"].value
    operator.set_password("another-long-pass-112x")
    operator.save(update_fields=["password"])

    assert console.get(EVENTS).status_code == 403
    assert not Session.objects.filter(session_key=session_key).exists()


def test_a_session_signed_in_through_djangos_model_backend_stays_signed_in(operator):
    console = Client()
    console.force_login(operator, backend=MODEL_BACKEND)

    assert console.get(EVENTS).status_code == 200


@pytest.mark.parametrize("with_session", [False, True], ids=["alone", "with the session"])
def test_the_account_read_is_the_one_the_orm_reads(operator, with_session):
    key = signed_in("operator").cookies["sessionid"].value
    User.objects.filter(pk=operator.pk).update(last_login=operator.date_joined)
    expected = User.objects.get(pk=operator.pk)
    if with_session:
        SessionStore(key).load()

    with CaptureQueriesContext(connection) as queries:
        read = AccountBackend().get_user(str(operator.pk))

    assert len(queries) == (0 if with_session else 1)
    for field in User._meta.concrete_fields:
        value, orm_value = getattr(read, field.attname), getattr(expected, field.attname)
        assert (value, type(value)) == (orm_value, type(orm_value)), field.name
    assert (read._state.adding, read._state.db) == (False, "default")


def test_no_account_is_read_for_an_unknown_id_or_an_inactive_one(operator):
    User.objects.filter(pk=operator.pk).update(is_active=False)

    assert AccountBackend().get_user(str(operator.pk)) is None
    assert AccountBackend().get_user(str(operator.pk + 1000)) is None
