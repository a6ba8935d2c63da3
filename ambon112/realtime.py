"""The console socket: authenticate, join the user's feed, relay events. Writes go over REST.

Every CONSOLE_HEARTBEAT_S seconds the socket carries a heartbeat with the feed's head, read from
the database and sent straight down the socket, not through the channel layer. A console whose
pushes were lost (Redis restarting, ambon112/layers.py) sees the head move and resyncs over
REST; a console that hears nothing for a few beats knows its socket is dead and reconnects. Each
beat also joins the feed's group again: a process that could not subscribe to the feed while
Redis was down does so once it is back, and the in-memory layer's membership never lapses.

Pushed events arrive as the frames to send (incidents/push.py): encoded once per feed, not once
per console.
"""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.urls import path
from django.utils import timezone
from redis.exceptions import RedisError

from incidents.events import feed_for_user, feed_head
from incidents.privacy import masked_for, masks_personal_data
from incidents.push import EVENTS_MESSAGE
from incidents.services.presence import ANSWERING_ROLES
from incidents.services.presence import touch as touch_presence

logger = logging.getLogger(__name__)

# A group change waits no longer than this: the handshake and the beats never hang on Redis.
LAYER_TIMEOUT_S = 1.0
# What an unreachable Redis raises (OSError includes the TimeoutError of asyncio.wait_for).
LAYER_ERRORS = (RedisError, OSError)


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    """Relays the one feed a user may follow; a console resyncs over REST from `head`."""

    feed: str | None = None
    masked = True  # callers' numbers and names, until we know who listens
    heartbeat: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._stop_heartbeat()  # also when the consumer ends on an error, without disconnect()

    async def connect(self):
        self.feed = await database_sync_to_async(feed_for_user)(self.scope.get("user"))
        if self.feed is None:
            await self.close()  # before accept: the handshake is refused with 403
            return
        self.masked = await database_sync_to_async(masks_personal_data)(self.scope["user"])
        # Joined before the head is read: whatever commits later is pushed or in a later head.
        # If Redis is down the socket opens all the same; the heartbeat joins later.
        await self._join_feed()
        await self.accept()
        head = await database_sync_to_async(feed_head)(self.feed)
        await self.send_json(
            {
                "type": "hello",
                "feed": self.feed,
                "head": head,
                "now": server_now(),
                "heartbeat": settings.CONSOLE_HEARTBEAT_S,  # seconds from one beat to the next
            }
        )
        await self._seen()
        self.heartbeat = asyncio.create_task(self._beat())
        self.heartbeat.add_done_callback(_report_stopped_heartbeat)

    async def disconnect(self, code):
        self._stop_heartbeat()  # first: no beat may join the group again after we leave it
        if self.feed:
            await self._layer_call(self.channel_layer.group_discard, "leave")

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "detail": "Writes go over the REST API."})

    async def dispatch(self, message):
        # A push touches no database (a verifier's masking hops to a thread that closes stale
        # connections itself): no hop to close them for every event, as Channels would do.
        if message["type"] == EVENTS_MESSAGE:
            await self.event_message(message)
        else:
            await super().dispatch(message)

    async def event_message(self, message):
        frames = message["frames"]
        if self.masked:  # a verifier: the callers' names to look for are read as it arrives
            frames = await database_sync_to_async(_masked_frames)(self.scope["user"], frames)
        for frame in frames:
            await self.send(text_data=frame)

    async def _beat(self):
        while True:
            await asyncio.sleep(settings.CONSOLE_HEARTBEAT_S)
            await self._join_feed()
            try:
                head = await database_sync_to_async(feed_head)(self.feed)
            except DatabaseError as exc:
                # No beat rather than a wrong one: after three the console shows it is offline.
                logger.warning(
                    "console %s: heartbeat skipped, head unreadable (%r)", self.feed, exc
                )
                continue
            await self.send_json({"type": "heartbeat", "head": head, "now": server_now()})
            await self._seen()

    async def _seen(self):
        """The call-taker's console is alive: refresh their presence (any web process may hold
        the socket; the presence check marks away a console silent beyond the grace period)."""
        if self.scope["user"].role not in ANSWERING_ROLES:
            return
        try:
            await database_sync_to_async(touch_presence)(user=self.scope["user"])
        except DatabaseError as exc:
            logger.warning("console %s: presence not refreshed (%r)", self.feed, exc)

    async def _join_feed(self):
        """Join (again) the feed's group; adding a member twice only refreshes its timestamp."""
        await self._layer_call(self.channel_layer.group_add, "join")

    async def _layer_call(self, change, action: str):
        try:
            await asyncio.wait_for(change(self.feed, self.channel_name), LAYER_TIMEOUT_S)
        except LAYER_ERRORS as exc:
            logger.warning("console %s: could not %s its group (%r)", self.feed, action, exc)

    def _stop_heartbeat(self):
        if self.heartbeat is not None:
            self.heartbeat.cancel()


def _masked_frames(user, frames: list[str]) -> list[str]:
    masked = []
    for text in frames:
        frame = json.loads(text)
        frame["event"] = masked_for(user, frame["event"])
        masked.append(json.dumps(frame))
    return masked


def server_now() -> str:
    """Consoles count waiting times from the server's clock."""
    return timezone.now().isoformat()


def _report_stopped_heartbeat(task: asyncio.Task) -> None:
    """A heartbeat that died of an error: its console will give the socket up and reconnect."""
    if not task.cancelled() and task.exception() is not None:
        logger.warning("console heartbeat stopped", exc_info=task.exception())


websocket_urlpatterns = [path("ws/console/", ConsoleConsumer.as_asgi())]
