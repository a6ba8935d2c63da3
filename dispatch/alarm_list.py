"""The alarm list a person sees (issue #16, ISA-18.2): each waiting thing once, at its highest
level, with its history; open, resolved-but-unacknowledged and shelved apart, with their counts.

A subject is one wait: watch + subject_type + subject_id. Open: not resolved and not shelved.
Resolved: the wait ended and a level of it is not acknowledged yet. Shelved: a supervisor's
shelf on it runs now (see dispatch.services.escalations.shelve).
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from dispatch.deadlines import wait_key
from dispatch.models import Escalation, Shelf

SHOWN = 200  # escalations in the flat list, as before


def with_shelf(escalations: QuerySet[Escalation], now) -> QuerySet[Escalation]:
    running = Shelf.objects.filter(
        ended_at=None,
        until__gt=now,
        watch=OuterRef("watch"),
        subject_type=OuterRef("subject_type"),
        subject_id=OuterRef("subject_id"),
    )
    return escalations.annotate(on_shelf=Exists(running))


def in_state(escalations: QuerySet[Escalation], state: str) -> QuerySet[Escalation]:
    """`escalations` annotated by with_shelf, narrowed to one state of the list."""
    if state == "open":
        return escalations.filter(resolved_at__isnull=True, on_shelf=False)
    if state == "resolved":
        return escalations.filter(resolved_at__isnull=False, acknowledged_at__isnull=True)
    if state == "shelved":
        return escalations.filter(resolved_at__isnull=True, on_shelf=True)
    return escalations


def subject_count(escalations: QuerySet[Escalation]) -> int:
    return escalations.values("watch", "subject_type", "subject_id").distinct().count()


def alarm_list(visible: QuerySet[Escalation], state: str) -> dict:
    """What GET /api/escalations/ returns (EscalationListSerializer)."""
    now = timezone.now()
    annotated = with_shelf(visible, now)
    newest = in_state(annotated, state).select_related("incident").order_by("-raised_at", "-level")
    shown = list(newest[:SHOWN])  # newest first; of levels raised at once, the highest
    return {
        "escalations": shown,
        "subjects": subjects_of(visible, shown, now),
        "open": subject_count(in_state(annotated, "open")),
        "resolved_unacknowledged": subject_count(in_state(annotated, "resolved")),
        "shelved": subject_count(in_state(annotated, "shelved")),
        "now": now,
    }


def subjects_of(visible: QuerySet[Escalation], shown: list[Escalation], now) -> list[dict]:
    """One entry per subject among `shown`, newest first: its highest level and the history of
    that wait (every level of the same start that the person may see)."""
    tops: dict[tuple, Escalation] = {}
    for escalation in shown:
        top = tops.get(wait_key(escalation))
        if top is None or escalation.level > top.level:
            tops[wait_key(escalation)] = escalation
    if not tops:
        return []
    watches = {key[0] for key in tops}
    ids = {key[2] for key in tops}
    history: dict[tuple, list[Escalation]] = {key: [] for key in tops}
    for escalation in visible.filter(watch__in=watches, subject_id__in=ids).order_by("level"):
        key = wait_key(escalation)
        if key in tops and escalation.started_at == tops[key].started_at:
            history[key].append(escalation)
    shelves = {
        wait_key(shelf): shelf
        for shelf in Shelf.objects.filter(
            ended_at=None, until__gt=now, watch__in=watches, subject_id__in=ids
        ).select_related("shelved_by", "ended_by")
    }
    entries = []
    for key, shown_top in tops.items():
        levels = history[key] or [shown_top]
        top = levels[-1]
        entries.append(
            {
                "key": ":".join(key),
                "watch": top.watch,
                "watch_name": top.get_watch_display(),
                "subject": {"type": top.subject_type, "id": top.subject_id},
                "level": top.level,
                "escalation": top.pk,
                "summary": top.summary,
                "incident": top.incident_id,
                "agency": top.agency,
                "action": top.action,
                "backup": top.agency.backup if top.agency else None,
                "started_at": top.started_at,
                "raised_at": top.raised_at,
                "resolved_at": top.resolved_at,
                "acknowledged": all(e.acknowledged_at for e in levels),
                "shelved": shelves.get(key),
                "history": levels,
            }
        )
    entries.sort(key=lambda entry: entry["raised_at"], reverse=True)
    return entries
