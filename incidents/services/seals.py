"""Seal the event log's head once a day (incidents/seals.py says why and what a seal states)."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from core.clock import day_start
from incidents import signing
from incidents.events import record_event
from incidents.models import Event, EventChainHead
from incidents.seals import SEALED, statement


def seal_day(day: date | None = None) -> Event | None:
    """Seal the chain as it stood at the end of `day` (WIT; by default yesterday): its last
    event's sequence number and hash, signed. None when the day is sealed already or the log
    was empty then. Raises signing.SigningKeyMissing without the key."""
    day = day or timezone.localdate() - timedelta(days=1)
    key = signing.private_key()
    fingerprint = signing.fingerprint(key.public_key())
    with transaction.atomic():
        # The head is taken first so that two runs (beat and a manual run) seal a day once; an
        # event with no subject locks nothing else (incidents.events' lock order holds).
        EventChainHead.objects.select_for_update().get(pk=1)
        if Event.objects.filter(kind=SEALED, payload__day=day.isoformat()).exists():
            return None
        last = (
            Event.objects.filter(at__lt=day_start(day + timedelta(days=1)))
            .order_by("-seq")
            .only("seq", "hash")
            .first()
        )
        if last is None:
            return None
        stated = {"day": day.isoformat(), "seq": last.seq, "hash": last.hash, "key": fingerprint}
        signature = signing.sign(statement(**stated), key)
        return record_event(SEALED, payload={**stated, "signature": signature})
