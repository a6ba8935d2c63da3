"""The console socket: authenticated, one feed per console, events pushed after commit, and a
heartbeat that keeps the console in its feed and tells it the feed's head."""

import asyncio
import copy
import socket
import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from redis.asyncio import Redis

from agencies.models import Agency
from ambon112.asgi import application
from ambon112.realtime import LAYER_TIMEOUT_S, ConsoleConsumer
from incidents import events
from incidents.events import record_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("made_up_kinds")]


def communicator(user):
    comm = WebsocketCommunicator(ConsoleConsumer.as_asgi(), "/ws/console/")
    comm.scope["user"] = user
    return comm


async def connected(user):
    """A console of `user`'s, connected and greeted; the communicator and the greeting."""
    comm = communicator(user)
    assert (await comm.connect(timeout=3))[0]
    hello = await comm.receive_json_from()
    assert hello["type"] == "hello"
    return comm, hello


@sync_to_async
def record(kind, *, agency_codes=()):
    with transaction.atomic():
        agencies = Agency.objects.filter(code__in=agency_codes)
        return record_event(kind, payload={"x": 1}, agencies=list(agencies)).seq


async def test_an_anonymous_socket_is_refused(ambon):
    comm = communicator(AnonymousUser())
    connected, code = await comm.connect()
    assert not connected


async def test_a_socket_without_a_session_is_refused_by_the_real_application(ambon):
    comm = WebsocketCommunicator(
        application, "/ws/console/", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )
    connected, _ = await comm.connect()
    assert not connected


async def test_an_operator_console_receives_an_event_pushed_after_commit(ambon, operator):
    comm, hello = await connected(operator)
    assert hello["feed"] == "ops"

    seq = await record("test.pushed")

    message = await comm.receive_json_from(timeout=2)
    assert message["type"] == "event"
    assert message["event"]["seq"] == seq
    assert message["event"]["kind"] == "test.pushed"
    assert message["event"]["prev"] == seq - 1
    await comm.disconnect()


async def test_a_desk_console_hears_its_agency_and_nothing_else(ambon, damkar):
    comm, hello = await connected(damkar)
    assert hello["feed"] == "agency.damkar"

    await record("test.not-for-damkar", agency_codes=["pln"])
    seq = await record("test.for-damkar", agency_codes=["damkar", "pln"])

    message = await comm.receive_json_from(timeout=2)
    assert message["event"]["kind"] == "test.for-damkar"
    assert message["event"]["prev"] == 0  # the first event on this feed
    assert message["event"]["seq"] == seq
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_a_rolled_back_change_is_never_pushed(ambon, operator):
    comm, _hello = await connected(operator)

    @sync_to_async
    def record_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            record_event("test.rolled-back")
            raise RuntimeError("the service failed after writing")

    await record_then_fail()
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_the_events_of_one_commit_arrive_in_order_as_one_message_per_feed(
    ambon, damkar, operator, monkeypatch
):
    ops, _ = await connected(operator)
    desk, _ = await connected(damkar)
    sent = []
    layer = get_channel_layer()
    real_group_send = layer.group_send

    async def counting_group_send(group, message):
        sent.append(group)
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", counting_group_send)

    @sync_to_async
    def record_three():
        with transaction.atomic():
            damkar_agency = Agency.objects.get(code="damkar")
            return [
                event.seq
                for event in events.record_events(
                    [
                        events.NewEvent("test.first", agencies=[damkar_agency]),
                        events.NewEvent("test.second"),
                        events.NewEvent("test.third", agencies=[damkar_agency]),
                    ]
                )
            ]

    first, second, third = await record_three()

    heard = [(await ops.receive_json_from(timeout=2))["event"] for _ in range(3)]
    assert [(e["seq"], e["prev"]) for e in heard] == [
        (first, first - 1),
        (second, first),
        (third, second),
    ]
    heard = [(await desk.receive_json_from(timeout=2))["event"] for _ in range(2)]
    assert [(e["kind"], e["seq"], e["prev"]) for e in heard] == [
        ("test.first", first, 0),
        ("test.third", third, first),
    ]
    assert sorted(sent) == ["agency.damkar", "ops"]
    await ops.disconnect()
    await desk.disconnect()


@pytest.mark.redis
async def test_a_console_hears_nothing_another_redis_database_s_centre_pushes(
    ambon, operator, settings
):
    comm, _ = await connected(operator)
    other_centre = layer_config(settings, prefix="ambon112.another-database.")
    layer_class = type(get_channel_layer())
    other = layer_class(**other_centre["default"]["CONFIG"])

    await other.group_send("ops", {"type": "event.message", "frames": ["{}"]})
    seq = await record("test.ours")

    assert (await comm.receive_json_from(timeout=2))["event"]["seq"] == seq
    await other.flush()
    await comm.disconnect()


async def test_the_socket_refuses_writes(ambon, operator):
    comm, _hello = await connected(operator)
    await comm.send_json_to({"action": "accept_ticket"})
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.disconnect()


# --- Heartbeats: a console never goes deaf while it looks online -----------------------------

BEAT_S = 0.2


@pytest.fixture
def fast_beats(settings):
    settings.CONSOLE_HEARTBEAT_S = BEAT_S


def layer_config(settings, **config):
    """The configured channel layer with some of its CONFIG replaced."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"].setdefault("CONFIG", {}).update(config)
    return layers


def redis_at(settings, port: int):
    """The production Redis layer, with every option it has, pointed at another port."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    host = layers["default"]["CONFIG"]["hosts"][0]
    database = urlsplit(host["address"]).path  # this run's Redis database, e.g. /1
    host["address"] = f"redis://127.0.0.1:{port}{database}"
    return layers


async def messages_until_head(comm, head, *, timeout=3):
    """What the socket brings until a heartbeat carries `head` (beats sent before the commit
    carry the old head), that heartbeat last."""
    received = []
    async with asyncio.timeout(timeout):
        while True:
            received.append(message := await comm.receive_json_from(timeout=timeout))
            if message["type"] == "heartbeat" and message["head"] == head:
                return received


async def next_event(comm, *, timeout=3):
    """The next pushed event, past any heartbeats."""
    async with asyncio.timeout(timeout):
        while (message := await comm.receive_json_from(timeout=timeout))["type"] != "event":
            assert message["type"] == "heartbeat"
    return message["event"]


async def test_the_greeting_tells_the_console_how_often_the_heartbeat_comes(
    ambon, operator, fast_beats
):
    comm, hello = await connected(operator)
    assert hello["heartbeat"] == BEAT_S
    await comm.disconnect()


async def test_a_console_learns_of_an_event_whose_push_was_lost_at_the_next_heartbeat(
    ambon, operator, fast_beats, monkeypatch
):
    comm, hello = await connected(operator)
    monkeypatch.setattr(events, "broadcast_all", lambda pushes: None)  # the push is lost

    seq = await record("test.push-lost")

    received = await messages_until_head(comm, seq)
    assert hello["head"] < seq
    assert {message["type"] for message in received} == {"heartbeat"}
    beat_time = datetime.fromisoformat(received[-1]["now"])
    assert abs((beat_time - timezone.now()).total_seconds()) < 2  # the server's clock
    await comm.disconnect()


async def test_a_desk_heartbeat_carries_the_head_of_its_own_feed(ambon, damkar, fast_beats):
    comm, hello = await connected(damkar)
    seq = await record("test.for-damkar", agency_codes=["damkar"])
    await record("test.not-for-damkar", agency_codes=["pln"])

    received = await messages_until_head(comm, seq)
    assert [m["event"]["seq"] for m in received if m["type"] == "event"] == [seq]
    later = [await comm.receive_json_from() for _ in range(2)]
    assert later == [{**beat, "type": "heartbeat", "head": seq} for beat in later]
    await comm.disconnect()


async def test_a_console_stays_in_its_feed_s_group_long_past_the_group_expiry(
    ambon, operator, fast_beats, settings
):
    settings.CHANNEL_LAYERS = layer_config(settings, group_expiry=1)
    comm, _ = await connected(operator)

    await asyncio.sleep(2.5)  # a membership not renewed since the handshake has lapsed by now
    seq = await record("test.after-expiry")

    assert (await next_event(comm))["seq"] == seq
    await comm.disconnect()


@pytest.mark.redis
async def test_a_console_is_back_in_its_feed_s_group_after_redis_was_emptied(
    ambon, operator, fast_beats, settings
):
    comm, _ = await connected(operator)

    redis = Redis.from_url(settings.REDIS_URL)  # this run's own Redis database
    await redis.flushdb()
    await redis.aclose()
    await asyncio.sleep(3 * BEAT_S)  # a beat joins the group again
    seq = await record("test.after-flush")

    assert (await next_event(comm))["seq"] == seq
    await comm.disconnect()


@pytest.fixture(params=["refuses connections", "accepts and never answers"])
def dead_redis_port(request):
    """A port where no Redis answers: closed, or a listener that never accepts (a Redis that
    hangs, or a host that swallows packets)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if request.param == "refuses connections":
        sock.close()
    else:
        sock.listen(16)
    yield port
    sock.close()


@pytest.mark.redis
async def test_the_handshake_completes_at_once_and_the_heartbeat_goes_on_while_redis_is_dead(
    ambon, operator, fast_beats, settings, dead_redis_port
):
    settings.CHANNEL_LAYERS = redis_at(settings, dead_redis_port)
    started = time.monotonic()

    comm, hello = await connected(operator)

    assert time.monotonic() - started < 2  # bounded by the consumer, not by redis-py's timeouts
    beats = [await comm.receive_json_from(timeout=3) for _ in range(2)]
    assert [beat["type"] for beat in beats] == ["heartbeat", "heartbeat"]
    assert beats[-1]["head"] == hello["head"]
    await comm.disconnect(timeout=3)


class RedisDoor:
    """A TCP proxy in front of the test Redis that can be shut like a Redis restart: open
    connections drop, new ones are refused until it opens again (on the same port)."""

    def __init__(self, target: str):
        parts = urlsplit(target)
        self.target = (parts.hostname, parts.port or 6379)
        self.port = 0
        self.server = None
        self.pipes: set[asyncio.Task] = set()
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self):
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def shut(self):
        self.server.close()
        await self.server.wait_closed()
        for writer in self.writers:
            writer.close()
        await asyncio.gather(*self.pipes)

    async def _pipe(self, client_reader, client_writer):
        self.pipes.add(asyncio.current_task())
        try:
            redis_reader, redis_writer = await asyncio.open_connection(*self.target)
            self.writers |= {client_writer, redis_writer}
            await asyncio.gather(
                self._copy(client_reader, redis_writer), self._copy(redis_reader, client_writer)
            )
        finally:
            client_writer.close()
            self.pipes.discard(asyncio.current_task())

    async def _copy(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass  # the other side is gone: so is this one
        finally:
            writer.close()
            self.writers.discard(writer)


@pytest.fixture
async def redis_door(settings):
    """The channel layer, with its production options, behind a RedisDoor."""
    door = RedisDoor(settings.REDIS_URL)
    await door.open()
    settings.CHANNEL_LAYERS = redis_at(settings, door.port)
    yield door
    await door.shut()


# After a connection error the layer's subscriber pauses this long before it reconnects.
SUBSCRIBER_RETRY_S = 1.0


@pytest.mark.redis
async def test_a_receive_waiting_on_a_connection_a_redis_restart_broke_carries_on(redis_door):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0.3)  # subscribed, waiting

    await redis_door.shut()
    await redis_door.open()
    # What is published before the subscriber is back is lost (publish/subscribe queues
    # nothing; consoles resync from the heartbeat's head): it must be back within its retry.
    async with asyncio.timeout(SUBSCRIBER_RETRY_S + 2):
        while not waiting.done():
            await layer.send(channel, {"type": "test.after-restart"})
            await asyncio.sleep(0.1)

    assert waiting.result()["type"] == "test.after-restart"


@pytest.mark.redis
async def test_a_console_that_lived_through_a_redis_outage_hears_pushes_again(
    ambon, operator, fast_beats, redis_door
):
    comm, _ = await connected(operator)

    await redis_door.shut()
    # The socket stays open and keeps its heartbeat while the channel layer fails.
    beats = [await comm.receive_json_from(timeout=3) for _ in range(3)]
    assert {beat["type"] for beat in beats} == {"heartbeat"}

    await redis_door.open()
    await asyncio.sleep(SUBSCRIBER_RETRY_S + LAYER_TIMEOUT_S + 3 * BEAT_S)  # subscribed again
    seq = await record("test.after-outage")

    assert (await next_event(comm, timeout=5))["seq"] == seq
    await comm.disconnect(timeout=3)
