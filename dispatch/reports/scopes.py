"""Incident sets that other apps offer the reports as filters, so that dispatch never imports
them: hazards registers "major_incident" (the incidents filed under one major incident).

A scope has a label, the choices a verifier picks from, and `incidents(value)`: the ids of the
incidents it covers, or None when the value names nothing (the filter then refuses it).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IncidentScope:
    name: str
    label: Callable[[], str]  # in the active language
    choices: Callable[[], list[tuple[str, str]]]  # (value, label), newest first
    incidents: Callable[[str], set[int] | None]


_scopes: dict[str, IncidentScope] = {}


def register_incident_scope(scope: IncidentScope) -> None:
    _scopes[scope.name] = scope


def incident_scopes() -> dict[str, IncidentScope]:
    return dict(_scopes)
