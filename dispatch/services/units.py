"""A unit's position (set by its desk on the map or reported by a vehicle tracker) and its
service state (out of service aside from any incident)."""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import MachineToken, Unit
from core.errors import Conflict, Throttled
from dispatch.models import CrewShift
from dispatch.services.common import lock_row, publish_unit, require_agency_operator


def _move(unit: Unit, lat: float, lon: float, at: datetime) -> bool:
    if unit.last_position_at is not None and at <= unit.last_position_at:
        return False  # a late fix never overwrites a newer one
    unit.last_lat, unit.last_lon, unit.last_position_at = lat, lon, at
    unit.save(update_fields=["last_lat", "last_lon", "last_position_at"])
    return True


@transaction.atomic
def set_unit_position(*, unit: Unit, by, lat: float, lon: float) -> Unit:
    """The desk places its unit on the map (what the crew said on the radio)."""
    lock_row(Unit, unit.pk)
    unit = Unit.objects.select_related("agency", "station").get(pk=unit.pk)
    require_agency_operator(by, unit.agency)
    if _move(unit, lat, lon, timezone.now()):
        publish_unit("unit.moved", unit, actor=by, source="desk")
    return unit


@transaction.atomic
def report_positions(*, token: MachineToken, positions: list[dict]) -> list[Unit]:
    """A vehicle tracker reports fixes for its agency's units; unknown call signs are refused.

    A fix dated in the future (beyond the clock-skew limit) is refused; an older fix than the
    one stored is ignored.
    """
    now = timezone.now()
    signs = [p["call_sign"] for p in positions]
    units = {
        u.call_sign: u
        for u in Unit.objects.select_for_update(of=("self",))
        .select_related("agency", "station")
        .filter(agency=token.agency, call_sign__in=signs)
        .order_by("pk")
    }
    unknown = sorted(set(signs) - set(units))
    if unknown:
        raise Conflict(
            _("Not units of %(agency)s: %(signs)s.")
            % {"agency": token.agency, "signs": ", ".join(unknown)}
        )
    moved = []
    for fix in sorted(positions, key=lambda p: p.get("at") or now):
        at = fix.get("at") or now
        if (at - now).total_seconds() > settings.CLOCK_SKEW_LIMIT_S:
            raise Conflict(
                _("A fix for %(unit)s is dated in the future.") % {"unit": fix["call_sign"]}
            )
        unit = units[fix["call_sign"]]
        if _move(unit, fix["lat"], fix["lon"], at):
            publish_unit("unit.moved", unit, actor_label=f"tracker:{token.name}", source="tracker")
            moved.append(unit)
    return moved


@transaction.atomic
def report_crew_position(
    *, by, lat: float, lon: float, accuracy_m: float, at: datetime | None = None
) -> Unit:
    """A crew's phone reports where its unit is (Geolocation API), at most once every
    CREW_POSITION_INTERVAL_S per person: a faster phone is told to slow down (429)."""
    shift = CrewShift.objects.filter(user=by, ended_at__isnull=True).first()
    if shift is None:
        raise Conflict(_("You are not signed in to a unit; choose your unit first."))
    now = timezone.now()
    at = at or now
    if (at - now).total_seconds() > settings.CLOCK_SKEW_LIMIT_S:
        raise Conflict(_("This position is dated in the future; check the phone's clock."))
    interval = settings.CREW_POSITION_INTERVAL_S
    if not cache.add(f"crew-position:{by.pk}", 1, timeout=interval):
        raise Throttled(
            _("Positions are taken every %(s)s seconds; this one came too soon.") % {"s": interval},
            wait_s=interval,
        )
    lock_row(Unit, shift.unit_id)
    unit = Unit.objects.select_related("agency", "station").get(pk=shift.unit_id)
    if _move(unit, lat, lon, at):
        publish_unit("unit.moved", unit, actor=by, source="crew", accuracy_m=accuracy_m)
    return unit


@transaction.atomic
def set_in_service(*, unit: Unit, by, in_service: bool, reason: str = "") -> Unit:
    """Out of service (breakdown, no crew) or back in service; never while on a call."""
    lock_row(Unit, unit.pk)
    unit = Unit.objects.select_related("agency", "station").get(pk=unit.pk)
    require_agency_operator(by, unit.agency)
    wanted = Unit.Status.AVAILABLE if in_service else Unit.Status.OUT_OF_SERVICE
    if unit.status == wanted:
        return unit
    if unit.status not in (Unit.Status.AVAILABLE, Unit.Status.OUT_OF_SERVICE):
        raise Conflict(_("%(unit)s is on a call; clear it first.") % {"unit": unit.call_sign})
    unit.status = wanted
    unit.save(update_fields=["status"])
    publish_unit("unit.status_changed", unit, actor=by, reason=reason)
    return unit
