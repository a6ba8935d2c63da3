"""Synthetic call-and-dispatch history, so that a demo's reports have something to show.

Everything written here is SYNTHETIC: call ids start with "sintetis-", callers use the synthetic
numbers +62 812-0000-xxxx (as incidents/simulation.py does), and every incident says so in its
description. Places, agencies, units and incident types are the real Ambon reference data.

The history is *played*, not written: each call rings, is taken, classified and hung up, each
incident is forwarded, accepted or declined, each unit sent and moved step by step, by the same
services the consoles use, in time order, with the server's clock set to each moment
(`timezone.now` is the one clock every service and the event log read). So every row carries
its events, the reports over it are covered by the event chain like any others, and its
deadlines escalate as they would have; every event is marked synthetic (under its hash) and none
is pushed to live consoles. Rates and durations are plausible guesses for a 112 centre of
Ambon's size, not measurements.
"""

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.db import transaction
from django.utils import timezone

from agencies.models import Area, Role, Unit, User
from core.clock import day_start, days
from core.errors import Conflict
from dispatch.models import Assignment, Ticket
from dispatch.services.assignments import advance, dispatch_unit
from dispatch.services.escalations import acknowledge_resolved
from dispatch.services.incidents import close_incident
from dispatch.services.tickets import accept_ticket, decline_ticket, notify_agency
from dispatch.steps import is_fire
from incidents.events import synthetic_history
from incidents.models import (
    Call,
    Incident,
    IncidentType,
    IncidentTypeAgency,
    Position,
    Presence,
)
from incidents.services.calls import (
    attach_call_to_incident,
    create_incident,
    dispose_call,
    receive_call_event,
    take_call,
)
from incidents.services.presence import change_state, current_presence, sign_in, sign_out

PREFIX = "sintetis-"
NUMBER_PREFIX = "+628120000"
ADAPTER = "sintetis"
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
DECLINE_REASON = "Bukan wewenang instansi kami (sintetis)"


@dataclass
class History:
    calls: int = 0
    incidents: int = 0
    tickets: int = 0
    assignments: int = 0


@dataclass
class Cast:
    """Who plays the history: the accounts of a demo (create_demo_accounts)."""

    call_taker: User
    dispatcher: User
    desks: dict[int, User] = field(default_factory=dict)  # agency id → its desk

    @classmethod
    def of_demo(cls) -> "Cast":
        active = User.objects.filter(is_active=True).order_by("pk")
        call_taker = active.filter(role=Role.CALL_TAKER).first()
        dispatcher = active.filter(role=Role.DISPATCHER).first()
        if call_taker is None or dispatcher is None:
            raise ValueError("No call-taker or dispatcher account: run create_demo_accounts.")
        desks = {}
        for desk in active.filter(role=Role.AGENCY_DESK, agency__isnull=False):
            desks.setdefault(desk.agency_id, desk)
        return cls(call_taker, dispatcher, desks)


def whole_seconds(rng: random.Random, median: float, spread: float, cap: float) -> int:
    """A long-tailed duration, in whole seconds as a PBX or a button press records them."""
    return max(1, min(round(rng.lognormvariate(0, spread) * median), round(cap)))


def period_has_calls(start: date, end: date) -> bool:
    first, last = days(start, end)
    return Call.objects.filter(ringing_at__gte=first, ringing_at__lt=last).exists()


class Play:
    """The history's actions, each run at its own moment, in time order."""

    def __init__(self) -> None:
        self.queue: list = []
        self.order = itertools.count()
        self.now = datetime.min.replace(tzinfo=UTC)

    def at(self, moment: datetime, action: Callable, *args) -> None:
        heapq.heappush(self.queue, (moment.astimezone(UTC), next(self.order), action, args))

    def run(self) -> None:
        with mock.patch.object(timezone, "now", lambda: self.now), synthetic_history():
            while self.queue:
                self.now, _order, action, args = heapq.heappop(self.queue)
                action(*args)


class Story:
    """One synthetic history: calls from start to end, the incidents they report."""

    def __init__(self, rng: random.Random, cast: Cast, play: Play, history: History):
        self.rng, self.cast, self.play, self.history = rng, cast, play, history
        self.kinds = list(IncidentType.objects.filter(is_active=True))
        self.routes: dict[int, list[IncidentTypeAgency]] = {}
        for link in IncidentTypeAgency.objects.select_related("agency").order_by("order"):
            self.routes.setdefault(link.incident_type_id, []).append(link)
        self.places = list(Area.objects.filter(level=Area.Level.DESA).select_related("parent"))
        self.latest: Incident | None = None
        self.number = 0

    # --- calls ---------------------------------------------------------------------------

    def day(self, day: date, calls: int) -> None:
        rng = self.rng
        for ring in sorted(
            day_start(day) + timedelta(hours=h, seconds=rng.randrange(3600))
            for h in rng.choices(range(24), HOURLY, k=calls)
        ):
            self.number += 1
            call_id = f"{PREFIX}{day:%Y%m%d}-{self.number}"
            number = f"{NUMBER_PREFIX}{rng.randrange(10000):04d}"
            self.play.at(ring, self.ring, call_id, number)
        self.play.at(day_start(day + timedelta(days=1)), self.acknowledge)

    def ring(self, call_id: str, number: str) -> None:
        rng, now = self.rng, self.play.now
        call, _changed = receive_call_event(
            call_id=call_id, event="ringing", number=number, adapter=ADAPTER, at=now
        )
        self.history.calls += 1
        if rng.random() < ABANDONED:
            hung_up = now + timedelta(seconds=whole_seconds(rng, 12, 0.6, 60))
            self.play.at(hung_up, self.hang_up, call_id, number, "abandoned")
            return
        answer = now + timedelta(seconds=whole_seconds(rng, 6, 0.7, 120))
        self.play.at(answer, self.take, call.pk, call_id, number)

    def take(self, call_pk: int, call_id: str, number: str) -> None:
        rng, now = self.rng, self.play.now
        call = take_call(call=Call.objects.get(pk=call_pk), by=self.cast.call_taker)
        talk = rng.randint(10, 300)
        classified = now + timedelta(seconds=rng.randint(5, talk))
        self.play.at(classified, self.classify, call.pk)
        self.play.at(now + timedelta(seconds=talk), self.hang_up, call_id, number, "ended")

    def hang_up(self, call_id: str, number: str, event: str) -> None:
        receive_call_event(call_id=call_id, event=event, number=number, adapter=ADAPTER)

    def classify(self, call_pk: int) -> None:
        rng, by = self.rng, self.cast.call_taker
        call = Call.objects.get(pk=call_pk)
        disposition = rng.choices(list(DISPOSITIONS), list(DISPOSITIONS.values()))[0]
        latest = self.latest and Incident.objects.get(pk=self.latest.pk)
        if disposition == "duplicate" and latest is not None and latest.is_open:
            attach_call_to_incident(call=call, by=by, incident=latest)
        elif disposition in ("emergency", "duplicate"):
            self.incident(call)
        else:
            dispose_call(call=call, by=by, disposition=disposition)
        self.play.at(self.play.now + timedelta(seconds=rng.randint(3, 20)), self.ready)

    def ready(self) -> None:
        """The call-taker is ready for the next call (key R), once nothing is in hand."""
        presence = current_presence(self.cast.call_taker)
        if presence is not None and presence.state == presence.State.WRAP_UP:
            change_state(user=self.cast.call_taker, state="ready")

    def acknowledge(self) -> None:
        """At the end of the day, everyone clears the escalations that were resolved."""
        for person in {self.cast.call_taker, self.cast.dispatcher, *self.cast.desks.values()}:
            acknowledge_resolved(by=person)

    # --- incidents -------------------------------------------------------------------------

    def incident(self, call: Call) -> None:
        rng = self.rng
        kind, place = rng.choice(self.kinds), rng.choice(self.places)
        incident = create_incident(
            call=call,
            by=self.cast.call_taker,
            incident_type=kind,
            area=place,
            description=DESCRIPTION,
        )
        self.latest = incident
        self.history.incidents += 1
        notified = self.play.now
        desks = [link for link in self.routes.get(kind.pk, []) if link.agency_id in self.cast.desks]
        for order, link in enumerate(desks[:2]):
            notified += timedelta(seconds=whole_seconds(rng, 25, 0.6, 300))
            self.play.at(notified, self.forward, incident.pk, link.agency_id, order == 0)
        closed = notified + timedelta(hours=2, seconds=rng.randrange(3600))
        self.play.at(closed, self.close, incident.pk)

    def forward(self, incident_pk: int, agency_id: int, primary: bool) -> None:
        rng, now = self.rng, self.play.now
        incident = Incident.objects.get(pk=incident_pk)
        desk = self.cast.desks[agency_id]
        ticket = notify_agency(incident=incident, agency=desk.agency, by=self.cast.dispatcher)
        self.history.tickets += 1
        answer = rng.random()
        if answer < 0.85 or primary and answer < 0.93:
            accepted = now + timedelta(seconds=whole_seconds(rng, 40, 0.7, 900))
            self.play.at(accepted, self.accept, ticket.pk)
        elif answer < 0.93:
            declined = now + timedelta(seconds=whole_seconds(rng, 60, 0.5, 600))
            self.play.at(declined, self.decline, ticket.pk)
        # else: never answered, withdrawn when the incident closes

    def accept(self, ticket_pk: int) -> None:
        ticket = Ticket.objects.select_related("incident", "agency").get(pk=ticket_pk)
        if ticket.status != Ticket.Status.NOTIFIED:
            return
        accept_ticket(ticket=ticket, by=self.cast.desks[ticket.agency_id])
        for _unit in range(self.rng.choice([1, 1, 1, 2])):
            sent = self.play.now + timedelta(seconds=whole_seconds(self.rng, 20, 0.6, 300))
            self.play.at(sent, self.send, ticket.pk)

    def decline(self, ticket_pk: int) -> None:
        ticket = Ticket.objects.select_related("incident", "agency").get(pk=ticket_pk)
        if ticket.status == Ticket.Status.NOTIFIED:
            desk = self.cast.desks[ticket.agency_id]
            decline_ticket(ticket=ticket, by=desk, reason=DECLINE_REASON)

    def send(self, ticket_pk: int) -> None:
        """The desk sends a unit of its own that is free now, if it has one."""
        rng = self.rng
        ticket = Ticket.objects.select_related("incident", "agency").get(pk=ticket_pk)
        free = list(
            Unit.objects.filter(agency_id=ticket.agency_id, status=Unit.Status.AVAILABLE).order_by(
                "pk"
            )
        )
        if ticket.status != Ticket.Status.ACCEPTED or not free:
            return
        desk = self.cast.desks[ticket.agency_id]
        try:
            assignment = dispatch_unit(ticket=ticket, unit=rng.choice(free), by=desk)
        except Conflict:  # the incident closed meanwhile
            return
        self.history.assignments += 1
        if rng.random() >= 0.96:  # a few units are never marked en route, on scene…
            return
        moment = self.play.now + timedelta(seconds=whole_seconds(rng, 70, 0.5, 600))
        steps = [(moment, "en_route")]
        if rng.random() < 0.94:
            moment += timedelta(seconds=whole_seconds(rng, 420, 0.6, 3600))
            steps.append((moment, "on_scene"))
            if is_fire(assignment):
                moment += timedelta(seconds=whole_seconds(rng, 120, 0.5, 900))
                steps.append((moment, "operations_started"))
            moment += timedelta(seconds=whole_seconds(rng, 1800, 0.4, 5400))
            steps.append((moment, "clear"))
        for when, step in steps:
            self.play.at(when, self.step, assignment.pk, step)

    def step(self, assignment_pk: int, step: str) -> None:
        assignment = Assignment.objects.select_related("unit").get(pk=assignment_pk)
        if not assignment.is_active:  # released by the incident's closure
            return
        try:
            advance(assignment=assignment, step=step, by=self.cast.desks[assignment.unit.agency_id])
        except Conflict:  # a step this unit does not take (operations: fires only)
            return

    def close(self, incident_pk: int) -> None:
        incident = Incident.objects.get(pk=incident_pk)
        if incident.is_open:
            close_incident(incident=incident, by=self.cast.dispatcher, outcome="resolved")


@transaction.atomic
def generate_history(
    *, start: date, end: date, calls_per_day: int, cast: Cast, seed: int = 112
) -> History:
    """Play synthetic calls and incidents for every day start…end through the services."""
    rng, play, history = random.Random(seed), Play(), History()
    story = Story(rng, cast, play, history)
    day = start
    while day <= end:
        story.day(day, calls_per_day)
        day += timedelta(days=1)
    seated = Presence.objects.filter(signed_out_at__isnull=True)
    position = Position.objects.filter(is_active=True).exclude(pk__in=seated.values("position"))
    position = position.order_by("name").first()
    if current_presence(cast.call_taker) is None and position is not None:
        # The call-taker's shift at a free desk, so that a ringing call finds someone ready.
        person = cast.call_taker
        play.at(day_start(start), lambda: sign_in(user=person, position=position))
        play.at(day_start(end + timedelta(days=1, hours=1)), lambda: sign_out(user=person))
    play.run()
    return history
