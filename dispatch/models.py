from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Station, Unit
from incidents.models import Incident


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

    class Meta:
        ordering = ["dispatched_at"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # DESIGN.md §4: a unit is on one call at a time, whoever tries to send it.
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
