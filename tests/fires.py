"""The house fire in Batu Merah that many tests start from, as a call-taker makes it."""

from agencies.models import Area
from incidents.models import Call, Incident, IncidentType
from incidents.services.calls import create_incident, receive_call_event, take_call


def house_fire(
    *, by, call_id: str, number: str, line: str = "", **details
) -> tuple[Call, Incident]:
    """A call rings and `by` takes it and makes it a house fire at Batu Merah's label point;
    `details` are the incident's (caller's name, description…)."""
    call, _changed = receive_call_event(
        call_id=call_id, event="ringing", number=number, line=line, adapter="pbx"
    )
    take_call(call=call, by=by)
    area = Area.objects.get(code="81.71.02.2003")
    incident = create_incident(
        call=call,
        by=by,
        incident_type=IncidentType.objects.get(code="kebakaran.rumah"),
        lat=area.label_lat,
        lon=area.label_lon,
        **details,
    )
    return call, incident
