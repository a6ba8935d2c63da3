from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Area
from agencies.serializers import AreaRefSerializer, PhoneField
from core.api import StrictSerializer
from core.validation import ID_MAX, DeviceTimeField, InServiceArea
from incidents.models import (
    Call,
    ContactMessage,
    Incident,
    IncidentNote,
    IncidentType,
    Position,
    PositionExtension,
    Presence,
)
from incidents.services.rows import read_row

# Serializers render callers whole, for REST and pushed events alike. A verifier's copy is masked
# where it leaves the server, by incidents.privacy.masked_for: every API answer in
# ambon112.middleware.PersonalDataMiddleware (no view can forget it), pages in console_context,
# pushed events in ambon112/realtime.py.


class EventSubjectSerializer(serializers.Serializer):
    type = serializers.CharField(source="subject_type")
    id = serializers.CharField(source="subject_id")


class EventSerializer(serializers.Serializer):
    """One event as the consoles receive it, over REST and over the socket alike."""

    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    subject = EventSubjectSerializer(source="*")
    data = serializers.JSONField(source="payload")
    agencies = serializers.ListField(child=serializers.CharField())
    incident = serializers.IntegerField(source="incident_id", allow_null=True)


def render_event(event) -> dict:
    """An event exactly as EventSerializer renders it, built directly: every pushed event is
    rendered, and a serializer's fields cost more than the event's whole append."""
    at = event.at.astimezone(timezone.get_current_timezone()).isoformat()  # DRF's ISO 8601
    return {
        "seq": event.seq,
        "at": at[:-6] + "Z" if at.endswith("+00:00") else at,
        "kind": event.kind,
        "actor": event.actor_label,
        "subject": {"type": event.subject_type, "id": event.subject_id},
        "data": event.payload,
        "agencies": list(event.agencies),
        "incident": event.incident_id,
    }


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    has_more = serializers.BooleanField(help_text=_("Ask again with after = the last seq."))
    head = serializers.IntegerField(help_text=_("Newest sequence number on your feed."))


class IncidentsQuery(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[("open", _("Open")), ("all", _("All"))], default="open"
    )
    # Blank (`?category=`, as a form sends an unset filter) is no filter, as an absent one.
    category = serializers.ChoiceField(
        choices=IncidentType.Category.choices, required=False, allow_blank=True
    )
    kecamatan = serializers.RegexField(
        r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$",
        required=False,
        allow_blank=True,
        help_text=_("Kecamatan code, e.g. 81.71.02"),
    )


class EventsQuery(StrictSerializer):
    after = serializers.IntegerField(min_value=0, max_value=ID_MAX, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=500)


class IncidentTypeSerializer(serializers.ModelSerializer):
    # A dotted code (`kebakaran.rumah`): the model's SlugField would promise `^[-a-zA-Z0-9_]+$`.
    code = serializers.CharField(read_only=True)
    default_agencies = serializers.SerializerMethodField()

    class Meta:
        model = IncidentType
        fields = [
            "id",
            "code",
            "category",
            "name_id",
            "name_en",
            "default_priority",
            "capability",
            "apco_code",
            "apco_name",
            "default_agencies",
        ]

    def get_default_agencies(self, obj) -> list[dict]:
        return [
            {"agency": link.agency.code, "role": link.role} for link in obj.default_agencies.all()
        ]


class CallerSerializer(serializers.Serializer):
    """A number's counters and block, as the screen-pop warns about them."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    prank_calls = serializers.IntegerField()
    ghost_calls = serializers.IntegerField()
    flagged = serializers.SerializerMethodField()
    blocked_until = serializers.DateTimeField(allow_null=True)
    block_reason = serializers.CharField()
    blocked = serializers.SerializerMethodField()

    def get_flagged(self, obj) -> bool:
        return obj.flagged_at is not None

    def get_blocked(self, obj) -> bool:
        return obj.is_blocked(timezone.now())


class FixSerializer(serializers.Serializer):
    lat = serializers.FloatField(source="aml_lat")
    lon = serializers.FloatField(source="aml_lon")
    radius_m = serializers.FloatField(source="aml_radius_m", allow_null=True)
    source = serializers.CharField(source="aml_source")
    at = serializers.DateTimeField(source="aml_at")


class PositionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# Plain serializers, not ModelSerializers, on the hot path: every telephony event serialises a
# call for its event and its answer, and field introspection would cost more than the write.
class CallSerializer(serializers.Serializer):
    """A call as the queue and the screen-pop show it, and as call.* events carry it."""

    id = serializers.IntegerField()
    call_id = serializers.CharField()
    channel = serializers.CharField()
    number = serializers.SerializerMethodField()
    line = serializers.CharField()
    status = serializers.CharField()
    ringing_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    taken_by = serializers.CharField(source="taken_by.username", allow_null=True)
    taken_by_name = serializers.SerializerMethodField()
    taken_at = serializers.DateTimeField(allow_null=True)
    answered_via = serializers.CharField(help_text=_("pbx (a handset) or console; blank until T1"))
    answered_by = serializers.CharField(source="answered_by.username", allow_null=True)
    answered_by_name = serializers.SerializerMethodField()
    answered_position = PositionRefSerializer(allow_null=True)
    answered_extension = serializers.CharField()
    disposition = serializers.CharField()
    incident = serializers.IntegerField(source="incident_id", allow_null=True)
    aml = serializers.SerializerMethodField()
    clock_skew_s = serializers.FloatField(allow_null=True)
    caller = CallerSerializer(allow_null=True)
    caller_name = serializers.CharField()
    callback_number = serializers.CharField()
    notes = serializers.CharField()
    message = serializers.CharField(help_text=_("A contact's text, or its summary"))
    platform = serializers.CharField()
    handle = serializers.CharField()
    link = serializers.CharField()

    def get_number(self, obj) -> str:
        return obj.caller.number if obj.caller else ""

    def get_taken_by_name(self, obj) -> str | None:
        return (obj.taken_by.get_full_name() or obj.taken_by.username) if obj.taken_by else None

    def get_answered_by_name(self, obj) -> str | None:
        person = obj.answered_by
        return (person.get_full_name() or person.username) if person else None

    @extend_schema_field(FixSerializer(allow_null=True))
    def get_aml(self, obj):
        return FixSerializer(obj).data if obj.aml_lat is not None else None


def _time(value):
    """A time as DRF's DateTimeField renders it (ISO 8601 in the active time zone, Z for UTC)."""
    if not value:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# As DRF's fields render a value: None stays None (Serializer.to_representation), else cast.
def _text(value):
    return None if value is None else str(value)


def _int(value):
    return None if value is None else int(value)


def _float(value):
    return None if value is None else float(value)


def _person(user) -> str | None:
    return None if user is None else _text(user.username)


def _person_name(user) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


def render_caller(caller) -> dict | None:
    """A caller exactly as CallerSerializer renders it (None for none)."""
    if caller is None:
        return None
    return {
        "id": _int(caller.id),
        "number": _text(caller.number),
        "prank_calls": _int(caller.prank_calls),
        "ghost_calls": _int(caller.ghost_calls),
        "flagged": caller.flagged_at is not None,
        "blocked_until": _time(caller.blocked_until),
        "block_reason": _text(caller.block_reason),
        "blocked": caller.is_blocked(timezone.now()),
    }


def render_call(call) -> dict:
    """A call exactly as CallSerializer renders it, built directly: every telephony event and
    every call-taker's action renders its call for the event and for the answer, and the
    serializer's thirty fields cost more than the call's own write."""
    caller, position = call.caller, call.answered_position
    aml = None
    if call.aml_lat is not None:
        aml = {
            "lat": _float(call.aml_lat),
            "lon": _float(call.aml_lon),
            "radius_m": _float(call.aml_radius_m),
            "source": _text(call.aml_source),
            "at": _time(call.aml_at),
        }
    return {
        "id": _int(call.id),
        "call_id": _text(call.call_id),
        "channel": _text(call.channel),
        "number": caller.number if caller else "",
        "line": _text(call.line),
        "status": _text(call.status),
        "ringing_at": _time(call.ringing_at),
        "answered_at": _time(call.answered_at),
        "ended_at": _time(call.ended_at),
        "taken_by": _person(call.taken_by),
        "taken_by_name": _person_name(call.taken_by),
        "taken_at": _time(call.taken_at),
        "answered_via": _text(call.answered_via),
        "answered_by": _person(call.answered_by),
        "answered_by_name": _person_name(call.answered_by),
        "answered_position": (
            None if position is None else {"id": _int(position.id), "name": _text(position.name)}
        ),
        "answered_extension": _text(call.answered_extension),
        "disposition": _text(call.disposition),
        "incident": _int(call.incident_id),
        "aml": aml,
        "clock_skew_s": _float(call.clock_skew_s),
        "caller": render_caller(caller),
        "caller_name": _text(call.caller_name),
        "callback_number": _text(call.callback_number),
        "notes": _text(call.notes),
        "message": _text(call.message),
        "platform": _text(call.platform),
        "handle": _text(call.handle),
        "link": _text(call.link),
    }


class TypeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class IncidentSerializer(serializers.Serializer):
    """An incident as lists show it, and as incident.* events carry it."""

    id = serializers.IntegerField()
    incident_type = TypeRefSerializer()
    category = serializers.CharField()
    priority = serializers.IntegerField()
    status = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    address = serializers.CharField()
    area = AreaRefSerializer(allow_null=True)
    kecamatan = AreaRefSerializer(allow_null=True)
    location_approximate = serializers.BooleanField()
    outside_coverage = serializers.BooleanField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username")
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    calls_count = serializers.SerializerMethodField()

    def get_calls_count(self, obj) -> int:
        annotated = getattr(obj, "calls_count", None)
        return annotated if annotated is not None else obj.calls.count()


def _bool(value):
    return None if value is None else bool(value)


def _ref(row) -> dict | None:
    """An area or an incident type as AreaRefSerializer and TypeRefSerializer render it."""
    return None if row is None else {"code": _text(row.code), "name": _text(row.name)}


def render_incident(incident) -> dict:
    """An incident exactly as IncidentSerializer renders it, built directly: every incident.*
    event carries one."""
    calls_count = getattr(incident, "calls_count", None)
    return {
        "id": _int(incident.id),
        "incident_type": _ref(incident.incident_type),
        "category": _text(incident.category),
        "priority": _int(incident.priority),
        "status": _text(incident.status),
        "lat": _float(incident.lat),
        "lon": _float(incident.lon),
        "address": _text(incident.address),
        "area": _ref(incident.area),
        "kecamatan": _ref(incident.kecamatan),
        "location_approximate": _bool(incident.location_approximate),
        "outside_coverage": _bool(incident.outside_coverage),
        "description": _text(incident.description),
        "created_at": _time(incident.created_at),
        "created_by": _text(incident.created_by.username),
        "closed_at": _time(incident.closed_at),
        "outcome": _text(incident.outcome),
        "calls_count": calls_count if calls_count is not None else incident.calls.count(),
    }


# --- Input -----------------------------------------------------------------------------------


class ExtensionField(serializers.RegexField):
    """A PBX extension: digits, as the PBX dials it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "error_messages", {"invalid": _("An extension is digits only, e.g. 201.")}
        )
        super().__init__(r"^[0-9]{1,20}$", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):  # a string of digits, as the schema says: not a number
            self.fail("invalid")
        return super().to_internal_value(data)


class FixInput(InServiceArea, StrictSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    radius_m = serializers.FloatField(min_value=0, required=False, allow_null=True)
    source = serializers.CharField(max_length=20, default="aml")


class CtiEventInput(StrictSerializer):
    call_id = serializers.CharField(max_length=64)
    event = serializers.ChoiceField(choices=["ringing", "answered", "ended", "abandoned"])
    number = PhoneField(allow_blank=True, max_length=30, help_text=_("Blank when withheld"))
    line = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    at = DeviceTimeField(required=False, help_text=_("The adapter's time of the event"))
    channel = serializers.ChoiceField(choices=Call.Channel.choices, default=Call.Channel.PHONE)
    location = FixInput(required=False)
    extension = ExtensionField(
        required=False,
        default="",
        allow_blank=True,
        help_text=_(
            "With `answered`: the PBX extension whose handset answered. The call opens on the "
            "console of whoever is signed in at that extension's position."
        ),
    )

    def validate(self, attrs):
        if attrs.get("extension") and attrs["event"] != "answered":
            raise serializers.ValidationError(
                {"extension": [_("An extension goes only with the 'answered' event.")]}
            )
        if (
            attrs.get("extension")
            and not PositionExtension.objects.filter(extension=attrs["extension"]).exists()
        ):
            raise serializers.ValidationError(
                {
                    "extension": [
                        _(
                            "Extension %(extension)s is on no position: an administrator adds "
                            "it to one first."
                        )
                        % {"extension": attrs["extension"]}
                    ]
                }
            )
        return attrs


class AmlInput(StrictSerializer):
    number = PhoneField(max_length=30)
    body = serializers.CharField(max_length=1000, help_text=_('The SMS body, A"ML=1;lt=…'))
    message_id = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text=_(
            "The SMS gateway's id for the message. A repeat with the same id changes nothing; "
            "without an id, a repeat of the same body from the same number changes nothing."
        ),
    )


MESSAGE_CHANNELS = [c for c in Call.Channel.values if c in Call.MESSAGE_CHANNELS]
GATEWAY_CHANNELS = [Call.Channel.SMS, Call.Channel.WHATSAPP]
NUMBER_CHANNELS = {Call.Channel.SMS, Call.Channel.WHATSAPP}
# How far back a contact logged by hand may have been received (a letter read days later).
CONTACT_MAX_AGE_DAYS = 30


def channel_field(choices: list[str], **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices,
        error_messages={
            # Formatted twice: the channels now, the input ({{input}}) by DRF when it fails.
            "invalid_choice": format_lazy(
                _('Unknown channel "{{input}}": use one of {channels}.'),
                channels=", ".join(choices),
            )
        },
        **kwargs,
    )


class MessageTextField(serializers.CharField):
    def __init__(self, **kwargs):
        message = _("Write the message's text, or a summary of what was said.")
        super().__init__(
            max_length=4000, error_messages={"required": message, "blank": message}, **kwargs
        )


class ContactInput(StrictSerializer):
    channel = channel_field(MESSAGE_CHANNELS)
    received_at = serializers.DateTimeField(
        help_text=_("T0: when the centre received it; may be earlier than now, never later")
    )
    message = MessageTextField()
    number = PhoneField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("The sender's number; required for SMS and WhatsApp"),
    )
    platform = serializers.ChoiceField(
        choices=Call.Platform.choices, required=False, allow_blank=True
    )
    handle = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("Account or handle (social media), or the e-mail address"),
    )
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    caller_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    take = serializers.BooleanField(
        default=False, help_text=_("Take it in hand at once (T1 now) instead of queueing it")
    )

    def validate_received_at(self, value):
        now = timezone.now()
        if value > now:
            raise serializers.ValidationError(
                _(
                    "The time received cannot be later than now (%(now)s WIT): a contact is "
                    "logged after it arrived."
                )
                % {"now": timezone.localtime(now).strftime("%d-%m-%Y %H:%M")}
            )
        if (now - value).days >= CONTACT_MAX_AGE_DAYS:
            raise serializers.ValidationError(
                _("The time received is more than %(days)s days ago; check the date.")
                % {"days": CONTACT_MAX_AGE_DAYS}
            )
        return value

    def validate(self, attrs):
        channel, errors = attrs["channel"], {}
        if channel in NUMBER_CHANNELS and not attrs.get("number"):
            errors["number"] = [_("An SMS or WhatsApp contact needs the sender's number.")]
        if channel == Call.Channel.SOCIAL:
            if not attrs.get("platform"):
                errors["platform"] = [_("Choose the social-media platform.")]
            if not attrs.get("handle", "").strip():
                errors["handle"] = [_("Give the account or handle that posted it.")]
        elif attrs.get("platform"):
            errors["platform"] = [_("A platform is only given for social media.")]
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)


class GatewayMessageInput(StrictSerializer):
    channel = channel_field(GATEWAY_CHANNELS)
    message_id = serializers.CharField(
        max_length=100,
        help_text=_("The gateway's id for the message: a repeat of an id is refused (409)"),
    )
    number = PhoneField(max_length=30, help_text=_("The sender's number"))
    text = MessageTextField()
    name = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("The sender's profile name, if the gateway gives one"),
    )
    sent_at = DeviceTimeField(required=False, help_text=_("The gateway's time of the message"))


class CallDetailsInput(StrictSerializer):
    caller_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    callback_number = PhoneField(max_length=30, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class DisposeInput(CallDetailsInput):
    disposition = serializers.ChoiceField(
        choices=["information", "prank", "ghost", "dropped", "test"]
    )


ACTIVE_TYPES = IncidentType.objects.filter(is_active=True)


class ActiveTypeField(serializers.SlugRelatedField):
    """An active incident type by its code, read in plain SQL: every incident a call-taker logs
    names one, and the ORM's query would cost more than the database's work. Refuses what
    SlugRelatedField refuses, with its messages."""

    def __init__(self, **kwargs):
        # One queryset for every copy (DRF copies a serializer's fields on each request): the
        # schema reads its model, the read below does not use it.
        super().__init__(slug_field="code", queryset=ACTIVE_TYPES, **kwargs)

    def to_internal_value(self, data):
        try:
            code = IncidentType._meta.get_field("code").get_prep_value(data)
        except (TypeError, ValueError):
            self.fail("invalid")
        found = read_row(
            IncidentType,
            (),
            where="t.code = %s AND t.is_active = %s",
            params=[code, True],
            lock=False,
        )
        if found is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        return found


class IncidentInput(InServiceArea, CallDetailsInput):
    incident_type = ActiveTypeField()
    priority = serializers.IntegerField(min_value=1, max_value=4, required=False)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.filter(level=Area.Level.DESA), required=False
    )
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    def validate(self, attrs):
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError(_("Give both latitude and longitude, or neither."))
        return super().validate(attrs)


class AttachInput(CallDetailsInput):
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())


class DuplicatesQuery(InServiceArea, StrictSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    incident_type = serializers.SlugRelatedField(
        slug_field="code", queryset=IncidentType.objects.all()
    )


class NoteInput(StrictSerializer):
    text = serializers.CharField(max_length=4000)


class BlockInput(StrictSerializer):
    reason = serializers.CharField(max_length=200)
    hours = serializers.FloatField(min_value=0.5, max_value=24 * 30, required=False)


# --- Output beyond the models ----------------------------------------------------------------


class CallQueueSerializer(serializers.Serializer):
    now = serializers.DateTimeField()
    calls = CallSerializer(many=True)


class AmlHeldSerializer(serializers.Serializer):
    """An AML SMS that came before any call from its number: kept, not yet attached."""

    detail = serializers.CharField()
    number = serializers.CharField()
    message_id = serializers.CharField()
    received_at = serializers.DateTimeField()
    held_until = serializers.DateTimeField(
        help_text=_("It locates a call from this number that rings before then.")
    )


class ContactMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactMessage
        fields = ["message_id", "sender", "text", "sent_at", "received_at"]


class GatewayReceiptSerializer(serializers.Serializer):
    """A gateway message as received: the contact it opened or joined."""

    opened = serializers.BooleanField(help_text=_("It opened a new contact (else it joined one)"))
    message = ContactMessageSerializer()
    contact = CallSerializer()


class CallDetailSerializer(CallSerializer):
    history = serializers.DictField(read_only=True)
    messages = ContactMessageSerializer(
        many=True, read_only=True, help_text=_("A contact's thread, as the gateway relayed it")
    )


class DuplicateSerializer(IncidentSerializer):
    distance_m = serializers.IntegerField(read_only=True)


class DuplicatesSerializer(serializers.Serializer):
    radius_m = serializers.IntegerField()
    window_h = serializers.FloatField()
    candidates = DuplicateSerializer(many=True)


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = IncidentNote
        fields = ["text", "author", "created_at"]


class TimelineIntegritySerializer(serializers.Serializer):
    """Whether the incident's events and the times its rows hold pass the integrity check."""

    intact = serializers.BooleanField()
    problems = serializers.ListField(
        child=serializers.CharField(), help_text=_("What is wrong, one sentence each")
    )


class IncidentDetailSerializer(IncidentSerializer):
    calls = CallSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True)
    timeline = EventSerializer(many=True, read_only=True)
    integrity = TimelineIntegritySerializer(read_only=True)


# --- Positions and presence ------------------------------------------------------------------


class PositionSerializer(serializers.Serializer):
    """A call-taker position (meja) with the PBX extensions on it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    extensions = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()

    def get_extensions(self, obj) -> list[str]:
        return sorted(extension.extension for extension in obj.extensions.all())


class JsonBooleanField(serializers.BooleanField):
    """true or false, as the schema says: not DRF's 0, 1, "yes" or "on"."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class DeskInput(StrictSerializer):
    name = serializers.CharField(max_length=50)
    extensions = serializers.ListField(child=ExtensionField(), max_length=20, default=list)
    is_active = JsonBooleanField(required=False)


class PresenceSerializer(serializers.Serializer):
    """A call-taker at a position: the state the supervisor sees, and since when."""

    id = serializers.IntegerField()
    position = PositionRefSerializer()
    user = serializers.CharField(source="user.username")
    user_name = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=Presence.State.choices)
    state_since = serializers.DateTimeField()
    break_reason = serializers.CharField()
    signed_in_at = serializers.DateTimeField()
    signed_out_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)

    def get_user_name(self, obj) -> str:
        return obj.user.get_full_name() or obj.user.username


class MyPresenceSerializer(serializers.Serializer):
    presence = PresenceSerializer(allow_null=True)
    now = serializers.DateTimeField()


class DeskSignInInput(StrictSerializer):
    position = serializers.PrimaryKeyRelatedField(queryset=Position.objects.all())


class PresenceStateInput(StrictSerializer):
    state = serializers.ChoiceField(
        choices=[
            (Presence.State.READY, _("Ready")),
            (Presence.State.WRAP_UP, _("Wrap-up")),
            (Presence.State.BREAK, _("On break")),
            (Presence.State.AWAY, _("Away")),
        ]
    )
    reason = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True, help_text=_("For a break")
    )


class BoardPositionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    extensions = serializers.ListField(child=serializers.CharField())
    presence = PresenceSerializer(allow_null=True)


class PresenceCountsSerializer(serializers.Serializer):
    staffed = serializers.IntegerField()
    ready = serializers.IntegerField()
    on_call = serializers.IntegerField()
    wrap_up = serializers.IntegerField()
    on_break = serializers.IntegerField()
    away = serializers.IntegerField()


class PresenceBoardSerializer(serializers.Serializer):
    """Every position in use, who is on it and since when; calls answered at a handset with
    nobody signed in at its position."""

    now = serializers.DateTimeField()
    positions = BoardPositionSerializer(many=True)
    counts = PresenceCountsSerializer()
    unclaimed_answers = CallSerializer(many=True)
