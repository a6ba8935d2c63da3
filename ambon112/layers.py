"""The channel layer over Redis: channels_redis's publish/subscribe layer, made safe to open a
console with while Redis is down.

A push is one PUBLISH per feed, and each web process holds one subscription per feed that it
fans out to its consoles in memory: no per-console queue in Redis, no round trips per event on
the receiving side. What publish/subscribe does not do, and why that is enough here:
- A message published while a process is not subscribed (Redis restarting, the connection
  being re-established) is lost, not queued. Consoles make it good: every heartbeat carries the
  feed's head and a console resyncs over REST when the head is beyond what it has applied.
- There is no capacity per console: a console that does not read its socket is bounded by the
  socket, not by the layer.
- Subscriptions are not data: emptying Redis (FLUSHALL) loses none; after a restart redis-py
  subscribes again on its own when it reconnects.
- Redis's channels are not scoped by database number, so the prefix names the database: two
  centres (or two test runs) on one Redis server hear only their own pushes.
"""

import asyncio
import logging
import uuid

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# A new channel's own subscription waits no longer than this.
SUBSCRIBE_TIMEOUT_S = 2.0


class FeedLayer(RedisPubSubChannelLayer):
    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
            return layer


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._subscribing: set[asyncio.Task] = set()

    async def new_channel(self, prefix="specific."):
        """A channel that exists at once, subscribed in the background: a console's handshake
        never waits on Redis for it (a console hears its feed's group, which the heartbeat
        joins until it succeeds). Direct messages sent before the subscription is made, or
        while Redis is down when it is tried, are lost."""
        channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
        self.channels[channel] = asyncio.Queue()
        task = asyncio.ensure_future(self._subscribe_own(channel))
        self._subscribing.add(task)
        task.add_done_callback(self._subscribing.discard)
        return channel

    async def _subscribe_own(self, channel: str) -> None:
        if channel not in self.channels:  # its receiver has gone already
            return
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                await self._get_shard(channel).subscribe(channel)
        except (RedisError, OSError) as exc:  # OSError includes the timeout
            logger.warning("channel %s not subscribed (%r)", channel, exc)
