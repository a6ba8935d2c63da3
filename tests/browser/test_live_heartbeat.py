"""The console's socket is alive only while heartbeats come: a silent socket shows "Luring"
(offline) and is replaced, and a heartbeat whose head is beyond the screen brings the missed
events over REST."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.browser.test_console import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

HEARTBEAT_S = 5  # CONSOLE_HEARTBEAT_S of the test server (the default)
STALE_BEATS = 3  # static/ambon112/live.js


class SocketSwitch:
    """Stands between the console and the server. Deafened, the sockets open now stay open and
    bring nothing, as if the server had frozen, and new ones are refused; healed, new sockets
    work again (a deaf socket stays deaf: the console must give it up)."""

    def __init__(self):
        self.connections = 0
        self.refusing = False
        self.deaf_routes: set = set()
        self.open_routes: list = []

    def route(self, page_side):
        if self.refusing:
            page_side.close()
            return
        self.connections += 1
        server_side = page_side.connect_to_server()
        self.open_routes.append(page_side)
        server_side.on_message(
            lambda message: None if page_side in self.deaf_routes else page_side.send(message)
        )

    def deafen(self):
        self.refusing = True
        self.deaf_routes.update(self.open_routes)

    def heal(self):
        self.refusing = False


@pytest.fixture
def switch(page):
    switch = SocketSwitch()
    page.route_web_socket(re.compile(r"/ws/console/$"), switch.route)
    return switch


def test_a_console_whose_socket_goes_silent_shows_luring_and_comes_back(page, switch):
    sign_in(page, "operator", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/console/calls/$"))
    console = page.locator("[data-live]")
    state = page.locator(".live-state")
    banner = page.locator("#live-banner")
    expect(console).to_have_attribute("data-live-status", "online")
    expect(state).to_have_text("Daring", use_inner_text=True)

    switch.deafen()
    silenced = time.monotonic()
    expect(console).to_have_attribute(
        "data-live-status", "offline", timeout=(STALE_BEATS + 2) * HEARTBEAT_S * 1000
    )
    # Nothing closed the socket: the console gave it up after missing heartbeats.
    assert time.monotonic() - silenced > (STALE_BEATS - 1) * HEARTBEAT_S
    expect(state).to_have_text("Luring", use_inner_text=True)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Luring")
    screenshot(page, "live-heartbeat-01-silent-socket-offline")

    switch.heal()
    expect(console).to_have_attribute("data-live-status", "online", timeout=15_000)
    expect(state).to_have_text("Daring", use_inner_text=True)
    expect(banner).to_be_hidden()
    assert switch.connections == 2
    screenshot(page, "live-heartbeat-02-back-online")


def test_a_console_shows_an_event_whose_push_never_came_after_the_next_heartbeat(
    page, switch, server
):
    sign_in(page, "operator", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/console/calls/$"))
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    page.evaluate("window.notReloaded = true")

    # Written by another process: the embedded channel layer cannot push it to this console.
    server.record_event("test.heartbeat-resync", agencies=[], actor_label="another-worker")

    expect(page.locator("#activity li", has_text="test.heartbeat-resync")).to_be_visible(
        timeout=(HEARTBEAT_S + 5) * 1000
    )
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    assert switch.connections == 1  # the same socket: no reconnection brought the event
    assert page.evaluate("window.notReloaded") is True


def test_the_console_socket_is_not_compressed(people):
    """The server sends each event to every console itself, on its event loop: compressed, each
    frame cost one deflate per console, which gave up and waited for the interpreter's lock
    behind the request threads. With 20 consoles in a surge the events arrived seconds late
    (issue #18, benchmarks/cti_surge.py --consoles). Chromium offers the compression; the
    server declines it."""
    page = people.open("operator", "/console/calls/")
    extensions = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const socket = new WebSocket(`ws://${location.host}/ws/console/`);
            socket.onopen = () => { resolve(socket.extensions); socket.close(); };
            socket.onerror = () => reject(new Error("the console socket was refused"));
        })"""
    )
    assert extensions == ""
