"""Writes on contacts that did not ring: a WhatsApp or SMS message, a post on social media, a
visit, a radio call, a letter or an e-mail (issue #15).

A contact is a `Call` with a non-phone channel, so it follows a call's path from then on: a
call-taker takes it (its T1, `take_call`), classifies it, creates or attaches an incident, and a
prank is counted against its sender, a number or an account (`caller_key`). It has no ring
clock: from T0, when the centre received it, it waits for its first response under
`Watch.CONTACT_UNHANDLED` (dispatch/deadlines.py), which the take ends.

The message gateway (an SMS or WhatsApp Business webhook relay) posts each inbound message once
per message id; a message from a sender who has an open contact on that channel (not yet
classified) joins that contact's thread instead of opening another.

Locks, in this order: the message id, then the sender (advisory locks, so that a repeat and
two messages of one conversation take turns), the open contact's row, then what the event
log's observers keep (deadlines), and the chain head last — as in calls.py.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db import lock_until_commit
from core.errors import Conflict
from incidents.events import NewEvent, record_events
from incidents.models import Call, ContactMessage
from incidents.serializers import render_call
from incidents.services.callers import caller_for_number
from incidents.services.calls import NUMBER_LOCK, take_call

MESSAGE_LOCK = "incidents.message"


@dataclass(frozen=True)
class Sender:
    """Who a contact came from: a number (E.164), an account on a platform, a name, or none."""

    number: str = ""
    platform: str = ""
    handle: str = ""
    link: str = ""
    name: str = ""


def caller_key(channel: str, sender: Sender) -> str:
    """What prank and ghost counts are kept under: the number, else the account on its
    platform ("instagram:@budi", "email:budi@example.id"); "" for an anonymous visit."""
    if sender.number:
        return sender.number
    handle = sender.handle.strip().lower()
    return f"{sender.platform or channel}:{handle}" if handle else ""


def _contact_event(kind: str, call: Call, *, actor=None, actor_label: str = "", **extra):
    return NewEvent(
        kind,
        subject=call,
        actor=actor,
        actor_label=actor_label,
        payload={"call": render_call(call), **extra},
        incident=call.incident,
    )


@transaction.atomic
def log_contact(
    *,
    by,
    channel: str,
    received_at: datetime,
    message: str,
    sender: Sender = Sender(),
    take: bool = False,
) -> Call:
    """A call-taker logs a contact by hand. It waits in the queue like a ringing call (with its
    first-response deadline from `received_at`), or, with `take`, is in their hands at once.

    Preconditions (the API's input checks them): a message channel, a text, and `received_at`
    not later than now.
    """
    key = caller_key(channel, sender)
    if key:
        lock_until_commit(namespace=NUMBER_LOCK, key=key)
    call = Call.objects.create(
        call_id=f"{channel}-{uuid4().hex}",
        channel=channel,
        caller=caller_for_number(key),
        status=Call.Status.RINGING,
        ringing_at=received_at,
        message=message,
        platform=sender.platform,
        handle=sender.handle,
        link=sender.link,
        caller_name=sender.name,
        logged_by=by,
    )
    call = Call.objects.select_related("caller", "taken_by").get(pk=call.pk)
    record_events([_contact_event("call.logged", call, actor=by)])
    if take:
        call = take_call(call=call, by=by)
    return call


@dataclass(frozen=True)
class Received:
    """What the gateway's message became: its contact, and whether it opened that contact."""

    call: Call
    message: ContactMessage
    opened: bool


@transaction.atomic
def receive_message(
    *,
    channel: str,
    message_id: str,
    number: str,
    text: str,
    adapter: str,
    name: str = "",
    sent_at: datetime | None = None,
) -> Received:
    """One inbound message from the gateway: it joins the sender's open contact on that channel
    (not yet classified), or opens a new one with T0 = now, the time the centre received it.
    A repeat of a message id already received is refused (409) and changes nothing."""
    lock_until_commit(namespace=MESSAGE_LOCK, key=f"{channel}:{message_id}")
    lock_until_commit(namespace=NUMBER_LOCK, key=number)
    earlier = ContactMessage.objects.filter(channel=channel, message_id=message_id).first()
    if earlier is not None:
        raise Conflict(
            _(
                "Message %(id)s was already received at %(at)s (contact %(call)s); "
                "nothing was changed."
            )
            % {
                "id": message_id,
                "at": timezone.localtime(earlier.received_at).strftime("%Y-%m-%d %H:%M:%S"),
                "call": earlier.call_id,
            }
        )
    now = timezone.now()
    caller = caller_for_number(number)
    call = (
        Call.objects.select_for_update(of=("self",))
        .filter(channel=channel, caller=caller, disposition="", ended_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    opened = call is None
    if opened:
        call = Call.objects.create(
            call_id=f"{channel}-{uuid4().hex}",
            channel=channel,
            caller=caller,
            status=Call.Status.RINGING,
            ringing_at=now,
            message=text,
            caller_name=name,
        )
    message = ContactMessage.objects.create(
        call=call,
        channel=channel,
        message_id=message_id,
        sender=number,
        text=text,
        sent_at=sent_at,
        received_at=now,
        adapter=adapter,
    )
    call = Call.objects.select_related("caller", "taken_by").get(pk=call.pk)
    kind = "call.received" if opened else "call.message_received"
    record_events([_contact_event(kind, call, actor_label=f"gateway:{adapter}", text=text)])
    return Received(call=call, message=message, opened=opened)
