"""Hazards: earthquakes read from BMKG, major incidents (disasters) and CAP public warnings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HazardFeed(models.Model):
    """One BMKG feed the centre reads, and whether its last reading worked (never silent)."""

    name = models.CharField(max_length=20, unique=True)  # latest | felt
    url = models.CharField(max_length=500)
    checked_at = models.DateTimeField(null=True, blank=True)
    ok_at = models.DateTimeField(null=True, blank=True, help_text=_("Last successful reading"))
    failing_since = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    digest = models.CharField(max_length=64, blank=True)  # of the last body read: unchanged?
    rejected = models.JSONField(default=list, help_text=_("Records refused in the last reading"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("hazard feed")
        verbose_name_plural = _("hazard feeds")

    def __str__(self) -> str:
        return self.name


class Quake(models.Model):
    """One earthquake as BMKG reported it, stored once (by its origin time)."""

    origin_time = models.DateTimeField(unique=True)
    lat = models.FloatField()
    lon = models.FloatField()
    magnitude = models.DecimalField(max_digits=3, decimal_places=1)
    depth_km = models.PositiveIntegerField()
    region = models.CharField(max_length=200)  # BMKG's Wilayah, e.g. "40 km TimurLaut AMBON"
    potential = models.CharField(max_length=200, blank=True)  # BMKG's Potensi, as written
    tsunami = models.BooleanField(default=False)
    felt = models.JSONField(default=list)  # [{"mmi": "V-VI", "place": "Ambon"}, …]
    shakemap = models.CharField(max_length=100, blank=True)
    feed = models.CharField(max_length=20)
    received_at = models.DateTimeField()
    island_distance_km = models.FloatField(help_text=_("From Ambon Island's nearest shore"))
    city_distance_km = models.FloatField(help_text=_("From the centre of Kota Ambon"))
    bearing = models.CharField(max_length=2)  # from Kota Ambon: N, NE, E, …
    significant = models.BooleanField(default=False)
    reasons = models.JSONField(default=list)  # magnitude | felt | tsunami
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-origin_time"]
        verbose_name = _("earthquake")
        verbose_name_plural = _("earthquakes")
        constraints = [
            models.CheckConstraint(
                name="quake_coordinates_possible",
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return f"M{self.magnitude} · {self.region}"


class MajorIncident(models.Model):
    """A disaster declared by a supervisor: calls and incidents of the surge are filed under it."""

    class Kind(models.TextChoices):
        EARTHQUAKE = "gempa", _("Earthquake")
        TSUNAMI = "tsunami", _("Tsunami")
        FLOOD = "banjir", _("Flood")
        LANDSLIDE = "longsor", _("Landslide")
        FIRE = "kebakaran", _("Fire")
        OTHER = "lainnya", _("Other")

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quake = models.ForeignKey(
        Quake, null=True, blank=True, on_delete=models.PROTECT, related_name="major_incidents"
    )
    area_codes = models.JSONField(default=list)  # kecamatan / desa codes
    polygon = models.JSONField(null=True, blank=True)  # GeoJSON Polygon, lon/lat
    active = models.BooleanField(default=True)
    declared_at = models.DateTimeField()
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("major incident")
        verbose_name_plural = _("major incidents")
        constraints = [
            # The surge has one name: call-takers attach to "the" major incident in one key.
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_major_incident"
            ),
            models.CheckConstraint(
                name="major_incident_closed_when_inactive",
                condition=Q(active=True, closed_at__isnull=True)
                | Q(active=False, closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MajorIncidentLink(models.Model):
    """One call or incident filed under a major incident, by whom and how."""

    class How(models.TextChoices):
        ATTACHED = "attached", _("Attached by a call-taker")
        AREA = "area", _("Created inside its area")

    major_incident = models.ForeignKey(
        MajorIncident, on_delete=models.PROTECT, related_name="links"
    )
    call = models.ForeignKey(
        "incidents.Call", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    how = models.CharField(max_length=10, choices=How.choices)
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["linked_at"]
        constraints = [
            models.CheckConstraint(
                name="major_link_call_or_incident",
                condition=Q(call__isnull=False, incident__isnull=True)
                | Q(call__isnull=True, incident__isnull=False),
            ),
            models.UniqueConstraint(fields=["major_incident", "call"], name="major_link_call_once"),
            models.UniqueConstraint(
                fields=["major_incident", "incident"], name="major_link_incident_once"
            ),
        ]

    def __str__(self) -> str:
        what = f"call {self.call_id}" if self.call_id else f"incident {self.incident_id}"
        return f"{self.major_incident_id}: {what}"


class PublicWarning(models.Model):
    """A public warning as a CAP 1.2 alert: drafted, approved by a second person, published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft, waiting for approval")
        PUBLISHED = "published", _("Published to the public")

    class MsgType(models.TextChoices):
        ALERT = "Alert", _("New warning")
        UPDATE = "Update", _("Warning update")
        CANCEL = "Cancel", _("Warning cancellation")

    class Category(models.TextChoices):  # CAP 1.2 <category>
        GEO = "Geo", _("Geophysical (earthquake, tsunami, landslide)")
        MET = "Met", _("Meteorological (flood, storm)")
        SAFETY = "Safety", _("General emergency and public safety")
        SECURITY = "Security", _("Law enforcement, public security")
        RESCUE = "Rescue", _("Rescue and recovery")
        FIRE = "Fire", _("Fire")
        HEALTH = "Health", _("Medical and public health")
        ENV = "Env", _("Pollution and environment")
        TRANSPORT = "Transport", _("Transport")
        INFRA = "Infra", _("Utilities and infrastructure")
        OTHER = "Other", _("Other")

    class Urgency(models.TextChoices):
        IMMEDIATE = "Immediate", _("Immediate")
        EXPECTED = "Expected", _("Expected")
        FUTURE = "Future", _("Future")
        PAST = "Past", _("Past")
        UNKNOWN = "Unknown", _("Unknown")

    class Severity(models.TextChoices):
        EXTREME = "Extreme", _("Extreme")
        SEVERE = "Severe", _("Severe")
        MODERATE = "Moderate", _("Moderate")
        MINOR = "Minor", _("Minor")
        UNKNOWN = "Unknown", _("Unknown")

    class Certainty(models.TextChoices):
        OBSERVED = "Observed", _("Observed")
        LIKELY = "Likely", _("Likely")
        POSSIBLE = "Possible", _("Possible")
        UNLIKELY = "Unlikely", _("Unlikely")
        UNKNOWN = "Unknown", _("Unknown")

    # The message itself: what an update or a cancellation copies from the warning it follows.
    MESSAGE = [
        "category",
        "event",
        "urgency",
        "severity",
        "certainty",
        "headline_id",
        "instruction_id",
        "headline_en",
        "instruction_en",
        "area_desc",
        "area_codes",
        "circle",
        "onset",
        "expires",
        "major_incident",
    ]

    identifier = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    msg_type = models.CharField(max_length=10, choices=MsgType.choices, default=MsgType.ALERT)
    references = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followers"
    )
    major_incident = models.ForeignKey(
        MajorIncident, null=True, blank=True, on_delete=models.PROTECT, related_name="warnings"
    )
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.GEO)
    event = models.CharField(max_length=100)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    certainty = models.CharField(max_length=10, choices=Certainty.choices)
    headline_id = models.CharField(max_length=160)
    instruction_id = models.TextField()
    headline_en = models.CharField(max_length=160, blank=True)
    instruction_en = models.TextField(blank=True)
    area_desc = models.CharField(max_length=300)
    area_codes = models.JSONField(default=list)  # kecamatan / desa codes: their polygons
    circle = models.JSONField(null=True, blank=True)  # {"lat", "lon", "radius_km"}
    onset = models.DateTimeField()
    expires = models.DateTimeField()
    drafted_at = models.DateTimeField()
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    xml = models.TextField(blank=True, help_text=_("The CAP message as published, unchanged"))

    class Meta:
        ordering = ["-drafted_at"]
        verbose_name = _("public warning")
        verbose_name_plural = _("public warnings")
        constraints = [
            models.CheckConstraint(
                name="warning_expires_after_onset", condition=Q(expires__gt=models.F("onset"))
            ),
            # The four-eyes rule, kept by the database too.
            models.CheckConstraint(
                name="warning_approved_by_second_person",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("drafted_by")),
            ),
            models.CheckConstraint(
                name="warning_published_is_complete",
                condition=Q(status="draft") | Q(sent_at__isnull=False, approved_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.identifier
