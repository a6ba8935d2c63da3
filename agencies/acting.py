"""Who is making a change right now: the person signed in to a request, or a command.

The change log (incidents/changelog.py) hears of a saved record through Django's model signals,
which carry no user: the admin, DRF and a command all save through Django's own code. So the
request is kept in a context variable for as long as it is handled (ActingPersonMiddleware) and
a command names itself (`acting_as_command`); `current_actor()` reads them at the moment of the
change. Anything else (an interactive shell, a worker) is named by its process and OS user.
"""

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from agencies.models import User

_request: ContextVar = ContextVar("acting_request", default=None)
_command: ContextVar[str | None] = ContextVar("acting_command", default=None)


@dataclass(frozen=True)
class Actor:
    user: User | None
    label: str  # what the event log shows: the username, or the command and the OS user


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's uid with no name and no USER variable
        return f"uid {os.getuid()}"


def _process() -> str:
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    if program in {"manage.py", "django-admin"} and len(sys.argv) > 1:
        return f"manage.py {sys.argv[1]}"
    return program


class ActingPersonMiddleware:
    """Keeps the request at hand while it is handled, for `current_actor()`.

    The user is read when a record changes, not here: DRF authenticates a token in the view,
    after every middleware, and sets the user on this same request then.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def acting_as_command(name: str) -> Iterator[None]:
    """The changes made inside are the command's, e.g. `manage.py load_ambon (deploy)`."""
    token = _command.set(f"manage.py {name} ({os_user()})")
    try:
        yield
    finally:
        _command.reset(token)


def current_actor() -> Actor:
    """The signed-in person of the request being handled, else the command, else the process."""
    request = _request.get()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:  # a person, or a machine token's principal
        return Actor(user if isinstance(user, User) else None, user.get_username())
    command = _command.get()
    if command is not None:
        return Actor(None, command)
    return Actor(None, f"{_process()} ({os_user()})")
