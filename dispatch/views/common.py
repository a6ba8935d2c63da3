"""What the dispatch API views share."""

from django.utils import timezone

from agencies.permissions import DESK_CONSOLE_ROLES, INCIDENT_ROLES

READ_ROLES = INCIDENT_ROLES | DESK_CONSOLE_ROLES


def server_now() -> dict:
    """The server's clock, sent with lists so that consoles count waiting time from it."""
    return {"now": timezone.now()}
