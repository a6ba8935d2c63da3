"""The console socket: authenticate, join the user's feed, relay events. Writes go over REST."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import path
from django.utils import timezone

from incidents.events import feed_for_user, feed_head
from incidents.privacy import mask_payload, masks_personal_data


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    """Relays the one feed a user may follow; a console resyncs over REST from `head`."""

    feed: str | None = None
    masked = True  # callers' numbers and names, until we know who listens

    async def connect(self):
        self.feed = await database_sync_to_async(feed_for_user)(self.scope.get("user"))
        if self.feed is None:
            await self.close()  # before accept: the handshake is refused with 403
            return
        self.masked = await database_sync_to_async(masks_personal_data)(self.scope["user"])
        await self.channel_layer.group_add(self.feed, self.channel_name)
        await self.accept()
        head = await database_sync_to_async(feed_head)(self.feed)
        now = timezone.now().isoformat()  # consoles count waiting time from the server's clock
        await self.send_json({"type": "hello", "feed": self.feed, "head": head, "now": now})

    async def disconnect(self, code):
        if self.feed:
            await self.channel_layer.group_discard(self.feed, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "detail": "Writes go over the REST API."})

    async def event_message(self, message):
        event = mask_payload(message["event"]) if self.masked else message["event"]
        await self.send_json({"type": "event", "event": event})


websocket_urlpatterns = [path("ws/console/", ConsoleConsumer.as_asgi())]
