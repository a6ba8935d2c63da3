"""A person at a console: sign in with the keyboard, follow the live feed, survive an outage."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

# Starting the server (migrate, load_ambon) is part of the first test; reconnects back off.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# Reconnection backs off up to 15 s between attempts (static/ambon112/live.js).
RECONNECT_TIMEOUT_MS = 40_000


def sign_in(page, username: str, password: str) -> None:
    """Type like a person: username, Tab, password, Enter."""
    page.goto("/login/")
    expect(page.locator("#id_username")).to_be_focused()  # autofocus
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def test_login_page_is_indonesian_and_rejects_a_wrong_password(page):
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk ke Ambon 112")
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
    screenshot(page, "01-login")

    sign_in(page, "dispatcher", "not-the-password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("alert")).to_contain_text("Nama pengguna atau kata sandi salah")
    expect(page.locator("#id_username")).to_have_value("dispatcher")
    screenshot(page, "02-login-wrong-password")


def test_call_taker_console_goes_offline_and_back_online(page, server):
    sign_in(page, "operator", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/console/calls/$"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Panggilan masuk")
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    banner = page.locator("#live-banner")
    expect(banner).to_be_hidden()
    screenshot(page, "03-calls-online")

    server.stop()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Luring")
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "offline")
    screenshot(page, "04-calls-offline")

    server.start()
    expect(page.locator("[data-live]")).to_have_attribute(
        "data-live-status", "online", timeout=RECONNECT_TIMEOUT_MS
    )
    expect(banner).to_be_hidden()
    screenshot(page, "05-calls-back-online")


def test_agency_desk_sees_its_own_events_without_reloading(page, server):
    sign_in(page, "damkar", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/console/agency/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiket untuk Damkar Kota Ambon")
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    page.evaluate("window.notReloaded = true")

    # Another process writes to the log (in production: another web worker or the PBX adapter).
    # The in-memory channel layer cannot carry it across processes, so the console picks the
    # events up from its resync after the server restarts: the path a missed push takes.
    server.record_event("test.for-dinkes", agencies=["dinkes"], actor_label="psc119")
    server.record_event("test.for-damkar", agencies=["damkar"], actor_label="operator")
    server.restart()

    activity = page.locator("#activity")
    expect(activity.locator("li", has_text="test.for-damkar")).to_be_visible(
        timeout=RECONNECT_TIMEOUT_MS
    )
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    expect(page.locator("#live-banner")).to_be_hidden()
    expect(page.locator("#activity-empty")).to_be_hidden()
    expect(activity.locator("li", has_text="test.for-dinkes")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "06-agency-desk-event")

    # A desk may not open the call-takers' console: a page in Indonesian says so.
    response = page.goto("/console/calls/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Tidak diizinkan")
    screenshot(page, "07-agency-desk-forbidden")

    # English on request, from the header's language switch.
    page.goto("/console/agency/")
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tickets for Damkar Kota Ambon")
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "08-agency-desk-english")


def test_supervisor_moves_between_consoles_and_checks_the_log(page):
    sign_in(page, "supervisor", DEMO_PASSWORD)
    # A supervisor lands on the dispatch console (issue #16), not the call-takers'.
    expect(page).to_have_url(re.compile(r"/console/dispatch/$"))
    consoles = page.get_by_role("navigation", name="Konsol")
    expect(consoles.get_by_role("link")).to_have_text(
        ["Panggilan", "Dispatch", "Peta", "Bencana", "Laporan", "Audit", "Kejadian"]
    )
    expect(consoles.get_by_role("link", name="Dispatch")).to_have_attribute("aria-current", "page")
    expect(page.locator(".who")).to_contain_text("Supervisor")

    consoles.get_by_role("link", name="Panggilan").click()
    expect(page).to_have_url(re.compile(r"/console/calls/$"))
    consoles.get_by_role("link", name="Dispatch").click()
    expect(page).to_have_url(re.compile(r"/console/dispatch/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kejadian aktif")
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    screenshot(page, "09-supervisor-dispatch")

    consoles.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keutuhan log peristiwa")
    page.get_by_role("button", name="Periksa seluruh rantai sekarang").click()
    expect(page.get_by_role("status").filter(has_text="Utuh")).to_have_text(
        re.compile(r"^Utuh: \d+ peristiwa diperiksa\.$")
    )
    screenshot(page, "10-supervisor-audit")
