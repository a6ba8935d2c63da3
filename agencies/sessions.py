"""Who is signed in, read in one plain SELECT: every signed-in request reads its session and its
account, and building those queries through the ORM cost more than the database's answers.

The rules stay Django's own: the session is a row of its table, written by Django (sign-in,
sign-out, a password change's flush), so ending it in the database ends it at once; the account
is read afresh on every request, so a deactivated account or a changed password (Django's
session hash) is refused on the next request.

A session's key names one account for as long as the session lives: Django gives the session a
new key at every sign-in and sign-out. So once this process has seen which account a session
names, it reads that account in the same statement as the session. What it remembered is only
a guess, checked against the session's own data on every request: a wrong or missing guess
costs the account its own SELECT, as before, and nothing else.
"""

import threading
from collections import OrderedDict
from contextvars import ContextVar

from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from agencies.models import User
from core.db import from_row

ACCOUNT_BACKEND = "agencies.sessions.AccountBackend"
# Sessions signed in through Django's ModelBackend (before AccountBackend took its place, or by a
# test's force_login) are read as AccountBackend's, which is ModelBackend with a cheaper read.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# The account each recently seen session names, by session key (at most this many sessions).
REMEMBERED_SESSIONS = 10_000
_account_of: OrderedDict[str, int] = OrderedDict()
_account_of_lock = threading.Lock()
# The account read with the session just loaded: (its id, the account or None when no account
# has that id), taken by AccountBackend.get_user for that id.
_read_with_session: ContextVar[tuple[int, User | None] | None] = ContextVar(
    "account_read_with_session", default=None
)


def _remember(session_key: str | None, data: dict) -> None:
    user_id = data.get(SESSION_KEY)
    if session_key is None or user_id is None:
        return
    with _account_of_lock:
        _account_of[session_key] = User._meta.pk.to_python(user_id)
        _account_of.move_to_end(session_key)
        while len(_account_of) > REMEMBERED_SESSIONS:
            _account_of.popitem(last=False)


# The account's columns, in the order of the session's SELECT, and where its id is among them.
ACCOUNT_FIELDS = User._meta.concrete_fields
ACCOUNT_PK = ACCOUNT_FIELDS.index(User._meta.pk)
# The session's two SELECTs by kind of database, built once: joining the account's quoted
# columns on every request cost more than reading the row.
_selects: dict[str, tuple[str, str]] = {}


def _session_selects(model, connection) -> tuple[str, str]:
    """The session's SELECT alone, and with the account it is known to name."""
    selects = _selects.get(connection.vendor)
    if selects is None:
        quote = connection.ops.quote_name
        table, users = quote(model._meta.db_table), quote(User._meta.db_table)
        columns = ", ".join(f"u.{quote(field.column)}" for field in ACCOUNT_FIELDS)
        selects = _selects[connection.vendor] = (
            f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
            f"SELECT s.session_data, {columns} FROM {table} s "
            f"LEFT OUTER JOIN {users} u ON u.{quote(User._meta.pk.column)} = %s "
            "WHERE s.session_key = %s AND s.expire_date > %s",
        )
    return selects


def _account_from(values, connection) -> User | None:
    """The account of a row's account columns; None when they are NULL (no account has the id)."""
    if values[ACCOUNT_PK] is None:
        return None
    return from_row(User, ACCOUNT_FIELDS, values, connection)


class SessionStore(db.SessionStore):
    """Django's database sessions (SESSION_ENGINE), loaded with one SELECT of their data, which
    also reads the account the session is known to name."""

    def _get_session_from_db(self):
        self._account = None
        if self.session_key is None:  # no cookie, or one that is not a session key
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        alone, with_account = _session_selects(model, connection)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        user_id = _account_of.get(self.session_key)
        with connection.cursor() as cursor:
            if user_id is None:
                cursor.execute(alone, [self.session_key, now])
            else:
                cursor.execute(with_account, [user_id, self.session_key, now])
            row = cursor.fetchone()
        if row is None:  # ended or expired: the cookie names no session any more
            self._session_key = None
            return None
        if user_id is not None:
            self._account = (user_id, _account_from(row[1:], connection))
        return model(session_key=self.session_key, session_data=row[0])

    def load(self):
        data = super().load()
        if data.get(BACKEND_SESSION_KEY) == MODEL_BACKEND:
            data[BACKEND_SESSION_KEY] = ACCOUNT_BACKEND
        _remember(self.session_key, data)
        user_id = data.get(SESSION_KEY)
        read = self._account
        if read is not None and user_id is not None and read[0] == User._meta.pk.to_python(user_id):
            _read_with_session.set(read)
        else:  # no guess, or a wrong one: the account is read on its own
            _read_with_session.set(None)
        return data

    def save(self, must_create=False):
        super().save(must_create=must_create)
        _remember(self.session_key, self._session)

    def delete(self, session_key=None):
        with _account_of_lock:
            _account_of.pop(session_key or self.session_key, None)
        super().delete(session_key)


class AccountBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, inactive accounts refused), reading the
    signed-in account by its id in one SELECT, or taking it as read with the session."""

    def get_user(self, user_id):
        user_id = User._meta.pk.to_python(user_id)
        read = _read_with_session.get()
        _read_with_session.set(None)
        if read is not None and read[0] == user_id:
            user = read[1]
        else:
            user = self._read(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _read(self, user_id) -> User | None:
        connection = connections[router.db_for_read(User)]
        fields = User._meta.concrete_fields
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(quote(field.column) for field in fields)} "
                f"FROM {quote(User._meta.db_table)} WHERE {quote(User._meta.pk.column)} = %s",
                [user_id],
            )
            row = cursor.fetchone()
        return None if row is None else from_row(User, fields, row, connection)
