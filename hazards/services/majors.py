"""Major incidents: a supervisor declares the disaster, the surge is filed under it, it closes.

Calls are attached by call-takers (one key on their console); incidents created inside its
area are linked by `on_event`, an observer of the event log registered by hazards' AppConfig,
so that incidents never needs to know about hazards.
"""

from dataclasses import replace

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity

from agencies.models import Area, Role
from core.api import represent
from core.db import read_row
from core.errors import Conflict, Forbidden, Invalid
from hazards.geo import area_shape, covers
from hazards.models import MajorIncident, MajorIncidentLink, Quake
from hazards.serializers import MajorIncidentSerializer
from hazards.services.quakes import quake_event
from incidents.events import NewEvent, record_events
from incidents.models import Call, Incident

DECLARE_ROLES = {Role.SUPERVISOR, Role.ADMIN}
ATTACH_ROLES = {Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}


def with_counts(majors):
    return majors.annotate(
        calls=Count("links", filter=Q(links__call__isnull=False)),
        incidents=Count("links", filter=Q(links__incident__isnull=False)),
    )


def active_major_incident() -> MajorIncident | None:
    return with_counts(MajorIncident.objects.filter(active=True)).first()


def check_area(*, area_codes: list[str], polygon: dict | None) -> None:
    """An area is kecamatan / desa codes of our data, a GeoJSON polygon, or both; never none."""
    if not area_codes and not polygon:
        raise Invalid({"area_codes": [_("Choose the area: kecamatan, desa or a polygon.")]})
    unknown = sorted(
        set(area_codes)
        - set(Area.objects.filter(code__in=area_codes).values_list("code", flat=True))
    )
    if unknown:
        raise Invalid(
            {"area_codes": [_("Unknown area code(s): %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    if polygon:
        try:
            if polygon.get("type") != "Polygon":
                raise ValueError
            geometry = shape(polygon)
        except (AttributeError, ValueError, TypeError, IndexError, KeyError):
            raise Invalid({"polygon": [_("Give a GeoJSON Polygon in lon/lat.")]}) from None
        if not geometry.is_valid or geometry.area == 0:
            raise Invalid(
                {
                    "polygon": [
                        _("The polygon is not valid: %(why)s.")
                        % {"why": explain_validity(geometry)}
                    ]
                }
            )
        west, south, east, north = geometry.bounds
        if not (-90 <= south and north <= 90 and -180 <= west and east <= 180):
            raise Invalid({"polygon": [_("The polygon lies outside the earth's coordinates.")]})


def major_event(kind: str, major: MajorIncident, *, actor, **extra) -> NewEvent:
    major = with_counts(MajorIncident.objects.filter(pk=major.pk)).get()
    return NewEvent(
        kind,
        subject=major,
        actor=actor,
        actor_label="" if actor else "hazards",
        payload={"major_incident": represent(MajorIncidentSerializer, major), **extra},
    )


@transaction.atomic
def declare_major_incident(
    *,
    by,
    title: str,
    kind: str,
    area_codes: list[str],
    polygon: dict | None = None,
    quake: Quake | None = None,
) -> MajorIncident:
    """Declared from a quake (which counts as reviewed) or by hand; one at a time."""
    if by.role not in DECLARE_ROLES:
        raise Forbidden(_("Only a supervisor may declare a major incident."))
    check_area(area_codes=area_codes, polygon=polygon)
    try:
        with transaction.atomic():
            major = MajorIncident.objects.create(
                title=title,
                kind=kind,
                quake=quake,
                area_codes=sorted(set(area_codes)),
                polygon=polygon or None,
                declared_at=timezone.now(),
                declared_by=by,
            )
    except IntegrityError:
        raise Conflict(_("A major incident is already active: close it first.")) from None
    events = [major_event("major_incident.declared", major, actor=by)]
    if quake is not None and Quake.objects.filter(pk=quake.pk, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=by
    ):
        quake.refresh_from_db()
        events.append(quake_event("quake.reviewed", quake, actor=by))
    record_events(events)
    return major


@transaction.atomic
def close_major_incident(*, major: MajorIncident, by) -> MajorIncident:
    if by.role not in DECLARE_ROLES:
        raise Forbidden(_("Only a supervisor may close a major incident."))
    if not MajorIncident.objects.filter(pk=major.pk, active=True).update(
        active=False, closed_at=timezone.now(), closed_by=by
    ):
        raise Conflict(_("This major incident is already closed."))
    major.refresh_from_db()
    record_events([major_event("major_incident.closed", major, actor=by)])
    return major


@transaction.atomic
def attach_call(*, major: MajorIncident, call: Call, by) -> MajorIncidentLink:
    """A call-taker files a call of the surge under the major incident (once)."""
    if by.role not in ATTACH_ROLES:
        raise Forbidden(_("Only the operations room may attach calls."))
    major = MajorIncident.objects.select_for_update().get(pk=major.pk)
    if not major.active:
        raise Conflict(_("This major incident is closed."))
    try:
        with transaction.atomic():
            link = MajorIncidentLink.objects.create(
                major_incident=major,
                call=call,
                how=MajorIncidentLink.How.ATTACHED,
                linked_at=timezone.now(),
                linked_by=by,
            )
    except IntegrityError:
        raise Conflict(_("This call is already attached to the major incident.")) from None
    record_events([major_event("major_incident.call_attached", major, actor=by, call=call.pk)])
    return link


def on_event(new: NewEvent) -> list[NewEvent]:
    """Registered with incidents.events: an incident created inside the active major incident's
    area is filed under it, in the incident's own transaction."""
    if new.kind != "incident.created" or not isinstance(new.subject, Incident):
        return []
    incident = new.subject
    if incident.lat is None:
        return []
    # Every new incident asks (plain SQL: the ORM's query cost more than the read); at most one
    # is active (one_active_major_incident).
    major = read_row(MajorIncident, where="t.active")
    if major is None:
        return []
    area = area_shape(codes=major.area_codes, polygon=major.polygon)
    if not covers(area, incident.lat, incident.lon):
        return []
    MajorIncidentLink.objects.create(
        major_incident=major,
        incident=incident,
        how=MajorIncidentLink.How.AREA,
        linked_at=timezone.now(),
    )
    linked = major_event("major_incident.incident_linked", major, actor=None, incident=incident.pk)
    return [replace(linked, incident=incident)]  # in the incident's timeline too
