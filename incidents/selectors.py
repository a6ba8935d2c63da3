"""Reads that are more than a one-liner: the queue, a caller's history, possible duplicates."""

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from incidents.models import Call, Incident, Position, Presence

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# T1, the answer (docs/architecture.md "The clock"): the first of the PBX's `answered` at an
# extension and the console's take, written once by incidents.services.calls.first_answer. Every
# figure that uses an answer time (the wallboard, the report with its rows export and PDF, the
# deadline that ends at T1) reads it through `answered_within` or this column, and nowhere else.
T1_FIELD = "answered_at"


def answered_within(seconds: float) -> Q:
    """Calls answered (T1) within `seconds` of ringing (T0)."""
    return Q(
        **{
            f"{T1_FIELD}__isnull": False,
            f"{T1_FIELD}__lte": F("ringing_at") + timedelta(seconds=seconds),
        }
    )


def calls_with_people() -> QuerySet[Call]:
    return Call.objects.select_related("caller", "taken_by", "answered_by", "answered_position")


def ringing_queue() -> QuerySet[Call]:
    """Calls nobody has answered (T1) and whose caller is still on the line, oldest first. A
    PBX answer takes the call out at once, whoever holds the handset."""
    return (
        calls_with_people()
        .filter(**{f"{T1_FIELD}__isnull": True}, ended_at__isnull=True)
        .order_by("created_at")
    )


def unclaimed_answers() -> QuerySet[Call]:
    """Calls answered at a handset with nobody signed in at its position, which nobody has
    taken on a console yet: the supervisor sees them, a call-taker takes them to handle."""
    return (
        calls_with_people()
        .filter(
            answered_via=Call.AnsweredVia.PBX,
            taken_by__isnull=True,
            disposition="",
        )
        .order_by(T1_FIELD)
    )


def presence_counts() -> dict:
    """Positions staffed now, and how many of them are in each state (one query)."""
    states = dict(
        Presence.objects.filter(signed_out_at__isnull=True)
        .values_list("state")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {
        "staffed": sum(states.values()),
        "ready": states.get(Presence.State.READY, 0),
        "on_call": states.get(Presence.State.ON_CALL, 0),
        "wrap_up": states.get(Presence.State.WRAP_UP, 0),
        "on_break": states.get(Presence.State.BREAK, 0),
        "away": states.get(Presence.State.AWAY, 0),
    }


def presence_board() -> dict:
    """Every position in use with who is on it and since when, the counts, and the calls
    answered at a handset with nobody signed in (what the supervisor's panel shows)."""
    on = {
        p.position_id: p
        for p in Presence.objects.filter(signed_out_at__isnull=True).select_related(
            "position", "user"
        )
    }
    positions = Position.objects.prefetch_related("extensions").order_by("name")
    return {
        "now": timezone.now(),
        "positions": [
            {
                "id": position.pk,
                "name": position.name,
                "extensions": sorted(e.extension for e in position.extensions.all()),
                "presence": on.get(position.pk),
            }
            for position in positions
            if position.is_active or position.pk in on
        ],
        "counts": presence_counts(),
        "unclaimed_answers": list(unclaimed_answers()[:50]),
    }


def calls_in_hand(user) -> QuerySet[Call]:
    """Calls a call-taker took and has not classified yet."""
    return calls_with_people().filter(taken_by=user, disposition="").order_by("taken_at")


def caller_history(call: Call, *, limit: int = 10) -> dict:
    """What this number called about before: its last calls and their incidents."""
    if call.caller_id is None:
        return {"calls": [], "incidents": []}
    calls = list(
        Call.objects.filter(caller_id=call.caller_id)
        .exclude(pk=call.pk)
        .select_related("incident__incident_type")
        .order_by("-created_at")[:limit]
    )
    incidents = {c.incident_id: c.incident for c in calls if c.incident_id}
    return {
        "calls": [
            {
                "id": c.pk,
                "ringing_at": c.ringing_at,
                "disposition": c.disposition,
                "incident": c.incident_id,
            }
            for c in calls
        ],
        "incidents": [
            {
                "id": i.pk,
                "type": i.incident_type.name,
                "status": i.status,
                "created_at": i.created_at,
            }
            for i in incidents.values()
        ],
    }


def with_incident_refs(queryset: QuerySet, via: str = "") -> QuerySet:
    """Join what an incident is shown with (type, desa, kecamatan, creator), reached through
    `via` (e.g. "incident" from a ticket); never the areas' polygons, which weigh kilobytes."""
    p = f"{via}__" if via else ""
    return queryset.select_related(
        f"{p}incident_type", f"{p}area", f"{p}kecamatan", f"{p}created_by"
    ).defer(f"{p}area__geometry", f"{p}kecamatan__geometry")


def with_calls_count(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Each incident's `calls_count` (IncidentSerializer shows it) read in the same query, as
    a subquery: a write that reads one incident and logs it needs no COUNT of its own."""
    calls = (
        Call.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(calls_count=Coalesce(Subquery(calls), 0))


def incidents_with_refs() -> QuerySet[Incident]:
    return with_incident_refs(Incident.objects.all()).annotate(calls_count=Count("calls"))


def duplicate_candidates(
    *, lat: float, lon: float, category: str, now=None
) -> list[tuple[Incident, float]]:
    """Open incidents of the same category near a point and recent enough, nearest first."""
    now = now or timezone.now()
    radius = settings.DUPLICATE_RADIUS_M
    dlat = radius / 110_574
    dlon = radius / (111_320 * math.cos(math.radians(lat)))
    nearby = incidents_with_refs().filter(
        status__in=Incident.OPEN_STATUSES,
        category=category,
        created_at__gte=now - timedelta(hours=settings.DUPLICATE_WINDOW_H),
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    )
    found = [(incident, distance_m(lat, lon, incident.lat, incident.lon)) for incident in nearby]
    return sorted((pair for pair in found if pair[1] <= radius), key=lambda pair: pair[1])
