"""Keep a signed verdict for each closed day a full check finds intact (incidents/verdicts.py
says why and what a verdict holds)."""

import logging
from dataclasses import asdict
from datetime import date

from django.db.models import Min
from django.utils import timezone

from core.clock import day_start
from incidents import signing, verdicts
from incidents.chain_times import TABLES, check_period
from incidents.models import DayVerdict, Event

logger = logging.getLogger(__name__)


def verify_days(*, until: date | None = None) -> list[date]:
    """Check in full every closed day before `until` (by default today) whose verdict is
    missing or no longer matches, and keep a signed verdict for each one found intact; returns
    those days. A day found broken gets none (every later check walks it and names the
    break), nor does a day whose verdict was altered: that verdict stays to be named until an
    administrator has looked into it and deleted it. Raises signing.SigningKeyMissing without
    the key. Nothing to do on SQLite, where every check walks."""
    if not verdicts.enabled():
        return []
    key = signing.private_key()
    first = Event.objects.aggregate(first=Min("at"))["first"]
    end = min(until or timezone.localdate(), timezone.localdate())
    if first is None or timezone.localdate(first) >= end:
        return []
    start = timezone.localdate(first)
    proof = verdicts.proven(TABLES, day_start(start), day_start(end), events=True)
    if proof.altered:
        named = ", ".join(map(str, proof.altered))
        logger.error("altered day verdicts kept to be named: %s", named)
    done, skip = [], set(proof.days) | set(proof.altered)
    for day in (d for d in verdicts.days_between(start, end) if d not in skip):
        if _verify(day, key):
            done.append(day)
    return done


def _verify(day: date, key) -> bool:
    """One day's full check, between two readings of its fingerprints: a verdict is kept only
    when nothing changed while it was checked."""
    since, until = day_start(day), day_start(day + verdicts.ONE_DAY)
    before = verdicts.digests(TABLES, day, day + verdicts.ONE_DAY)[day]
    if not check_period(since=since, until=until).intact:
        return False
    if verdicts.digests(TABLES, day, day + verdicts.ONE_DAY)[day] != before:
        return False
    keep_verdict(day, before, key)
    return True


def keep_verdict(day: date, digest: verdicts.Digest, key) -> DayVerdict:
    """Keep (or replace) a day's verdict with its fingerprints, signed."""
    verdict, _created = DayVerdict.objects.update_or_create(
        day=day,
        defaults={
            **asdict(digest),
            "verified_at": timezone.now(),
            "signature": signing.sign(verdicts.statement(day, digest), key),
        },
    )
    return verdict
