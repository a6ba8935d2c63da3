"""People answering escalations: acknowledge one, or send the incident to the backup agency."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from ambon112.api import Conflict
from dispatch.deadlines import publish_escalation
from dispatch.models import Action, Escalation
from dispatch.selectors import escalations_for
from dispatch.services.common import lock_row, person_name, wit_time
from dispatch.services.tickets import notify_agency


def _lock(escalation: Escalation) -> Escalation:
    lock_row(Escalation, escalation.pk)
    return Escalation.objects.select_related("agency__backup", "incident", "acknowledged_by").get(
        pk=escalation.pk
    )


@transaction.atomic
def acknowledge_escalation(*, escalation: Escalation, by) -> Escalation:
    """Someone alerted says they have it. A second acknowledgement is told who was first."""
    if not escalations_for(by).filter(pk=escalation.pk).exists():
        raise PermissionDenied(_("This alert was not sent to you."))
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
        raise PermissionDenied(_("Only a supervisor sends an incident to the backup agency."))
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
