"""Which of an agency's units to send: ranked by estimated time of arrival, with reasons.

A unit is a candidate when it is available and has the capability the incident type needs.
The capability filter applies where the agency fields that capability at all (Damkar's engines
for a fire, PSC 119's ambulances for a patient); a supporting agency such as PLN sends what it
has. Positions: a tracked position younger than UNIT_POSITION_MAX_AGE_MIN, else the unit's
station, else unknown (still listed, last, with no estimate). Everything is read in two
queries and ranked in memory.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q
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
    unit: dict  # UNIT_FIELDS of one unit
    eta_s: int | None
    distance_m: int | None
    position: str  # Position
    approximate: bool  # the position is a station placed at its area, not surveyed


@dataclass
class LeftOut:
    unit: dict
    reason: str  # Reason
    detail: str


@dataclass
class Recommendation:
    capability: str  # the capability that filtered the units, or "" when none did
    candidates: list[Candidate]
    left_out: list[LeftOut]


# Read as plain rows, not model instances: building a thousand Unit objects would cost more
# than the whole ranking (benchmarks/dispatch_desk.py).
UNIT_FIELDS = ["id", "call_sign", "kind", "capabilities", "status", "last_lat", "last_lon"]


def plan_position(unit: dict) -> tuple[float, float, str, bool] | None:
    """Where a unit is for planning: a fresh fix, else its station, else None."""
    if unit["fresh"] and unit["last_lat"] is not None:
        return unit["last_lat"], unit["last_lon"], Position.TRACKED, False
    if unit["station_lat"] is not None:
        approximate = unit["station_quality"] != Station.PositionQuality.EXACT
        return unit["station_lat"], unit["station_lon"], Position.STATION, approximate
    return None


def unit_rows(now: datetime, **filters) -> list[dict]:
    """Units as dicts of UNIT_FIELDS plus agency_code, station_* and fresh (a recent fix).

    The ORM builds the query; the rows are read straight from the cursor, because the ORM's
    per-value converters cost three times the query itself on a thousand units.
    """
    cutoff = now - timedelta(minutes=settings.UNIT_POSITION_MAX_AGE_MIN)
    fresh = ExpressionWrapper(Q(last_position_at__gte=cutoff), output_field=BooleanField())
    query = (
        Unit.objects.filter(**filters)
        .order_by("call_sign")
        .values(
            *UNIT_FIELDS,
            agency_code=F("agency__code"),
            station_name=F("station__name"),
            station_lat=F("station__lat"),
            station_lon=F("station__lon"),
            station_quality=F("station__position_quality"),
            fresh=fresh,
        )
        .query
    )
    names = [*query.values_select, *query.annotation_select]
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if isinstance(row["capabilities"], str):
            row["capabilities"] = json.loads(row["capabilities"])
    return rows


def needed_capability(incident_type: IncidentType, units: list[dict]) -> str:
    """The type's capability, where this agency has units with it; else none."""
    wanted = incident_type.capability
    if wanted == IncidentType.Capability.NONE:
        return ""
    return wanted if any(wanted in unit["capabilities"] for unit in units) else ""


def recommend_units(
    *, incident: Incident, agency: Agency, now: datetime | None = None
) -> Recommendation:
    units = unit_rows(now or timezone.now(), agency=agency)
    busy_on = dict(
        Assignment.objects.filter(
            unit__agency=agency, status__in=Assignment.ACTIVE_STATUSES
        ).values_list("unit_id", "incident_id")
    )
    capability = needed_capability(incident.incident_type, units)
    max_eta_s = settings.RECOMMEND_MAX_ETA_MIN * 60
    capability_name = str(IncidentType.Capability(capability).label).lower() if capability else ""
    out_of_service = _("Out of service")
    wrong_capability = _("Not a %(capability)s") % {"capability": capability_name}
    candidates, left_out = [], []
    for unit in units:
        if unit["status"] == Unit.Status.OUT_OF_SERVICE:
            left_out.append(LeftOut(unit, Reason.OUT_OF_SERVICE, out_of_service))
            continue
        if unit["status"] != Unit.Status.AVAILABLE or unit["id"] in busy_on:
            on = busy_on.get(unit["id"])
            detail = (
                _("On incident #%(id)s") % {"id": on} if on else Unit.Status(unit["status"]).label
            )
            left_out.append(LeftOut(unit, Reason.BUSY, str(detail)))
            continue
        if capability and capability not in unit["capabilities"]:
            left_out.append(LeftOut(unit, Reason.WRONG_CAPABILITY, wrong_capability))
            continue
        where = plan_position(unit)
        if where is None or incident.lat is None:
            candidates.append(Candidate(unit, None, None, Position.UNKNOWN, False))
            continue
        lat, lon, source, approximate = where
        eta_s, metres = estimate_eta_s(unit["kind"], lat, lon, incident.lat, incident.lon)
        if eta_s > max_eta_s:
            detail = _("About %(minutes)s min away") % {"minutes": round(eta_s / 60)}
            left_out.append(LeftOut(unit, Reason.TOO_FAR, detail))
            continue
        candidates.append(Candidate(unit, eta_s, metres, source, approximate))
    candidates.sort(key=lambda c: (c.eta_s is None, c.eta_s or 0, c.unit["call_sign"]))
    return Recommendation(capability, candidates, left_out)
