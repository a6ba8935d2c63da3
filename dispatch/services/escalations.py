"""People answering escalations: acknowledge one, or the resolved ones of a subject (or all)
at once, send the incident to the backup agency, shelve a subject's alarms for a while."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from core.api import represent
from core.db import save_fields_of
from core.errors import Conflict, Forbidden, Invalid
from dispatch.deadlines import escalation_event, publish_escalation, shelf_event, wait_key
from dispatch.models import Action, Escalation, Shelf, SlaPolicy
from dispatch.policies import MAX_SHELVE_MINUTES
from dispatch.selectors import escalations_for
from dispatch.serializers import EscalationSerializer
from dispatch.services.common import lock_row, person_name, wit_time
from dispatch.services.tickets import notify_agency
from incidents.events import record_events

SHELVING_ROLES = {Role.SUPERVISOR, Role.ADMIN}


def _lock(escalation: Escalation) -> Escalation:
    lock_row(Escalation, escalation.pk)
    return Escalation.objects.select_related("agency__backup", "incident", "acknowledged_by").get(
        pk=escalation.pk
    )


@transaction.atomic
def acknowledge_escalation(*, escalation: Escalation, by) -> Escalation:
    """Someone alerted says they have it. A second acknowledgement is told who was first."""
    if not escalations_for(by).filter(pk=escalation.pk).exists():
        raise Forbidden(_("This alert was not sent to you."))
    escalation = _lock(escalation)
    if escalation.acknowledged_at is not None:
        raise Conflict(
            _("Already acknowledged by %(name)s at %(time)s.")
            % {
                "name": person_name(escalation.acknowledged_by),
                "time": wit_time(escalation.acknowledged_at),
            }
        )
    escalation.acknowledged_at, escalation.acknowledged_by = timezone.now(), by
    escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    publish_escalation("escalation.acknowledged", escalation, actor=by)
    return escalation


@transaction.atomic
def send_to_backup(*, escalation: Escalation, by):
    """The ladder offered the backup agency: the supervisor forwards the incident to it."""
    if by.role not in {Role.SUPERVISOR, Role.ADMIN}:
        raise Forbidden(_("Only a supervisor sends an incident to the backup agency."))
    escalation = _lock(escalation)
    backup = escalation.agency.backup if escalation.agency else None
    if escalation.action != Action.OFFER_BACKUP or backup is None or not escalation.incident:
        raise Conflict(_("No backup agency is offered for this alert."))
    ticket = notify_agency(incident=escalation.incident, agency=backup, by=by)
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at, escalation.acknowledged_by = timezone.now(), by
        escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
        publish_escalation("escalation.acknowledged", escalation, actor=by, backup=backup.code)
    return ticket


@transaction.atomic
def acknowledge_resolved(*, by, key: dict | None = None) -> list[Escalation]:
    """Everything in my "resolved, not yet acknowledged" list at once: one subject's (`key`:
    watch, subject_type, subject_id) or, without a key, all of them. Each is recorded as
    acknowledged by me, now; one event per subject."""
    mine = escalations_for(by).filter(resolved_at__isnull=False)
    if key is not None:
        mine = mine.filter(**key)
    pending = list(
        mine.filter(acknowledged_at__isnull=True)
        .select_for_update(of=("self",))
        .select_related("incident")
        .order_by("level")
    )
    if not pending and key is not None:
        raise already_acknowledged(mine)
    now = timezone.now()
    by_subject: dict[tuple, list[Escalation]] = {}
    for escalation in pending:
        escalation.acknowledged_at, escalation.acknowledged_by = now, by
        by_subject.setdefault(wait_key(escalation), []).append(escalation)
    save_fields_of(pending, ["acknowledged_at", "acknowledged_by"])
    record_events(
        [
            escalation_event(
                "escalation.resolved_acknowledged",
                levels[-1],
                actor=by,
                agencies={e.agency for e in levels if e.to_agency and e.agency},
                ids=[e.pk for e in levels],
                escalations=[represent(EscalationSerializer, e) for e in levels],
            )
            for levels in by_subject.values()
        ]
    )
    return pending


def already_acknowledged(mine) -> Conflict:
    """Nothing left to acknowledge for one subject: who was first, or that nothing is resolved."""
    last = mine.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at").first()
    if last is None:
        return Conflict(_("This alarm has nothing resolved to acknowledge."))
    return Conflict(
        _("Already acknowledged by %(name)s at %(time)s.")
        % {"name": person_name(last.acknowledged_by), "time": wit_time(last.acknowledged_at)}
    )


def require_shelver(by) -> None:
    if by.role not in SHELVING_ROLES:
        raise Forbidden(_("Only a supervisor shelves or unshelves alarms."))


def running_shelf(key: dict) -> Shelf | None:
    return (
        Shelf.objects.select_for_update(of=("self",))
        .select_related("shelved_by", "ended_by")
        .filter(ended_at=None, **key)
        .first()
    )


@transaction.atomic
def shelve(*, by, key: dict, minutes: int, reason: str) -> Shelf:
    """Shelve a subject's alarms (ISA-18.2) for `minutes`, saying why: levels it reaches
    meanwhile are recorded, flagged shelved and not sounded. It ends by itself when the time is
    up (the deadline check), by hand, or when the subject stops waiting."""
    require_shelver(by)
    reason = reason.strip()
    if not reason:
        raise Invalid({"reason": [_("Say why these alarms are shelved.")]})
    open_ones = list(
        Escalation.objects.select_for_update(of=("self",))
        .filter(resolved_at__isnull=True, **key)
        .order_by("-level")
    )
    if not open_ones:
        raise Conflict(_("Nothing to shelve: this alarm is not open (its wait has ended)."))
    policy = SlaPolicy.objects.filter(pk=open_ones[0].policy_id).first()
    longest = policy.max_shelve_minutes if policy else MAX_SHELVE_MINUTES
    if not 1 <= minutes <= longest:
        raise Invalid(
            {
                "minutes": [
                    _("Shelve for 1 to %(max)s minutes (the policy's limit).") % {"max": longest}
                ]
            }
        )
    now = timezone.now()
    current = running_shelf(key)
    if current is not None and current.until > now:
        raise Conflict(
            _("Already shelved by %(name)s until %(time)s: %(reason)s")
            % {
                "name": person_name(current.shelved_by),
                "time": wit_time(current.until),
                "reason": current.reason,
            }
        )
    events = []
    if current is not None:  # its time was up and the check had not come round yet
        current.ended_at, current.end = now, Shelf.End.EXPIRED
        current.save(update_fields=["ended_at", "end"])
        events.append(shelf_event("escalation.unshelved", current))
    shelf = Shelf(
        shelved_at=now,
        shelved_by=by,
        until=now + timedelta(minutes=minutes),
        reason=reason,
        watch=key["watch"],
        subject_type=key["subject_type"],
        subject_id=key["subject_id"],
    )
    try:
        with transaction.atomic():
            shelf.save()
    except IntegrityError as exc:  # someone shelved it a moment ago
        raise Conflict(_("Someone shelved this alarm a moment ago; reload.")) from exc
    record_events([*events, shelf_event("escalation.shelved", shelf, actor=by)])
    return shelf


@transaction.atomic
def unshelve(*, by, key: dict) -> Shelf:
    """End a shelf early: the subject's alarms sound again from their next level."""
    require_shelver(by)
    shelf = running_shelf(key)
    if shelf is None:
        raise Conflict(_("These alarms are not shelved."))
    shelf.ended_at, shelf.ended_by, shelf.end = timezone.now(), by, Shelf.End.UNSHELVED
    shelf.save(update_fields=["ended_at", "ended_by", "end"])
    record_events([shelf_event("escalation.unshelved", shelf, actor=by)])
    return shelf
