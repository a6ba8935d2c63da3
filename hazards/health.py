"""/healthz's view of the hazard feeds: a feed that fails is reported (the status turns
"degraded"), but never makes the server "down": calls are still taken without BMKG."""

from django.conf import settings
from django.utils import timezone


def check_hazard_feeds() -> dict:
    # Imported here: ambon112.health (and so this module) is imported while the apps load.
    from hazards.models import HazardFeed
    from hazards.services.quakes import configured_feeds

    configured = configured_feeds()
    if not configured:
        return {"ok": True, "configured": False}
    feeds = {feed.name: feed for feed in HazardFeed.objects.filter(name__in=configured)}
    now = timezone.now()
    status, ok = {}, True
    for name in configured:
        feed = feeds.get(name)
        if feed is None or feed.ok_at is None:
            status[name] = {"ok": False, "last_success": None, "error": feed.error if feed else ""}
            ok = False
            continue
        age = (now - feed.ok_at).total_seconds()
        # Stale after three missed readings: the reader itself may have stopped.
        fresh = feed.failing_since is None and age <= 3 * settings.BMKG_POLL_S + 30
        status[name] = {"ok": fresh, "age_s": round(age, 1)}
        if feed.error:
            status[name]["error"] = feed.error
        ok = ok and fresh
    return {"ok": ok, "configured": True, "feeds": status}
