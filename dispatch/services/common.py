"""What the dispatch services share: who may act for an agency, and how events are written."""

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from agencies.models import Agency, Role
from core.errors import Forbidden
from dispatch.models import Assignment, CrewShift, Ticket
from dispatch.serializers import render_assignment, render_ticket, render_unit_state
from incidents.events import NewEvent, record_event, record_events

DISPATCH_ROLES = {Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}


def lock_row(model, pk) -> None:
    """Lock one row until commit. Read its relations after: a join read while waiting for the
    lock would show them as they were before the other transaction committed."""
    model.objects.select_for_update().values_list("pk", flat=True).get(pk=pk)


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def wit_time(moment) -> str:
    """14:03:22 in the centre's time zone (WIT)."""
    return time_format(timezone.localtime(moment), "H:i:s")


def require_desk(user, agency: Agency) -> None:
    """Only the agency's own desk accepts or declines its tickets."""
    if user.role != Role.AGENCY_DESK or user.agency_id != agency.pk:
        raise Forbidden(_("Only %(agency)s's desk may do this.") % {"agency": agency})


def require_agency_operator(user, agency: Agency) -> None:
    """The agency's desk sends and moves its units; the 112 dispatcher too where it allows."""
    if user.role == Role.AGENCY_DESK and user.agency_id == agency.pk:
        return
    if user.role in DISPATCH_ROLES and agency.dispatcher_may_assign:
        return
    raise Forbidden(_("Only %(agency)s's desk may do this.") % {"agency": agency})


def require_unit_operator(user, unit) -> None:
    """Who moves a unit through its steps: the agency's operators, and the crew signed in to
    that unit (a crew signed in to another unit, or to none, is told so)."""
    if user.role != Role.CREW:
        require_agency_operator(user, unit.agency)
        return
    if not CrewShift.objects.filter(user=user, unit=unit, ended_at__isnull=True).exists():
        raise Forbidden(
            _("You are not signed in to %(unit)s; choose your unit first.")
            % {"unit": unit.call_sign}
        )


def ticket_event(kind: str, ticket: Ticket, *, actor, **extra) -> NewEvent:
    return NewEvent(
        kind,
        subject=ticket,
        actor=actor,
        payload={"ticket": render_ticket(ticket), **extra},
        agencies=[ticket.agency],
        incident=ticket.incident,
    )


def assignment_event(kind: str, assignment: Assignment, *, actor, **extra) -> NewEvent:
    return NewEvent(
        kind,
        subject=assignment,
        actor=actor,
        payload={"assignment": render_assignment(assignment), **extra},
        agencies=[assignment.unit.agency],
        incident=assignment.incident,
    )


def publish_ticket(kind: str, ticket: Ticket, *, actor, **extra) -> None:
    record_events([ticket_event(kind, ticket, actor=actor, **extra)])


def publish_unit(kind: str, unit, *, actor=None, actor_label: str = "", **extra) -> None:
    record_event(
        kind,
        subject=unit,
        actor=actor,
        actor_label=actor_label,
        payload={"unit": render_unit_state(unit), **extra},
        agencies=[unit.agency],
    )
