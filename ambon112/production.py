"""What production refuses to start with (docs/architecture.md "Run modes"): a public key, or
accounts anyone can use.

`AMBON112_ENV=production` says a deployment takes real calls. Then `manage.py serve`, the ASGI
lifespan and the Celery worker and beat all run `production_problems()` before they start, and
refuse (a clear message, a non-zero exit) while it finds anything. Outside production it finds
nothing: the embedded default, the test suite and the drills run as before.
"""

import sys

from django.conf import settings
from django.db import DatabaseError

# Django's own `check --deploy` standard: a key this long, of this many different characters.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def secret_key_problem(key: str) -> str | None:
    """Why a SECRET_KEY is no secret, or None when it may sign production sessions."""
    if not key or key == settings.EMBEDDED_SECRET_KEY:
        return (
            "SECRET_KEY is not set: the embedded default's key is public. Set SECRET_KEY to 50 "
            "or more random characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if "change-me" in key or key.startswith("django-insecure-"):
        return "SECRET_KEY is the placeholder from the documentation: set a random one."
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY is too short or too simple: use at least {SECRET_KEY_MIN_LENGTH} "
            "random characters."
        )
    return None


def production_problems(*, check_database: bool = True) -> list[str]:
    """Everything that keeps this deployment from taking real calls; empty outside production."""
    if not settings.PRODUCTION:
        return []
    problems = []
    key_problem = secret_key_problem(settings.SECRET_KEY)
    if key_problem:
        problems.append(key_problem)
    if settings.DEBUG:
        problems.append("DEBUG is on: it shows code and settings to anyone who hits an error.")
    if check_database:
        from agencies.services import active_demo_accounts

        try:
            demo = active_demo_accounts(first_only=True)
        except DatabaseError as exc:
            # Refuse rather than start unchecked (a Celery signal would swallow the error).
            problems.append(
                f"The database could not be checked for demo accounts ({exc}). Is it reachable "
                "and migrated (`python manage.py migrate`)?"
            )
            demo = []
        if demo:
            problems.append(
                f"Demo accounts are active with their public password (first found: "
                f"{demo[0].username}). Run `python manage.py deactivate_demo_accounts`, then "
                "create real accounts."
            )
    return problems


def refusal(problems: list[str]) -> str:
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"AMBON112_ENV=production, and this deployment is not safe to start:\n{lines}"


def refuse_unsafe_production(who: str) -> None:
    """Exit with status 1 and the reasons when production is not safe to start."""
    problems = production_problems()
    if problems:
        sys.stderr.write(f"{who}: {refusal(problems)}\n")
        sys.stderr.flush()
        raise SystemExit(1)
