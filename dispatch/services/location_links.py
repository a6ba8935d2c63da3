"""A caller's location link (issue #19): when a caller cannot say where they are and no handset
location (AML) came, the call-taker sends them a one-time link; their phone's fix locates the
call like an AML message.

Only the secret's hash is stored; the link works once, expires after LOCATION_LINK_TTL_MIN, and
a new link for the same call retires the earlier one. Locks: the link row, then the call row.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.errors import Conflict, Gone, NotFound, Throttled
from dispatch.models import LocationLink
from incidents.events import record_event
from incidents.models import Call
from incidents.services.calls import Fix, locate_call

logger = logging.getLogger(__name__)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_path(secret: str) -> str:
    return reverse("location_link_page", kwargs={"secret": secret})


@transaction.atomic
def create_location_link(*, call: Call, by, base_url: str) -> tuple[LocationLink, str]:
    """A new link for a call in the call-taker's hands; returns it with its URL (shown once).

    With a message gateway configured (LOCATION_LINK_SENDER) the URL is sent to the caller's
    number after commit; otherwise the call-taker reads it out or copies it.
    """
    call = Call.objects.select_for_update(of=("self",)).select_related("caller").get(pk=call.pk)
    if call.taken_by_id != by.pk:
        raise Conflict(_("Take the call first: a location link is for a call in your hands."))
    if call.caller is None:
        raise Conflict(_("This call has no number to send a link to."))
    now = timezone.now()
    links = LocationLink.objects.filter(call=call)
    if links.count() >= settings.LOCATION_LINKS_PER_CALL:
        raise Throttled(
            _("This call already had %(n)s location links.")
            % {"n": settings.LOCATION_LINKS_PER_CALL}
        )
    links.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    secret = secrets.token_urlsafe(18)
    url = f"{base_url.rstrip('/')}{link_path(secret)}"
    sender = settings.LOCATION_LINK_SENDER
    link = LocationLink.objects.create(
        call=call,
        key_hash=hash_secret(secret),
        created_at=now,
        created_by=by,
        expires_at=now + timedelta(minutes=settings.LOCATION_LINK_TTL_MIN),
        sent_via="gateway" if sender else "",
    )
    record_event(
        "call.location_link_created",
        subject=call,
        actor=by,
        payload={"call_id": call.pk, "expires_at": link.expires_at, "sent": bool(sender)},
    )
    if sender:
        number = call.caller.number
        transaction.on_commit(lambda: _send(sender, number=number, url=url))
    return link, url


def _send(sender: str, *, number: str, url: str) -> None:
    """Hand the link to the message gateway; a failure leaves the link to be read out."""
    try:
        import_string(sender)(number=number, url=url)
    except Exception:
        logger.warning("location link not sent through %s", sender, exc_info=True)


def usable_link(secret: str, *, lock: bool = False) -> LocationLink:
    """The link behind a secret, or a refusal that says nothing about its call: unknown (404),
    already used or expired (410)."""
    links = LocationLink.objects.select_for_update() if lock else LocationLink.objects
    link = links.filter(key_hash=hash_secret(secret)).first()
    if link is None:
        raise NotFound(_("This link does not exist. Ask 112 for a new one."))
    if link.used_at is not None:
        raise Gone(_("This link was already used. Ask 112 for a new one if you moved."))
    if link.expires_at <= timezone.now():
        raise Gone(_("This link has expired. Ask 112 for a new one."))
    return link


@transaction.atomic
def share_location(*, secret: str, lat: float, lon: float, accuracy_m: float) -> LocationLink:
    """The caller's phone sends its fix: it locates the call, and the link is spent."""
    link = usable_link(secret, lock=True)
    now = timezone.now()
    link.used_at, link.lat, link.lon, link.accuracy_m = now, lat, lon, accuracy_m
    link.save(update_fields=["used_at", "lat", "lon", "accuracy_m"])
    fix = Fix(lat, lon, accuracy_m, source="link", at=now)
    locate_call(call=link.call, fix=fix, actor_label="location-link")
    return link
