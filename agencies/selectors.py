"""Reads on accounts that are more than a one-liner."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from agencies.models import User


def _active_attempts():
    """Failed sign-ins that still count (django-axes keeps one row per account, address and
    browser; a row counts until the cool-off has passed since its last failure)."""
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - get_cool_off())


def locked_accounts() -> list[dict]:
    """Accounts locked out now, each with the addresses they are locked at (see settings:
    an account is locked per address, after AXES_FAILURE_LIMIT failures there)."""
    cool_off = get_cool_off()
    locks = (
        _active_attempts()
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username", "ip_address")
    )
    by_username: dict[str, list[dict]] = {}
    for lock in locks:
        by_username.setdefault(lock["username"], []).append(
            {
                "address": lock["ip_address"],
                "failures": lock["failures"],
                "last_failure": lock["last_failure"],
                "locked_until": lock["last_failure"] + cool_off,
            }
        )
    # Names nobody holds are left out: guesses at accounts that do not exist lock nothing.
    users = User.objects.filter(username__in=by_username).select_related("agency")
    return [
        {"user": user, "locks": by_username[user.username]} for user in users.order_by("username")
    ]
