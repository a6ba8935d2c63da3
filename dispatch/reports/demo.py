"""Synthetic call-and-dispatch history, so that a demo's reports have something to show.

Everything written here is SYNTHETIC: call ids start with "sintetis-", callers use the synthetic
numbers +62 812-0000-xxxx (as incidents/simulation.py does), and every incident says so in its
description. Places, agencies, units and incident types are the real Ambon reference data.
The rows are written directly with their timestamps (no events: the history is not in the
event log, and a report over it shows 0 events covered). Rates and durations are plausible
guesses for a 112 centre of Ambon's size, not measurements.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from agencies.models import Area, Unit
from ambon112.clock import day_start, days
from dispatch.models import Assignment, Ticket
from incidents.models import Call, Caller, Incident, IncidentType, IncidentTypeAgency

PREFIX = "sintetis-"
NUMBER_PREFIX = "+628120000"
DESCRIPTION = "Data sintetis untuk demo laporan (generate_demo_history); bukan kejadian nyata."
# Calls per hour of the day (WIT), relative: quiet before dawn, busiest in the evening.
HOURLY = [2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 6, 4, 3]
DISPOSITIONS = {
    "emergency": 25,
    "prank": 30,
    "ghost": 15,
    "information": 15,
    "dropped": 8,
    "duplicate": 4,
    "test": 3,
}
ABANDONED = 0.08
DUPLICATE_WINDOW = timedelta(hours=2)  # a further call about an incident still going on


@dataclass
class History:
    calls: int = 0
    incidents: int = 0
    tickets: int = 0
    assignments: int = 0


def whole_seconds(rng: random.Random, median: float, spread: float, cap: float) -> int:
    """A long-tailed duration, in whole seconds as a PBX or a button press records them."""
    return max(1, min(round(rng.lognormvariate(0, spread) * median), round(cap)))


def period_has_calls(start: date, end: date) -> bool:
    first, last = days(start, end)
    return Call.objects.filter(ringing_at__gte=first, ringing_at__lt=last).exists()


@transaction.atomic
def generate_history(*, start: date, end: date, calls_per_day: int, by, seed: int = 112) -> History:
    """Write synthetic calls, incidents, tickets and assignments for every day start…end."""
    rng = random.Random(seed)
    kinds = list(IncidentType.objects.filter(is_active=True))
    routes = {}
    for link in IncidentTypeAgency.objects.select_related("agency").order_by("order"):
        routes.setdefault(link.incident_type_id, []).append(link)
    units = {}
    for unit in Unit.objects.all():
        units.setdefault(unit.agency_id, []).append(unit)
    places = list(Area.objects.filter(level=Area.Level.DESA).select_related("parent"))
    history = History()
    day, number, latest = start, 0, None
    while day <= end:
        hours = rng.choices(range(24), HOURLY, k=calls_per_day)
        for ring in sorted(
            day_start(day) + timedelta(hours=h, seconds=rng.randrange(3600)) for h in hours
        ):
            number += 1
            caller, _created = Caller.objects.get_or_create(
                number=f"{NUMBER_PREFIX}{rng.randrange(10000):04d}"
            )
            call = Call(
                call_id=f"{PREFIX}{day:%Y%m%d}-{number}",
                caller=caller,
                ringing_at=ring,
                status=Call.Status.ABANDONED,
                ended_at=ring + timedelta(seconds=whole_seconds(rng, 12, 0.6, 60)),
            )
            history.calls += 1
            if rng.random() >= ABANDONED:
                call.answered_at = ring + timedelta(seconds=whole_seconds(rng, 6, 0.7, 120))
                call.ended_at = call.answered_at + timedelta(seconds=rng.randint(10, 300))
                call.status = Call.Status.ENDED
                call.disposition = rng.choices(list(DISPOSITIONS), list(DISPOSITIONS.values()))[0]
                if (
                    call.disposition == "duplicate"
                    and latest
                    and latest.created_at > ring - DUPLICATE_WINDOW
                ):
                    call.incident = latest
                elif call.disposition in ("emergency", "duplicate"):
                    call.disposition = "emergency"
                    call.incident = _incident(rng, call, by, kinds, routes, units, places, history)
                    latest = call.incident
            call.save()
        day += timedelta(days=1)
    return history


def _incident(rng, call, by, kinds, routes, units, places, history) -> Incident:
    kind = rng.choice(kinds)
    place = rng.choice(places)
    created = call.answered_at + timedelta(seconds=whole_seconds(rng, 60, 0.5, 400))
    incident = Incident.objects.create(
        incident_type=kind,
        category=kind.category,
        priority=kind.default_priority,
        status=Incident.Status.CLOSED,
        outcome=Incident.Outcome.RESOLVED,
        lat=place.label_lat,
        lon=place.label_lon,
        area=place,
        kecamatan=place.parent,
        description=DESCRIPTION,
        created_at=created,
        created_by=by,
        closed_at=created + timedelta(hours=2),
        closed_by=by,
    )
    history.incidents += 1
    for order, link in enumerate(routes.get(kind.pk, [])[:2]):
        notified = created + timedelta(seconds=whole_seconds(rng, 25, 0.6, 300))
        ticket = Ticket(
            incident=incident,
            agency=link.agency,
            role=Ticket.Role.PRIMARY if order == 0 else Ticket.Role.SUPPORT,
            notified_at=notified,
            notified_by=by,
        )
        answer = rng.random()
        if answer < 0.85 or order == 0 and answer < 0.93:
            ticket.accepted_at = notified + timedelta(seconds=whole_seconds(rng, 40, 0.7, 900))
            ticket.accepted_by = by
            ticket.status = Ticket.Status.COMPLETED
            ticket.ended_at = incident.closed_at
        elif answer < 0.93:
            ticket.declined_at = notified + timedelta(seconds=whole_seconds(rng, 60, 0.5, 600))
            ticket.declined_by = by
            ticket.decline_reason = "Bukan wewenang instansi kami (sintetis)"
            ticket.status = Ticket.Status.DECLINED
        else:  # never answered, withdrawn when the incident closed
            ticket.status = Ticket.Status.CANCELLED
            ticket.ended_at = incident.closed_at
        ticket.save()
        incident.agencies.add(link.agency)
        history.tickets += 1
        if ticket.accepted_at and units.get(link.agency_id):
            fleet = units[link.agency_id]
            for unit in rng.sample(fleet, min(len(fleet), rng.choice([1, 1, 1, 2]))):
                _assignment(rng, ticket, unit, by, incident.closed_at)
                history.assignments += 1
    return incident


def _assignment(rng, ticket, unit, by, closed_at) -> None:
    dispatched = ticket.accepted_at + timedelta(seconds=whole_seconds(rng, 20, 0.6, 300))
    assignment = Assignment(
        incident=ticket.incident,
        ticket=ticket,
        unit=unit,
        status=Assignment.Status.CLEARED,
        dispatched_at=dispatched,
        dispatched_by=by,
        cleared_at=closed_at,
    )
    if rng.random() < 0.96:  # a few units are never marked en route, on scene…
        assignment.en_route_at = dispatched + timedelta(seconds=whole_seconds(rng, 70, 0.5, 600))
        if rng.random() < 0.94:
            assignment.on_scene_at = assignment.en_route_at + timedelta(
                seconds=whole_seconds(rng, 420, 0.6, 3600)
            )
            if ticket.incident.category == IncidentType.Category.KEBAKARAN:
                assignment.operations_started_at = assignment.on_scene_at + timedelta(
                    seconds=whole_seconds(rng, 120, 0.5, 900)
                )
    assignment.save()
