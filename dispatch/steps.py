"""A unit's steps on an incident (docs/architecture.md "The clock", "States"): from which states
each is allowed, what it sets, and the timestamp it owns. One table read by the services, the API
and the consoles."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dispatch.models import Assignment

S = Assignment.Status


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    allowed_from: frozenset[str]
    to: str  # the assignment's status afterwards
    field: str  # the timestamp the step sets, once


STEPS = {
    step.name: step
    for step in [
        Step("en_route", _("En route"), frozenset({S.DISPATCHED}), S.EN_ROUTE, "en_route_at"),
        Step("on_scene", _("On scene"), frozenset({S.EN_ROUTE}), S.ON_SCENE, "on_scene_at"),
        Step(
            "operations_started",
            _("Operations started"),
            frozenset({S.ON_SCENE}),
            S.ON_SCENE,
            "operations_started_at",
        ),
        Step(
            "transporting",
            _("Transporting"),
            frozenset({S.ON_SCENE}),
            S.TRANSPORTING,
            "transporting_at",
        ),
        Step(
            "at_hospital",
            _("At hospital"),
            frozenset({S.TRANSPORTING}),
            S.AT_HOSPITAL,
            "at_hospital_at",
        ),
        Step(
            "clear",
            _("Clear"),
            frozenset({S.ON_SCENE, S.TRANSPORTING, S.AT_HOSPITAL}),
            S.CLEARED,
            "cleared_at",
        ),
        Step(
            "cancel",
            _("Cancel"),
            frozenset({S.DISPATCHED, S.EN_ROUTE}),
            S.CANCELLED,
            "cancelled_at",
        ),
    ]
}


def is_fire(assignment: Assignment) -> bool:
    return assignment.incident.category == "kebakaran"


def carries_patients(assignment: Assignment) -> bool:
    return "ambulance" in assignment.unit.capabilities


def next_steps(assignment: Assignment) -> list[str]:
    """The steps this assignment may take now, in the order a unit takes them."""
    steps = []
    for step in STEPS.values():
        if assignment.status not in step.allowed_from or getattr(assignment, step.field):
            continue
        if step.name == "operations_started" and not is_fire(assignment):
            continue
        if step.name == "transporting" and not carries_patients(assignment):
            continue
        steps.append(step.name)
    return steps
