from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Area(models.Model):
    """A kecamatan or desa/kelurahan of Ambon Island, with the polygon a call is located in."""

    class Level(models.TextChoices):
        KECAMATAN = "kecamatan", _("Kecamatan")
        DESA = "desa", _("Desa/kelurahan")

    code = models.CharField(max_length=20, unique=True)  # Kemendagri code, e.g. 81.71.02.2003
    name = models.CharField(max_length=100)
    alt_name = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    village_type = models.CharField(max_length=10, blank=True)  # kelurahan | desa
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    regency_code = models.CharField(max_length=10)  # 81.71 Kota Ambon, 81.01 Maluku Tengah
    regency = models.CharField(max_length=100)
    label_lat = models.FloatField()
    label_lon = models.FloatField()
    area_km2 = models.FloatField()
    postal_code = models.CharField(max_length=10, blank=True)
    geometry = models.JSONField(help_text=_("GeoJSON geometry, WGS84 lon/lat"))
    geometry_source = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Agency(models.Model):
    """A partner agency that takes tickets: Damkar, BPBD, PSC 119, Polresta…"""

    class Kind(models.TextChoices):
        FIRE = "fire", _("Fire and rescue")
        DISASTER = "disaster", _("Disaster management")
        HEALTH = "health", _("Health / ambulance")
        POLICE = "police", _("Police")
        MILITARY = "military", _("Military")
        PUBLIC_ORDER = "public_order", _("Public order")
        TRANSPORT = "transport", _("Transport")
        SAR = "sar", _("Search and rescue")
        UTILITY = "utility", _("Electricity")
        SOCIAL = "social", _("Social affairs")
        ENVIRONMENT = "environment", _("Environment and parks")

    code = models.SlugField(max_length=30, unique=True)  # also the desk account's username
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    regencies = models.JSONField(
        default=list, help_text=_("Regencies it serves: 81.71 Kota Ambon, 81.01 Maluku Tengah")
    )
    phone = models.CharField(max_length=20, blank=True, help_text=_("E.164, e.g. +62911…"))
    backup = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who the supervisor may send to when this agency does not answer"),
    )
    dispatcher_may_assign = models.BooleanField(
        default=False,
        help_text=_("The 112 dispatcher may send this agency's units without its desk"),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.short_name


class Station(models.Model):
    """A place responders work from or bring people to: fire post, police post, hospital…"""

    class Kind(models.TextChoices):
        FIRE_STATION = "fire_station", _("Fire station")
        HOSPITAL = "hospital", _("Hospital")
        PUSKESMAS = "puskesmas", _("Puskesmas")
        POLICE = "police", _("Police station")
        POLICE_POST = "police_post", _("Police post")
        MILITARY = "military", _("Military base")
        BPBD = "bpbd", _("Disaster management office")
        SAR = "sar", _("Search and rescue office")
        EMS = "ems", _("Ambulance service")
        AIRPORT = "airport", _("Airport")
        PORT = "port", _("Port")

    class PositionQuality(models.TextChoices):
        EXACT = "exact", _("Exact")
        APPROXIMATE = "approximate", _("Approximate (published)")
        AREA_LABEL = "area_label", _("Approximate (placed at its area)")
        UNKNOWN = "unknown", _("Unknown")

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="stations"
    )
    operator = models.CharField(max_length=200, blank=True, help_text=_("Who runs it"))
    address = models.CharField(max_length=300, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    position_quality = models.CharField(max_length=15, choices=PositionQuality.choices)
    phone = models.CharField(max_length=20, blank=True)
    source = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.CheckConstraint(
                name="station_position_both_or_none",
                condition=Q(lat__isnull=True, lon__isnull=True)
                | Q(lat__isnull=False, lon__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """One vehicle or team that can be sent: an engine, an ambulance, a patrol car, a boat."""

    class Kind(models.TextChoices):
        ENGINE = "engine", _("Fire engine")
        TANKER = "tanker", _("Water tanker")
        RESCUE = "rescue", _("Rescue vehicle")
        AMBULANCE = "ambulance", _("Ambulance")
        HEARSE = "hearse", _("Hearse")
        PATROL = "patrol", _("Patrol car")
        MOTORCYCLE = "motorcycle", _("Motorcycle")
        BOAT = "boat", _("Boat")
        TRUCK = "truck", _("Truck")
        UTILITY = "utility", _("Utility crew")
        TOW = "tow", _("Tow truck")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        DISPATCHED = "dispatched", _("Dispatched")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        TRANSPORTING = "transporting", _("Transporting")
        AT_HOSPITAL = "at_hospital", _("At hospital")
        OUT_OF_SERVICE = "out_of_service", _("Out of service")

    call_sign = models.CharField(max_length=30, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    capabilities = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_position_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, help_text=_("Synthetic call sign for demos"))

    class Meta:
        ordering = ["call_sign"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.call_sign


class Role(models.TextChoices):
    CALL_TAKER = "call_taker", _("Call-taker")
    DISPATCHER = "dispatcher", _("Dispatcher")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_DESK = "agency_desk", _("Agency desk")
    CREW = "crew", _("Crew")
    VERIFIER = "verifier", _("Verifier")
    ADMIN = "admin", _("Administrator")


# Roles that belong to one agency: its desk, and the crews of its units.
AGENCY_ROLES = (Role.AGENCY_DESK, Role.CREW)


class Landing(models.TextChoices):
    """Where a supervisor or an administrator lands after signing in (issue #16): the room's
    overview, never the call-taker's queue. The values are the consoles' URL names."""

    DISPATCH = "dispatch_console", _("Dispatch console")
    MAP = "map_console", _("Map")


class User(AbstractUser):
    """A person at a console: a call-taker, a dispatcher, an agency desk, a crew, a verifier…"""

    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="desks"
    )
    landing = models.CharField(
        _("landing console"),
        max_length=20,
        choices=Landing.choices,
        default=Landing.DISPATCH,
        help_text=_("Where a supervisor or an administrator lands after signing in"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_agency_role_has_agency",
                condition=Q(role__in=AGENCY_ROLES, agency__isnull=False)
                | (~Q(role__in=AGENCY_ROLES) & Q(agency__isnull=True)),
            ),
        ]


class MachineToken(models.Model):
    """A credential for a machine user, such as the PBX adapter that posts call events."""

    class Kind(models.TextChoices):
        CTI = "cti", _("Telephony adapter")
        TRACKER = "tracker", _("Vehicle tracker")

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the secret
    prefix = models.CharField(max_length=8)  # shown to admins to tell tokens apart
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A vehicle tracker reports this agency's units only"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("machine token")
        verbose_name_plural = _("machine tokens")
        constraints = [
            models.CheckConstraint(
                name="machine_token_tracker_has_agency",
                condition=Q(kind="tracker", agency__isnull=False)
                | (~Q(kind="tracker") & Q(agency__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoadedReference(models.Model):
    """What `load_ambon` last loaded into one row of reference data, field by field. A value
    that differs from it now was changed by an administrator: kept, and reported, never loaded
    over; a value still equal to it follows the data file when the file changes."""

    model = models.CharField(max_length=60)  # app_label.model_name, e.g. agencies.unit
    key = models.CharField(max_length=250)  # the row's natural key, e.g. the unit's call sign
    values = models.JSONField(help_text=_("Field → value as loaded (a related row by its id)"))
    loaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("loaded reference row")
        verbose_name_plural = _("loaded reference rows")
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="loaded_reference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.key}"
