"""Writes on incidents after they were logged."""

from django.db import transaction

from ambon112.api import represent
from incidents.events import record_event
from incidents.models import Incident, IncidentNote
from incidents.serializers import IncidentSerializer


@transaction.atomic
def add_note(*, incident: Incident, by, text: str) -> IncidentNote:
    """What a caller or a unit said later, in the incident's timeline."""
    note = IncidentNote.objects.create(incident=incident, author=by, text=text)
    record_event(
        "incident.note_added",
        subject=incident,
        actor=by,
        payload={"incident": represent(IncidentSerializer, incident), "note": text},
    )
    return note
