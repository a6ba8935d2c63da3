"""Issue #16 in the operations room: the wallboard on the room's screen shows the count of open
escalations and never a button to acknowledge one; a supervisor shelves a subject for a stated
time with a reason (the server's messages in Bahasa Indonesia), finds it in the shelved list with
until when, by whom and why, and unshelves it; supervisors land on the console they chose."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.browser.test_escalation_burst import clear_alarms

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

NUMBER = "+6281277001690"
PAST_L1_MS = 30_000  # 15 s, with the ticker's second and the push on top


def test_the_wallboard_never_offers_to_acknowledge_and_a_supervisor_shelves_and_unshelves(
    people, telephone
):
    supervisor = people.open("supervisor", "/console/dispatch/")
    clear_alarms(supervisor)
    operator = people.open("operator", "/console/calls/")
    wall = people.open("supervisor", "/console/wallboard/")

    call_id = telephone.ring(NUMBER, line="112-3")
    panel = supervisor.locator("#escalation-panel")
    card = panel.locator("li.escalation", has_text=NUMBER)
    expect(card).to_be_visible(timeout=PAST_L1_MS)
    expect(operator.locator("#escalation-banner li.escalation", has_text=NUMBER)).to_be_visible()

    # The room's screen: the figure, and nothing to click that acknowledges.
    expect(wall.locator("#escalation-open")).not_to_have_text("0")
    expect(wall.locator(".wb-escalations .wb-value")).not_to_have_text("0", timeout=5_000)
    expect(wall.locator("#escalation-banner")).to_be_hidden()
    expect(wall.get_by_role("button", name="Tanggapi")).to_have_count(0)
    expect(wall.locator("button[data-act]")).to_have_count(0)
    expect(wall.locator("form.landing-choice")).to_have_count(0)
    screenshot(wall, "room-01-wallboard-no-acknowledge")

    # Shelving asks for minutes and a reason; the server's refusal is shown as it says it.
    card.get_by_role("button", name="Tangguhkan…").click()
    dialog = supervisor.locator("#shelve-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(NUMBER)
    dialog.get_by_label("Berapa menit").fill("20")
    dialog.get_by_role("button", name="Tangguhkan", exact=True).click()
    expect(dialog.locator('.field-error[data-for="reason"]')).to_have_text(re.compile(r"\w+"))
    expect(dialog.locator('.field-error[data-for="minutes"]')).to_have_text("")
    screenshot(supervisor, "room-02-shelve-needs-a-reason")
    dialog.get_by_label("Alasan (mis. gangguan yang sudah diketahui)").fill(
        "Gangguan jalur 112-3 di PBX, sudah dilaporkan ke Telkom"
    )
    dialog.get_by_role("button", name="Tangguhkan", exact=True).click()
    expect(dialog).to_be_hidden()

    # Off the cards for everyone, kept in sight in the shelved list: until when, by whom, why.
    expect(card).to_have_count(0)
    expect(operator.locator("#escalation-banner li.escalation", has_text=NUMBER)).to_have_count(0)
    shelved = panel.locator(".shelved li", has_text=NUMBER)
    expect(shelved).to_be_visible()
    expect(shelved.locator(".shelf")).to_have_text(
        re.compile(r"^sampai \d{2}[:.]\d{2}[:.]\d{2} WIT, oleh .+: Gangguan jalur 112-3 di PBX")
    )
    expect(panel.locator(".alarm-note")).to_contain_text("Ditangguhkan")
    screenshot(supervisor, "room-03-shelved-list")

    # Unshelved: the card is back while the call still rings.
    shelved.get_by_role("button", name="Batalkan penangguhan").click()
    expect(shelved).to_have_count(0)
    expect(card).to_be_visible()

    # The call ends: the card leaves at once; nothing acknowledges on the wall.
    telephone.hang_up(call_id)
    expect(card).to_have_count(0)
    assert_agree(wall.locator("#escalation-open"), supervisor.locator("#escalation-open"))
    clear_alarms(supervisor)


def assert_agree(one, other, timeout_s: float = 10) -> None:
    """Two screens' figures for one fact become the same. Each moves with its own socket, and
    other subjects of the suite's server may escalate meanwhile: a single reading of one
    screen can be a figure the other has already passed."""
    deadline = time.monotonic() + timeout_s
    while (shown := (one.inner_text(), other.inner_text()))[0] != shown[1]:
        if time.monotonic() > deadline:
            raise AssertionError(f"the screens disagree: {shown[0]!r} and {shown[1]!r}")
        time.sleep(0.1)


def sign_in_without_next(browser, base_url: str, username: str):
    context = browser.new_context(base_url=base_url, locale="id-ID", timezone_id="Asia/Jayapura")
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    return page


def test_a_supervisor_lands_on_the_dispatch_console_until_they_choose_the_map(
    browser, live_server_url
):
    first = sign_in_without_next(browser, live_server_url, "supervisor")
    try:
        expect(first).to_have_url(re.compile(r"/console/dispatch/$"))
        expect(first.locator(".landing-current")).to_have_text("✓ Halaman awal Anda setelah masuk")
        first.get_by_role("link", name="Peta").first.click()
        expect(first).to_have_url(re.compile(r"/console/map/$"))
        first.get_by_role("button", name="Jadikan halaman awal saya").click()
        expect(first).to_have_url(re.compile(r"/console/map/$"))
        expect(first.locator(".landing-current")).to_be_visible()
        screenshot(first, "room-04-map-is-my-start-page")
    finally:
        first.context.close()

    again = sign_in_without_next(browser, live_server_url, "supervisor")
    try:
        expect(again).to_have_url(re.compile(r"/console/map/$"))
        # Back to the default, for the tests after this one.
        again.goto("/console/dispatch/")
        again.get_by_role("button", name="Jadikan halaman awal saya").click()
        expect(again.locator(".landing-current")).to_be_visible()
    finally:
        again.context.close()
