"""What every console page starts from, whichever app serves the page: the live feed's head with
the recent events before it, and the map's settings."""

from django.conf import settings

from incidents.events import events_visible_to, feed_for_user, feed_head
from incidents.privacy import masked_for
from incidents.serializers import EventSerializer

RECENT_EVENTS = 30


def console_context(user) -> dict:
    """The feed head, then the recent events before it (masked for whoever reads them masked)."""
    head = feed_head(feed_for_user(user))
    recent = events_visible_to(user).filter(seq__lte=head).order_by("-seq")[:RECENT_EVENTS]
    events = masked_for(user, EventSerializer(recent, many=True).data)
    return {"last_seq": head, "recent_events": events}


def map_config() -> dict:
    """What a console's map starts from; the tile URL is a setting, outlines are ours."""
    leaflet = settings.LEAFLET_CONFIG
    return {
        "center": leaflet["DEFAULT_CENTER"],
        "zoom": leaflet["DEFAULT_ZOOM"],
        "tiles": leaflet["TILES"],
    }
