"""The ASGI entry point: HTTP (Django), the console WebSocket, and the embedded ticker."""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ambon112.settings")
django.setup(set_prefix=False)


class OneHopHandler(ASGIHandler):
    """Django's ASGI handler, with the middleware and the view run in one hop to a thread.

    Every view of this project is synchronous, and so is most middleware. In Django's async
    mode each synchronous middleware method and the view is a hop of its own between the event
    loop and the request's thread (13 for a signed-in GET). Here the whole stack runs as it
    does under WSGI, in one hop: reading the request and sending the response stay on the
    event loop.
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


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
