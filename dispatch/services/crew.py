"""A crew on its phone (issue #19): signed in to one of its agency's units for a shift.

Several crew members may be on one unit; a crew member is on one unit at a time, so signing in
to another ends the shift on the first. The steps a crew takes are the desk's own
(`dispatch.services.assignments.advance`), its positions a tracker's (`dispatch.services.units`).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role, Unit, User
from core.errors import Conflict, Forbidden
from dispatch.models import CrewShift
from dispatch.services.common import lock_row, person_name, require_desk
from incidents.events import record_event


def _require_may_sign_in(crew: User, unit: Unit, by: User) -> None:
    if crew.role != Role.CREW or not crew.is_active:
        raise Conflict(_("%(name)s is not a crew account.") % {"name": crew.get_username()})
    if crew.agency_id != unit.agency_id:
        raise Forbidden(_("%(unit)s belongs to another agency.") % {"unit": unit.call_sign})
    if by.pk != crew.pk:
        require_desk(by, unit.agency)


def _publish(kind: str, shift: CrewShift, *, actor: User) -> None:
    record_event(
        kind,
        subject=shift.unit,
        actor=actor,
        payload={
            "crew": shift.user.get_username(),
            "crew_name": person_name(shift.user),
            "unit": shift.unit.call_sign,
        },
        agencies=[shift.unit.agency],
    )


@transaction.atomic
def start_shift(*, crew: User, unit: Unit, by: User) -> CrewShift:
    """The crew member (or their desk) puts them on a unit; a shift on another unit ends."""
    _require_may_sign_in(crew, unit, by)
    lock_row(User, crew.pk)  # one shift change per person at a time
    current = CrewShift.objects.filter(user=crew, ended_at__isnull=True).first()
    if current is not None and current.unit_id == unit.pk:
        return current
    now = timezone.now()
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
        _publish("crew.signed_out", current, actor=by)
    try:
        with transaction.atomic():
            shift = CrewShift.objects.create(user=crew, unit=unit, started_at=now, started_by=by)
    except IntegrityError as exc:
        raise Conflict(_("This shift was changed at the same time; reload.")) from exc
    _publish("crew.signed_in", shift, actor=by)
    return shift


@transaction.atomic
def end_shift(*, crew: User, by: User) -> CrewShift:
    """The crew member signs off their unit (or their desk takes them off)."""
    lock_row(User, crew.pk)
    shift = (
        CrewShift.objects.select_related("unit__agency", "user")
        .filter(user=crew, ended_at__isnull=True)
        .first()
    )
    if shift is None:
        raise Conflict(_("You are not signed in to a unit."))
    if by.pk != crew.pk:
        require_desk(by, shift.unit.agency)
    shift.ended_at = timezone.now()
    shift.save(update_fields=["ended_at"])
    _publish("crew.signed_out", shift, actor=by)
    return shift
