"""The ASGI entry point: HTTP (Django), the console WebSocket, and the embedded ticker."""

import gc
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import SyncToAsync
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import get_resolver, set_script_prefix

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambon112.settings")
django.setup(set_prefix=False)

# Threads kept waiting for the next request once a burst of concurrent requests is over.
IDLE_THREADS = 16


class RequestThread:
    """One long-lived thread that handles one request at a time, from start to finish."""

    def __init__(self, handler: "OneHopHandler"):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="http")
        self.respond = self.hop(handler.respond)
        self.read = self.hop(handler.read)
        self.finish = self.hop(handler.finish)

    def hop(self, func) -> SyncToAsync:
        return SyncToAsync(func, thread_sensitive=False, executor=self.executor)

    async def stream(self, parts, size: int):
        """A streamed answer's parts, read on this thread (a database cursor stays on its
        connection's thread) about `size` bytes at a time."""
        while chunk := await self.read(parts, size):
            yield chunk


class OneHopHandler(ASGIHandler):
    """Django's ASGI handler for HTTP, with each request handled in one call on a reused thread.

    Every view of this project is synchronous, and so is most middleware. Django's own handler
    starts a new thread for every request and hops from the event loop to it three times
    (request_started, the middleware and the view, closing the response), and in async mode
    once more for every synchronous middleware. Here the event loop reads the request's body
    and sends the answer; everything in between (the request_started signal, the middleware, the
    view, closing the response with its request_finished signal, which hands the database
    connection back) runs as it does under WSGI, in one call on one thread. That thread serves
    no other request meanwhile and is reused for a later one, as a WSGI server's threads are.
    A streamed answer (a file, an export) is read and then closed on the same thread.
    """

    def __init__(self):
        super().__init__()
        self.idle: deque[RequestThread] = deque()

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            thread = self.idle.pop()
        except IndexError:
            thread = RequestThread(self)
        try:
            response = await thread.respond(scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)
            else:
                try:
                    if not response.is_async:
                        parts = response.streaming_content
                        response.streaming_content = thread.stream(parts, self.chunk_size)
                    await self.send_response(response, send)
                finally:
                    await thread.finish(response, body_file)
        except BaseException:
            # Cancelled (the server shutting down), the thread may still be busy with this
            # request: it ends when done, and is never handed another one.
            thread.executor.shutdown(wait=False)
            raise
        if len(self.idle) < IDLE_THREADS:
            self.idle.append(thread)
        else:
            thread.executor.shutdown(wait=False)

    def respond(self, scope, body_file):
        """The request's answer, made as under WSGI. An answer made whole (not streamed) is
        closed here, before it is sent: the request's connections go back at once."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            self.finish(response, body_file)
        return response

    def read(self, parts, size: int) -> bytes:
        """The next `size` bytes or more of a streamed answer's parts; b"" at their end."""
        chunks, length = [], 0
        for part in parts:
            chunks.append(part)
            length += len(part)
            if length >= size:
                break
        return b"".join(chunks)

    def finish(self, response, body_file):
        response.close()  # request_finished
        body_file.close()


django_asgi_app = OneHopHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from ambon112.realtime import websocket_urlpatterns  # noqa: E402
from ambon112.ticker import Lifespan  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
        "lifespan": Lifespan(),
    }
)

# What is loaded by now (Django, the apps, the URLconf and every view it names) lives as long as
# the process: frozen out of the collector's sight. The cyclic collector otherwise walked its
# ~200,000 objects on every full collection, about 130 ms in the middle of whichever request
# set it off, and a twentieth of that on every middle-generation one (issue #18).
get_resolver().url_patterns  # noqa: B018 -- loads the URLconf and its views now
gc.collect()
gc.freeze()
