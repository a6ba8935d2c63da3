"""Writes on accounts and machine credentials."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.db import models, transaction
from django.utils.translation import gettext as _

from agencies.authentication import hash_secret, new_secret
from agencies.models import Agency, Landing, MachineToken, Role, Unit, User
from agencies.selectors import locked_accounts
from agencies.signals import account_unlocked, unit_in_use
from agencies.validators import PatternPasswordValidator
from core.errors import Conflict, Forbidden, Invalid

# The demo password when DEMO_PASSWORD is not set: printed in the README, so public.
DEFAULT_DEMO_PASSWORD = "ambon112-demo"  # noqa: S105
DEMO_STAFF = [
    ("operator", Role.CALL_TAKER, "Operator 112 (demo)"),
    ("dispatcher", Role.DISPATCHER, "Dispatcher (demo)"),
    ("supervisor", Role.SUPERVISOR, "Supervisor (demo)"),
    ("verifier", Role.VERIFIER, "Verifikator (demo)"),
    ("admin", Role.ADMIN, "Administrator (demo)"),
]


def demo_crew_username(agency: Agency) -> str:
    return f"{agency.code}-crew"


def demo_usernames() -> list[str]:
    """The names `create_demo_accounts` gives: one per role, each agency's code, and a crew
    account for each agency with units."""
    agencies = list(Agency.objects.all())
    crews = [demo_crew_username(a) for a in Agency.objects.filter(units__isnull=False).distinct()]
    return [name for name, _role, _label in DEMO_STAFF] + [a.code for a in agencies] + crews


def demo_password_validators() -> list:
    """Django's validators as configured, but for the pattern rule: the demo password is public
    by design (README), and its documented default `ambon112-demo` names the service."""
    return [
        validator
        for validator in get_password_validators(settings.AUTH_PASSWORD_VALIDATORS)
        if not isinstance(validator, PatternPasswordValidator)
    ]


@transaction.atomic
def create_demo_accounts(*, password: str) -> list[str]:
    """One account per role, one desk per agency named by its code, and one crew account per
    agency with units (`<code>-crew`). Never in production:
    their password is public, and a production server refuses to start while they are active."""
    if settings.PRODUCTION:
        raise RuntimeError(
            "Demo accounts are refused in production (AMBON112_ENV=production): their password "
            "is public. Create real accounts in /admin/ instead."
        )
    validate_password(password, password_validators=demo_password_validators())
    accounts = [(name, role, label, None) for name, role, label in DEMO_STAFF]
    accounts += [
        (agency.code, Role.AGENCY_DESK, "Petugas meja (demo)", agency)
        for agency in Agency.objects.order_by("code")
    ]
    accounts += [
        (demo_crew_username(agency), Role.CREW, "Kru (demo)", agency)
        for agency in Agency.objects.filter(units__isnull=False).distinct().order_by("code")
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


def active_demo_accounts(*, first_only: bool = False) -> list[User]:
    """Active accounts that `create_demo_accounts` made and that still open with the demo
    password, which is public (README). A real account that happens to be called `admin` or
    `damkar`, with its own password, is not one of them. Each check is a deliberately slow hash:
    `first_only` stops at the first found."""
    passwords = list(dict.fromkeys([settings.DEMO_PASSWORD, DEFAULT_DEMO_PASSWORD]))
    found = []
    for user in User.objects.filter(username__in=demo_usernames(), is_active=True).order_by(
        "username"
    ):
        if user.has_usable_password() and any(user.check_password(p) for p in passwords):
            found.append(user)
            if first_only:
                break
    return found


@transaction.atomic
def deactivate_demo_accounts() -> list[str]:
    """Switch off the demo accounts (a database made by the embedded default, now in production):
    inactive, with no usable password. Kept, not deleted: the event log names them as actors."""
    names = []
    for user in active_demo_accounts():
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
        names.append(user.username)
    return names


@transaction.atomic
def unlock_account(*, user: User, by: User) -> int:
    """Clear an account's failed sign-ins at every address, so it can sign in again at once.

    Refuses an account that is not locked; the unlock is logged as an event (through
    agencies.signals, the log being one app up). Returns how many failed sign-ins were cleared.
    """
    locks = next((a["locks"] for a in locked_accounts() if a["user"].pk == user.pk), None)
    if not locks:
        raise Conflict(_("This account is not locked."))
    attempts = AccessAttempt.objects.filter(username=user.username)
    cleared = sum(attempts.values_list("failures_since_start", flat=True))
    attempts.delete()
    account_unlocked.send(
        sender=User,
        user=user,
        by=by,
        addresses=[lock["address"] for lock in locks],
        failures_cleared=cleared,
    )
    return cleared


# Who may choose where they land: the others land on their role's first console.
LANDING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def set_landing(*, user: User, landing: str) -> User:
    """Remember where a supervisor or an administrator lands after signing in. A preference
    of the person's own screen, not an operational fact: no event in the log."""
    if user.role not in LANDING_ROLES:
        raise Forbidden(_("Only supervisors and administrators choose where they land."))
    if landing not in Landing.values:
        raise Invalid(
            {
                "landing": [
                    _("Unknown console “%(landing)s”: choose the dispatch console or the map.")
                    % {"landing": landing}
                ]
            }
        )
    user.landing = landing
    user.save(update_fields=["landing"])
    return user


@transaction.atomic
def save_record(*, serializer) -> models.Model:
    """Create or change an agency, station or unit from its validated serializer. The change
    and its change-log event (incidents/changelog.py) commit together or not at all."""
    return serializer.save()


def unit_in_use_reasons(unit: Unit) -> list[str]:
    """Why a unit may not be deleted now, in words (dispatch answers: it is on a call)."""
    return [reason for _receiver, reason in unit_in_use.send(sender=Unit, unit=unit) if reason]


@transaction.atomic
def delete_record(*, record: models.Model) -> None:
    """Delete an agency, station or unit, with its change-log event.

    A unit on a call is refused (409) saying which call; a record that calls or dispatches
    still name is refused by the database's PROTECT, which the API answers 409 too.
    """
    if isinstance(record, Unit):
        Unit.objects.select_for_update().filter(pk=record.pk).first()  # no dispatch meanwhile
        reasons = unit_in_use_reasons(record)
        if reasons:
            raise Conflict(" ".join(reasons))
    record.delete()
