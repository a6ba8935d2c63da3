"""Machine users (the PBX adapter) authenticate with `Authorization: Token <secret>`."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies.models import Agency, MachineToken

# "Last used" is for admins spotting a dead adapter; a write per call event would be waste.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# Every post of the PBX adapter and of the trackers reads its token: in plain SQL, as the ORM
# would spend ten times the database's own cost composing the query. What the requests use is
# read (a tracker's agency with it); the rest of the row is loaded only if something asks.
TOKEN_SQL = """
SELECT t.id, t.name, t.kind, t.agency_id, t.last_used_at IS NULL OR t.last_used_at < %s,
       a.id, a.code, a.name, a.short_name, a.kind
FROM agencies_machinetoken t LEFT OUTER JOIN agencies_agency a ON a.id = t.agency_id
WHERE t.key_hash = %s AND t.revoked_at IS NULL
"""
TOKEN_FIELDS = ("id", "name", "kind", "agency_id")
AGENCY_FIELDS = ("id", "code", "name", "short_name", "kind")


@dataclass(frozen=True)
class MachinePrincipal:
    """The request.user of a machine: authenticated, but with no role, so no staff permission."""

    token: MachineToken
    role: str = ""
    is_active: bool = True
    is_authenticated: bool = True
    is_anonymous: bool = False

    def get_username(self) -> str:
        return f"{self.token.kind}:{self.token.name}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """A URL-safe secret that never starts with "-", so it passes as a command-line value."""
    while (secret := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return secret


def live_token(secret: str, *, used_before) -> tuple[MachineToken, bool] | None:
    """The unrevoked token of this secret, and whether it was last used before `used_before`
    (or never); None for no such token."""
    when = connection.ops.adapt_datetimefield_value(used_before)
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL, [when, hash_secret(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    token = MachineToken.from_db(connection.alias, TOKEN_FIELDS, row[:4])
    if token.agency_id is not None:
        token.agency = Agency.from_db(connection.alias, AGENCY_FIELDS, row[5:])
    return token, bool(row[4])


class MachineTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        now = timezone.now()
        found = live_token(parts[1].decode("latin-1"), used_before=now - LAST_USED_RESOLUTION)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        token, stale = found
        if stale:
            MachineToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return MachinePrincipal(token=token), token

    def authenticate_header(self, request):
        return self.keyword


class MachineTokenScheme(OpenApiAuthenticationExtension):
    """Documents the machine token in the OpenAPI schema."""

    target_class = MachineTokenAuthentication
    name = "machineToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <secret>` from `manage.py create_cti_token` (telephony adapter) or "
                "`manage.py create_tracker_token <agency>` (vehicle tracker)."
            ),
        }
