"""The console socket: authenticated, one feed per console, events pushed after commit."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from agencies.models import Agency
from ambon112.asgi import application
from ambon112.realtime import ConsoleConsumer
from incidents.events import record_event

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(user):
    comm = WebsocketCommunicator(ConsoleConsumer.as_asgi(), "/ws/console/")
    comm.scope["user"] = user
    return comm


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
    comm = communicator(operator)
    connected, _ = await comm.connect()
    assert connected
    hello = await comm.receive_json_from()
    assert hello["type"] == "hello" and hello["feed"] == "ops"

    seq = await record("test.pushed")

    message = await comm.receive_json_from(timeout=2)
    assert message["type"] == "event"
    assert message["event"]["seq"] == seq
    assert message["event"]["kind"] == "test.pushed"
    assert message["event"]["prev"] == seq - 1
    await comm.disconnect()


async def test_a_desk_console_hears_its_agency_and_nothing_else(ambon, damkar):
    comm = communicator(damkar)
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["feed"] == "agency.damkar"

    await record("test.not-for-damkar", agency_codes=["pln"])
    seq = await record("test.for-damkar", agency_codes=["damkar", "pln"])

    message = await comm.receive_json_from(timeout=2)
    assert message["event"]["kind"] == "test.for-damkar"
    assert message["event"]["prev"] == 0  # the first event on this feed
    assert message["event"]["seq"] == seq
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_a_rolled_back_change_is_never_pushed(ambon, operator):
    comm = communicator(operator)
    assert (await comm.connect())[0]
    await comm.receive_json_from()

    @sync_to_async
    def record_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            record_event("test.rolled-back")
            raise RuntimeError("the service failed after writing")

    await record_then_fail()
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_the_socket_refuses_writes(ambon, operator):
    comm = communicator(operator)
    assert (await comm.connect())[0]
    await comm.receive_json_from()
    await comm.send_json_to({"action": "accept_ticket"})
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.disconnect()
