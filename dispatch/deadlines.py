"""Deadlines and escalation (DESIGN.md §6): nothing waits unseen.

Every appended event is seen by `on_event` in its own transaction: it works out, for the call,
ticket or incident the event is about, whether each watched wait is running, and starts or
clears that wait's `Deadline` row accordingly. So the deadline changes in the same commit as
the thing it watches, and no timer lives in memory or in the broker.

`escalate_overdue(now)` is the check that Celery beat (production) or the embedded ticker runs
every second: it claims the rows whose indexed `due_at` has passed with SELECT … FOR UPDATE
SKIP LOCKED, raises an `Escalation` for the due level, appends its event (broadcast after
commit) and moves the row to the next level, or deletes it when the ladder ends. A row claimed
by one worker is skipped by the others, and each level is raised once (a unique constraint
stands behind that); after downtime every overdue level is raised on the first run.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import Min
from django.utils import timezone

from ambon112.api import represent
from dispatch.models import (
    Action,
    Assignment,
    Deadline,
    Escalation,
    EscalationLevel,
    Recipient,
    SlaPolicy,
    Ticket,
    Watch,
)
from dispatch.serializers import EscalationSerializer
from incidents.events import NewEvent, record_events
from incidents.models import Call, Event, Incident
from incidents.selectors import with_incident_refs
from incidents.services.incidents import publish_incident

BATCH = 500


@dataclass(frozen=True)
class Wait:
    """One watched wait that is running now."""

    watch: str
    subject: models.Model
    started_at: datetime
    incident: Incident | None = None
    ticket: Ticket | None = None


# --- What is waiting --------------------------------------------------------------------------


def call_waits(call: Call) -> dict[str, Wait | None]:
    waiting = call.taken_by_id is None and call.ended_at is None
    started = call.ringing_at or call.created_at
    return {Watch.CALL_UNANSWERED: Wait(Watch.CALL_UNANSWERED, call, started) if waiting else None}


def incident_waits(incident: Incident) -> dict[str, Wait | None]:
    waits: dict[str, Wait | None] = {
        Watch.INCIDENT_NOT_FORWARDED: None,
        Watch.FIRE_NO_OPERATIONS: None,
    }
    if not incident.is_open:
        return waits
    calls = incident.calls.aggregate(
        t0=Min("ringing_at"), t1=Min("answered_at"), taken=Min("taken_at")
    )
    if not incident.tickets.exists():
        answered = calls["t1"] or calls["taken"] or incident.created_at
        waits[Watch.INCIDENT_NOT_FORWARDED] = Wait(
            Watch.INCIDENT_NOT_FORWARDED, incident, answered, incident
        )
    if (
        incident.category == "kebakaran"
        and not incident.assignments.filter(operations_started_at__isnull=False).exists()
    ):
        waits[Watch.FIRE_NO_OPERATIONS] = Wait(
            Watch.FIRE_NO_OPERATIONS, incident, calls["t0"] or incident.created_at, incident
        )
    return waits


def ticket_waits(ticket: Ticket) -> dict[str, Wait | None]:
    waits: dict[str, Wait | None] = {Watch.TICKET_NOT_ACCEPTED: None, Watch.NO_UNIT_EN_ROUTE: None}
    if ticket.status == Ticket.Status.NOTIFIED:
        waits[Watch.TICKET_NOT_ACCEPTED] = Wait(
            Watch.TICKET_NOT_ACCEPTED, ticket, ticket.notified_at, ticket.incident, ticket
        )
    elif (
        ticket.status == Ticket.Status.ACCEPTED
        and not ticket.assignments.filter(en_route_at__isnull=False).exists()
    ):
        waits[Watch.NO_UNIT_EN_ROUTE] = Wait(
            Watch.NO_UNIT_EN_ROUTE, ticket, ticket.accepted_at, ticket.incident, ticket
        )
    return waits


# --- Keeping deadlines in step with events ----------------------------------------------------


def policy_for(wait: Wait) -> SlaPolicy | None:
    """The most specific active policy whose scope matches the wait, with its ladder."""
    incident, ticket = wait.incident, wait.ticket
    best = None
    for policy in SlaPolicy.objects.filter(watch=wait.watch, is_active=True).prefetch_related(
        "levels"
    ):
        if policy.category and (incident is None or incident.category != policy.category):
            continue
        if policy.priority and (incident is None or incident.priority != policy.priority):
            continue
        if policy.agency_id and (ticket is None or ticket.agency_id != policy.agency_id):
            continue
        if not policy.levels.all():
            continue
        if best is None or policy.specificity > best.specificity:
            best = policy
    return best


def subject_key(subject: models.Model) -> dict:
    return {"subject_type": subject._meta.model_name, "subject_id": str(subject.pk)}


def reconcile(waits: dict[str, Wait | None], subject: models.Model) -> None:
    """Start the deadline of each wait that runs and has none; clear each one that stopped."""
    key = subject_key(subject)
    existing = {d.watch: d for d in Deadline.objects.filter(watch__in=list(waits), **key)}
    for watch, wait in waits.items():
        if wait is None and watch in existing:
            existing[watch].delete()
            resolve(watch, key)
        elif wait is not None and watch not in existing:
            start(wait)


def start(wait: Wait) -> None:
    policy = policy_for(wait)
    if policy is None:
        return
    first = policy.levels.all()[0]
    Deadline.objects.create(
        watch=wait.watch,
        policy=policy,
        incident=wait.incident,
        agency=wait.ticket.agency if wait.ticket else None,
        started_at=wait.started_at,
        level=first.level,
        due_at=wait.started_at + timedelta(seconds=first.delay_s),
        summary=summary_of(wait)[:200],
        **subject_key(wait.subject),
    )


def summary_of(wait: Wait) -> str:
    """What waits, in facts that read the same in any language: number and line, or the
    incident's number and type (and the agency of a ticket)."""
    if isinstance(wait.subject, Call):
        caller = wait.subject.caller
        return " · ".join(filter(None, [caller.number if caller else "", wait.subject.line]))
    incident = wait.incident
    parts = [f"#{incident.pk}", incident.incident_type.name_id]
    if wait.ticket is not None:
        parts.append(wait.ticket.agency.short_name)
    return " · ".join(parts)


def resolve(watch: str, key: dict) -> None:
    """The thing stopped waiting: its open escalations say so (they stay until acknowledged)."""
    open_ones = list(
        Escalation.objects.filter(watch=watch, resolved_at__isnull=True, **key).select_related(
            "incident", "agency", "acknowledged_by"
        )
    )
    now = timezone.now()
    for escalation in open_ones:
        escalation.resolved_at = now
        escalation.save(update_fields=["resolved_at"])
        publish_escalation("escalation.resolved", escalation)


# Which events can start or end a wait on something other than their own subject.
INCIDENT_WAIT_EVENTS = {
    "incident.created",
    "incident.closed",
    "incident.reopened",
    "ticket.notified",  # the first ticket ends "not forwarded"
    "assignment.operations_started",  # ends "fire: no operations started"
}
TICKET_WAIT_EVENTS = {"assignment.en_route"}  # ends "no unit en route"


def on_event(event: Event, subject: models.Model | None) -> None:
    """Registered with incidents.events: keep the deadlines of what the event touched."""
    if isinstance(subject, Call):
        reconcile(call_waits(subject), subject)
    elif isinstance(subject, Ticket):
        reconcile(ticket_waits(subject), subject)
    elif isinstance(subject, Assignment) and event.kind in TICKET_WAIT_EVENTS:
        ticket = Ticket.objects.select_related("incident__incident_type", "agency").get(
            pk=subject.ticket_id
        )
        reconcile(ticket_waits(ticket), ticket)
    if event.incident_id is not None and event.kind in INCIDENT_WAIT_EVENTS:
        incident = Incident.objects.select_related("incident_type").get(pk=event.incident_id)
        reconcile(incident_waits(incident), incident)


# --- The check ----------------------------------------------------------------------------------


def escalate_overdue(now: datetime | None = None) -> int:
    """Raise every escalation whose deadline has passed; returns how many were raised."""
    now = now or timezone.now()
    raised = 0
    while True:
        with transaction.atomic():
            due = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("incident", "agency__backup")
                .filter(due_at__lte=now)
                .order_by("due_at")[:BATCH]
            )
            ladders = ladders_of({deadline.policy_id for deadline in due})
            escalations = [e for d in due for e in fire(d, ladders[d.policy_id], now)]
            Escalation.objects.bulk_create(escalations)
            record_events([escalation_event("escalation.raised", e) for e in escalations])
            for escalation in escalations:
                if escalation.action == Action.RAISE_PRIORITY and escalation.incident_id:
                    raise_priority(escalation.incident)
            climbed = [d.pk for d in due if d.due_at <= now]
            Deadline.objects.filter(pk__in=climbed).delete()
            Deadline.objects.bulk_update([d for d in due if d.due_at > now], ["level", "due_at"])
            raised += len(escalations)
        if len(due) < BATCH:
            return raised


def ladders_of(policy_ids: set[int]) -> dict[int, list[EscalationLevel]]:
    ladders: dict[int, list[EscalationLevel]] = {pk: [] for pk in policy_ids}
    for level in EscalationLevel.objects.filter(policy_id__in=policy_ids).order_by("level"):
        ladders[level.policy_id].append(level)
    return ladders


def fire(deadline: Deadline, ladder: list[EscalationLevel], now: datetime) -> list[Escalation]:
    """The escalations of every level of one claimed deadline that is due by `now`. Afterwards
    the deadline holds its next level and time (due_at > now), or it has climbed the whole
    ladder (due_at <= now)."""
    escalations = []
    for level in ladder:
        if level.level < deadline.level:
            continue
        due_at = deadline.started_at + timedelta(seconds=level.delay_s)
        if due_at > now:
            deadline.level, deadline.due_at = level.level, due_at
            break
        escalations.append(
            Escalation(
                watch=deadline.watch,
                policy_id=deadline.policy_id,
                level=level.level,
                subject_type=deadline.subject_type,
                subject_id=deadline.subject_id,
                incident=deadline.incident,
                agency=deadline.agency,
                started_at=deadline.started_at,
                due_at=due_at,
                raised_at=now,
                to_call_takers=Recipient.CALL_TAKERS in level.recipients,
                to_supervisors=Recipient.SUPERVISORS in level.recipients,
                to_agency=bool(
                    {Recipient.AGENCY_DESK, Recipient.AGENCY_LIAISON} & set(level.recipients)
                ),
                action=level.action,
                summary=deadline.summary,
            )
        )
    return escalations


def raise_priority(incident: Incident) -> None:
    incident = with_incident_refs(Incident.objects.all()).get(pk=incident.pk)
    if incident.priority > 1:
        previous, incident.priority = incident.priority, incident.priority - 1
        incident.save(update_fields=["priority"])
        publish_incident("incident.priority_raised", incident, actor=None, previous=previous)


def escalation_event(kind: str, escalation: Escalation, *, actor=None, **extra) -> NewEvent:
    return NewEvent(
        kind,
        subject=escalation,
        actor=actor,
        actor_label="" if actor else "deadline-check",
        payload={"escalation": represent(EscalationSerializer, escalation), **extra},
        agencies=[escalation.agency] if escalation.to_agency and escalation.agency else (),
        incident=escalation.incident,
    )


def publish_escalation(kind: str, escalation: Escalation, *, actor=None, **extra) -> None:
    record_events([escalation_event(kind, escalation, actor=actor, **extra)])
