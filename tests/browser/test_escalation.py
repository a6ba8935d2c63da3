"""A call rings with nobody picking up: the call-taker's queue turns amber, then red with the
alarm, the level-1 escalation reaches the call-takers' banner and the supervisor's panel, and
one acknowledgement clears it on every console (docs/architecture.md "Deadlines")."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, report_problems, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

NUMBER = "+6281277001120"
CLOCK = re.compile(r"^\d{2}[:.]\d{2}[:.]\d{2}$")
AFTER_THE_DEADLINE_MS = 25_000  # 15 s, with the ticker's second and the push on top


@pytest.fixture
def sign_in(browser, live_server_url, request, telephone):
    """Open a console signed in as someone; a script error or CSP violation fails the test."""
    contexts, pages, problems = [], [], []

    def open_as(username: str, path: str):
        context = browser.new_context(
            base_url=live_server_url,
            locale="id-ID",
            timezone_id="Asia/Jayapura",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        report_problems(page, username, problems)
        page.goto(f"/login/?next={path}")
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(f"{re.escape(path)}$"))
        expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
        pages.append((username, page))
        return page

    yield open_as
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for username, page in pages:
            keep(screenshot(page, f"FAILED-{request.node.name}-{username}"))
    for context in contexts:
        context.close()
    assert problems == [], "script errors or CSP violations in the browser"


def keep(path) -> None:
    """The browser tests' first fixture empties test-artifacts/: a copy stays in /tmp."""
    shutil.copy(path, f"/tmp/{path.name}")


def shot(page, name: str) -> None:
    keep(screenshot(page, name))


def post(page, url: str):
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(url, headers={"X-CSRFToken": csrf})


def acknowledge_everything(supervisor) -> None:
    """Earlier tests on this server may have left calls ringing: start from a quiet room."""
    for escalation in supervisor.request.get("/api/escalations/").json()["escalations"]:
        answer = post(supervisor, f"/api/escalations/{escalation['id']}/acknowledge/")
        assert answer.status in (200, 409)
    csrf = next(c["value"] for c in supervisor.context.cookies() if c["name"] == "csrftoken")
    answer = supervisor.request.post(
        "/api/escalations/acknowledge-resolved/", headers={"X-CSRFToken": csrf}, data={"all": True}
    )
    assert answer.ok, answer.text()


def test_an_unanswered_call_turns_amber_then_red_alerts_everyone_and_one_acknowledgement_clears_it(
    sign_in, telephone
):
    supervisor = sign_in("supervisor", "/console/dispatch/")
    acknowledge_everything(supervisor)
    operator = sign_in("operator", "/console/calls/")
    supervisor_calls = supervisor.context.new_page()
    supervisor_calls.goto("/console/calls/")
    on_the_calls_console = supervisor_calls.locator(
        "#escalation-panel li.escalation", has_text=NUMBER
    )

    badge = operator.locator("#escalation-count")
    banner = operator.locator("#escalation-banner")
    panel = supervisor.locator("#escalation-panel")
    expect(operator.locator("#server-clock")).to_have_text(CLOCK)
    expect(badge.locator("strong")).to_have_text("0")
    expect(banner).to_be_hidden()
    expect(panel).to_contain_text("Tidak ada eskalasi terbuka.")
    # The browser plays sound only after a click or a key on the page.
    expect(operator.locator("#alarm-bar")).to_have_attribute("data-sound", "locked")
    operator.get_by_role("button", name="Aktifkan suara").click()
    expect(operator.locator("#alarm-bar")).to_have_attribute("data-sound", "ready")
    expect(operator.get_by_role("button", name="Aktifkan suara")).to_be_hidden()
    expect(operator.locator("#alarm-bar")).not_to_have_attribute(
        "data-last-sound", re.compile(".+")
    )

    telephone.ring(NUMBER, line="112-2")
    row = operator.locator("#call-queue li", has_text=NUMBER)
    expect(row).to_have_attribute("data-clock", "ok")
    expect(row.locator(".limit")).to_have_text("batas 15 dtk")
    shot(operator, "escalation-01-call-ringing")

    # Five seconds before the deadline the row turns amber, at the deadline red, with the alarm.
    expect(row).to_have_attribute("data-clock", "soon", timeout=12_000)
    expect(row.locator(".wait")).to_have_text(re.compile(r"^0:1[0-4]$"))
    shot(operator, "escalation-02-amber-near-the-deadline")
    expect(row).to_have_attribute("data-clock", "late", timeout=7_000)
    # One sound at the deadline: the queue's alarm, or the escalation's chime when the ticker's
    # escalation reaches the page first (the other one keeps quiet). A sound lasts a second,
    # so the bar's "playing" may be over already: what stays is which sound played last.
    expect(operator.locator("#alarm-bar")).to_have_attribute(
        "data-last-sound", re.compile(r"^(alarm|chime)$"), timeout=3_000
    )

    # The level-1 escalation: the call-takers' banner, the badge, the supervisor's panels.
    item = banner.locator("li.escalation")
    expect(item).to_have_count(1, timeout=AFTER_THE_DEADLINE_MS)
    expect(item).to_contain_text("Panggilan berdering, belum dijawab")
    expect(item.locator(".summary")).to_have_text(f"{NUMBER} · 112-2")
    expect(item.locator(".level")).to_have_text("L1")
    expect(item.locator(".limit")).to_have_text("batas 15 dtk")
    expect(badge.locator("strong")).to_have_text("1")
    shot(operator, "escalation-03-red-with-the-banner")

    entry = panel.locator("li.escalation", has_text=NUMBER)
    expect(entry).to_contain_text("Diberi tahu: Operator 112")
    expect(entry.locator(".level")).to_have_text("L1")
    expect(entry.get_by_role("button", name="Tanggapi")).to_be_visible()
    expect(supervisor.locator("#escalation-banner")).to_be_hidden()  # the panel is the list here
    expect(on_the_calls_console).to_be_visible()
    shot(supervisor, "escalation-04-supervisor-panel")

    # The call-taker answers at last: no standing alarm once its cause has cleared (issue #16).
    # The card leaves the banner, the count and the panels at once; the supervisor finds it
    # among those that ended before anyone acknowledged them.
    operator.locator("body").press("a")
    expect(operator.locator("#pop-number")).to_have_text(NUMBER)
    expect(banner).to_be_hidden()
    expect(badge.locator("strong")).to_have_text("0")
    expect(entry).to_have_count(0)
    expect(on_the_calls_console).to_have_count(0)
    ended = panel.locator(".ended-unseen li", has_text=NUMBER)
    expect(ended).to_be_visible()
    shot(supervisor, "escalation-05-answered-ended-unseen")

    ended.get_by_role("button", name="Tanggapi").click()
    expect(ended).to_have_count(0)
    shot(operator, "escalation-06-cleared-on-the-call-console")

    operator.locator("body").press("t")  # a test call: no call is left open for the next test
    expect(operator.locator("#intake")).to_be_hidden()

    # Muted on this console, after a reload too; the operator's other console still sounds.
    operator.get_by_role("button", name="Bunyi peringatan nyala").click()
    operator.reload()
    expect(operator.locator("#alarm-bar")).to_have_attribute("data-sound", "muted")
    expect(operator.get_by_role("button", name="Bunyi peringatan mati")).to_have_attribute(
        "aria-pressed", "true"
    )
    incidents = operator.context.new_page()
    incidents.goto("/incidents/")
    expect(incidents.locator("#alarm-bar")).to_have_attribute("data-sound", "locked")

    # A second acknowledgement, from a stale screen, is told who was first.
    escalation = operator.request.get("/api/escalations/?state=all").json()["escalations"][0]
    answer = post(operator, f"/api/escalations/{escalation['id']}/acknowledge/")
    assert answer.status == 409
    assert "Sudah ditanggapi oleh" in answer.json()["detail"]
