"""What the consoles read about hazards: the quakes that matter now, the feeds' state, the
active major incident with its counts, and the banners' words in the reader's language."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.api import represent
from hazards.models import HazardFeed, MajorIncident, MajorIncidentLink, PublicWarning, Quake
from hazards.serializers import (
    FeedSerializer,
    MajorIncidentSerializer,
    QuakeSerializer,
)
from hazards.services.majors import active_major_incident, with_counts
from hazards.services.quakes import configured_feeds

DIRECTIONS = {
    "N": gettext_lazy("north of"),
    "NE": gettext_lazy("northeast of"),
    "E": gettext_lazy("east of"),
    "SE": gettext_lazy("southeast of"),
    "S": gettext_lazy("south of"),
    "SW": gettext_lazy("southwest of"),
    "W": gettext_lazy("west of"),
    "NW": gettext_lazy("northwest of"),
}


def quake_banner(quake: Quake) -> str:
    """ "Gempa M6,5 — 37 km timur laut Ambon, pukul 08.46 WIT: bersiap menerima lonjakan
    panggilan" (times in WIT, numbers as the reader writes them)."""
    values = {
        "magnitude": number_format(quake.magnitude, 1),
        "distance": round(quake.city_distance_km),
        "direction": DIRECTIONS[quake.bearing],
        # Translators: the time of day as written in the banner (Django's date format).
        "time": date_format(timezone.localtime(quake.origin_time), _("H:i")),
    }
    if quake.tsunami:
        return (
            _(
                "Earthquake M%(magnitude)s — %(distance)s km %(direction)s Ambon, at %(time)s "
                "WIT, may cause a tsunami: prepare for a surge of calls"
            )
            % values
        )
    return (
        _(
            "Earthquake M%(magnitude)s — %(distance)s km %(direction)s Ambon, at %(time)s WIT: "
            "prepare for a surge of calls"
        )
        % values
    )


def major_banner(major: MajorIncident) -> str:
    return _("Major incident: %(title)s — calls: %(calls)s, incidents: %(incidents)s") % {
        "title": major.title,
        "calls": major.calls,
        "incidents": major.incidents,
    }


def recent_quakes():
    """The quakes that matter and arrived within HAZARD_BANNER_H hours, newest first."""
    since = timezone.now() - timedelta(hours=settings.HAZARD_BANNER_H)
    return Quake.objects.filter(significant=True, received_at__gte=since).select_related(
        "reviewed_by"
    )[:5]


def feeds() -> list[HazardFeed]:
    return list(HazardFeed.objects.filter(name__in=configured_feeds()))


def situation() -> dict:
    """The banners and the supervisor's hazard panel, one answer."""
    major = active_major_incident()
    return {
        "quakes": [
            {**represent(QuakeSerializer, q), "banner": quake_banner(q)} for q in recent_quakes()
        ],
        "feeds": [represent(FeedSerializer, f) for f in feeds()],
        "major_incident": (
            {**represent(MajorIncidentSerializer, major), "banner": major_banner(major)}
            if major
            else None
        ),
        "now": timezone.now(),
    }


def major_incidents():
    return with_counts(MajorIncident.objects.select_related("declared_by", "closed_by"))


def warnings():
    return PublicWarning.objects.select_related("drafted_by", "approved_by")


def published_warnings():
    return warnings().filter(status=PublicWarning.Status.PUBLISHED).order_by("-sent_at")


def major_incident_choices() -> list[tuple[str, str]]:
    """The reports' choice of major incidents, newest first."""
    return [
        (str(m.pk), f"{m.title} ({date_format(timezone.localtime(m.declared_at), 'd-m-Y')})")
        for m in MajorIncident.objects.order_by("-declared_at")[:100]
    ]


def major_incident_incidents(value: str) -> set[int] | None:
    """The incidents under a major incident: linked in its area, or opened from a call attached
    to it (None: no such major incident)."""
    if not value.isdigit() or not MajorIncident.objects.filter(pk=value).exists():
        return None
    links = MajorIncidentLink.objects.filter(major_incident_id=value)
    linked = set(links.filter(incident__isnull=False).values_list("incident_id", flat=True))
    from_calls = links.filter(call__incident__isnull=False).values_list(
        "call__incident_id", flat=True
    )
    return linked | set(from_calls)
