"""HTTP through the real ASGI application (ambon112/asgi.py): every middleware does its work,
and the middleware and the view run in one hop from the event loop to the request's thread."""

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from channels.testing import HttpCommunicator
from django.test import Client

from ambon112.asgi import application, django_asgi_app

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def get(path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    headers = [(b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    response = await HttpCommunicator(application, "GET", path, headers=headers).get_response(10)
    named = {name.decode().lower(): value.decode() for name, value in response["headers"]}
    return response["status"], named, response["body"]


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
    # Django's request_started signal, the whole stack, and closing the response.
    assert hops.count(django_asgi_app.get_response) == 1
    assert len(hops) <= 3, hops


async def test_the_stack_refuses_through_the_real_application_too(ambon):
    status, headers, _body = await get("/api/events/?limit=1")
    assert status == 403
    assert "no-store" in headers["cache-control"]

    status, _headers, body = await get("/api/events/?kind=%00")
    assert status == 400  # QueryTextMiddleware, before the view
    assert b"NUL" in body
