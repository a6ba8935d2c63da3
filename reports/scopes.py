"""Incident sets that other apps define and the reports offer as filters: "major_incident" (the
incidents filed under one of hazards' major incidents).

A scope has a label, the choices a verifier picks from, and `incidents(value)`: the ids of the
incidents it covers, or None when the value names nothing (the filter then refuses it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hazards import selectors


@dataclass(frozen=True)
class IncidentScope:
    name: str
    label: Callable[[], str]  # in the active language
    choices: Callable[[], list[tuple[str, str]]]  # (value, label), newest first
    incidents: Callable[[str], set[int] | None]


SCOPES = (
    IncidentScope(
        name="major_incident",
        label=lambda: str(_("Major incident")),
        choices=selectors.major_incident_choices,
        incidents=selectors.major_incident_incidents,
    ),
)


def incident_scopes() -> dict[str, IncidentScope]:
    return {scope.name: scope for scope in SCOPES}
