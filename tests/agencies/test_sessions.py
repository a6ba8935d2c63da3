"""Who is signed in is read in two plain SELECTs (agencies/sessions.py): the session and the
account, afresh on every request, so whatever ends a session ends it on the next request."""

from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import User
from agencies.sessions import MODEL_BACKEND, AccountBackend
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


def test_a_signed_in_request_reads_its_session_and_its_account_once_each(operator):
    console = signed_in("operator")
    with CaptureQueriesContext(connection) as queries:
        assert console.get(EVENTS).status_code == 200
    tables = [q["sql"] for q in queries.captured_queries]
    assert sum("django_session" in sql for sql in tables) == 1
    assert sum("agencies_user" in sql for sql in tables) == 1


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


def test_the_account_read_is_the_one_the_orm_reads(operator):
    User.objects.filter(pk=operator.pk).update(last_login=operator.date_joined)
    expected = User.objects.get(pk=operator.pk)

    read = AccountBackend().get_user(str(operator.pk))

    for field in User._meta.concrete_fields:
        value, orm_value = getattr(read, field.attname), getattr(expected, field.attname)
        assert (value, type(value)) == (orm_value, type(orm_value)), field.name
    assert (read._state.adding, read._state.db) == (False, "default")


def test_no_account_is_read_for_an_unknown_id_or_an_inactive_one(operator):
    User.objects.filter(pk=operator.pk).update(is_active=False)

    assert AccountBackend().get_user(str(operator.pk)) is None
    assert AccountBackend().get_user(str(operator.pk + 1000)) is None
