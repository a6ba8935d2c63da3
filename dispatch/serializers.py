from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.models import Agency, Station, Unit
from core.api import StrictSerializer
from core.db import read_row
from core.validation import ID_MAX, DeviceTimeField, InServiceArea
from dispatch.models import Assignment, Watch
from dispatch.policies import MAX_SHELVE_MINUTES
from dispatch.steps import carries_patients, is_fire, next_steps
from incidents.models import Incident
from incidents.serializers import (
    IncidentSerializer,
    _bool,
    _float,
    _int,
    _person,
    _text,
    _time,
    render_incident,
)

OPEN_OR_ALL = [("open", _("Open")), ("all", _("All"))]


ESCALATION_STATES = [
    ("open", _("Open: still waiting, not shelved")),
    ("resolved", _("Resolved, not yet acknowledged")),
    ("shelved", _("Shelved")),
    ("all", _("All")),
]


class EscalationsQuery(StrictSerializer):
    state = serializers.ChoiceField(choices=ESCALATION_STATES, default="open")


class TicketsQuery(StrictSerializer):
    status = serializers.ChoiceField(choices=OPEN_OR_ALL, default="open")
    incident = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)


class AssignmentsQuery(StrictSerializer):
    incident = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)
    active = serializers.BooleanField(
        required=False,
        help_text=_("Only units still out (default: yes, unless an incident is given)"),
    )


class AgencyRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    short_name = serializers.CharField()


class UnitStateSerializer(serializers.Serializer):
    """A unit as boards and maps show it, and as unit.* and assignment.* events carry it."""

    id = serializers.IntegerField()
    call_sign = serializers.CharField()
    agency = serializers.CharField(source="agency.code")
    kind = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    station = serializers.CharField(source="station.name", allow_null=True, default=None)
    station_lat = serializers.FloatField(source="station.lat", allow_null=True, default=None)
    station_lon = serializers.FloatField(source="station.lon", allow_null=True, default=None)
    last_lat = serializers.FloatField(allow_null=True)
    last_lon = serializers.FloatField(allow_null=True)
    last_position_at = serializers.DateTimeField(allow_null=True)


class TicketBriefSerializer(serializers.Serializer):
    """A ticket on its own, as the incident views list an incident's tickets."""

    id = serializers.IntegerField()
    incident_id = serializers.IntegerField()
    agency = AgencyRefSerializer()
    role = serializers.CharField()
    status = serializers.CharField()
    cross_border = serializers.BooleanField()
    notified_at = serializers.DateTimeField()
    notified_by = serializers.CharField(source="notified_by.username")
    accepted_at = serializers.DateTimeField(allow_null=True)
    accepted_by = serializers.CharField(source="accepted_by.username", allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)
    declined_by = serializers.CharField(source="declined_by.username", allow_null=True)
    decline_reason = serializers.CharField()
    ended_at = serializers.DateTimeField(allow_null=True)


class TicketSerializer(TicketBriefSerializer):
    """A ticket with the incident it is about, as desks list it and ticket.* events carry it."""

    incident = IncidentSerializer()


class StationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):
    """One unit on one incident with the time of every step (T4d, T5, T6, T6f, T8–T10)."""

    id = serializers.IntegerField()
    incident = serializers.IntegerField(source="incident_id")
    ticket = serializers.IntegerField(source="ticket_id")
    unit = UnitStateSerializer()
    status = serializers.CharField()
    dispatched_at = serializers.DateTimeField()
    dispatched_by = serializers.CharField(source="dispatched_by.username")
    eta_s = serializers.IntegerField(allow_null=True)
    en_route_at = serializers.DateTimeField(allow_null=True)
    on_scene_at = serializers.DateTimeField(allow_null=True)
    operations_started_at = serializers.DateTimeField(allow_null=True)
    transporting_at = serializers.DateTimeField(allow_null=True)
    destination = StationRefSerializer(allow_null=True)
    at_hospital_at = serializers.DateTimeField(allow_null=True)
    cleared_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    late_steps = serializers.DictField(
        child=serializers.DateTimeField(),
        help_text=_("Steps a crew's phone sent late (offline): step → when the server got it"),
    )
    next_steps = serializers.SerializerMethodField()

    def get_next_steps(self, obj) -> list[str]:
        return next_steps(obj)


# --- Rendered directly -------------------------------------------------------------------------
# Every desk and crew write answers with its ticket or assignment and pushes it in an event: they
# are built directly, as incidents.serializers.render_incident is, equal to the serializers above
# value for value and key for key (tests/dispatch/test_rendering.py).


def render_unit_state(unit) -> dict:
    """A unit exactly as UnitStateSerializer renders it."""
    station = unit.station
    return {
        "id": _int(unit.id),
        "call_sign": _text(unit.call_sign),
        "agency": _text(unit.agency.code),
        "kind": _text(unit.kind),
        "capabilities": [_text(c) for c in unit.capabilities],
        "status": _text(unit.status),
        "station": None if station is None else _text(station.name),
        "station_lat": None if station is None else _float(station.lat),
        "station_lon": None if station is None else _float(station.lon),
        "last_lat": _float(unit.last_lat),
        "last_lon": _float(unit.last_lon),
        "last_position_at": _time(unit.last_position_at),
    }


def render_ticket(ticket) -> dict:
    """A ticket exactly as TicketSerializer renders it (with its incident)."""
    agency = ticket.agency
    return {
        "id": _int(ticket.id),
        "incident_id": _int(ticket.incident_id),
        "agency": {"code": _text(agency.code), "short_name": _text(agency.short_name)},
        "role": _text(ticket.role),
        "status": _text(ticket.status),
        "cross_border": _bool(ticket.cross_border),
        "notified_at": _time(ticket.notified_at),
        "notified_by": _person(ticket.notified_by),
        "accepted_at": _time(ticket.accepted_at),
        "accepted_by": _person(ticket.accepted_by),
        "declined_at": _time(ticket.declined_at),
        "declined_by": _person(ticket.declined_by),
        "decline_reason": _text(ticket.decline_reason),
        "ended_at": _time(ticket.ended_at),
        "incident": render_incident(ticket.incident),
    }


def render_assignment(assignment) -> dict:
    """An assignment exactly as AssignmentSerializer renders it."""
    destination = assignment.destination
    return {
        "id": _int(assignment.id),
        "incident": _int(assignment.incident_id),
        "ticket": _int(assignment.ticket_id),
        "unit": render_unit_state(assignment.unit),
        "status": _text(assignment.status),
        "dispatched_at": _time(assignment.dispatched_at),
        "dispatched_by": _person(assignment.dispatched_by),
        "eta_s": _int(assignment.eta_s),
        "en_route_at": _time(assignment.en_route_at),
        "on_scene_at": _time(assignment.on_scene_at),
        "operations_started_at": _time(assignment.operations_started_at),
        "transporting_at": _time(assignment.transporting_at),
        "destination": (
            None
            if destination is None
            else {"id": _int(destination.id), "name": _text(destination.name)}
        ),
        "at_hospital_at": _time(assignment.at_hospital_at),
        "cleared_at": _time(assignment.cleared_at),
        "cancelled_at": _time(assignment.cancelled_at),
        "cancel_reason": _text(assignment.cancel_reason),
        "late_steps": {
            str(step): at if isinstance(at, str) and at else _time(at)  # stored as text
            for step, at in assignment.late_steps.items()
        },
        "next_steps": next_steps(assignment),
    }


class ProposalSerializer(serializers.Serializer):
    agency = AgencyRefSerializer()
    role = serializers.CharField()
    cross_border = serializers.BooleanField()
    routed_from = AgencyRefSerializer(allow_null=True)


class IncidentDispatchSerializer(serializers.Serializer):
    """Everything the dispatcher's incident view needs beyond the incident itself."""

    incident = IncidentSerializer()
    proposed = ProposalSerializer(many=True)
    tickets = TicketBriefSerializer(many=True)
    assignments = AssignmentSerializer(many=True)
    may_forward = serializers.BooleanField()
    may_close = serializers.BooleanField()
    may_reopen = serializers.BooleanField()
    now = serializers.DateTimeField(help_text=_("The server's clock, for waiting times"))


class BoardIncidentSerializer(IncidentSerializer):
    tickets = TicketBriefSerializer(many=True, source="ticket_list")
    assignments = AssignmentSerializer(many=True, source="active_assignments")


class BoardSerializer(serializers.Serializer):
    """The dispatch console: every open incident with its tickets and the units still out."""

    incidents = BoardIncidentSerializer(many=True)
    now = serializers.DateTimeField(help_text=_("The server's clock, for waiting times"))


class TicketListSerializer(serializers.Serializer):
    tickets = TicketSerializer(many=True)
    now = serializers.DateTimeField(help_text=_("The server's clock, for waiting times"))


class UnitRowSerializer(serializers.Serializer):
    """A unit as the recommendation reads it (dispatch.recommend.unit_rows)."""

    id = serializers.IntegerField()
    call_sign = serializers.CharField()
    agency = serializers.CharField(source="agency_code")
    kind = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    station = serializers.CharField(source="station_name", allow_null=True)
    last_lat = serializers.FloatField(allow_null=True)
    last_lon = serializers.FloatField(allow_null=True)


class CandidateSerializer(serializers.Serializer):
    unit = UnitRowSerializer()
    eta_s = serializers.IntegerField(allow_null=True)
    distance_m = serializers.IntegerField(allow_null=True)
    position = serializers.ChoiceField(choices=["tracked", "station", "unknown"])
    approximate = serializers.BooleanField()


class LeftOutSerializer(serializers.Serializer):
    unit = UnitRowSerializer()
    reason = serializers.ChoiceField(
        choices=["busy", "out_of_service", "wrong_capability", "too_far"]
    )
    detail = serializers.CharField()


class RecommendationSerializer(serializers.Serializer):
    capability = serializers.CharField()
    candidates = CandidateSerializer(many=True)
    left_out = LeftOutSerializer(many=True)


# --- Input -----------------------------------------------------------------------------------


class PlainSlugField(serializers.SlugRelatedField):
    """A row named by a unique slug, read in one plain-SQL statement with `relations` (see
    core.db.read_row): the ORM's query for it costs several times the database's work. Input
    that is not a string takes the ORM's way, and every refusal is the ORM's."""

    def __init__(self, *, where: str = "", relations: tuple[str, ...] = (), **kwargs):
        self.where, self.relations = where, relations
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            return super().to_internal_value(data)
        model = self.get_queryset().model
        column = model._meta.get_field(self.slug_field).column
        where = f"t.{column} = %s" + (f" AND {self.where}" if self.where else "")
        found = read_row(model, self.relations, where=where, params=[data])
        if found is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return found


class NotifyInput(StrictSerializer):
    agencies = PlainSlugField(
        slug_field="code",
        queryset=Agency.objects.filter(is_active=True),
        where="t.is_active",
        many=True,
        allow_empty=False,
        error_messages={"empty": _("Choose at least one agency.")},
    )


class ReasonInput(StrictSerializer):
    reason = serializers.CharField(max_length=300)


class DispatchInput(StrictSerializer):
    unit = PlainSlugField(
        slug_field="call_sign",
        queryset=Unit.objects.select_related("station"),
        relations=("station",),
    )


class TransportInput(StrictSerializer):
    destination = serializers.PrimaryKeyRelatedField(
        queryset=Station.objects.filter(kind__in=[Station.Kind.HOSPITAL, Station.Kind.PUSKESMAS]),
        help_text=_("A hospital or puskesmas"),
    )


class CloseInput(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Incident.Outcome.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class PositionInput(InServiceArea, StrictSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    at = DeviceTimeField(required=False, help_text=_("When the fix was taken"))


class TrackerPositionInput(PositionInput):
    call_sign = serializers.CharField(max_length=30)


class TrackerInput(StrictSerializer):
    positions = TrackerPositionInput(many=True, allow_empty=False, max_length=500)


class ServiceInput(StrictSerializer):
    in_service = serializers.BooleanField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TrackerResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    units = UnitStateSerializer(many=True)


WATCH_NAMES = dict(Watch.choices)


class EscalationSerializer(serializers.Serializer):
    """A deadline that passed, as panels and banners show it and escalation.* events carry it."""

    id = serializers.IntegerField()
    watch = serializers.CharField()
    watch_name = serializers.SerializerMethodField()
    level = serializers.IntegerField()
    subject = serializers.SerializerMethodField()
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    agency = AgencyRefSerializer(allow_null=True)
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    raised_at = serializers.DateTimeField()
    recipients = serializers.SerializerMethodField()
    action = serializers.CharField()
    backup = AgencyRefSerializer(source="agency.backup", allow_null=True, default=None)
    summary = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)
    repeat = serializers.BooleanField(help_text=_("A repeat after the ladder's last level"))
    shelved = serializers.BooleanField(
        help_text=_("Raised while its subject was shelved: recorded, not sounded")
    )

    def get_watch_name(self, obj) -> str:
        # Not get_watch_display(), which hashes every choice's label (a translation each) on
        # every call: the deadline check renders one of these per escalation it raises.
        return str(WATCH_NAMES.get(obj.watch, obj.watch))

    def get_subject(self, obj) -> dict:
        return {"type": obj.subject_type, "id": obj.subject_id}

    def get_recipients(self, obj) -> list[str]:
        return recipients_of(obj)


def recipients_of(escalation) -> list[str]:
    flags = [
        ("call_takers", escalation.to_call_takers),
        ("supervisors", escalation.to_supervisors),
        ("agency", escalation.to_agency),
    ]
    return [name for name, alerted in flags if alerted]


class ShelfSerializer(serializers.Serializer):
    """A subject's alarms shelved by a supervisor, until when and why."""

    id = serializers.IntegerField()
    watch = serializers.CharField()
    subject = serializers.SerializerMethodField()
    shelved_at = serializers.DateTimeField()
    until = serializers.DateTimeField()
    reason = serializers.CharField()
    by = serializers.CharField(source="shelved_by.username")
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField(source="ended_by.username", allow_null=True, default=None)
    end = serializers.CharField(help_text=_("unshelved, expired, resolved, or empty while it runs"))

    def get_subject(self, obj) -> dict:
        return {"type": obj.subject_type, "id": obj.subject_id}


class LevelRaisedSerializer(serializers.Serializer):
    """One level of a subject's history: when, to whom, who acknowledged it."""

    id = serializers.IntegerField()
    level = serializers.IntegerField()
    raised_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    recipients = serializers.SerializerMethodField()
    repeat = serializers.BooleanField()
    shelved = serializers.BooleanField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)

    def get_recipients(self, obj) -> list[str]:
        return recipients_of(obj)


class EscalationSubjectSerializer(serializers.Serializer):
    """One waiting thing as one card: its highest level, and every level inside."""

    key = serializers.CharField(help_text=_("watch:subject_type:subject_id"))
    watch = serializers.CharField()
    watch_name = serializers.CharField()
    subject = serializers.DictField(child=serializers.CharField())
    level = serializers.IntegerField(help_text=_("The highest level reached"))
    escalation = serializers.IntegerField(help_text=_("The id of the highest level's escalation"))
    summary = serializers.CharField()
    incident = serializers.IntegerField(allow_null=True)
    agency = AgencyRefSerializer(allow_null=True)
    action = serializers.CharField(help_text=_("The highest level's action"))
    backup = AgencyRefSerializer(allow_null=True)
    started_at = serializers.DateTimeField()
    raised_at = serializers.DateTimeField(help_text=_("When the highest level was raised"))
    resolved_at = serializers.DateTimeField(allow_null=True)
    acknowledged = serializers.BooleanField(help_text=_("Every level acknowledged"))
    shelved = ShelfSerializer(allow_null=True)
    history = LevelRaisedSerializer(many=True)


class EscalationListSerializer(serializers.Serializer):
    escalations = EscalationSerializer(many=True)
    subjects = EscalationSubjectSerializer(many=True)
    open = serializers.IntegerField(help_text=_("Subjects still waiting and not shelved"))
    resolved_unacknowledged = serializers.IntegerField(
        help_text=_("Subjects that stopped waiting with a level nobody acknowledged")
    )
    shelved = serializers.IntegerField(help_text=_("Subjects shelved now"))
    now = serializers.DateTimeField(help_text=_("The server's clock, for waiting times"))


class SubjectInput(StrictSerializer):
    watch = serializers.ChoiceField(choices=Watch.choices)
    subject_type = serializers.CharField(max_length=30)
    subject_id = serializers.CharField(max_length=40)


class AcknowledgeResolvedInput(StrictSerializer):
    """One subject's resolved alarms, or with all: true every resolved one sent to me."""

    watch = serializers.ChoiceField(choices=Watch.choices, required=False)
    subject_type = serializers.CharField(max_length=30, required=False)
    subject_id = serializers.CharField(max_length=40, required=False)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        subject = [attrs.get(k) for k in ("watch", "subject_type", "subject_id")]
        if attrs["all"] == any(subject) or (not attrs["all"] and not all(subject)):
            raise serializers.ValidationError(
                _("Give either watch, subject_type and subject_id, or all: true.")
            )
        return attrs


class ShelveInput(SubjectInput):
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_SHELVE_MINUTES)
    reason = serializers.CharField(
        max_length=300,
        error_messages={
            "blank": _("Say why these alarms are shelved."),
            "required": _("Say why these alarms are shelved."),
        },
    )


class AcknowledgedResolvedSerializer(serializers.Serializer):
    acknowledged = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("The escalations acknowledged now")
    )
    subjects = serializers.IntegerField(help_text=_("How many subjects they belong to"))


class LevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    delay_s = serializers.IntegerField()
    recipients = serializers.ListField(child=serializers.CharField())
    action = serializers.CharField()


class PolicySerializer(serializers.Serializer):
    """An SLA policy and its ladder (edited by administrators in the admin)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    watch = serializers.CharField()
    category = serializers.CharField()
    priority = serializers.IntegerField(allow_null=True)
    agency = serializers.CharField(source="agency.code", allow_null=True, default=None)
    incident_types = serializers.ListField(child=serializers.CharField())
    # A local time of day (HH:MM, WIT), not an instant: not JSON Schema's "time" format.
    active_from = serializers.SerializerMethodField(help_text=_("WIT"))
    active_until = serializers.SerializerMethodField(help_text=_("WIT"))
    repeat_s = serializers.IntegerField(allow_null=True)
    repeat_recipients = serializers.ListField(child=serializers.CharField())
    max_shelve_minutes = serializers.IntegerField()
    levels = LevelSerializer(many=True)

    def get_active_from(self, obj) -> str | None:
        return obj.active_from.strftime("%H:%M") if obj.active_from else None

    def get_active_until(self, obj) -> str | None:
        return obj.active_until.strftime("%H:%M") if obj.active_until else None


class DeadlineSerializer(serializers.Serializer):
    """Something waiting now, since when, and when its next escalation is due."""

    watch = serializers.CharField()
    subject = serializers.SerializerMethodField()
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    agency = serializers.CharField(source="agency.code", allow_null=True, default=None)
    started_at = serializers.DateTimeField()
    level = serializers.IntegerField(help_text=_("The level that fires next"))
    due_at = serializers.DateTimeField(
        allow_null=True, help_text=_("None once every level has fired and the wait goes on")
    )

    def get_subject(self, obj) -> dict:
        return {"type": obj.subject_type, "id": obj.subject_id}


class DeadlineListSerializer(serializers.Serializer):
    deadlines = DeadlineSerializer(many=True)
    now = serializers.DateTimeField(help_text=_("The server's clock, for waiting times"))


# --- Crews on phones (issue #19) ---------------------------------------------------------------

CREW_STEPS = ["en_route", "on_scene", "operations_started", "transporting", "at_hospital", "clear"]


class CrewCallSerializer(serializers.Serializer):
    """What a crew needs of a call about its incident: whom to call back, what was said."""

    callback_number = serializers.SerializerMethodField()
    notes = serializers.CharField()

    def get_callback_number(self, obj) -> str:
        return obj.callback_number or (obj.caller.number if obj.caller else "")


class CrewAssignmentSerializer(AssignmentSerializer):
    """The crew's current job: the assignment, the incident in full and its callers."""

    incident_detail = IncidentSerializer(source="incident")
    calls = CrewCallSerializer(many=True, source="incident.calls.all")
    is_fire = serializers.SerializerMethodField()
    carries_patients = serializers.SerializerMethodField()

    def get_is_fire(self, obj) -> bool:
        return is_fire(obj)

    def get_carries_patients(self, obj) -> bool:
        return carries_patients(obj)


class StepRuleSerializer(serializers.Serializer):
    """One step of dispatch.steps.STEPS, so that a phone without signal knows what comes next."""

    name = serializers.CharField()
    label = serializers.CharField()
    allowed_from = serializers.ListField(child=serializers.CharField())
    to = serializers.CharField()
    field = serializers.CharField()


class CrewShiftSerializer(serializers.Serializer):
    unit = UnitStateSerializer()
    started_at = serializers.DateTimeField()


class CrewStateSerializer(serializers.Serializer):
    """Everything the crew page starts from; it then follows its agency's live feed."""

    shift = CrewShiftSerializer(allow_null=True)
    units = UnitStateSerializer(many=True, help_text=_("The agency's units to sign in to"))
    assignment = CrewAssignmentSerializer(allow_null=True)
    hospitals = StationRefSerializer(many=True)
    steps = StepRuleSerializer(many=True)
    position_interval_s = serializers.IntegerField()
    now = serializers.DateTimeField(help_text=_("The server's clock"))


class CrewShiftInput(StrictSerializer):
    unit = serializers.SlugRelatedField(
        slug_field="call_sign", queryset=Unit.objects.select_related("station")
    )


class CrewStepInput(StrictSerializer):
    assignment = serializers.PrimaryKeyRelatedField(queryset=Assignment.objects.all())
    step = serializers.ChoiceField(choices=CREW_STEPS)
    at = DeviceTimeField(
        required=False, help_text=_("When the crew tapped it (kept on the phone while offline)")
    )
    destination = serializers.PrimaryKeyRelatedField(
        queryset=Station.objects.filter(kind__in=[Station.Kind.HOSPITAL, Station.Kind.PUSKESMAS]),
        required=False,
        help_text=_("A hospital or puskesmas (transporting only)"),
    )

    def validate(self, attrs):
        if attrs["step"] == "transporting" and attrs.get("destination") is None:
            raise serializers.ValidationError(
                {"destination": [_("Choose the hospital or puskesmas.")]}
            )
        return attrs


class PhoneFixInput(PositionInput):
    """A fix from a phone's Geolocation API: where, and how sure (an impossible accuracy, zero
    or negative or kilometres wide, is no fix)."""

    accuracy_m = serializers.FloatField(
        min_value=1,
        max_value=settings.PHONE_FIX_MAX_ACCURACY_M,
        help_text=_("Radius of the phone's fix, metres (Geolocation API `accuracy`)"),
    )


class CrewPositionInput(PhoneFixInput):
    """The crew's phone, for its unit."""


class SharedLocationInput(PhoneFixInput):
    """The caller's phone, through a location link (no time: the server's clock says when)."""

    at = None


class SharedLocationSerializer(serializers.Serializer):
    received = serializers.BooleanField()


class LocationLinkSerializer(serializers.Serializer):
    """A new location link, as the call-taker reads it out or copies it (shown once)."""

    url = serializers.CharField()
    expires_at = serializers.DateTimeField()
    sent = serializers.BooleanField(help_text=_("Sent to the caller by the message gateway"))
