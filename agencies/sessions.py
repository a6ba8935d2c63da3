"""Who is signed in, read in plain SELECTs: every signed-in request reads its session and its
account, and building those two queries through the ORM cost more than the database's answers.

The rules stay Django's own: the session is a row of its table, written by Django (sign-in,
sign-out, a password change's flush), so ending it in the database ends it at once; the account
is read afresh on every request, so a deactivated account or a changed password (Django's
session hash) is refused on the next request.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
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


class SessionStore(db.SessionStore):
    """Django's database sessions (SESSION_ENGINE), loaded with one SELECT of their data."""

    def _get_session_from_db(self):
        if self.session_key is None:  # no cookie, or one that is not a session key
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {connection.ops.quote_name(model._meta.db_table)} "
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:  # ended or expired: the cookie names no session any more
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])

    def load(self):
        data = super().load()
        if data.get(BACKEND_SESSION_KEY) == MODEL_BACKEND:
            data[BACKEND_SESSION_KEY] = ACCOUNT_BACKEND
        return data


class AccountBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, inactive accounts refused), reading the
    signed-in account by its id in one SELECT."""

    def get_user(self, user_id):
        connection = connections[router.db_for_read(User)]
        fields = User._meta.concrete_fields
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(quote(field.column) for field in fields)} "
                f"FROM {quote(User._meta.db_table)} WHERE {quote(User._meta.pk.column)} = %s",
                [User._meta.pk.to_python(user_id)],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        user = from_row(User, fields, row, connection)  # as the ORM builds it
        return user if self.user_can_authenticate(user) else None
