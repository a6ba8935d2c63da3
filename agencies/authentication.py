"""Machine users (the PBX adapter) authenticate with `Authorization: Token <secret>`."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies.models import MachineToken

# "Last used" is for admins spotting a dead adapter; a write per call event would be waste.
LAST_USED_RESOLUTION = timedelta(minutes=1)


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


class MachineTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        token = (
            MachineToken.objects.select_related("agency")
            .filter(key_hash=hash_secret(parts[1].decode("latin-1")), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
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
