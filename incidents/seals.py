"""The daily seal of the event log: what a seal states, and its check (issue #17).

Once a day the chain head as it stood at the end of the previous WIT day is sealed: an event
`chain.sealed` whose payload names the day, the last sequence number and hash of that day, and
the centre's key, signed with that key (incidents/services/seals.py). The hash chain alone
shows an event altered in place; a seal also shows a history rewritten before it with every
hash recomputed, because only the key, kept outside the database, can sign a new seal, and
anyone holding an earlier seal or export can compare its head with the log's.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import signing
from incidents.models import Event

SEALED = "chain.sealed"
SEAL_TYPE = "ambon112-seal"


def statement(*, day: str, seq: int, hash: str, key: str) -> bytes:
    """The bytes a seal's signature covers: canonical JSON, as README shows how to rebuild."""
    return signing.canonical(
        {"type": SEAL_TYPE, "v": 1, "day": day, "seq": seq, "hash": hash, "key": key}
    )


@dataclass(frozen=True)
class BrokenSeal:
    seal_seq: int  # the seal event's own sequence number
    day: str
    problem: str


@dataclass(frozen=True)
class SealReport:
    checked: int
    broken: list[BrokenSeal] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.broken


def verify_seals(*, since: datetime | None = None, until: datetime | None = None) -> SealReport:
    """Check the seals of the days in [since, until) (all of them without a period): each must
    be signed by the centre's key, and the event it seals must still carry the sealed hash."""
    key = signing.public_key()
    fingerprint = signing.fingerprint(key) if key else ""
    first_day = timezone.localdate(since).isoformat() if since else ""
    end_day = timezone.localdate(until).isoformat() if until else "9999-12-31"
    checked, broken = 0, []
    for seal in Event.objects.filter(kind=SEALED).order_by("seq"):
        payload = seal.payload if isinstance(seal.payload, dict) else {}
        day = str(payload.get("day", ""))
        if day and not first_day <= day < end_day:
            continue  # another period's (a seal without its day is checked: it was altered)
        checked += 1
        problem = _seal_problem(payload, key, fingerprint)
        if problem:
            broken.append(BrokenSeal(seal.seq, day, problem))
    return SealReport(checked, broken)


def _seal_problem(payload: dict, key, fingerprint: str) -> str:
    try:
        day, seq, sealed_hash = str(payload["day"]), int(payload["seq"]), str(payload["hash"])
        sealed_key, signature = str(payload["key"]), str(payload["signature"])
    except (KeyError, TypeError, ValueError):
        return _("the seal is incomplete: it was altered")
    if key is None:
        return _("the centre's signing key is missing: the seal cannot be checked")
    if sealed_key != fingerprint:
        return _("it was signed with another key (%(key)s)") % {"key": signing.grouped(sealed_key)}
    message = statement(day=day, seq=seq, hash=sealed_hash, key=sealed_key)
    if not signing.verifies(key, signature, message):
        return _("its signature does not verify: the seal was altered")
    sealed = Event.objects.filter(seq=seq).only("hash").first()
    if sealed is None:
        return _("the sealed event no. %(seq)s is missing") % {"seq": seq}
    if sealed.hash != sealed_hash:
        return _(
            "event no. %(seq)s no longer has the sealed hash: the log up to it was rewritten"
        ) % {"seq": seq}
    return ""
