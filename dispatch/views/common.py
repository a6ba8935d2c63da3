"""What the dispatch API views share."""

from django.http import Http404
from django.utils import timezone

from agencies.permissions import DESK_CONSOLE_ROLES, INCIDENT_ROLES
from core.validation import ID_MAX

READ_ROLES = INCIDENT_ROLES | DESK_CONSOLE_ROLES


def server_now() -> dict:
    """The server's clock, sent with lists so that consoles count waiting time from it."""
    return {"now": timezone.now()}


def named_pk(view) -> int:
    """The id the URL names, for a write whose service reads the row itself (a 404 for an id
    that cannot be one)."""
    pk = view.kwargs["pk"]
    if not (pk.isascii() and pk.isdigit()) or int(pk) > ID_MAX:
        raise Http404
    return int(pk)
