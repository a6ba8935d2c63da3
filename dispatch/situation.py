"""The supervisor's picture of Ambon: map features, wallboard figures and one area's panel.

Every read here takes a fixed number of queries, however many incidents and units there are:
rows are fetched once with their joins, and counts are aggregated in the database
(`values().annotate(Count)`), never one query per row.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.geo import locate
from agencies.models import Agency, Area, Unit
from core.clock import day_start
from dispatch.alarm_list import in_state, subject_count, with_shelf
from dispatch.models import Assignment, Escalation, Ticket
from incidents.models import Call, Incident, IncidentType
from incidents.selectors import (
    T1_FIELD,
    answered_within,
    presence_counts,
    ringing_queue,
    with_incident_refs,
)

# NENA: 90 % of calls answered within 15 s (docs/architecture.md "The clock").
ANSWER_THRESHOLD_S = 15
FILTERS = ("category", "agency", "status", "kecamatan")


def start_of_today(now: datetime) -> datetime:
    """Midnight WIT of the day `now` falls in: the operations room's "today"."""
    return day_start(timezone.localdate(now))


# --- Filters --------------------------------------------------------------------------------


@dataclass
class MapFilters:
    """What the supervisor chose to see; unknown values are kept aside, never applied."""

    categories: set[str] = field(default_factory=set)
    agencies: set[str] = field(default_factory=set)
    incident_statuses: set[str] = field(default_factory=set)
    unit_statuses: set[str] = field(default_factory=set)
    kecamatan: set[str] = field(default_factory=set)
    ignored: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "category": sorted(self.categories),
            "agency": sorted(self.agencies),
            "status": sorted(self.incident_statuses | self.unit_statuses),
            "kecamatan": sorted(self.kecamatan),
        }


def _values(params, name: str) -> list[str]:
    """`?status=new&status=on_scene` and `?status=new,on_scene` alike; blanks dropped."""
    getlist = params.getlist if hasattr(params, "getlist") else lambda n: [params.get(n, "")]
    return [v.strip() for raw in getlist(name) for v in str(raw).split(",") if v.strip()]


def parse_filters(params) -> MapFilters:
    """The map's filters from query parameters. `status` takes incident and unit statuses:
    each narrows the layer it names. A value nobody knows is listed in `ignored`."""
    filters = MapFilters()
    wanted = {name: _values(params, name) for name in FILTERS}
    known_agencies = set(
        Agency.objects.filter(code__in=wanted["agency"]).values_list("code", flat=True)
    )
    known_kecamatan = set(
        Area.objects.filter(code__in=wanted["kecamatan"], level=Area.Level.KECAMATAN).values_list(
            "code", flat=True
        )
    )
    for name, values in wanted.items():
        for value in values:
            if name == "category" and value in IncidentType.Category.values:
                filters.categories.add(value)
            elif name == "agency" and value in known_agencies:
                filters.agencies.add(value)
            elif name == "status" and value in Incident.OPEN_STATUSES:
                filters.incident_statuses.add(value)
            elif name == "status" and value in Unit.Status.values:
                filters.unit_statuses.add(value)
            elif name == "kecamatan" and value in known_kecamatan:
                filters.kecamatan.add(value)
            else:
                filters.ignored.append({"filter": name, "value": value})
    return filters


# --- The map --------------------------------------------------------------------------------


def _point(lon: float, lat: float, properties: dict, feature_id: str) -> dict:
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def open_escalations():
    """Alarms still waiting and not shelved, as the consoles' banner shows them (issue #16): one
    whose cause has cleared is not open any more, acknowledged or not."""
    return in_state(with_shelf(Escalation.objects.all(), timezone.now()), "open")


def incident_properties(incident: Incident, *, escalated: bool, agencies: list[str]) -> dict:
    area, kecamatan = incident.area, incident.kecamatan
    return {
        "id": incident.pk,
        "incident_type": {"code": incident.incident_type.code, "name": incident.incident_type.name},
        "category": incident.category,
        "priority": incident.priority,
        "status": incident.status,
        "lat": incident.lat,
        "lon": incident.lon,
        "address": incident.address,
        "area": {"code": area.code, "name": area.name} if area else None,
        "kecamatan": {"code": kecamatan.code, "name": kecamatan.name} if kecamatan else None,
        "location_approximate": incident.location_approximate,
        "outside_coverage": incident.outside_coverage,
        "created_at": incident.created_at,
        "escalated": escalated,
        "agencies": agencies,
    }


def open_incidents(filters: MapFilters | None = None) -> list[Incident]:
    incidents = with_incident_refs(Incident.objects.filter(status__in=Incident.OPEN_STATUSES))
    if filters:
        if filters.categories:
            incidents = incidents.filter(category__in=filters.categories)
        if filters.incident_statuses:
            incidents = incidents.filter(status__in=filters.incident_statuses)
        if filters.kecamatan:
            incidents = incidents.filter(kecamatan__code__in=filters.kecamatan)
        if filters.agencies:
            forwarded = Incident.agencies.through.objects.filter(agency__code__in=filters.agencies)
            incidents = incidents.filter(pk__in=forwarded.values("incident_id"))
    return list(incidents.order_by("priority", "created_at"))


def incident_features(incidents: list[Incident]) -> tuple[list[dict], list[dict]]:
    """(features with a position, properties of those without), in two more queries."""
    ids = [incident.pk for incident in incidents]
    # The halo: an alert nobody acknowledged about something still waiting.
    escalated = set(
        open_escalations()
        .filter(incident_id__in=ids, resolved_at__isnull=True)
        .values_list("incident_id", flat=True)
    )
    forwarded: dict[int, list[str]] = {}
    links = Incident.agencies.through.objects.filter(incident_id__in=ids)
    for incident_id, code in links.values_list("incident_id", "agency__code").order_by(
        "agency__code"
    ):
        forwarded.setdefault(incident_id, []).append(code)
    located, unlocated = [], []
    for incident in incidents:
        props = incident_properties(
            incident, escalated=incident.pk in escalated, agencies=forwarded.get(incident.pk, [])
        )
        if incident.lat is None or incident.lon is None:
            unlocated.append(props)
        else:
            located.append(_point(incident.lon, incident.lat, props, f"incident-{incident.pk}"))
    return located, unlocated


def unit_states(now: datetime, **filters) -> list[dict]:
    """Where to draw every unit: a fresh fix, else its station (docs/architecture.md "Places").

    `position` says which: "tracked", "station" (with `position_age_s` of the stale fix, if
    any) or "unknown"; `incident` is the incident it is on, if any.
    """
    cutoff = now - timedelta(minutes=settings.UNIT_POSITION_MAX_AGE_MIN)
    rows = list(
        Unit.objects.filter(**filters)
        .order_by("call_sign")
        .values(
            "id",
            "call_sign",
            "kind",
            "status",
            "last_lat",
            "last_lon",
            "last_position_at",
            agency_code=F("agency__code"),
            agency_name=F("agency__short_name"),
            station_name=F("station__name"),
            station_lat=F("station__lat"),
            station_lon=F("station__lon"),
        )
    )
    busy = dict(
        Assignment.objects.filter(status__in=Assignment.ACTIVE_STATUSES).values_list(
            "unit_id", "incident_id"
        )
    )
    units = []
    for row in rows:
        fix_at = row["last_position_at"]
        fresh = fix_at is not None and fix_at >= cutoff and row["last_lat"] is not None
        if fresh:
            lat, lon, position = row["last_lat"], row["last_lon"], "tracked"
        elif row["station_lat"] is not None:
            lat, lon, position = row["station_lat"], row["station_lon"], "station"
        else:
            lat = lon = None
            position = "unknown"
        units.append(
            {
                "id": row["id"],
                "call_sign": row["call_sign"],
                "agency": row["agency_code"],
                "agency_name": row["agency_name"],
                "kind": row["kind"],
                "status": row["status"],
                "station": row["station_name"],
                "lat": lat,
                "lon": lon,
                "position": position,
                "last_position_at": fix_at,
                "position_age_s": round((now - fix_at).total_seconds()) if fix_at else None,
                "incident": busy.get(row["id"]),
            }
        )
    return units


def _kecamatan_of(lat: float | None, lon: float | None) -> str | None:
    if lat is None:
        return None
    found = locate(lat, lon)
    return found.kecamatan.code if found else None


def unit_features(units: list[dict], filters: MapFilters | None = None):
    located, unlocated = [], []
    for unit in units:
        if filters and filters.kecamatan:
            if _kecamatan_of(unit["lat"], unit["lon"]) not in filters.kecamatan:
                continue
        if unit["lat"] is None:
            unlocated.append(unit)
        else:
            located.append(_point(unit["lon"], unit["lat"], unit, f"unit-{unit['id']}"))
    return located, unlocated


def escalation_rows(limit: int = 50) -> list[dict]:
    return list(
        open_escalations()
        .order_by("-raised_at")
        .values(
            "id",
            "watch",
            "level",
            "summary",
            "raised_at",
            "incident_id",
            "resolved_at",
            "subject_type",
            "subject_id",
            "started_at",
            agency_code=F("agency__code"),
        )[:limit]
    )


def map_situation(filters: MapFilters, now: datetime | None = None) -> dict:
    """Open incidents and units as GeoJSON, those with no position aside, open escalations."""
    now = now or timezone.now()
    incidents, incidents_unlocated = incident_features(open_incidents(filters))
    unit_filters = {}
    if filters.agencies:
        unit_filters["agency__code__in"] = filters.agencies
    if filters.unit_statuses:
        unit_filters["status__in"] = filters.unit_statuses
    units, units_unlocated = unit_features(unit_states(now, **unit_filters), filters)
    return {
        "incidents": {"type": "FeatureCollection", "features": incidents},
        "units": {"type": "FeatureCollection", "features": units},
        "unlocated": {"incidents": incidents_unlocated, "units": units_unlocated},
        "escalations": escalation_rows(),
        "filters": filters.as_dict(),
        "ignored": filters.ignored,
        "now": now,
    }


# --- Calls today ----------------------------------------------------------------------------


def calls_today_by_area(now: datetime | None = None) -> dict:
    """Today's calls per desa/kelurahan: by their incident's area, else by the handset's fix."""
    now = now or timezone.now()
    rows = Call.objects.filter(ringing_at__gte=start_of_today(now)).values_list(
        "incident__area__code", "aml_lat", "aml_lon"
    )
    counts: dict[str, int] = {}
    unplaced = 0
    for code, lat, lon in rows:
        if code is None and lat is not None:
            found = locate(lat, lon)
            code = found.desa.code if found else None
        if code is None:
            unplaced += 1
        else:
            counts[code] = counts.get(code, 0) + 1
    return {
        "since": start_of_today(now),
        "areas": counts,
        "total": sum(counts.values()) + unplaced,
        "unplaced": unplaced,
    }


# --- The wallboard --------------------------------------------------------------------------


def _grouped(queryset, key: str, name: str, **counts) -> list[dict]:
    return [
        {"code": row[key], "name": row[name], **{k: row[k] for k in counts}}
        for row in queryset.values(key, name).annotate(**counts).order_by(name)
    ]


def wallboard(now: datetime | None = None) -> dict:
    """The operations room's figures, each computed in the database (nine queries)."""
    now = now or timezone.now()
    today = start_of_today(now)

    waiting = ringing_queue().aggregate(
        count=Count("id"), oldest=Min(Coalesce("ringing_at", "created_at"))
    )
    # T1 as the report reads it (incidents.selectors): the first of PBX answer and console take;
    # telephone calls only, as the report's answer time (messages have no ring clock).
    calls = Call.objects.filter(ringing_at__gte=today, channel=Call.Channel.PHONE).aggregate(
        presented=Count("id"),
        within=Count("id", filter=answered_within(ANSWER_THRESHOLD_S)),
        answered=Count("id", filter=Q(**{f"{T1_FIELD}__isnull": False})),
        abandoned=Count("id", filter=Q(status=Call.Status.ABANDONED)),
    )
    presented, answered = calls["presented"], calls["answered"]

    open_incidents_qs = Incident.objects.filter(status__in=Incident.OPEN_STATUSES)
    by_category = {
        row["category"]: row["count"]
        for row in open_incidents_qs.values("category").annotate(count=Count("id"))
    }
    by_kecamatan = [
        {"code": row["kecamatan__code"], "name": row["kecamatan__name"], "count": row["count"]}
        for row in open_incidents_qs.values("kecamatan__code", "kecamatan__name")
        .annotate(count=Count("id"))
        .order_by("-count", "kecamatan__name")
    ]
    tickets = Ticket.objects.filter(status=Ticket.Status.NOTIFIED)
    not_accepted = [
        {
            "code": row["agency__code"],
            "name": row["agency__short_name"],
            "count": row["count"],
            "oldest": row["oldest"],
        }
        for row in tickets.values("agency__code", "agency__short_name")
        .annotate(count=Count("id"), oldest=Min("notified_at"))
        .order_by("-count", "agency__short_name")
    ]
    units = _grouped(
        Unit.objects.all(),
        "agency__code",
        "agency__short_name",
        available=Count("id", filter=Q(status=Unit.Status.AVAILABLE)),
        total=Count("id"),
    )
    escalations = subject_count(open_escalations())  # each waiting thing once
    oldest = waiting["oldest"]
    return {
        "now": now,
        "since": today,
        "calls_waiting": waiting["count"],
        "longest_wait_s": max(0, round((now - oldest).total_seconds())) if oldest else None,
        # The report's share (reports/definitions.py): over the answered calls.
        "answered_within_15s": {
            "threshold_s": ANSWER_THRESHOLD_S,
            "within": calls["within"],
            "answered": answered,
            "presented": presented,
            "percent": round(100 * calls["within"] / answered, 1) if answered else None,
        },
        "answered_today": answered,
        "abandoned_today": calls["abandoned"],
        "open_incidents": sum(by_category.values()),
        "open_by_category": [
            {"code": code, "name": str(label), "count": by_category.get(code, 0)}
            for code, label in IncidentType.Category.choices
        ],
        "open_by_kecamatan": by_kecamatan,
        "tickets_not_accepted": not_accepted,
        "units_available": units,
        "open_escalations": escalations,
        "call_takers": presence_counts(),
    }


# --- One area -------------------------------------------------------------------------------


def area_situation(area: Area, now: datetime | None = None) -> dict:
    """A kecamatan's or kelurahan's open incidents, today's calls, and the units inside it or
    on its incidents."""
    now = now or timezone.now()
    level = "kecamatan" if area.level == Area.Level.KECAMATAN else "area"
    incidents = with_incident_refs(
        Incident.objects.filter(status__in=Incident.OPEN_STATUSES, **{level: area})
    ).order_by("priority", "created_at")
    features, unlocated = incident_features(list(incidents))
    incident_rows = [f["properties"] for f in features] + unlocated
    incident_ids = {row["id"] for row in incident_rows}
    calls = Call.objects.filter(ringing_at__gte=start_of_today(now), **{f"incident__{level}": area})
    call_counts = calls.aggregate(
        total=Count("id"), abandoned=Count("id", filter=Q(status=Call.Status.ABANDONED))
    )
    units = []
    for unit in unit_states(now):
        assigned = unit["incident"] in incident_ids
        inside = False
        if unit["lat"] is not None:
            found = locate(unit["lat"], unit["lon"])
            if found:
                inside = (found.kecamatan if level == "kecamatan" else found.desa).pk == area.pk
        if assigned or inside:
            units.append({**unit, "inside": inside, "assigned_here": assigned})
    return {
        "area": {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "parent": area.parent.code if area.parent_id else None,
            "regency": area.regency,
        },
        "incidents": incident_rows,
        "calls_today": call_counts["total"],
        "abandoned_today": call_counts["abandoned"],
        "units": units,
        "since": start_of_today(now),
        "now": now,
    }
