"""A call-taker's console socket keeps them present; one that drops for longer than the room's
grace period marks them away (whichever web process held it: the beat writes the database)."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from ambon112.realtime import ConsoleConsumer
from incidents.models import Presence, Room
from incidents.services.presence import check_presence, create_position, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(ConsoleConsumer.as_asgi(), "/ws/console/")
    comm.scope["user"] = user
    return comm


@sync_to_async
def signed_in(user, admin_user) -> Presence:
    position = create_position(name="Meja 1", extensions=["201"], by=admin_user)
    presence = sign_in(user=user, position=position)
    long_ago = timezone.now() - timedelta(minutes=10)
    Presence.objects.filter(pk=presence.pk).update(last_seen_at=long_ago)
    return Presence.objects.get(pk=presence.pk)


@sync_to_async
def reread(presence: Presence) -> Presence:
    return Presence.objects.get(pk=presence.pk)


async def test_the_socket_refreshes_presence_and_a_dropped_one_ends_in_away(
    ambon, operator, admin_user, settings
):
    settings.CONSOLE_HEARTBEAT_S = 0.05
    presence = await signed_in(operator, admin_user)
    comm = communicator(operator)
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from())["type"] == "hello"
    assert (await comm.receive_json_from(timeout=2))["type"] == "heartbeat"
    seen = (await reread(presence)).last_seen_at
    assert seen > presence.last_seen_at
    assert await sync_to_async(check_presence)() == 0  # alive: nothing to do
    await comm.disconnect()

    last = (await reread(presence)).last_seen_at  # the socket's last beat
    grace = (await sync_to_async(Room.get)()).away_grace_s
    assert await sync_to_async(check_presence)(last + timedelta(seconds=grace - 1)) == 0
    assert await sync_to_async(check_presence)(last + timedelta(seconds=grace + 1)) == 1
    assert (await reread(presence)).state == Presence.State.AWAY
