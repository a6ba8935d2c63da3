"""Call-takers at the call console: the live queue, take, the screen-pop, and the intake form
driven from the keyboard, as a person in the 112 room would use it."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BATU_MERAH, People, csrf, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def console(browser, live_server_url, request, telephone):
    """`console(username)`: the call console signed in as someone (People), noting the page's
    dialogs in `page.dialogs`. After `telephone`, so a failing test's screenshots are taken
    before it hangs up."""
    signed_in = People(browser, live_server_url)

    def open_as(username: str):
        page = signed_in.open(username, "/console/calls/")
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        return page

    yield open_as
    signed_in.close(request)


def queue_row(page, number: str):
    return page.locator("#call-queue li", has_text=number)


def take_with_a(page, number: str) -> None:
    """The one key that answers the longest-waiting call."""
    expect(queue_row(page, number)).to_be_visible()
    page.locator("body").press("a")
    expect(page.locator("#pop-number")).to_have_text(number)


def test_a_ringing_call_reaches_every_console_and_leaves_the_others_when_taken(console, telephone):
    operator = console("operator")
    supervisor = console("supervisor")
    telephone.ring("+6281200001234", line="112-1")

    for page in (operator, supervisor):
        row = queue_row(page, "+6281200001234")
        expect(row).to_be_visible()
        expect(row.locator(".line")).to_have_text("112-1")
    # The waiting time counts up every second, from the server's clock.
    wait = queue_row(supervisor, "+6281200001234").locator(".wait")
    expect(wait).to_have_text(re.compile(r"^0:0\d$"))
    first = wait.text_content()
    expect(wait).not_to_have_text(first, timeout=3_000)
    screenshot(supervisor, "call-intake-01-queue-on-the-supervisor-console")

    take_with_a(operator, "+6281200001234")
    expect(queue_row(supervisor, "+6281200001234")).to_have_count(0, timeout=3_000)
    expect(queue_row(operator, "+6281200001234")).to_have_count(0)
    expect(operator.locator("#pop-line")).to_contain_text("112-1")
    expect(operator.locator("#pop-state")).to_contain_text("Dijawab")
    screenshot(operator, "call-intake-02-screen-pop")

    # The supervisor tries to take it anyway (from a stale screen): one wins, the other is told.
    call = operator.evaluate("fetch('/api/calls/?status=mine').then(r => r.json())")["calls"][0]
    answer = supervisor.request.post(
        f"/api/calls/{call['id']}/take/", headers={"X-CSRFToken": csrf(supervisor)}
    )
    assert answer.status == 409
    assert "Operator" in answer.json()["detail"]

    operator.locator("body").press("t")  # a test call
    expect(operator.locator("#intake")).to_be_hidden()
    expect(operator.get_by_role("status").filter(has_text="Uji")).to_be_visible()


def log_house_fire_at_the_aml_fix(page, number: str) -> tuple[int, float]:
    """Take → incident created with keys only; returns the incident's id and the seconds."""
    started = time.monotonic()
    take_with_a(page, number)
    page.keyboard.press("e")
    expect(page.locator("#f-type")).to_be_focused()
    page.keyboard.type("kebakaran rumah")
    expect(page.locator(".picker-list li.active")).to_contain_text("Kebakaran rumah")
    page.keyboard.press("Enter")
    expect(page.locator("#f-priority")).to_have_value("1")
    expect(page.locator("#use-aml")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#detected .desa")).to_have_text("Batu Merah")
    expect(page.locator("#detected .kecamatan")).to_have_text("Sirimau")
    page.keyboard.type("Lorong belakang masjid")
    toasts = page.get_by_role("status").filter(has_text="dibuat")
    before = toasts.count()
    page.keyboard.press("Control+Enter")
    expect(toasts).to_have_count(before + 1)
    created = toasts.first  # the newest is on top
    seconds = time.monotonic() - started
    incident_id = int(re.search(r"#(\d+)", created.text_content()).group(1))
    expect(page.locator("#intake")).to_be_hidden()
    return incident_id, seconds


def test_a_house_fire_goes_from_take_to_incident_with_the_keyboard_alone(console, telephone):
    supervisor = console("supervisor")
    supervisor.goto("/incidents/?category=kebakaran")
    expect(supervisor.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    operator = console("operator")
    telephone.ring("+6281200005678", line="112-2", at=BATU_MERAH)
    expect(queue_row(operator, "+6281200005678").locator(".badge", has_text="AML")).to_be_visible()

    take_with_a(operator, "+6281200005678")
    expect(operator.locator("#aml-info")).to_contain_text("±20 m")
    operator.keyboard.press("e")
    operator.keyboard.type("kebakaran rumah")
    screenshot(operator, "call-intake-03-type-picker")
    operator.keyboard.press("Enter")
    operator.keyboard.press("Enter")  # use the AML fix
    expect(operator.locator("#detected")).to_contain_text("Batu Merah")
    # No tile server answers here: the outlines and kelurahan names are the map.
    expect(operator.locator("#intake-map")).to_have_attribute("data-outlines", "80")
    assert operator.locator("#intake-map .outline-pane path").count() >= 80
    expect(operator.locator("#intake-map .area-label", has_text="Batu Merah")).to_be_visible()
    screenshot(operator, "call-intake-04-located-at-batu-merah")
    started = time.monotonic()
    operator.keyboard.press("Control+Enter")
    created = operator.get_by_role("status").filter(has_text="dibuat")
    expect(created).to_contain_text("Kebakaran rumah")
    expect(created).to_contain_text("Batu Merah")
    assert time.monotonic() - started < 5
    screenshot(operator, "call-intake-05-incident-created")
    incident_id = int(re.search(r"#(\d+)", created.text_content()).group(1))

    # The whole path again, timed from the key that takes the call.
    telephone.ring("+6281200005679", line="112-1", at=BATU_MERAH)
    second_id, seconds = log_house_fire_at_the_aml_fix(operator, "+6281200005679")
    assert seconds < 30, f"take → incident took {seconds:.1f} s"
    assert second_id != incident_id

    # The supervisor's incident list followed without a reload.
    row = supervisor.locator("#incident-rows tr", has_text=f"#{incident_id}")
    expect(row).to_contain_text("Kebakaran rumah")
    expect(row).to_contain_text("Batu Merah")
    expect(row).to_contain_text("Baru")
    expect(supervisor.locator(f"#incident-rows tr[data-id='{second_id}']")).to_be_visible()
    screenshot(supervisor, "call-intake-06-incident-list-live")

    incident = operator.evaluate(f"fetch('/api/incidents/{incident_id}/').then(r => r.json())")
    assert incident["incident_type"]["code"] == "kebakaran.rumah"
    assert incident["priority"] == 1
    assert incident["area"]["name"] == "Batu Merah"
    assert incident["calls"][0]["number"] == "+6281200005678"
    assert incident["calls"][0]["disposition"] == "emergency"


def test_a_second_call_near_an_open_fire_is_offered_it_and_attached(console, telephone):
    operator = console("operator")
    supervisor = console("supervisor")
    telephone.ring("+6281200007001", at=BATU_MERAH)
    first_id, _seconds = log_house_fire_at_the_aml_fix(operator, "+6281200007001")

    # A neighbour calls about the same fire, 60 m away; the supervisor takes it.
    near = (BATU_MERAH[0] + 0.0004, BATU_MERAH[1] + 0.0003)
    telephone.ring("+6281200007002", line="112-2", at=near)
    expect(queue_row(operator, "+6281200007002")).to_be_visible()
    take_with_a(supervisor, "+6281200007002")
    supervisor.keyboard.press("e")
    supervisor.keyboard.type("kebakaran rumah")
    supervisor.keyboard.press("Enter")
    supervisor.keyboard.press("Enter")
    candidate = supervisor.locator("#dup-list li", has_text=f"#{first_id}")
    expect(candidate).to_be_visible()
    expect(candidate).to_contain_text("Kebakaran rumah")
    expect(candidate).to_contain_text("Baru")
    expect(candidate).to_contain_text(re.compile(r"\b\d{2} m\b"))
    screenshot(supervisor, "call-intake-07-duplicate-offered")

    candidate.get_by_role("button").click()
    expect(supervisor.get_by_role("status").filter(has_text=f"#{first_id}")).to_contain_text(
        "dilampirkan"
    )
    expect(supervisor.locator("#intake")).to_be_hidden()

    supervisor.goto(f"/incidents/{first_id}/")
    calls = supervisor.locator("#incident-calls li")
    expect(calls).to_have_count(2)
    expect(calls.nth(1)).to_contain_text("+6281200007002")
    expect(calls.nth(1)).to_contain_text("Duplikat")
    expect(supervisor.locator("#incident-timeline")).to_contain_text("Panggilan lain dilampirkan")
    expect(supervisor.locator("#incident-map")).to_have_attribute("data-outlines", "80")
    screenshot(supervisor, "call-intake-08-incident-with-two-calls")


def test_a_prank_call_costs_one_keystroke_and_is_remembered(console, telephone):
    operator = console("operator")
    telephone.ring("+6281200008888", line="112-1")
    take_with_a(operator, "+6281200008888")
    operator.keyboard.press("p")
    expect(operator.locator("#intake")).to_be_hidden()
    expect(operator.get_by_role("status").filter(has_text="+6281200008888")).to_contain_text(
        "Iseng"
    )

    # The same number again: the queue and the screen-pop say so.
    telephone.ring("+6281200008888", line="112-2")
    row = queue_row(operator, "+6281200008888")
    expect(row.locator(".badge", has_text=re.compile(r"^1 .*iseng$"))).to_be_visible()
    take_with_a(operator, "+6281200008888")
    expect(operator.locator("#pop-warnings")).to_contain_text("1 panggilan iseng sebelumnya")
    expect(operator.locator("#pop-calls")).to_contain_text("Iseng")
    screenshot(operator, "call-intake-09-prank-caller-again")
    operator.keyboard.press("Alt+3")  # the same from anywhere, a text field included
    expect(operator.locator("#intake")).to_be_hidden()


def test_text_typed_by_people_is_shown_as_text_never_run(console, telephone):
    operator = console("operator")
    telephone.ring("+6281200009990", line="112-1")
    take_with_a(operator, "+6281200009990")
    operator.locator("#f-caller-name").fill(XSS)
    operator.locator("#f-notes").fill(f"{XSS} pohon di jalan")
    operator.keyboard.press("Alt+Digit1")
    expect(operator.locator("#f-type")).to_be_focused()
    operator.keyboard.type("pohon")
    operator.keyboard.press("Enter")
    expect(operator.locator("#f-area")).to_be_focused()  # no AML fix: the kelurahan next
    operator.keyboard.type("batu mer")
    operator.keyboard.press("Enter")
    expect(operator.locator("#detected")).to_contain_text("Batu Merah")
    operator.keyboard.type(XSS)
    operator.keyboard.press("Enter")
    created = operator.get_by_role("status").filter(has_text="dibuat")
    expect(created).to_contain_text("Pohon tumbang")
    incident_id = int(re.search(r"#(\d+)", created.text_content()).group(1))

    operator.goto(f"/incidents/{incident_id}/")
    card = operator.locator("#incident-calls li").first
    expect(card.locator(".caller-name")).to_have_text(XSS)
    expect(card.locator(".call-notes")).to_have_text(f"{XSS} pohon di jalan")
    expect(operator.locator("#incident-facts")).to_contain_text(XSS)
    operator.locator("#note-text").fill(f"Warga: {XSS}")
    operator.keyboard.press("Control+Enter")
    expect(operator.locator("#incident-notes li .note-text")).to_have_text(f"Warga: {XSS}")
    expect(operator.locator("#incident-notes li")).to_contain_text("operator")
    expect(operator.locator("img[src='x']")).to_have_count(0)
    operator.wait_for_timeout(500)
    assert operator.dialogs == []
    screenshot(operator, "call-intake-10-text-stays-text")
