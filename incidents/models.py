from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency


class IncidentType(models.Model):
    """What kind of emergency a call reports, with who answers it by default."""

    class Category(models.TextChoices):
        KEBAKARAN = "kebakaran", _("Fire")
        BENCANA = "bencana", _("Disaster")
        MEDIS = "medis", _("Medical")
        KAMTIBMAS = "kamtibmas", _("Security and public order")
        KECELAKAAN = "kecelakaan", _("Accident")
        LAIN_LAIN = "lain_lain", _("Other")
        MOBIL_JENAZAH = "mobil_jenazah", _("Hearse request")

    class Capability(models.TextChoices):
        FIRE = "fire", _("Fire engine")
        AMBULANCE = "ambulance", _("Ambulance")
        RESCUE = "rescue", _("Rescue")
        POLICE = "police", _("Police")
        BOAT = "boat", _("Boat")
        HEARSE = "hearse", _("Hearse")
        TREE = "tree", _("Tree crew")
        UTILITY = "utility", _("Utility crew")
        NONE = "none", _("None")

    code = models.SlugField(max_length=50, unique=True)  # e.g. kebakaran.rumah
    category = models.CharField(max_length=20, choices=Category.choices)
    name_id = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    default_priority = models.PositiveSmallIntegerField()
    capability = models.CharField(max_length=20, choices=Capability.choices)
    apco_code = models.CharField(max_length=20, help_text=_("APCO ANS 2.103.2 common type"))
    apco_name = models.CharField(max_length=200)
    agencies = models.ManyToManyField(Agency, through="IncidentTypeAgency", related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")
        constraints = [
            models.CheckConstraint(
                name="incident_type_priority_1_to_4",
                condition=models.Q(default_priority__gte=1, default_priority__lte=4),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "id").startswith("en") else self.name_id


class IncidentTypeAgency(models.Model):
    """One agency an incident type is forwarded to by default, primary or in support."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        SUPPORT = "support", _("Support")

    incident_type = models.ForeignKey(
        IncidentType, on_delete=models.CASCADE, related_name="default_agencies"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["incident_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["incident_type", "agency"], name="type_agency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_type_id} → {self.agency_id} ({self.role})"


class EventChainHead(models.Model):
    """The one row that serialises appends to the event log: last number, last hash, feeds."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # Last sequence number per live feed, so a console can tell a gap from a filtered event.
    feeds = models.JSONField(default=dict)

    class Meta:
        constraints = [models.CheckConstraint(name="chain_head_single", condition=models.Q(id=1))]

    def __str__(self) -> str:
        return f"head #{self.seq}"


class Event(models.Model):
    """One entry of the append-only log: what changed, when, by whom; hash-chained."""

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)  # username, or the machine's name
    kind = models.CharField(max_length=50)  # e.g. call.ringing, ticket.accepted
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.CharField(max_length=40, blank=True)
    payload = models.JSONField(default=dict)
    agencies = models.JSONField(default=list)  # codes of the agency desks that may see it
    # The incident the event belongs to (its own, a ticket's, a unit's…), for its timeline.
    incident = models.ForeignKey(
        "Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prev_hash = models.CharField(max_length=64)
    # Not indexed: the hash covers `seq`, so two events cannot share one while `seq` is the key,
    # and the log is read by number (the walk, the seals, the commit witness). An index of
    # random hashes (two, with PostgreSQL's LIKE twin) cost every append a write to a random
    # page of each, 0.1-0.4 ms of the insert at a year's 3.5 million events (issue #18).
    hash = models.CharField(max_length=64)
    # Written by generate_demo_history: invented history for a demonstration, never a real call.
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "seq"]),
            models.Index(fields=["at"], name="event_at_idx"),  # a report's events covered
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("The event log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The event log is append-only.")


class EventAudience(models.Model):
    """Index of which agency desks may read an event, for the desk's resync query."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="audience")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "event"], name="event_audience_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.event_id} → {self.agency_id}"


class Caller(models.Model):
    """A telephone number (or a social-media or e-mail account) that has contacted 112: its
    prank and ghost counts, and any block."""

    # E.164; an account that wrote without a number is "<platform>:<handle>" (CALLER_KEY).
    number = models.CharField(max_length=120, unique=True)
    prank_calls = models.PositiveIntegerField(default=0)
    ghost_calls = models.PositiveIntegerField(default=0)
    flagged_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The nuisance policy was crossed; awaiting a supervisor")
    )
    blocked_until = models.DateTimeField(null=True, blank=True)
    block_reason = models.CharField(max_length=200, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("caller")
        verbose_name_plural = _("callers")

    def __str__(self) -> str:
        return self.number

    def is_blocked(self, now) -> bool:
        return self.blocked_until is not None and self.blocked_until > now


class Incident(models.Model):
    """Something that happened and needs a response: a fire, a flood, a patient, a fight."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        DISPATCHED = "dispatched", _("Dispatched")
        RESPONDING = "responding", _("Responding")
        ON_SCENE = "on_scene", _("On scene")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        FALSE_ALARM = "false_alarm", _("False alarm")
        CANCELLED = "cancelled", _("Cancelled")
        TRANSFERRED = "transferred", _("Transferred to another service")

    # Resolved: every unit is back, nobody closed it yet; still on the operations room's list.
    OPEN_STATUSES = [
        Status.NEW,
        Status.DISPATCHED,
        Status.RESPONDING,
        Status.ON_SCENE,
        Status.RESOLVED,
    ]

    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=IncidentType.Category.choices)
    priority = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    area = models.ForeignKey(
        "agencies.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kecamatan = models.ForeignKey(
        "agencies.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location_approximate = models.BooleanField(default=False)
    outside_coverage = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField()  # T2
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)  # T11
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    agencies = models.ManyToManyField(
        Agency,
        blank=True,
        related_name="+",
        help_text=_("Agencies it was forwarded to; their desks may read it"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="incident_open_idx",
                condition=models.Q(
                    status__in=["new", "dispatched", "responding", "on_scene", "resolved"]
                ),
            ),
            models.Index(fields=["created_at"], name="incident_created_idx"),  # reports by T2
        ]
        constraints = [
            models.CheckConstraint(
                name="incident_priority_1_to_4",
                condition=models.Q(priority__gte=1, priority__lte=4),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.incident_type}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Room(models.Model):
    """The call-taking room: its presence rules (one row), and what the "nobody ready" wait is
    about."""

    wrapup_max_s = models.PositiveIntegerField(
        default=120, help_text=_("A call-taker in wrap-up longer than this is made ready again")
    )
    away_grace_s = models.PositiveIntegerField(
        default=60,
        help_text=_("A console silent (socket dropped) longer than this marks its call-taker away"),
    )
    nobody_ready_when_idle = models.BooleanField(
        default=False,
        help_text=_("Alarm when no call-taker is ready even while no call rings"),
    )

    class Meta:
        verbose_name = _("call-taking room")
        verbose_name_plural = _("call-taking room")
        constraints = [models.CheckConstraint(name="room_is_one", condition=models.Q(pk=1))]

    def __str__(self) -> str:
        return str(_("Call-taking room"))

    @classmethod
    def get(cls) -> "Room":
        return cls.objects.get_or_create(pk=1)[0]


class Position(models.Model):
    """A call-taker's desk (meja) and the PBX extensions whose handsets sit on it: a PBX answer
    at one of them belongs to whoever is signed in here."""

    name = models.CharField(max_length=50, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return self.name


class PositionExtension(models.Model):
    """One PBX extension of a position; an extension belongs to one position only."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="extensions")
    extension = models.CharField(max_length=20, unique=True)

    class Meta:
        ordering = ["extension"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return self.extension


class Presence(models.Model):
    """One call-taker signed in at one position, from sign-in to sign-out, with the state the
    supervisor sees. Every change of state is also an event in the chain."""

    class State(models.TextChoices):
        READY = "ready", _("Ready")
        ON_CALL = "on_call", _("On a call")
        WRAP_UP = "wrap_up", _("Wrap-up")
        BREAK = "break", _("On break")
        AWAY = "away", _("Away")

    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="presences")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="presences"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.READY)
    state_since = models.DateTimeField()
    break_reason = models.CharField(max_length=100, blank=True)
    signed_in_at = models.DateTimeField()
    signed_out_at = models.DateTimeField(null=True, blank=True)
    # Refreshed by the console socket's heartbeat, in whichever web process holds it: the
    # deadline check marks the person away once it is older than PRESENCE_AWAY_GRACE_S.
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position__name"]
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        constraints = [
            models.UniqueConstraint(
                fields=["position"],
                condition=models.Q(signed_out_at__isnull=True),
                name="presence_one_per_position",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(signed_out_at__isnull=True),
                name="presence_one_per_user",
            ),
            models.CheckConstraint(
                name="presence_break_has_reason",
                condition=~models.Q(state="break") | ~models.Q(break_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} — {self.user}"


class Call(models.Model):
    """One telephone call or message to 112, from ringing to its disposition."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Telephone")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        WALK_IN = "walk_in", _("Walk-in")
        SOCIAL = "social", _("Social media")
        RADIO = "radio", _("Radio")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("E-mail")

    # A message or a visit, not a ringing telephone: no ring clock, a first-response deadline.
    MESSAGE_CHANNELS = frozenset(Channel.values) - {Channel.PHONE}

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        X = "x", "X (Twitter)"
        TIKTOK = "tiktok", "TikTok"
        YOUTUBE = "youtube", "YouTube"
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        ENDED = "ended", _("Ended")
        ABANDONED = "abandoned", _("Abandoned")

    class Disposition(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency")
        INFORMATION = "information", _("Information")
        PRANK = "prank", _("Prank")
        GHOST = "ghost", _("Ghost (silent line)")
        DROPPED = "dropped", _("Dropped")
        DUPLICATE = "duplicate", _("Duplicate")
        TEST = "test", _("Test")

    class AnsweredVia(models.TextChoices):
        PBX = "pbx", _("Handset (PBX)")
        CONSOLE = "console", _("Console")

    call_id = models.CharField(max_length=64, unique=True)  # the telephony adapter's id
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PHONE)
    caller = models.ForeignKey(
        Caller, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    line = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RINGING)
    ringing_at = models.DateTimeField(null=True, blank=True)  # T0
    answered_at = models.DateTimeField(null=True, blank=True)  # T1
    ended_at = models.DateTimeField(null=True, blank=True)
    clock_skew_s = models.FloatField(
        null=True, blank=True, help_text=_("Set when the adapter's clock was more than 5 s off")
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    # Who answered (T1) and where: the person signed in at the answering extension's position
    # (none if nobody was), or the call-taker who took it on the console.
    answered_via = models.CharField(max_length=10, choices=AnsweredVia.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_extension = models.CharField(max_length=20, blank=True)
    disposition = models.CharField(max_length=12, choices=Disposition.choices, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    aml_lat = models.FloatField(null=True, blank=True)
    aml_lon = models.FloatField(null=True, blank=True)
    aml_radius_m = models.FloatField(null=True, blank=True)
    aml_source = models.CharField(max_length=20, blank=True)
    aml_at = models.DateTimeField(null=True, blank=True)
    caller_name = models.CharField(max_length=100, blank=True)
    callback_number = models.CharField(max_length=20, blank=True)
    notes = models.TextField(blank=True)
    # A contact that did not ring: what it said (or a summary), and on social media where.
    message = models.TextField(blank=True)
    platform = models.CharField(max_length=10, choices=Platform.choices, blank=True)
    handle = models.CharField(max_length=100, blank=True, help_text=_("Account, handle or address"))
    link = models.URLField(max_length=500, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The call-taker who logged a contact by hand"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="call_waiting_idx",
                condition=models.Q(answered_at__isnull=True, ended_at__isnull=True),
            ),
            models.Index(fields=["caller", "created_at"], name="call_caller_idx"),
            models.Index(fields=["ringing_at"], name="call_ringing_idx"),  # reports by T0
            # An incident's first call (its T0, T1 and disposition) from the index alone.
            models.Index(
                fields=["incident", "ringing_at", "id"],
                include=["answered_at", "disposition"],
                name="call_incident_ringing_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="call_emergency_has_incident",
                condition=~models.Q(disposition__in=["emergency", "duplicate"])
                | models.Q(incident__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} ({self.status})"


class ContactMessage(models.Model):
    """One inbound message of a non-voice contact as the message gateway relayed it (SMS,
    WhatsApp): the messages of one conversation thread into one contact."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(max_length=10, choices=Call.Channel.choices)
    message_id = models.CharField(max_length=100, help_text=_("The gateway's id for the message"))
    sender = models.CharField(max_length=120)  # E.164, or the account it came from
    text = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)  # the gateway's time, if given
    received_at = models.DateTimeField()
    adapter = models.CharField(max_length=100)  # the machine token's name

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        constraints = [
            models.UniqueConstraint(fields=["channel", "message_id"], name="contact_message_once"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.message_id}"


class AmlMessage(models.Model):
    """One AML SMS (a handset's location, ETSI TS 103 625) as it reached us, kept whether or not
    a call was found for it: held until its call rings, or attached to the call it located."""

    number = models.CharField(max_length=20)  # E.164, the handset that sent it
    message_id = models.CharField(
        max_length=100, blank=True, help_text=_("The SMS gateway's id for the message, if any")
    )
    body = models.TextField()
    # Identifies a repeat of a message that came without an id: same number, same body.
    body_sha256 = models.CharField(max_length=64)
    lat = models.FloatField()
    lon = models.FloatField()
    radius_m = models.FloatField()
    positioned_at = models.DateTimeField()
    received_at = models.DateTimeField()
    adapter = models.CharField(max_length=100)  # the machine token's name
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.PROTECT, related_name="aml_messages"
    )
    attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("AML message")
        verbose_name_plural = _("AML messages")
        indexes = [
            # What a new call from a number looks for: the messages held for it.
            models.Index(
                fields=["number", "received_at"],
                name="aml_held_idx",
                condition=models.Q(call__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "message_id"],
                name="aml_message_id_once",
                condition=~models.Q(message_id=""),
            ),
            models.UniqueConstraint(
                fields=["number", "body_sha256"],
                name="aml_body_once_without_id",
                condition=models.Q(message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.received_at:%Y-%m-%d %H:%M:%S}"


class IncidentNote(models.Model):
    """A line added to an incident after it was created: what a caller or a unit said."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return self.text[:40]


class DayVerdict(models.Model):
    """A closed WIT day that a full check found intact (its events walked, its rows' times held
    against their events), with fingerprints of what that check read and the centre's
    signature: a later check recomputes the fingerprints in SQL instead of walking the day
    again (incidents/verdicts.py)."""

    day = models.DateField(unique=True)
    first_seq = models.BigIntegerField(null=True)  # the day's events; None: it had none
    last_seq = models.BigIntegerField(null=True)
    events = models.PositiveIntegerField()
    events_digest = models.CharField(max_length=32)
    rows = models.PositiveIntegerField()  # the rows the day owns (incidents.chain_times.TABLES)
    rows_digest = models.CharField(max_length=32)
    verified_at = models.DateTimeField()
    signature = models.TextField()

    class Meta:
        ordering = ["day"]
        verbose_name = _("verified day")
        verbose_name_plural = _("verified days")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} ({self.events} events, {self.rows} rows)"
