"""Writes on accounts and machine credentials."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from agencies.authentication import hash_secret, new_secret
from agencies.models import Agency, MachineToken, Role, User

DEMO_STAFF = [
    ("operator", Role.CALL_TAKER, "Operator 112 (demo)"),
    ("dispatcher", Role.DISPATCHER, "Dispatcher (demo)"),
    ("supervisor", Role.SUPERVISOR, "Supervisor (demo)"),
    ("verifier", Role.VERIFIER, "Verifikator (demo)"),
    ("admin", Role.ADMIN, "Administrator (demo)"),
]


@transaction.atomic
def create_demo_accounts(*, password: str) -> list[str]:
    """One account per role and one desk per agency, named by its code. Embedded default only."""
    if not settings.EMBEDDED:
        raise RuntimeError("Demo accounts exist only in the embedded default (no REDIS_URL).")
    validate_password(password)
    accounts = [(name, role, label, None) for name, role, label in DEMO_STAFF]
    accounts += [
        (agency.code, Role.AGENCY_DESK, "Petugas meja (demo)", agency)
        for agency in Agency.objects.order_by("code")
    ]
    created = []
    for username, role, label, agency in accounts:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "agency": agency, "first_name": label},
        )
        if was_created:
            is_admin = role == Role.ADMIN
            user.is_staff = user.is_superuser = is_admin
            user.set_password(password)
            user.save()
            created.append(username)
    return created


@transaction.atomic
def create_machine_token(
    *, name: str, kind: str, agency: Agency | None = None
) -> tuple[MachineToken, str]:
    """A new credential; the secret is returned once and only its hash is stored."""
    secret = new_secret()
    token = MachineToken.objects.create(
        name=name, kind=kind, key_hash=hash_secret(secret), prefix=secret[:8], agency=agency
    )
    return token, secret
