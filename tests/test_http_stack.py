"""HTTP through the real ASGI application (ambon112/asgi.py): every middleware does its work,
and each request is handled in one hop from the event loop to a reused thread of its own, which
hands its database connection back when the request is finished."""

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels.testing import HttpCommunicator
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.db import connection, connections
from django.test import Client

from ambon112.asgi import application, django_asgi_app

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    connection.close()  # this helper's thread keeps no connection to the test database
    return client.cookies["sessionid"].value


def request(path: str, cookie: str = "") -> HttpCommunicator:
    headers = [(b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return HttpCommunicator(application, "GET", path, headers=headers)


async def get(path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    communicator = request(path, cookie)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        part = await communicator.receive_output(10)
        body += part.get("body", b"")  # a streamed answer's last message may carry none (ASGI)
        if not part.get("more_body"):
            break
    await communicator.wait(10)  # the request is over (a streamed answer is closed after it)
    named = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    return start["status"], named, body


async def test_a_signed_in_get_passes_every_middleware_in_one_hop(ambon, operator, monkeypatch):
    cookie = await session_cookie(operator)
    hops = []
    hop = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        hops.append(self.func)
        return await hop(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)

    status, headers, body = await get("/api/events/?limit=1", cookie)

    assert status == 200, body
    assert "no-store" in headers["cache-control"]  # PersonalDataMiddleware
    assert headers["content-language"] == "id"  # ChosenLanguageMiddleware
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    # request_started, the whole stack and closing the response: one call on one thread.
    assert hops == [django_asgi_app.respond]


async def test_the_stack_refuses_through_the_real_application_too(ambon):
    status, headers, _body = await get("/api/events/?limit=1")
    assert status == 403
    assert "no-store" in headers["cache-control"]

    status, _headers, body = await get("/api/events/?kind=%00")
    assert status == 400  # QueryTextMiddleware, before the view
    assert b"NUL" in body


class Seen:
    """Which thread started, answered and finished each request, and with what connection."""

    def __init__(self, monkeypatch):
        self.started, self.answered, self.finished = [], [], []
        request_started.connect(self.on_started)
        request_finished.connect(self.on_finished)
        chain = django_asgi_app._middleware_chain

        def answer(request):
            self.answered.append((threading.current_thread(), connections["default"]))
            self.before_answer()
            return chain(request)

        monkeypatch.setattr(django_asgi_app, "_middleware_chain", answer)

    def before_answer(self):
        pass

    def on_started(self, **kwargs):
        self.started.append(threading.current_thread())

    def on_finished(self, **kwargs):
        # Django's close_old_connections, connected first, has run: the connection of a request
        # that is over is closed (PostgreSQL: back in the pool), unless it is SQLite's test
        # database in memory, which Django never closes.
        closed = connection.connection is None or connection.is_in_memory_db()
        self.finished.append((threading.current_thread(), closed))

    def disconnect(self):
        request_started.disconnect(self.on_started)
        request_finished.disconnect(self.on_finished)


@pytest.fixture
def seen(monkeypatch):
    watcher = Seen(monkeypatch)
    yield watcher
    watcher.disconnect()


async def test_one_request_after_another_reuses_a_thread_that_hands_its_connection_back(
    ambon, operator, seen
):
    cookie = await session_cookie(operator)

    for _ in range(3):
        status, _headers, body = await get("/api/events/?limit=1", cookie)
        assert status == 200, body

    threads = {ident for ident, _connection in seen.answered}
    assert len(threads) == 1  # no thread started per request
    (thread,) = threads
    assert seen.started == [thread] * 3
    assert seen.finished == [(thread, True)] * 3


async def test_requests_at_the_same_time_run_on_threads_and_connections_of_their_own(
    ambon, operator, seen
):
    cookie = await session_cookie(operator)
    both_in = threading.Barrier(2, timeout=10)  # each waits until the other is being answered
    seen.before_answer = both_in.wait

    answers = await asyncio.gather(
        get("/api/events/?limit=1", cookie), get("/api/events/?limit=1", cookie)
    )

    assert [status for status, _headers, _body in answers] == [200, 200]
    (first, first_connection), (second, second_connection) = seen.answered
    assert first != second
    assert first_connection is not second_connection
    assert len(seen.started) == 2 and set(seen.started) == {first, second}
    assert len(seen.finished) == 2 and set(seen.finished) == {(first, True), (second, True)}


async def test_a_streamed_answer_is_read_and_closed_on_its_request_thread(ambon, seen, monkeypatch):
    with open(finders.find("ambon112/console.css"), "rb") as css:
        expected = css.read()
    read_on = []
    read = django_asgi_app.read

    def reading(parts, size):
        read_on.append(threading.current_thread())
        return read(parts, size)

    monkeypatch.setattr(django_asgi_app, "read", reading)
    django_asgi_app.idle.clear()  # a new thread, which reads through `reading`

    status, _headers, body = await get("/static/ambon112/console.css")

    assert status == 200
    assert body == expected
    ((thread, _connection),) = seen.answered
    assert set(read_on) == {thread}
    assert seen.finished == [(thread, True)]


async def test_a_view_that_hops_back_to_the_event_loop_runs_there(ambon, seen):
    server_loop = asyncio.get_running_loop()
    ran_on = []

    async def on_the_loop():
        ran_on.append(asyncio.get_running_loop())

    seen.before_answer = async_to_sync(on_the_loop)  # as a push to the in-memory layer does

    status, _headers, _body = await get("/api/events/?limit=1")

    assert status == 403
    assert ran_on == [server_loop]


async def test_a_cancelled_request_never_hands_its_busy_thread_to_another(ambon, seen):
    busy, release = threading.Event(), threading.Event()

    def hold():
        busy.set()
        release.wait(10)

    seen.before_answer = hold
    django_asgi_app.idle.clear()
    cancelled = request("/api/events/?limit=1")
    await cancelled.send_input({"type": "http.request", "body": b""})
    await asyncio.get_running_loop().run_in_executor(None, busy.wait, 10)
    cancelled.future.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled.future
    seen.before_answer = lambda: None
    release.set()

    status, _headers, _body = await get("/api/events/?limit=1")

    assert status == 403
    first, second = (ident for ident, _connection in seen.answered)
    assert first != second
