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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"])]

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
