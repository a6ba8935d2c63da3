"""The kinds of event the log records: each one's name, what it is about, its label in the
consoles and who sees it (docs/architecture.md "Event kinds").

`record_events` refuses a kind that is not registered here, an event about another kind of
record than its kind says, and a room-only event that names an agency. This app cannot import
the apps above it, so it declares its own kinds (`KINDS`) and dispatch and hazards declare
theirs in their own `kinds.py`; each app registers them from its AppConfig.ready. The consoles
read the labels from the page (`ambon112.context_processors.console`, ui.js `eventLabel`).
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Audience(StrEnum):
    """Who sees an event of a kind. The operations room (call-takers, dispatchers, supervisors,
    administrators, verifiers) reads every event; the rest is how far it travels."""

    ROOM = "room"  # pushed to the room's feed only: it names no agency
    AGENCIES = "agencies"  # the room's, and the feed of every agency it names (desk and crews)
    LOG = "log"  # never pushed: setting the centre up is the audit page's, not consoles' news


@dataclass(frozen=True)
class Kind:
    """One kind of event: `name` is `<subject>.<what happened>` as the log stores it."""

    name: str
    subject: str  # Event.subject_type: the subject's model name, "" when there is none
    label: Promise  # a short sentence for a timeline, translated when shown
    audience: Audience


class UnknownKind(LookupError):
    """A service asked to record a kind of event nobody declared."""


_kinds: dict[str, Kind] = {}


def register(kinds: list[Kind]) -> None:
    """Declare an app's kinds (from its AppConfig.ready); a name may be declared once."""
    for kind in kinds:
        if _kinds.get(kind.name, kind) != kind:
            raise ValueError(f"the event kind {kind.name!r} is declared twice")
        _kinds[kind.name] = kind


def kind_named(name: str) -> Kind:
    try:
        return _kinds[name]
    except KeyError:
        raise UnknownKind(
            f"{name!r} is not a kind of event: declare it in its app's kinds.py"
        ) from None


def all_kinds() -> list[Kind]:
    return list(_kinds.values())


def labels() -> dict[str, Promise]:
    """Every kind's label, for the consoles' pages (rendered in the request's language)."""
    return {kind.name: kind.label for kind in _kinds.values()}


def changes(
    name: str, subject: str, added: Promise, changed: Promise, deleted: Promise
) -> list[Kind]:
    """The three kinds the change log appends for a record it tracks (incidents.changelog)."""
    return [
        Kind(f"{name}.created", subject, added, Audience.LOG),
        Kind(f"{name}.updated", subject, changed, Audience.LOG),
        Kind(f"{name}.deleted", subject, deleted, Audience.LOG),
    ]


KINDS = [
    Kind("call.ringing", "call", _("Call ringing"), Audience.ROOM),
    Kind("call.answered", "call", _("Call answered"), Audience.ROOM),
    Kind("call.taken", "call", _("Call taken"), Audience.ROOM),
    Kind("call.ended", "call", _("Call ended"), Audience.ROOM),
    Kind("call.abandoned", "call", _("Caller hung up before answer"), Audience.ROOM),
    Kind("call.located", "call", _("Caller's location received"), Audience.ROOM),
    Kind("call.disposed", "call", _("Call classified"), Audience.ROOM),
    Kind("call.logged", "call", _("Contact logged by a call-taker"), Audience.ROOM),
    Kind("call.received", "call", _("Message received: a new contact"), Audience.ROOM),
    Kind("call.message_received", "call", _("Another message in the contact"), Audience.ROOM),
    Kind("caller.flagged", "caller", _("Number flagged for nuisance calls"), Audience.ROOM),
    Kind("caller.blocked", "caller", _("Number blocked"), Audience.ROOM),
    Kind("caller.unblocked", "caller", _("Number unblocked"), Audience.ROOM),
    Kind("presence.signed_in", "presence", _("Signed in at a desk"), Audience.ROOM),
    Kind("presence.signed_out", "presence", _("Signed out of a desk"), Audience.ROOM),
    Kind("presence.changed", "presence", _("Call-taker's state changed"), Audience.ROOM),
    Kind("position.created", "position", _("Desk added"), Audience.ROOM),
    Kind("position.updated", "position", _("Desk changed"), Audience.ROOM),
    Kind("room.updated", "room", _("Presence rules changed"), Audience.ROOM),
    Kind("incident.created", "incident", _("Incident created"), Audience.AGENCIES),
    Kind("incident.call_attached", "incident", _("Another call attached"), Audience.AGENCIES),
    Kind("incident.note_added", "incident", _("Note added"), Audience.AGENCIES),
    Kind("incident.status_changed", "incident", _("Incident status changed"), Audience.AGENCIES),
    Kind("incident.closed", "incident", _("Incident closed"), Audience.AGENCIES),
    Kind("incident.reopened", "incident", _("Incident reopened"), Audience.AGENCIES),
    Kind("incident.priority_raised", "incident", _("Incident priority raised"), Audience.AGENCIES),
    Kind("account.unlocked", "user", _("Account unlocked by a supervisor"), Audience.ROOM),
    Kind("chain.sealed", "", _("Event log sealed for the day (signed)"), Audience.ROOM),
    *changes("agency", "agency", _("Agency added"), _("Agency changed"), _("Agency deleted")),
    *changes("station", "station", _("Station added"), _("Station changed"), _("Station deleted")),
    *changes("unit", "unit", _("Unit added"), _("Unit changed"), _("Unit deleted")),
    *changes(
        "user",
        "user",
        _("Account created"),
        _("Account changed (role, agency or active)"),
        _("Account deleted"),
    ),
    *changes(
        "incident_type",
        "incidenttype",
        _("Incident type added"),
        _("Incident type changed"),
        _("Incident type deleted"),
    ),
    *changes(
        "incident_routing",
        "incidenttypeagency",
        _("Agency added to an incident type's routing"),
        _("Incident type's routing changed"),
        _("Agency removed from an incident type's routing"),
    ),
]
