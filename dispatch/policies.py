"""SLA policies: the defaults of DESIGN.md §6, and the rules an administrator's edit must keep."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dispatch.models import Action, Recipient, SlaPolicy, Watch

INCIDENT_WATCHES = {Watch.INCIDENT_NOT_FORWARDED, Watch.FIRE_NO_OPERATIONS}
TICKET_WATCHES = {Watch.TICKET_NOT_ACCEPTED, Watch.NO_UNIT_EN_ROUTE}
# Waits of a call or a message before anyone handles it: no category, priority nor agency yet.
CALL_WATCHES = {Watch.CALL_UNANSWERED, Watch.CONTACT_UNHANDLED}

# (name, watch, category, [(delay_s, recipients, action)]) — DESIGN.md §6.
DEFAULTS = [
    (
        "Panggilan tak terjawab",
        Watch.CALL_UNANSWERED,
        "",
        [(15, ["call_takers"], ""), (30, ["call_takers", "supervisors"], "")],
    ),
    (
        "Pesan belum ditanggapi",
        Watch.CONTACT_UNHANDLED,
        "",
        [(5 * 60, ["call_takers"], ""), (10 * 60, ["call_takers", "supervisors"], "")],
    ),
    # Issue #15: a call rings and no call-taker is ready. The supervisor at once; then the
    # call-takers too (those on break or in wrap-up), until someone is ready.
    (
        "Tidak ada petugas siap",
        Watch.NOBODY_READY,
        "",
        [(1, ["supervisors"], ""), (30, ["call_takers", "supervisors"], "")],
    ),
    ("Darurat belum diteruskan", Watch.INCIDENT_NOT_FORWARDED, "", [(60, ["supervisors"], "")]),
    (
        "Tiket belum diterima",
        Watch.TICKET_NOT_ACCEPTED,
        "",
        [
            (60, ["agency_desk", "supervisors"], ""),
            (120, ["supervisors"], Action.OFFER_BACKUP),
        ],
    ),
    (
        "Belum ada unit berangkat — medis",
        Watch.NO_UNIT_EN_ROUTE,
        "medis",
        [(60, ["agency_desk", "supervisors"], "")],
    ),
    (
        "Belum ada unit berangkat — kebakaran",
        Watch.NO_UNIT_EN_ROUTE,
        "kebakaran",
        [(80, ["agency_desk", "supervisors"], "")],
    ),
    (
        "Belum ada unit berangkat",
        Watch.NO_UNIT_EN_ROUTE,
        "",
        [(120, ["agency_desk", "supervisors"], "")],
    ),
    (
        "Kebakaran: operasi belum dimulai (SPM 15 menit)",
        Watch.FIRE_NO_OPERATIONS,
        "kebakaran",
        [(15 * 60, ["supervisors"], "")],
    ),
    # A BMKG quake that matters to Ambon (issue #20): the supervisor at once, again until
    # someone reviews it or declares a major incident from it.
    (
        "Gempa belum ditinjau",
        Watch.HAZARD_UNREVIEWED,
        "",
        [(1, ["supervisors"], ""), (120, ["call_takers", "supervisors"], "")],
    ),
]


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
    if errors:
        raise ValidationError(errors)


def check_ladder(watch: str, levels: list[tuple[int, int, list, str]]) -> None:
    """Levels as (level, delay_s, recipients, action): at least one, delays rising from above
    zero, each with recipients, each action fitting the wait."""
    if not levels:
        raise ValidationError(_("A policy needs at least one level."))
    previous = 0
    known = set(Recipient.values)
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
    """Create the default policies of every watch that has none yet (migrations run this, so a
    watch added later gets its defaults without touching an administrator's policies)."""
    configured = set(policy_model.objects.values_list("watch", flat=True).distinct())
    created = 0
    for name, watch, category, ladder in DEFAULTS:
        if watch in configured:
            continue
        created += 1
        policy = policy_model.objects.create(name=name, watch=watch, category=category)
        for number, (delay_s, recipients, action) in enumerate(ladder, start=1):
            level_model.objects.create(
                policy=policy, level=number, delay_s=delay_s, recipients=recipients, action=action
            )
    return created
