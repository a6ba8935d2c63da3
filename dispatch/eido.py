"""An incident as a NENA EIDO (Emergency Incident Data Object, NENA-STA-021.1a-2022), the JSON
object 112 hands to PSC 119, Polri or another centre: built from what we recorded, nothing more.

Where EIDO 1.0 has a field for something we know, it goes there. Where it has none (when the
incident was created and closed, a ticket's status and times, a unit's T4d…T10), it goes into a
note written by the system, so that nothing known is lost and nothing unknown is made up.
Identifiers are URNs under `urn:ambon112:`; times are ISO 8601 in WIT (+09:00).

An agency desk's copy carries what its own console shows of the incident: the incident, its
place and notes, the desk's own agency with its ticket(s) and units; not the calls (nor their
callback numbers), nor any other agency, its tickets or its decline reasons.

The *RegistryText fields take values from NENA registries that the schema does not enumerate.
The tables below use the values of NENA's own samples where there is one ("CallReceiving",
"psap", "emergency", "incoming", "callBegin/callAnswered/callEnd"); the others are provisional
and must be checked against the NENA Registry System before a live exchange. Our own value always
travels beside them, in the matching *Internal* field.
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.html import escape as html_escape

from agencies.models import Agency, Unit
from dispatch.models import Assignment, Ticket
from incidents.models import Call, Event, Incident, IncidentNote

PREFIX = "urn:ambon112"
CENTRE = f"{PREFIX}:agency:112"
CENTRE_JCARD = ("Call Center 112 Kota Ambon", "112")
CONTEXT = {"@vocab": "./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld"}

# Call status → call state (the IANA values the schema itself names).
CALL_STATE = {
    Call.Status.RINGING: "callBegin",
    Call.Status.ANSWERED: "callAnswered",
    Call.Status.ENDED: "callEnd",
    Call.Status.ABANDONED: "callEnd",
}

# Incident status → Incident Status registry (provisional): open or not; the step stays internal.
INCIDENT_STATUS = {
    Incident.Status.NEW: "Active",
    Incident.Status.DISPATCHED: "Active",
    Incident.Status.RESPONDING: "Active",
    Incident.Status.ON_SCENE: "Active",
    Incident.Status.RESOLVED: "Active",  # every unit back, not closed yet
    Incident.Status.CLOSED: "Closed",
    Incident.Status.CANCELLED: "Closed",
}

# Assignment status → Primary Unit Status registry (provisional): the unit on this incident.
UNIT_STATUS = {
    Assignment.Status.DISPATCHED: "Dispatched",
    Assignment.Status.EN_ROUTE: "Enroute",
    Assignment.Status.ON_SCENE: "OnScene",
    Assignment.Status.TRANSPORTING: "Transporting",
    Assignment.Status.AT_HOSPITAL: "AtHospital",
    Assignment.Status.CLEARED: "Cleared",
    Assignment.Status.CANCELLED: "Cancelled",
}

# Unit kind → Emergency Resource Type registry (provisional); anything else is "Other".
RESOURCE_TYPE = {
    Unit.Kind.ENGINE: "Engine",
    Unit.Kind.TANKER: "Tanker",
    Unit.Kind.RESCUE: "Rescue",
    Unit.Kind.AMBULANCE: "Ambulance",
    Unit.Kind.PATROL: "Patrol",
    Unit.Kind.BOAT: "Boat",
}

# Agency kind → IANA urn:emergency:service:responder; kinds with no entry there get none.
AGENCY_TYPE = {Agency.Kind.FIRE: "fire", Agency.Kind.HEALTH: "ems", Agency.Kind.POLICE: "police"}

INCIDENT_TIMES = ["created_at", "closed_at"]
CALL_TIMES = ["created_at", "ringing_at", "answered_at", "ended_at", "disposed_at"]
TICKET_TIMES = ["notified_at", "accepted_at", "declined_at", "ended_at"]
ASSIGNMENT_TIMES = [
    "dispatched_at",
    "en_route_at",
    "on_scene_at",
    "operations_started_at",
    "transporting_at",
    "at_hospital_at",
    "cleared_at",
    "cancelled_at",
]
ETA_STATUSES = [Assignment.Status.DISPATCHED, Assignment.Status.EN_ROUTE]  # not there yet
# Every time field above (and a note's created_at): the latest of them dates the document.
ANY_TIME = sorted({*INCIDENT_TIMES, *CALL_TIMES, *TICKET_TIMES, *ASSIGNMENT_TIMES})

Note = Callable[..., dict]


def incident_document(incident: Incident, *, agency: Agency | None = None) -> dict:
    """The incident with its calls, location, agencies, units and notes, as one EIDO (6 queries).

    With `agency` (an agency desk asks): that agency's own part only, as its console shows it.
    """
    incident = (
        Incident.objects.select_related("incident_type", "area", "kecamatan")
        .prefetch_related(
            Prefetch("calls", Call.objects.select_related("caller").order_by("created_at", "pk")),
            Prefetch(
                "tickets", Ticket.objects.select_related("agency").order_by("notified_at", "pk")
            ),
            Prefetch(
                "assignments",
                Assignment.objects.select_related("unit__agency").order_by("dispatched_at", "pk"),
            ),
            Prefetch("notes", IncidentNote.objects.order_by("created_at", "pk")),
        )
        .get(pk=incident.pk)
    )
    calls, tickets = list(incident.calls.all()), list(incident.tickets.all())
    assignments, incident_notes = list(incident.assignments.all()), list(incident.notes.all())
    events = Event.objects.filter(incident=incident)
    if agency is not None:  # a desk: no calls, nobody else's tickets or units, nor their times
        calls = []
        tickets = [t for t in tickets if t.agency_id == agency.pk]
        assignments = [a for a in assignments if a.unit.agency_id == agency.pk]
        events = events.filter(audience__agency=agency)
    last_event = events.aggregate(at=Max("at"))["at"]
    everything = [incident, *calls, *tickets, *assignments, *incident_notes]
    updated = _latest(last_event, *(m for obj in everything for m in _moments(obj, ANY_TIME)))

    notes: list[dict] = []

    def note(key: tuple, text: str, at: datetime, by: str = CENTRE) -> dict:
        """Add a note to the document; returns the reference to it."""
        notes.append({**_prologue(_urn(*key), at, by), "notesActionComments": html_escape(text)})
        return {"$ref": notes[-1]["$id"]}

    doc = {
        **_prologue(_urn("incident", incident.pk), updated),
        "eidoVersion": "1.0",
        "issuingElementIdentification": f"{PREFIX}:cad",
    }
    info = doc["incidentComponent"] = {
        **_prologue(_urn("incident", incident.pk, "info"), updated),
        "incidentTypeCommonRegistryText": incident.incident_type.apco_code,
        "incidentTypeInternalCode": incident.incident_type.code,  # <category>.<type>
        "incidentTypeInternalText": incident.incident_type.name_id,
        "incidentStatusCommonRegistryText": [INCIDENT_STATUS[incident.status]],
        "incidentStatusInternalText": [incident.status],
        "internalIncidentId": str(incident.pk),
        "incidentPriorityInternalText": str(incident.priority),  # 1 = life at risk now … 4
    }
    location = _location(incident, updated)
    if location:
        doc["locationComponent"] = [location]
        info["locationReference"] = [{"$ref": location["$id"]}]
    text = f"Incident {incident.status}: {_timeline(incident, INCIDENT_TIMES)}."
    if incident.outcome:
        text += f" Outcome: {incident.outcome}."
    info["notesReference"] = [note(("incident", incident.pk, "times"), text, updated)]
    if incident.description:
        key = ("incident", incident.pk, "description")
        info["notesReference"].append(note(key, incident.description, incident.created_at))
    info["notesReference"] += [note(("note", n.pk), n.text, n.created_at) for n in incident_notes]

    if calls:
        doc["callComponent"] = [_call(call, note) for call in calls]
    callbacks = [_callback(call) for call in calls if call.caller]
    if callbacks:
        doc["callbackComponent"] = callbacks
    involved = {t.agency: None for t in tickets} | {a.unit.agency: None for a in assignments}
    doc["agencyComponent"] = [_centre(updated)] + [
        _agency(agency, [t for t in tickets if t.agency_id == agency.pk], updated)
        for agency in involved
    ]
    if tickets:
        doc["dispatchComponent"] = [
            _dispatch(t, [a for a in assignments if a.ticket_id == t.pk], note) for t in tickets
        ]
    if assignments:
        doc["emergencyResourceComponent"] = [_resource(a, note) for a in assignments]
    doc["notesComponent"] = notes
    doc["@context"] = CONTEXT
    return doc


def _call(call: Call, note: Note) -> dict:
    updated = _latest(*_moments(call, CALL_TIMES))
    component = {
        **_prologue(_urn("call", call.call_id), updated),
        "standardPrimaryCallType": "emergency",  # every call reached the 112 line
        "direction": "incoming",
        "callStartTimestamp": _time(call.ringing_at or call.created_at),  # T0
        "callStateRegistryText": CALL_STATE[call.status],
        "agencyReference": [{"$ref": CENTRE}],
    }
    if call.disposition:
        component["localCallType"] = call.disposition
    if call.answered_at:
        component["answerDate"] = _time(call.answered_at)  # T1
    if call.caller:
        component["callBackReference"] = {"$ref": _urn("call", call.call_id, "callback")}
    if call.notes:
        component["notesReference"] = [note(("call", call.call_id, "notes"), call.notes, updated)]
    return component


def _callback(call: Call) -> dict:
    """How to reach the caller again: the number that called, and any other number given."""
    updated = _latest(*_moments(call, CALL_TIMES))
    callback = {
        **_prologue(_urn("call", call.call_id, "callback"), updated),
        "callBackInformationUri": [f"tel:{call.caller.number}"],
    }
    if call.callback_number and call.callback_number != call.caller.number:
        callback["updatedCbn"] = {
            **_prologue(_urn("call", call.call_id, "updated-callback"), updated),
            "updatedCbnIdentifierUri": f"tel:{call.callback_number}",
        }
    return callback


def _location(incident: Incident, updated: datetime) -> dict | None:
    """Where it happened, as a PIDF-LO: the WGS84 point and the civic address, each if known."""
    area, kecamatan = incident.area, incident.kecamatan
    civic = [
        ("A2", (area or kecamatan).regency if (area or kecamatan) else ""),
        ("A3", kecamatan.name if kecamatan else ""),
        ("A4", area.name if area else ""),  # desa/kelurahan
        ("PC", area.postal_code if area else ""),
        ("LOC", incident.address),
    ]
    civic = [(tag, value) for tag, value in civic if value]
    has_point = incident.lat is not None and incident.lon is not None
    if not has_point and not civic:
        return None
    tuples = []
    if has_point:
        tuples.append(
            '<gml:Point srsName="urn:ogc:def:crs:EPSG::4326">'
            f"<gml:pos>{incident.lat:.6f} {incident.lon:.6f}</gml:pos></gml:Point>"
        )
    if civic:
        fields = "".join(f"<ca:{tag}>{xml_escape(value)}</ca:{tag}>" for tag, value in civic)
        tuples.append(f"<ca:civicAddress><ca:country>ID</ca:country>{fields}</ca:civicAddress>")
    location_id = _urn("incident", incident.pk, "location")
    component = {
        **_prologue(location_id, updated),
        "locationTypeDescriptionRegistryText": "Incident",
        "locationByValue": (
            '<presence xmlns="urn:ietf:params:xml:ns:pidf"'
            ' xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"'
            ' xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"'
            f' xmlns:gml="http://www.opengis.net/gml" entity="{location_id}">'
            + "".join(
                f'<tuple id="t{n}"><status><gp:geopriv><gp:location-info>{body}'
                "</gp:location-info><gp:usage-rules/></gp:geopriv></status></tuple>"
                for n, body in enumerate(tuples, 1)
            )
            + "</presence>"
        ),
    }
    if incident.location_approximate:
        component["locationDescriptionText"] = (
            "Approximate: placed at the area's label point or snapped to the nearest area"
        )
    return component


def _centre(updated: datetime) -> dict:
    return {
        **_prologue(CENTRE, updated),
        "agencyJcard": _jcard(*CENTRE_JCARD),
        "agencyRoleDescriptionRegistryText": ["CallReceiving"],
        "agencyType": ["psap"],
        "incidentOwningAgencyIndicator": True,
    }


def _agency(agency: Agency, tickets: list[Ticket], updated: datetime) -> dict:
    moments = [m for ticket in tickets for m in _moments(ticket, TICKET_TIMES)]
    return {
        **_prologue(_urn("agency", agency.code), _latest(*moments) if moments else updated),
        "agencyJcard": _jcard(agency.name, agency.phone),
        "agencyRoleDescriptionRegistryText": ["Responding"],  # provisional
        "agencyType": [AGENCY_TYPE[agency.kind]] if agency.kind in AGENCY_TYPE else [],
        "incidentOwningAgencyIndicator": False,
    }


def _dispatch(ticket: Ticket, assignments: list[Assignment], note: Note) -> dict:
    """The incident forwarded to one agency; EIDO has no ticket status, so the note carries it."""
    agency_id = _urn("agency", ticket.agency.code)
    updated = _latest(*_moments(ticket, TICKET_TIMES))
    text = (
        f"Ticket to {ticket.agency.short_name} ({ticket.role}) {ticket.status}: "
        f"{_timeline(ticket, TICKET_TIMES)}."
    )
    if ticket.decline_reason:
        text += f" Declined because: {ticket.decline_reason}"
    component = {
        **_prologue(_urn("ticket", ticket.pk), updated, agency_id),
        "agencyReference": {"$ref": agency_id},
        "notesReference": [note(("ticket", ticket.pk, "times"), text, updated, agency_id)],
    }
    if assignments:
        component["emergencyResourceReference"] = [
            {"$ref": _urn("assignment", a.pk)} for a in assignments
        ]
    return component


def _resource(assignment: Assignment, note: Note) -> dict:
    """One unit on the incident, with its status; its T4d…T10 go in the note."""
    unit = assignment.unit
    agency_id = _urn("agency", unit.agency.code)
    updated = _latest(*_moments(assignment, ASSIGNMENT_TIMES))
    text = f"{unit.call_sign} {assignment.status}: {_timeline(assignment, ASSIGNMENT_TIMES)}."
    if assignment.cancel_reason:
        text += f" Cancelled because: {assignment.cancel_reason}"
    component = {
        **_prologue(_urn("assignment", assignment.pk), updated, agency_id),
        "emergencyResourceTypeCommonRegistryText": RESOURCE_TYPE.get(unit.kind, "Other"),
        "emergencyResourceTypeInternalText": unit.kind,
        "emergencyResourceName": unit.call_sign,
        "resourceAttributeRegistryText": [],
        "primaryUnitStatusRegistryText": UNIT_STATUS[assignment.status],
        "secondaryUnitStatusRegistryText": [],
        "unitStatusInternal": [assignment.status],
        "agentReference": [],
        "notesReference": [note(("assignment", assignment.pk, "times"), text, updated, agency_id)],
    }
    if unit.capabilities:
        component["resourceAttributeInternalText"] = list(unit.capabilities)
    if assignment.eta_s is not None and assignment.status in ETA_STATUSES:
        component["eta"] = _time(assignment.dispatched_at + timedelta(seconds=assignment.eta_s))
    return component


def _urn(*parts) -> str:
    return ":".join([PREFIX, *(quote(str(part), safe="-._~") for part in parts)])


def _prologue(component_id: str, updated: datetime, by: str = CENTRE) -> dict:
    return {
        "$id": component_id,
        "lastUpdateTimeStamp": _time(updated),
        "updatedByAgencyReference": {"$ref": by},
    }


def _jcard(name: str, phone: str) -> str:
    """Contact details as a jCard (RFC 7095), which EIDO carries as a string."""
    properties = [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]
    if phone:
        properties.append(["tel", {}, "uri", f"tel:{phone}"])
    return json.dumps(["vcard", properties], ensure_ascii=False)


def _moments(obj, fields: list[str]) -> list[datetime]:
    """The times among `fields` that obj has and that are set."""
    return [getattr(obj, f) for f in fields if getattr(obj, f, None) is not None]


def _latest(*moments: datetime | None) -> datetime:
    return max(moment for moment in moments if moment is not None)


def _timeline(obj, fields: list[str]) -> str:
    """'notified 2025-09-08T10:00:01+09:00, accepted …' for the times that are set."""
    return ", ".join(
        f"{field.removesuffix('_at').replace('_', ' ')} {_time(getattr(obj, field))}"
        for field in fields
        if getattr(obj, field) is not None
    )


def _time(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")
