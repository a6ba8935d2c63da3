"""Reading BMKG's feeds: each quake stored once, the ones that matter to Ambon raised to the
supervisor through the deadline machinery (Watch.HAZARD_UNREVIEWED), feed trouble recorded.

A feed that cannot be read, or is not a BMKG feed, changes no quake: the feed row says why
(/healthz and the supervisor's hazard page show it) and one event marks the start of the
trouble, one its end. An unchanged body (same digest) changes nothing but the time it was
checked. A record refused alone (missing field, impossible coordinates, a future date) is
logged with its reason and listed on the feed row; the others are stored.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import represent
from core.errors import Conflict
from dispatch.deadlines import Wait, reconcile
from dispatch.models import Watch
from hazards import bmkg
from hazards.geo import bearing_from_city, city_distance_km, island_distance_km
from hazards.models import HazardFeed, Quake
from hazards.serializers import FeedSerializer, QuakeSerializer
from incidents.events import NewEvent, record_event, record_events

logger = logging.getLogger(__name__)


@dataclass
class Reading:
    """What one reading of a feed did."""

    feed: str
    ok: bool
    unchanged: bool = False
    stored: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    error: str = ""


def configured_feeds() -> dict[str, str]:
    """The feeds to read (name → URL); none on a machine that has not been told (README)."""
    feeds = {"latest": settings.BMKG_LATEST_URL, "felt": settings.BMKG_FELT_URL}
    return {name: url for name, url in feeds.items() if url}


def poll_feeds() -> list[Reading]:
    """Read every configured feed once (the beat task); one feed's failure never stops another."""
    return [read_feed(name=name, url=url) for name, url in configured_feeds().items()]


def read_feed(*, name: str, url: str, now: datetime | None = None) -> Reading:
    now = now or timezone.now()
    feed, _created = HazardFeed.objects.get_or_create(name=name, defaults={"url": url})
    try:
        body = bmkg.fetch(url)
        records = bmkg.records(body)
        if not records:
            raise bmkg.FeedError("the feed lists no earthquake")
    except bmkg.FeedError as exc:
        logger.warning("BMKG feed %s failed: %s", name, exc, extra={"feed": name, "url": url})
        feed_failed(feed=feed, url=url, error=str(exc), now=now)
        return Reading(name, ok=False, error=str(exc))
    digest = hashlib.sha256(body).hexdigest()
    if digest == feed.digest and feed.url == url and feed.failing_since is None:
        HazardFeed.objects.filter(pk=feed.pk).update(checked_at=now, ok_at=now)
        return Reading(name, ok=True, unchanged=True)
    reading = Reading(name, ok=True)
    for record in records:
        try:
            report = bmkg.parse(record, now=now)
        except bmkg.Rejected as exc:
            reason = {"record": _label(record), "reason": str(exc)}
            logger.warning("BMKG feed %s: record refused: %s", name, exc, extra=reason)
            reading.rejected.append(reason)
            continue
        quake = store_quake(report=report, feed=name)
        if quake is not None:
            reading.stored.append(quake.pk)
    feed_read(feed=feed, url=url, digest=digest, rejected=reading.rejected, now=now)
    return reading


def _label(record: dict) -> str:
    return " ".join(str(record.get(k, "")) for k in ("DateTime", "Magnitude", "Wilayah")).strip()


@transaction.atomic
def feed_failed(*, feed: HazardFeed, url: str, error: str, now: datetime) -> None:
    """The reading failed: the row says why; the first failure of a run of them is an event."""
    feed = HazardFeed.objects.select_for_update().get(pk=feed.pk)
    starting = feed.failing_since is None
    feed.url, feed.checked_at, feed.error = url, now, error[:300]
    feed.failing_since = feed.failing_since or now
    feed.save(update_fields=["url", "checked_at", "error", "failing_since"])
    if starting:
        record_event(
            "hazard_feed.failed",
            subject=feed,
            actor_label="bmkg",
            payload={"feed": represent(FeedSerializer, feed)},
        )


@transaction.atomic
def feed_read(
    *, feed: HazardFeed, url: str, digest: str, rejected: list[dict], now: datetime
) -> None:
    feed = HazardFeed.objects.select_for_update().get(pk=feed.pk)
    recovered = feed.failing_since is not None
    feed.url, feed.checked_at, feed.ok_at, feed.digest = url, now, now, digest
    feed.failing_since, feed.error, feed.rejected = None, "", rejected[:20]
    feed.save()
    if recovered:
        record_event(
            "hazard_feed.recovered",
            subject=feed,
            actor_label="bmkg",
            payload={"feed": represent(FeedSerializer, feed)},
        )


def assess(report: bmkg.QuakeReport, island_km: float) -> list[str]:
    """Why a quake matters to the centre (empty: it does not). Settings say how strong and how
    near, and which felt places count."""
    reasons = []
    if (
        float(report.magnitude) >= settings.HAZARD_MIN_MAGNITUDE
        and island_km <= settings.HAZARD_RADIUS_KM
    ):
        reasons.append("magnitude")
    places = [p.lower() for p in settings.HAZARD_FELT_PLACES]
    if any(place in felt["place"].lower() for felt in report.felt for place in places):
        reasons.append("felt")
    if report.tsunami:
        reasons.append("tsunami")
    return reasons


@transaction.atomic
def store_quake(*, report: bmkg.QuakeReport, feed: str) -> Quake | None:
    """Store a reported quake once. The same quake in another feed (the felt list after the
    latest) adds what it says more — felt places, a tsunami potential — and nothing else.
    Returns the quake when something changed."""
    existing = Quake.objects.select_for_update().filter(origin_time=report.origin_time).first()
    if existing is not None:
        return _complete(existing, report)
    island_km = island_distance_km(report.lat, report.lon)
    reasons = assess(report, island_km)
    try:
        with transaction.atomic():
            quake = Quake.objects.create(
                origin_time=report.origin_time,
                lat=report.lat,
                lon=report.lon,
                magnitude=report.magnitude,
                depth_km=report.depth_km,
                region=report.region,
                potential=report.potential,
                tsunami=report.tsunami,
                felt=report.felt,
                shakemap=report.shakemap,
                feed=feed,
                received_at=timezone.now(),
                island_distance_km=round(island_km, 1),
                city_distance_km=round(city_distance_km(report.lat, report.lon), 1),
                bearing=bearing_from_city(report.lat, report.lon),
                significant=bool(reasons),
                reasons=reasons,
            )
    except IntegrityError:  # another reader stored it a moment ago
        return None
    publish_quake("quake.received", quake)
    return quake


def _complete(quake: Quake, report: bmkg.QuakeReport) -> Quake | None:
    changed = []
    if report.felt and not quake.felt:
        quake.felt = report.felt
        changed.append("felt")
    if report.tsunami and not quake.tsunami:
        quake.tsunami, quake.potential = True, report.potential
        changed += ["tsunami", "potential"]
    if report.shakemap and not quake.shakemap:
        quake.shakemap = report.shakemap
        changed.append("shakemap")
    if not changed:
        return None
    quake.reasons = assess(report_of(quake), quake.island_distance_km)
    quake.significant = bool(quake.reasons)
    quake.save(update_fields=[*changed, "reasons", "significant"])
    publish_quake("quake.updated", quake)
    return quake


def report_of(quake: Quake) -> bmkg.QuakeReport:
    return bmkg.QuakeReport(
        origin_time=quake.origin_time,
        lat=quake.lat,
        lon=quake.lon,
        magnitude=quake.magnitude,
        depth_km=quake.depth_km,
        region=quake.region,
        potential=quake.potential,
        felt=quake.felt,
    )


def quake_event(kind: str, quake: Quake, *, actor=None) -> NewEvent:
    return NewEvent(
        kind,
        subject=quake,
        actor=actor,
        actor_label="" if actor else "bmkg",
        payload={"quake": represent(QuakeSerializer, quake)},
    )


def publish_quake(kind: str, quake: Quake, *, actor=None) -> None:
    record_events([quake_event(kind, quake, actor=actor)])


@transaction.atomic
def review_quake(*, quake: Quake, by) -> Quake:
    """A supervisor has seen the alert: the wait ends (its escalations resolve)."""
    if not Quake.objects.filter(pk=quake.pk, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=by
    ):
        raise Conflict(_("This earthquake was already reviewed."))
    quake.refresh_from_db()
    publish_quake("quake.reviewed", quake, actor=by)
    return quake


def on_event(new: NewEvent) -> list[NewEvent]:
    """Registered with incidents.events: a quake that matters waits for a supervisor's review."""
    quake = new.subject
    if not isinstance(quake, Quake):
        return []
    waiting = quake.significant and quake.reviewed_at is None
    wait = Wait(Watch.HAZARD_UNREVIEWED, quake, quake.received_at) if waiting else None
    return reconcile({Watch.HAZARD_UNREVIEWED: wait}, quake)
