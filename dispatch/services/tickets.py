"""Tickets: an incident forwarded to one agency (T3), accepted (T4) or declined by its desk."""

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Role
from core.db import insert_row, pipelined
from core.errors import Conflict, Forbidden
from dispatch.models import Ticket
from dispatch.routing import REFERENCE_TOKEN, is_cross_border, proposed_agencies, regency_of
from dispatch.services.common import (
    DISPATCH_ROLES,
    person_name,
    publish_ticket,
    require_desk,
    ticket_event,
    wit_time,
)
from dispatch.services.incidents import lock_open_incident, refresh_status
from incidents.events import record_events
from incidents.models import Incident


def may_forward(user) -> bool:
    if user.role in DISPATCH_ROLES:
        return True
    return user.role == Role.CALL_TAKER and settings.CALL_TAKERS_FORWARD


@transaction.atomic
def notify_agency(*, incident: Incident, agency: Agency, by) -> Ticket:
    """T3: forward the incident to one agency; its desk sees the ticket at once."""
    return _notify(incident, agency, by)


def notify_agencies(*, incident: Incident, agencies: list[Agency], by) -> list[Ticket]:
    """Forward to several agencies in one go: all of them, or none when one is refused (one
    transaction, no savepoint per agency)."""
    with transaction.atomic():
        return [_notify(incident, agency, by) for agency in agencies]


# The incident's agencies (Incident.agencies), as its add() writes them.
AGENCY_LINK_SQL = (
    "INSERT INTO incidents_incident_agencies (incident_id, agency_id) VALUES (%s, %s) "
    "ON CONFLICT DO NOTHING"
)


def _notify(incident: Incident, agency: Agency, by) -> Ticket:
    """Inside the caller's transaction, which a Conflict rolls back."""
    if not may_forward(by):
        raise Forbidden(_("You may not forward incidents to agencies."))
    incident = lock_open_incident(incident, refs=True, extra=(REFERENCE_TOKEN,))
    proposals = proposed_agencies(incident, incident.reference_token)
    proposal = {p.agency.pk: p for p in proposals}.get(agency.pk)
    ticket = Ticket(
        incident=incident,
        agency=agency,
        role=proposal.role if proposal else Ticket.Role.ADDED,
        cross_border=is_cross_border(agency, regency_of(incident)),
        notified_at=timezone.now(),
        notified_by=by,
    )
    try:
        # The incident's lock makes forwards to it take turns; the constraint on open tickets
        # refuses the agency's second one (no savepoint: the Conflict ends the transaction).
        insert_row(ticket)
    except IntegrityError as exc:
        raise Conflict(
            _("%(agency)s already has a ticket for this incident.") % {"agency": agency}
        ) from exc
    with pipelined():  # the agency's link goes with the incident's facts read
        with connection.cursor() as cursor:
            cursor.execute(AGENCY_LINK_SQL, [incident.pk, agency.pk])
        notified = ticket_event("ticket.notified", ticket, actor=by)
        record_events([notified, *refresh_status(incident, actor=by, fresh=True)])
    return ticket


ANSWER_FIELDS = ["status", "accepted_at", "accepted_by", "declined_at", "declined_by", "ended_at"]


def _lock(ticket: Ticket) -> Ticket:
    """Lock the ticket's row and read its state as committed, in one statement (no join: a row
    read with its lock is its newest version); the incident and agency it was loaded with do not
    change."""
    ticket.refresh_from_db(fields=ANSWER_FIELDS, from_queryset=Ticket.objects.select_for_update())
    return _counted(ticket)


def _counted(ticket: Ticket) -> Ticket:
    """The incident's calls count, which its events show, unless it was read with the ticket."""
    if getattr(ticket.incident, "calls_count", None) is None:
        ticket.incident.calls_count = ticket.incident.calls.count()
    return ticket


def _refuse_answered(ticket: Ticket) -> None:
    if ticket.status == Ticket.Status.ACCEPTED:
        raise Conflict(
            _("Already accepted by %(name)s at %(time)s.")
            % {"name": person_name(ticket.accepted_by), "time": wit_time(ticket.accepted_at)}
        )
    if ticket.status == Ticket.Status.DECLINED:
        raise Conflict(
            _("Already declined by %(name)s at %(time)s.")
            % {"name": person_name(ticket.declined_by), "time": wit_time(ticket.declined_at)}
        )
    raise Conflict(
        _("This ticket is %(status)s.") % {"status": ticket.get_status_display().lower()}
    )


ACCEPT_SQL = (
    "UPDATE dispatch_ticket SET status = %s, accepted_at = %s, accepted_by_id = %s "
    "WHERE id = %s AND status = %s"
)


def accept(ticket: Ticket, by) -> Ticket:
    """Set T4 on a ticket still waiting, inside the caller's transaction: one UPDATE takes the
    row's lock and checks under it that the ticket still waits; the loser of two desks reads it
    locked, answered, and is told by whom. A ticket waiting has no answer nor end yet."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            ACCEPT_SQL,
            [
                Ticket.Status.ACCEPTED,
                Ticket._meta.get_field("accepted_at").get_db_prep_save(now, connection),
                by.pk,
                ticket.pk,
                Ticket.Status.NOTIFIED,
            ],
        )
        waited = cursor.rowcount == 1
    if not waited:
        _refuse_answered(_lock(ticket))
    ticket.status, ticket.accepted_at, ticket.accepted_by = Ticket.Status.ACCEPTED, now, by
    ticket.declined_at = ticket.declined_by = ticket.ended_at = None
    publish_ticket("ticket.accepted", _counted(ticket), actor=by)
    return ticket


@transaction.atomic
def accept_ticket(*, ticket: Ticket, by) -> Ticket:
    """T4: the agency's desk takes the incident on. Exactly one desk wins; the other is told."""
    require_desk(by, ticket.agency)
    return accept(ticket, by)


@transaction.atomic
def decline_ticket(*, ticket: Ticket, by, reason: str) -> Ticket:
    """The agency's desk declines, with a reason the supervisor sees at once."""
    require_desk(by, ticket.agency)
    if not reason.strip():
        raise Conflict(_("Say why you decline."))
    ticket = _lock(ticket)
    if ticket.status != Ticket.Status.NOTIFIED:
        _refuse_answered(ticket)
    ticket.status, ticket.declined_at, ticket.declined_by = (
        Ticket.Status.DECLINED,
        timezone.now(),
        by,
    )
    ticket.decline_reason = reason.strip()
    ticket.save(update_fields=["status", "declined_at", "declined_by", "decline_reason"])
    declined = ticket_event("ticket.declined", ticket, actor=by)
    record_events([declined, *refresh_status(ticket.incident, actor=by)])
    return ticket
