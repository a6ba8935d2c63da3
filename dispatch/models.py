from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Station, Unit
from incidents.models import Incident, IncidentType


class Ticket(models.Model):
    """An incident forwarded to one agency: notified (T3) → accepted (T4) or declined."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", _("Notified")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Role(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        SUPPORT = "support", _("Support")
        ADDED = "added", _("Added by the dispatcher")

    OPEN_STATUSES = [Status.NOTIFIED, Status.ACCEPTED]

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="tickets")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="tickets")
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NOTIFIED)
    cross_border = models.BooleanField(
        default=False, help_text=_("The agency answers outside its own regency")
    )
    notified_at = models.DateTimeField()  # T3
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)  # T4
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # completed or cancelled

    class Meta:
        ordering = ["-notified_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(
                fields=["agency", "notified_at"],
                name="ticket_open_idx",
                condition=Q(status__in=["notified", "accepted"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "agency"],
                condition=Q(status__in=["notified", "accepted"]),
                name="ticket_one_open_per_agency",
            ),
            models.CheckConstraint(
                name="ticket_declined_has_reason",
                condition=~Q(status="declined") | ~Q(decline_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} → {self.agency_id} ({self.status})"


class Assignment(models.Model):
    """One unit sent to one incident for its agency's ticket, with every step's time."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("Dispatched")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        TRANSPORTING = "transporting", _("Transporting")
        AT_HOSPITAL = "at_hospital", _("At hospital")
        CLEARED = "cleared", _("Cleared")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = [
        Status.DISPATCHED,
        Status.EN_ROUTE,
        Status.ON_SCENE,
        Status.TRANSPORTING,
        Status.AT_HOSPITAL,
    ]

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="assignments")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.DISPATCHED)
    dispatched_at = models.DateTimeField()  # T4d
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    eta_s = models.PositiveIntegerField(null=True, blank=True, help_text=_("Estimate at dispatch"))
    en_route_at = models.DateTimeField(null=True, blank=True)  # T5
    on_scene_at = models.DateTimeField(null=True, blank=True)  # T6
    operations_started_at = models.DateTimeField(null=True, blank=True)  # T6f
    transporting_at = models.DateTimeField(null=True, blank=True)  # T8
    destination = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at_hospital_at = models.DateTimeField(null=True, blank=True)  # T9
    cleared_at = models.DateTimeField(null=True, blank=True)  # T10
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    late_steps = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Steps a crew took offline: step → when the server received it"),
    )

    class Meta:
        ordering = ["dispatched_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # docs/architecture.md "States": a unit is on one call at a time, whoever tries to send
            # it.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(
                    status__in=["dispatched", "en_route", "on_scene", "transporting", "at_hospital"]
                ),
                name="assignment_one_active_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} → #{self.incident_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class Watch(models.TextChoices):
    """What can wait too long (docs/architecture.md "Deadlines")."""

    CALL_UNANSWERED = "call_unanswered", _("Call ringing, unanswered")
    INCIDENT_NOT_FORWARDED = "incident_not_forwarded", _("Emergency answered, no agency notified")
    TICKET_NOT_ACCEPTED = "ticket_not_accepted", _("Ticket not accepted")
    NO_UNIT_EN_ROUTE = "no_unit_en_route", _("Ticket accepted, no unit en route")
    FIRE_NO_OPERATIONS = "fire_no_operations", _("Fire: no operations started")
    NOBODY_READY = "nobody_ready", _("No call-taker ready")
    CONTACT_UNHANDLED = "contact_unhandled", _("Message contact, no first response")
    HAZARD_UNREVIEWED = "hazard_unreviewed", _("Hazard alert (earthquake), not yet reviewed")
    UNIT_NOT_DISPATCHED = "unit_not_dispatched", _("Ticket accepted, no unit sent")
    UNIT_NOT_EN_ROUTE = "unit_not_en_route", _("Unit sent, not en route (turnout)")
    UNIT_NOT_ON_SCENE = "unit_not_on_scene", _("Unit en route, not on scene after its ETA")
    INCIDENT_IDLE = "incident_idle", _("Open incident, no activity")


class Recipient(models.TextChoices):
    CALL_TAKERS = "call_takers", _("Call-takers")
    SUPERVISORS = "supervisors", _("Supervisors")
    AGENCY_DESK = "agency_desk", _("The agency's desk")
    AGENCY_LIAISON = "agency_liaison", _("The agency's liaison in the room")
    # The system has no separate role for these two: the agency's duty officer sits at its desk
    # (and the room's supervisors hear it too), the centre's head is a supervisor or an admin.
    AGENCY_DUTY_OFFICER = "agency_duty_officer", _("The agency's duty officer (desk + supervisors)")
    CENTRE_HEAD = "centre_head", _("The centre's head (supervisors and administrators)")


# Which Escalation flag each recipient sets (the consoles' queries filter on the flags).
TO_CALL_TAKERS = {Recipient.CALL_TAKERS}
TO_SUPERVISORS = {Recipient.SUPERVISORS, Recipient.AGENCY_DUTY_OFFICER, Recipient.CENTRE_HEAD}
TO_AGENCY = {Recipient.AGENCY_DESK, Recipient.AGENCY_LIAISON, Recipient.AGENCY_DUTY_OFFICER}


class Action(models.TextChoices):
    NONE = "", _("None")
    OFFER_BACKUP = "offer_backup", _("Offer the backup agency to the supervisor")
    RAISE_PRIORITY = "raise_priority", _("Raise the incident's priority")


class SlaPolicy(models.Model):
    """How long one kind of thing may wait, for which incidents, and who hears about it when."""

    name = models.CharField(max_length=100)
    watch = models.CharField(max_length=30, choices=Watch.choices)
    category = models.CharField(
        max_length=20,
        blank=True,
        choices=IncidentType.Category.choices,
        help_text=_("Only incidents of this category (blank: all)"),
    )
    priority = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Only incidents of this priority (blank: all)")
    )
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only tickets of this agency (blank: all)"),
    )
    # Codes rather than rows: the policies ship in migrations, before `load_ambon` loads types.
    incident_types = models.JSONField(
        default=list, blank=True, help_text=_("Only incidents of these type codes (none: all)")
    )
    active_from = models.TimeField(
        null=True,
        blank=True,
        help_text=_("Only waits that start from this time, WIT (blank: all day)"),
    )
    active_until = models.TimeField(
        null=True,
        blank=True,
        help_text=_(
            "…and before this time, WIT; earlier than the start: the window crosses midnight"
        ),
    )
    repeat_s = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "After the last level, alert again every so many seconds until it ends (blank: no)"
        ),
    )
    repeat_recipients = models.JSONField(
        default=list, blank=True, help_text=_("Who each repeat alerts")
    )
    max_shelve_minutes = models.PositiveIntegerField(
        default=240,
        help_text=_("The longest a supervisor may shelve one of its alarms, in minutes"),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["watch", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    @property
    def has_window(self) -> bool:
        return self.active_from is not None and self.active_until is not None

    def in_window(self, local_time) -> bool:
        """Whether a WIT time of day falls in the policy's window (none: always)."""
        if not self.has_window:
            return True
        if self.active_from < self.active_until:
            return self.active_from <= local_time < self.active_until
        return local_time >= self.active_from or local_time < self.active_until  # over midnight

    @property
    def specificity(self) -> int:
        """The most specific matching policy wins: agency, incident types, category, priority,
        then a time window."""
        return (
            16 * (self.agency_id is not None)
            + 8 * bool(self.incident_types)
            + 4 * bool(self.category)
            + 2 * (self.priority is not None)
            + self.has_window
        )


class EscalationLevel(models.Model):
    """One rung of a policy's ladder: after `delay_s` of waiting, alert these people."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField()
    delay_s = models.PositiveIntegerField(help_text=_("Seconds from the start of the wait"))
    recipients = models.JSONField(help_text=_("Who is alerted: call_takers, supervisors, …"))
    action = models.CharField(max_length=20, choices=Action.choices, blank=True)

    class Meta:
        ordering = ["policy", "level"]
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="escalation_level_once"),
            models.CheckConstraint(name="escalation_level_positive", condition=Q(delay_s__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.policy} L{self.level} ({self.delay_s} s)"


class ReferenceVersion(models.Model):
    """A new random token whenever an agency or an incident type's default agencies change,
    however they are changed (the database's own triggers, migration 0012): a process keeps
    them in memory for routing for as long as the token it read them with is the current one
    (dispatch/routing.py `reference`)."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token


class PolicyVersion(models.Model):
    """A new random token whenever any SLA policy or level changes, however it is changed (the
    database's own triggers, migration 0011): a process keeps the policies in memory for as long
    as the token it read them with is the current one (dispatch/policies.py `ladders`)."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token


class Deadline(models.Model):
    """One thing waiting now and when its next escalation is due (none once the ladder is
    climbed). Deleted when it stops waiting (in the same transaction); claimed by
    escalate_overdue through the due_at index."""

    watch = models.CharField(max_length=30, choices=Watch.choices)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="+")
    subject_type = models.CharField(max_length=30)
    subject_id = models.CharField(max_length=40)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField()
    level = models.PositiveSmallIntegerField(default=1)  # the next level to fire
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)  # None: ladder climbed
    summary = models.CharField(max_length=200, default="")  # what waits: number, incident…

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["watch", "subject_type", "subject_id"], name="deadline_one_per_wait"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.watch} {self.subject_type}#{self.subject_id} L{self.level} @ {self.due_at}"


class Escalation(models.Model):
    """A deadline passed: what was late, which level, who was alerted, who acknowledged it."""

    watch = models.CharField(max_length=30, choices=Watch.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.PositiveSmallIntegerField()
    subject_type = models.CharField(max_length=30)
    subject_id = models.CharField(max_length=40)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(help_text=_("Waiting since"))
    due_at = models.DateTimeField(help_text=_("The deadline that passed"))
    raised_at = models.DateTimeField()
    # Who was alerted (from the level's recipients), as columns the consoles' queries filter on.
    to_call_takers = models.BooleanField(default=False)
    to_supervisors = models.BooleanField(default=False)
    to_agency = models.BooleanField(default=False, help_text=_("The agency's desk or liaison"))
    action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    summary = models.CharField(max_length=200)
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The thing stopped waiting")
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    repeat = models.BooleanField(default=False, help_text=_("A repeat after the last level"))
    shelved = models.BooleanField(
        default=False, help_text=_("Raised while its subject was shelved: recorded, not sounded")
    )

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [
            models.Index(
                fields=["raised_at"],
                name="escalation_open_idx",
                condition=Q(acknowledged_at__isnull=True),
            ),
        ]
        constraints = [
            # Each level of each wait fires once, whatever the number of workers.
            models.UniqueConstraint(
                fields=["watch", "subject_type", "subject_id", "started_at", "level"],
                name="escalation_once_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.watch} L{self.level} {self.subject_type}#{self.subject_id}"


class Shelf(models.Model):
    """A supervisor shelved one subject's alarms for a while, saying why (ISA-18.2): new levels
    are still recorded but not sounded. Ends early by hand, or by itself at `until` (the
    deadline check), or when the subject stops waiting."""

    class End(models.TextChoices):
        UNSHELVED = "unshelved", _("Unshelved")
        EXPIRED = "expired", _("Expired")
        RESOLVED = "resolved", _("The wait ended")

    watch = models.CharField(max_length=30, choices=Watch.choices)
    subject_type = models.CharField(max_length=30)
    subject_id = models.CharField(max_length=40)
    shelved_at = models.DateTimeField()
    shelved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    until = models.DateTimeField()
    reason = models.CharField(max_length=300)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end = models.CharField(max_length=10, choices=End.choices, blank=True)

    class Meta:
        ordering = ["-shelved_at"]
        verbose_name = _("shelved alarm")
        verbose_name_plural = _("shelved alarms")
        indexes = [
            models.Index(fields=["until"], name="shelf_running_idx", condition=Q(ended_at=None))
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["watch", "subject_type", "subject_id"],
                condition=Q(ended_at=None),
                name="shelf_one_running_per_subject",
            ),
            models.CheckConstraint(name="shelf_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.watch} {self.subject_type}#{self.subject_id} until {self.until}"


class ReportAccess(models.Model):
    """Who read or exported which response-time report, and when (every view is logged)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed the report")
        ROWS = "rows", _("Opened the rows behind a figure")
        EXPORT = "export", _("Exported")
        INTEGRITY = "integrity", _("Checked the event chain")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    action = models.CharField(max_length=10, choices=Action.choices)
    format = models.CharField(max_length=10, blank=True)  # csv, xlsx, pdf for an export
    query = models.JSONField(help_text=_("The filter and options as asked"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("report access")
        verbose_name_plural = _("report accesses")
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.at:%Y-%m-%d %H:%M}"


class CrewShift(models.Model):
    """A crew member signed in to one of their agency's units for a shift (several per unit)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="crew_shifts")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The crew member, or the desk that put them on the unit"),
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("crew shift")
        verbose_name_plural = _("crew shifts")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="crew_one_open_shift"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit} ({self.started_at:%Y-%m-%d %H:%M})"


class LocationLink(models.Model):
    """A one-time link sent to a caller who cannot say where they are; their phone's fix
    locates the call like an AML message. Only the secret's hash is kept."""

    call = models.ForeignKey(
        "incidents.Call", on_delete=models.PROTECT, related_name="location_links"
    )
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the secret
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    sent_via = models.CharField(max_length=20, blank=True, help_text=_("Gateway that sent it"))
    used_at = models.DateTimeField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("location link")
        verbose_name_plural = _("location links")

    def __str__(self) -> str:
        return f"{self.call_id} ({self.created_at:%Y-%m-%d %H:%M})"
