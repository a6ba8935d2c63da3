"""SLA policies: the defaults of docs/architecture.md "Deadlines", the rules an administrator's
edit must keep, and the active ladders that every event's deadlines are started from, kept in
memory while the policies' version token (dispatch.models.PolicyVersion) stays the same."""

from dataclasses import dataclass, field
from datetime import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dispatch.models import Action, EscalationLevel, Recipient, SlaPolicy, Watch
from incidents.models import IncidentType

INCIDENT_WATCHES = {Watch.INCIDENT_NOT_FORWARDED, Watch.FIRE_NO_OPERATIONS, Watch.INCIDENT_IDLE}
TICKET_WATCHES = {Watch.TICKET_NOT_ACCEPTED, Watch.NO_UNIT_EN_ROUTE, Watch.UNIT_NOT_DISPATCHED}
UNIT_WATCHES = {Watch.UNIT_NOT_EN_ROUTE, Watch.UNIT_NOT_ON_SCENE}  # one assignment's wait
# Waits of a call or a message before anyone handles it: no category, priority nor agency yet.
CALL_WATCHES = {Watch.CALL_UNANSWERED, Watch.CONTACT_UNHANDLED}
# Waits about no incident at all: the room, a hazard alert.
UNSCOPED_WATCHES = CALL_WATCHES | {Watch.NOBODY_READY, Watch.HAZARD_UNREVIEWED}

MIN_REPEAT_S = 30  # faster repeats would flood the room (EEMUA 191)
MAX_SHELVE_MINUTES = 24 * 60  # no policy may let an alarm be shelved for more than a day

WIT_NIGHT = (time(21, 0), time(7, 0))
# The night-time kamtibmas the city named (issue #16): communal clash (which our incident types
# also use for riots: APCO CIVDIS) and brawl. There is no separate riot type.
NIGHT_KAMTIBMAS_TYPES = ["kamtibmas.bentrok_antarwarga", "kamtibmas.perkelahian"]
AGENCY_AND_HEAD = ["agency_duty_officer", "centre_head"]


@dataclass(frozen=True)
class Default:
    """One shipped policy, on the clock of docs/architecture.md "Deadlines"; levels as
    (delay_s, recipients, action)."""

    name: str
    watch: str
    ladder: list
    category: str = ""
    repeat_s: int | None = None
    repeat_recipients: list = field(default_factory=list)
    incident_types: list = field(default_factory=list)
    window: tuple | None = None  # (active_from, active_until) in WIT

    @property
    def scoped_addition(self) -> bool:
        """Installed by its name even where its watch has policies (it adds, never replaces)."""
        return self.window is not None


DEFAULTS = [
    Default(
        "Panggilan tak terjawab",
        Watch.CALL_UNANSWERED,
        [(15, ["call_takers"], ""), (30, ["call_takers", "supervisors"], "")],
        repeat_s=60,
        repeat_recipients=["call_takers", "centre_head"],
    ),
    Default(
        "Pesan belum ditanggapi",
        Watch.CONTACT_UNHANDLED,
        [(5 * 60, ["call_takers"], ""), (10 * 60, ["call_takers", "supervisors"], "")],
        repeat_s=10 * 60,
        repeat_recipients=["call_takers", "centre_head"],
    ),
    # Issue #15: a call rings and no call-taker is ready. The supervisor at once; then the
    # call-takers too (those on break or in wrap-up), until someone is ready.
    Default(
        "Tidak ada petugas siap",
        Watch.NOBODY_READY,
        [(1, ["supervisors"], ""), (30, ["call_takers", "supervisors"], "")],
        repeat_s=60,
        repeat_recipients=["call_takers", "centre_head"],
    ),
    Default(
        "Darurat belum diteruskan",
        Watch.INCIDENT_NOT_FORWARDED,
        [(60, ["supervisors"], "")],
        repeat_s=60,
        repeat_recipients=["centre_head"],
    ),
    Default(
        "Tiket belum diterima",
        Watch.TICKET_NOT_ACCEPTED,
        [(60, ["agency_desk", "supervisors"], ""), (120, ["supervisors"], Action.OFFER_BACKUP)],
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Belum ada unit berangkat — medis",
        Watch.NO_UNIT_EN_ROUTE,
        [(60, ["agency_desk", "supervisors"], "")],
        category="medis",
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Belum ada unit berangkat — kebakaran",
        Watch.NO_UNIT_EN_ROUTE,
        [(80, ["agency_desk", "supervisors"], "")],
        category="kebakaran",
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Belum ada unit berangkat",
        Watch.NO_UNIT_EN_ROUTE,
        [(120, ["agency_desk", "supervisors"], "")],
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Kebakaran: operasi belum dimulai (SPM 15 menit)",
        Watch.FIRE_NO_OPERATIONS,
        [(15 * 60, ["supervisors"], "")],
        category="kebakaran",
        repeat_s=5 * 60,
        repeat_recipients=["centre_head"],
    ),
    # A BMKG quake that matters to Ambon (issue #20): the supervisor at once, again until
    # someone reviews it or declares a major incident from it.
    Default(
        "Gempa belum ditinjau",
        Watch.HAZARD_UNREVIEWED,
        [(1, ["supervisors"], ""), (120, ["call_takers", "supervisors"], "")],
        repeat_s=5 * 60,
        repeat_recipients=["call_takers", "centre_head"],
    ),
    # Issue #16: every step to the scene. T4 → T4d: the fire SPM gives dispatch 5 minutes in
    # all; the agency has had its minute to accept, so two more before the room hears of it.
    Default(
        "Tiket diterima, belum ada unit dikirim",
        Watch.UNIT_NOT_DISPATCHED,
        [(120, ["agency_desk", "supervisors"], "")],
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    # T4d → T5, turnout: NFPA 1710's 60 s medical, 80 s fire; 120 s for the others (§2).
    Default(
        "Unit belum berangkat — medis",
        Watch.UNIT_NOT_EN_ROUTE,
        [(60, ["agency_desk"], ""), (120, ["agency_desk", "supervisors"], "")],
        category="medis",
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Unit belum berangkat — kebakaran",
        Watch.UNIT_NOT_EN_ROUTE,
        [(80, ["agency_desk"], ""), (140, ["agency_desk", "supervisors"], "")],
        category="kebakaran",
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Unit belum berangkat",
        Watch.UNIT_NOT_EN_ROUTE,
        [(120, ["agency_desk"], ""), (180, ["agency_desk", "supervisors"], "")],
        repeat_s=120,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    # T5 → T6: the wait starts when the unit's ETA has passed; the delays are the margin.
    Default(
        "Unit belum tiba setelah perkiraan",
        Watch.UNIT_NOT_ON_SCENE,
        [(120, ["agency_desk"], ""), (300, ["agency_desk", "supervisors"], "")],
        repeat_s=5 * 60,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Kejadian terbuka tanpa aktivitas",
        Watch.INCIDENT_IDLE,
        [(30 * 60, ["supervisors"], "")],
        repeat_s=30 * 60,
        repeat_recipients=["centre_head"],
    ),
    # Night-time kamtibmas (issue #16): shorter deadlines, the supervisor from the first level.
    Default(
        "Kamtibmas malam — belum diteruskan",
        Watch.INCIDENT_NOT_FORWARDED,
        [(30, ["supervisors"], "")],
        category="kamtibmas",
        incident_types=NIGHT_KAMTIBMAS_TYPES,
        window=WIT_NIGHT,
        repeat_s=60,
        repeat_recipients=["centre_head"],
    ),
    Default(
        "Kamtibmas malam — tiket belum diterima",
        Watch.TICKET_NOT_ACCEPTED,
        [(30, ["agency_desk", "supervisors"], ""), (60, ["supervisors"], Action.OFFER_BACKUP)],
        category="kamtibmas",
        incident_types=NIGHT_KAMTIBMAS_TYPES,
        window=WIT_NIGHT,
        repeat_s=60,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
    Default(
        "Kamtibmas malam — belum ada unit dikirim",
        Watch.UNIT_NOT_DISPATCHED,
        [(60, ["agency_desk", "supervisors"], "")],
        category="kamtibmas",
        incident_types=NIGHT_KAMTIBMAS_TYPES,
        window=WIT_NIGHT,
        repeat_s=60,
        repeat_recipients=AGENCY_AND_HEAD,
    ),
]


Ladders = dict[SlaPolicy, list[EscalationLevel]]

# The ladders last read, with the version token they were read under (one entry: a process
# sees one database, and a token that changes is never seen again).
_kept: tuple[str, Ladders] | None = None


def ladders(token: str | None) -> Ladders:
    """Every active policy that has levels, each with its levels in order (a policy without
    levels escalates nothing). `token`: the policies' version as the caller read it in its
    transaction; the ladders are read from the database again only when it changed (a trigger
    gives it a new random value on any write to a policy or a level, whoever makes it, so
    another process's change is seen by the next event here). Read after the token, the ladders
    are never older than it. None (no version row, after a flush): read, not kept."""
    global _kept
    if token is not None and _kept is not None and _kept[0] == token:
        return _kept[1]
    read: Ladders = {}
    levels = EscalationLevel.objects.filter(policy__is_active=True).select_related("policy")
    for level in levels.order_by("policy_id", "level"):
        read.setdefault(level.policy, []).append(level)
    if token is not None:
        _kept = (token, read)
    return read


def check_scope(policy: SlaPolicy) -> None:
    """A scope that could never match anything is refused, saying why."""
    errors = {}
    if policy.watch in CALL_WATCHES and (policy.category or policy.priority or policy.agency_id):
        errors["watch"] = _("A ringing call has no category, priority or agency yet: no scope.")
    if policy.watch == Watch.NOBODY_READY and (
        policy.category or policy.priority or policy.agency_id
    ):
        errors["watch"] = _("Nobody ready is about the room, not a call or incident: no scope.")
    if policy.watch in INCIDENT_WATCHES and policy.agency_id:
        errors["agency"] = _("This wait is about an incident, not one agency's ticket.")
    if policy.watch == Watch.FIRE_NO_OPERATIONS and policy.category not in ("", "kebakaran"):
        errors["category"] = _("Operations started is recorded for fires only.")
    if policy.priority is not None and not 1 <= policy.priority <= 4:
        errors["priority"] = _("Priority runs from 1 to 4.")
    if policy.agency_id and not policy.agency.is_active:
        errors["agency"] = _("This agency is inactive: the policy would match nothing.")
    if policy.incident_types:
        errors.update(check_types(policy))
    errors.update(check_window(policy))
    errors.update(check_repeat(policy))
    if errors:
        raise ValidationError(errors)


def check_types(policy: SlaPolicy) -> dict:
    if policy.watch in UNSCOPED_WATCHES:
        return {"incident_types": _("This wait is not about an incident: no incident types.")}
    codes = set(policy.incident_types)
    types = IncidentType.objects.filter(code__in=codes)
    unknown = codes - {t.code for t in types}
    if unknown:
        return {
            "incident_types": _("Unknown incident types: %(codes)s.")
            % {"codes": ", ".join(sorted(unknown))}
        }
    if policy.category and any(t.category != policy.category for t in types):
        return {"incident_types": _("Every incident type must be of the policy's category.")}
    return {}


def check_window(policy: SlaPolicy) -> dict:
    """A WIT time window: both ends or none, and not empty (from == until)."""
    if (policy.active_from is None) != (policy.active_until is None):
        return {"active_until": _("A time window needs both its start and its end (WIT).")}
    if policy.has_window and policy.active_from == policy.active_until:
        return {
            "active_until": _(
                "The time window starts and ends at the same time: give a different end "
                "(an end before the start crosses midnight)."
            )
        }
    return {}


def check_repeat(policy: SlaPolicy) -> dict:
    errors = {}
    if policy.repeat_s is not None:
        if policy.repeat_s < MIN_REPEAT_S:
            errors["repeat_s"] = _(
                "Repeat at most every %(s)s seconds: faster floods the room."
            ) % {"s": MIN_REPEAT_S}
        known = set(Recipient.values)
        if not policy.repeat_recipients or not set(policy.repeat_recipients) <= known:
            errors["repeat_recipients"] = _("Choose who each repeat alerts among: %(choices)s.") % {
                "choices": ", ".join(sorted(known))
            }
    elif policy.repeat_recipients:
        errors["repeat_s"] = _("Repeat recipients need a repeat interval.")
    if not 1 <= (policy.max_shelve_minutes or 0) <= MAX_SHELVE_MINUTES:
        errors["max_shelve_minutes"] = _("Shelving may last from 1 to %(max)s minutes.") % {
            "max": MAX_SHELVE_MINUTES
        }
    return errors


def check_ladder(watch: str, levels: list[tuple[int, int, list, str]]) -> None:
    """Levels as (level, delay_s, recipients, action): at least one, delays rising from above
    zero, each with recipients, each action fitting the wait."""
    if not levels:
        raise ValidationError(_("A policy needs at least one level."))
    previous = 0
    known = set(Recipient.values)
    numbers = sorted(level for level, *_rest in levels)
    if numbers != list(range(1, len(levels) + 1)):
        raise ValidationError(
            _("Number the levels 1, 2, 3… without gaps (given: %(numbers)s).")
            % {"numbers": ", ".join(str(n) for n in numbers)}
        )
    for level, delay_s, recipients, action in sorted(levels):
        if delay_s is None or delay_s <= 0:
            raise ValidationError(
                _("Level %(level)s: the delay must be more than zero seconds.") % {"level": level}
            )
        if delay_s <= previous:
            raise ValidationError(
                _("Level %(level)s: each level must come later than the one before.")
                % {"level": level}
            )
        previous = delay_s
        if not recipients or not set(recipients) <= known:
            raise ValidationError(
                _("Level %(level)s: choose who is alerted among: %(choices)s.")
                % {"level": level, "choices": ", ".join(sorted(known))}
            )
        if action == Action.OFFER_BACKUP and watch not in TICKET_WATCHES:
            raise ValidationError(_("A backup agency can only be offered for a ticket."))
        if action == Action.RAISE_PRIORITY and watch in CALL_WATCHES:
            raise ValidationError(_("A ringing call has no priority to raise."))
        if action == Action.RAISE_PRIORITY and watch == Watch.NOBODY_READY:
            raise ValidationError(_("Nobody ready has no incident whose priority to raise."))


def install_defaults(policy_model, level_model) -> int:
    """Create the default policies of every watch that has none yet, and each shipped scoped
    addition (the night policies) not there by its name, so an administrator's policies stay as
    they are."""
    configured = set(policy_model.objects.values_list("watch", flat=True).distinct())
    named = set(policy_model.objects.values_list("watch", "name"))
    created = 0
    for default in DEFAULTS:
        if default.scoped_addition:
            if (default.watch, default.name) in named:
                continue
        elif default.watch in configured:
            continue
        created += 1
        active_from, active_until = default.window or (None, None)
        values = {
            "name": default.name,
            "watch": default.watch,
            "category": default.category,
            "incident_types": default.incident_types,
            "active_from": active_from,
            "active_until": active_until,
            "repeat_s": default.repeat_s,
            "repeat_recipients": default.repeat_recipients,
        }
        policy = policy_model.objects.create(**values)
        for number, (delay_s, recipients, action) in enumerate(default.ladder, start=1):
            level_model.objects.create(
                policy=policy, level=number, delay_s=delay_s, recipients=recipients, action=action
            )
    return created
