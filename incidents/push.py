"""The live push: committed events handed to the channel layer, one message per feed per commit.

`record_events` calls `broadcast_all` once its transaction has committed, with the events in
sequence order and, for each, the feeds it goes to and their previous numbers. Each feed gets
one message for the whole commit, carrying its events as the socket frames a console receives,
encoded once here rather than once per console (ambon112/realtime.py sends them as they are).
"""

import asyncio
import json
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# The message a feed's group gets: {"type": EVENTS_MESSAGE, "frames": [text, ...]}.
EVENTS_MESSAGE = "event.message"


def broadcast_all(pushes: list[tuple[dict, dict[str, int]]]) -> None:
    """Hand committed events to the channel layer, in order, without waiting for it.

    Runs after commit: nothing here may turn a committed write into an error or hold up its
    response. A push lost to a Redis outage is made good by the consoles, which resync over
    REST when the socket's heartbeat shows a head beyond what they have applied.
    """
    try:
        messages = feed_messages(pushes)
        layer = get_channel_layer()
        if isinstance(layer, InMemoryChannelLayer):
            # Its queues belong to the server's event loop: hop back onto it.
            async_to_sync(_send_all)(layer, messages)
        else:
            _pusher().submit(layer, messages)
    except Exception:
        logger.warning("live push failed; consoles will resync", exc_info=True)


def feed_messages(pushes: list[tuple[dict, dict[str, int]]]) -> list[tuple[str, dict]]:
    """One message per feed, its events' frames in sequence order; each event carries `prev`,
    its feed's previous sequence number."""
    frames: dict[str, list[str]] = {}
    for event, prev_by_feed in pushes:
        for feed, prev in prev_by_feed.items():
            frame = {"type": "event", "event": {**event, "prev": prev}}
            frames.setdefault(feed, []).append(json.dumps(frame))
    return [(feed, {"type": EVENTS_MESSAGE, "frames": texts}) for feed, texts in frames.items()]


async def _send_all(layer, messages: list[tuple[str, dict]]) -> None:
    for feed, message in messages:
        await layer.group_send(feed, message)


class _Pusher:
    """One long-lived loop per process that sends queued pushes to a shared layer (Redis) in
    the order they were committed, with one connection pool; where async_to_sync in a worker
    thread or a Celery task would open a new loop and new connections for every event."""

    QUEUE_LIMIT = 10_000
    SEND_TIMEOUT_S = 2.0

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.queue: asyncio.Queue = asyncio.Queue(self.QUEUE_LIMIT)
        threading.Thread(target=self.loop.run_forever, name="event-push", daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._run(), self.loop)

    def submit(self, layer, messages) -> None:
        self.loop.call_soon_threadsafe(self._enqueue, layer, messages)

    def _enqueue(self, layer, messages) -> None:
        try:
            self.queue.put_nowait((layer, messages))
        except asyncio.QueueFull:
            logger.warning("live push queue full: one commit's push dropped")

    async def _run(self) -> None:
        while True:
            layer, messages = await self.queue.get()
            try:
                await asyncio.wait_for(_send_all(layer, messages), self.SEND_TIMEOUT_S)
            except Exception:
                # The layer is down: what waits behind would time out one by one, so it is
                # dropped now and the consoles resync from the heartbeat's head.
                dropped = self.queue.qsize()
                while not self.queue.empty():
                    self.queue.get_nowait()
                logger.warning(
                    "live push failed; %d queued pushes dropped, consoles will resync",
                    dropped,
                    exc_info=True,
                )


_the_pusher: _Pusher | None = None
_pusher_lock = threading.Lock()


def _pusher() -> _Pusher:
    global _the_pusher
    with _pusher_lock:
        if _the_pusher is None:
            _the_pusher = _Pusher()
        return _the_pusher
