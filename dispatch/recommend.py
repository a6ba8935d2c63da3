"""Which of an agency's units to send: ranked by estimated time of arrival, with reasons.

A unit is a candidate when it is available and has the capability the incident type needs.
The capability filter applies where the agency fields that capability at all (Damkar's engines
for a fire, PSC 119's ambulances for a patient); a supporting agency such as PLN sends what it
has. Positions: a tracked position younger than UNIT_POSITION_MAX_AGE_MIN, else the unit's
station, else unknown (still listed, last, with no estimate). Everything is read in two
queries and ranked in memory: a few hundred units take well under a millisecond.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Station, Unit
from dispatch.eta import estimate_eta_s
from dispatch.models import Assignment
from incidents.models import Incident, IncidentType


class Position:
    TRACKED = "tracked"
    STATION = "station"
    UNKNOWN = "unknown"


class Reason:
    BUSY = "busy"
    OUT_OF_SERVICE = "out_of_service"
    WRONG_CAPABILITY = "wrong_capability"
    TOO_FAR = "too_far"


@dataclass
class Candidate:
    unit: Unit
    eta_s: int | None
    distance_m: int | None
    position: str  # Position
    approximate: bool  # the position is a station placed at its area, not surveyed


@dataclass
class LeftOut:
    unit: Unit
    reason: str  # Reason
    detail: str


@dataclass
class Recommendation:
    capability: str  # the capability that filtered the units, or "" when none did
    candidates: list[Candidate]
    left_out: list[LeftOut]


def unit_position(unit: Unit, now: datetime) -> tuple[float, float, str, bool] | None:
    """Where a unit is for planning: a fresh fix, else its station, else None."""
    max_age = timedelta(minutes=settings.UNIT_POSITION_MAX_AGE_MIN)
    if (
        unit.last_lat is not None
        and unit.last_position_at
        and now - unit.last_position_at <= max_age
    ):
        return unit.last_lat, unit.last_lon, Position.TRACKED, False
    station = unit.station
    if station is not None and station.lat is not None:
        approximate = station.position_quality != Station.PositionQuality.EXACT
        return station.lat, station.lon, Position.STATION, approximate
    return None


def needed_capability(incident_type: IncidentType, units: list[Unit]) -> str:
    """The type's capability, where this agency has units with it; else none."""
    wanted = incident_type.capability
    if wanted == IncidentType.Capability.NONE:
        return ""
    return wanted if any(wanted in unit.capabilities for unit in units) else ""


def recommend_units(
    *, incident: Incident, agency: Agency, now: datetime | None = None
) -> Recommendation:
    now = now or timezone.now()
    units = list(Unit.objects.filter(agency=agency).select_related("station"))
    busy_on = dict(
        Assignment.objects.filter(
            unit__agency=agency, status__in=Assignment.ACTIVE_STATUSES
        ).values_list("unit_id", "incident_id")
    )
    capability = needed_capability(incident.incident_type, units)
    max_eta_s = settings.RECOMMEND_MAX_ETA_MIN * 60
    capability_name = IncidentType.Capability(capability).label if capability else ""
    candidates, left_out = [], []
    for unit in units:
        if unit.status == Unit.Status.OUT_OF_SERVICE:
            left_out.append(LeftOut(unit, Reason.OUT_OF_SERVICE, _("Out of service")))
            continue
        if unit.status != Unit.Status.AVAILABLE or unit.pk in busy_on:
            on = busy_on.get(unit.pk)
            detail = _("On incident #%(id)s") % {"id": on} if on else unit.get_status_display()
            left_out.append(LeftOut(unit, Reason.BUSY, detail))
            continue
        if capability and capability not in unit.capabilities:
            detail = _("Not a %(capability)s") % {"capability": capability_name.lower()}
            left_out.append(LeftOut(unit, Reason.WRONG_CAPABILITY, detail))
            continue
        where = unit_position(unit, now)
        if where is None or incident.lat is None:
            candidates.append(Candidate(unit, None, None, Position.UNKNOWN, False))
            continue
        lat, lon, source, approximate = where
        eta_s, metres = estimate_eta_s(unit.kind, lat, lon, incident.lat, incident.lon)
        if eta_s > max_eta_s:
            detail = _("About %(minutes)s min away") % {"minutes": round(eta_s / 60)}
            left_out.append(LeftOut(unit, Reason.TOO_FAR, detail))
            continue
        candidates.append(Candidate(unit, eta_s, metres, source, approximate))
    candidates.sort(key=lambda c: (c.eta_s is None, c.eta_s or 0, c.unit.call_sign))
    return Recommendation(capability, candidates, left_out)
