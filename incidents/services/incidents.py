"""Writes on incidents after they were logged."""

from django.db import transaction

from incidents.events import ForwardedTo, NewEvent, record_events
from incidents.models import Incident, IncidentNote
from incidents.serializers import render_incident


def incident_event(kind: str, incident: Incident, *, actor, **extra) -> NewEvent:
    """An incident.* event carrying the incident as lists and consoles show it.

    The desks of the agencies it was forwarded to see it too.
    """
    return NewEvent(
        kind,
        subject=incident,
        actor=actor,
        payload={"incident": render_incident(incident), **extra},
        agencies=ForwardedTo(incident.pk),
    )


def publish_incident(kind: str, incident: Incident, *, actor, **extra) -> None:
    """Record an incident.* event (see incident_event)."""
    record_events([incident_event(kind, incident, actor=actor, **extra)])


@transaction.atomic
def add_note(*, incident: Incident, by, text: str) -> IncidentNote:
    """What a caller or a unit said later, in the incident's timeline."""
    note = IncidentNote.objects.create(incident=incident, author=by, text=text)
    publish_incident("incident.note_added", incident, actor=by, note=text)
    return note
