"""Two call-takers at two desks and a supervisor (issue #15): a call answered at desk A's handset
pops on A's console and not on B's, B takes another on the console, a third is abandoned, B goes
on break, A logs a WhatsApp complaint; the supervisor's panel and wallboard follow it all live,
and the verifier's report for the day gives the wallboard's "answered within 15 s" and counts
the WhatsApp contact under its channel."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, csrf, screenshot

WIT = ZoneInfo("Asia/Jayapura")

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NUMBER_A = "+6281200004101"
NUMBER_B = "+6281200004102"
NUMBER_C = "+6281200004103"
WHATSAPP = "Ada pohon tumbang menutup jalan di Kayu Putih, mobil tidak bisa lewat"

# Two desks and a second call-taker on the test server, as an administrator sets them up.
SETUP = f"""
from agencies.models import Role, User
from incidents.models import Position
from incidents.services.presence import create_position
admin = User.objects.get(username="admin")
for name, extension in [("Meja A", "2101"), ("Meja B", "2102")]:
    if not Position.objects.filter(name=name).exists():
        create_position(name=name, extensions=[extension], by=admin)
if not User.objects.filter(username="operator2").exists():
    User.objects.create_user(
        username="operator2", password={DEMO_PASSWORD!r}, role=Role.CALL_TAKER,
        first_name="Operator 2",
    )
"""


@pytest.fixture
def desks(server):
    server.manage("shell", "--no-imports", "-c", SETUP)


@pytest.fixture
def console(people, telephone, desks):
    """The calls console signed in as someone; signed out of their desk afterwards, so that no
    other test finds them there."""
    yield people.open
    for _username, page in people.pages:
        page.request.post("/api/presence/sign-out/", headers={"X-CSRFToken": csrf(page)})


def sign_in_at(page, desk: str, extension: str) -> None:
    bar = page.locator("#presence")
    bar.locator("#presence-position").select_option(label=f"{desk} (ekst. {extension})")
    bar.get_by_role("button", name="Masuk di meja ini").click()
    expect(page.locator("#presence-where")).to_have_text(desk)
    expect(page.locator("#presence-state")).to_have_text("Siap")


def board_row(page, desk: str):
    return page.locator("#presence-rows tr", has_text=desk)


def test_the_screen_pop_follows_the_handset_and_the_supervisor_sees_every_desk(console, telephone):
    a = console("operator")
    b = console("operator2")
    supervisor = console("supervisor")
    sign_in_at(a, "Meja A", "2101")
    sign_in_at(b, "Meja B", "2102")
    expect(board_row(supervisor, "Meja A")).to_contain_text("Siap")
    expect(board_row(supervisor, "Meja B")).to_contain_text("Operator 2")

    first = telephone.ring(NUMBER_A)
    telephone.ring(NUMBER_B, line="112-2")
    for page in (a, b):
        expect(page.locator("#call-queue li", has_text=NUMBER_A)).to_be_visible()

    # Desk A's call-taker picks up the handset: the PBX says so, with the extension.
    answered = telephone.post(call_id=first, event="answered", number=NUMBER_A, extension="2101")
    assert (answered["answered_by"], answered["answered_extension"]) == ("operator", "2101")
    expect(a.locator("#pop-number")).to_have_text(NUMBER_A)
    expect(a.locator("#presence-state")).to_have_text("Menerima panggilan")
    expect(b.locator("#call-queue li", has_text=NUMBER_A)).to_have_count(0)
    expect(b.locator("#intake")).to_be_hidden()
    screenshot(a, "presence-01-screen-pop-follows-the-handset")

    # B takes the other call on the console, classifies it, and goes on break.
    expect(b.locator("#call-queue li", has_text=NUMBER_B)).to_be_visible()
    b.locator("body").press("a")
    expect(b.locator("#pop-number")).to_have_text(NUMBER_B)
    expect(board_row(supervisor, "Meja B")).to_contain_text("Menerima panggilan")
    b.locator("body").press("t")
    expect(b.locator("#intake")).to_be_hidden()
    expect(b.locator("#presence-state")).to_have_text("Menyelesaikan")
    b.locator("body").press("j")  # jeda: a break
    expect(b.locator("#presence-reason")).to_be_focused()
    b.keyboard.type("Makan")
    b.keyboard.press("Enter")
    expect(b.locator("#presence-state")).to_have_text("Istirahat — Makan")
    screenshot(b, "presence-02-on-break")

    # The supervisor's panel followed without a reload.
    expect(board_row(supervisor, "Meja A")).to_contain_text("Menerima panggilan")
    expect(board_row(supervisor, "Meja B")).to_contain_text("Istirahat — Makan")
    expect(supervisor.locator("#presence-counts")).to_contain_text("1 menerima panggilan")
    expect(supervisor.locator("#presence-counts")).to_contain_text("1 istirahat")
    screenshot(supervisor, "presence-03-supervisor-panel")

    # The call answered at the handset records who answered and where.
    calls = a.evaluate("fetch('/api/calls/?status=mine').then(r => r.json())")["calls"]
    assert [(c["number"], c["answered_via"], c["answered_position"]["name"]) for c in calls] == [
        (NUMBER_A, "pbx", "Meja A")
    ]
    a.locator("body").press("t")
    expect(a.locator("#intake")).to_be_hidden()
    expect(a.locator("#presence-state")).to_have_text("Menyelesaikan")

    # A third call rings; the caller hangs up before anyone answers.
    third = telephone.ring(NUMBER_C, line="112-3")
    expect(a.locator("#call-queue li", has_text=NUMBER_C)).to_be_visible()
    telephone.post(call_id=third, event="abandoned", number=telephone.live.pop(third))
    expect(a.locator("#call-queue li", has_text=NUMBER_C)).to_have_count(0)

    # A logs a WhatsApp complaint with its text and handles it at once.
    a.get_by_text("Catat kontak bukan telepon").click()
    form = a.locator("#contact-form")
    form.get_by_label("Saluran").select_option("whatsapp")
    form.get_by_label("Isi pesan, atau ringkasan yang disampaikan").fill(WHATSAPP)
    form.get_by_label("Nomor pengirim").fill("0812-7700-4104")
    form.get_by_role("button", name="Catat kontak").click()
    expect(form.locator("#contact-done")).to_contain_text("WhatsApp")
    expect(a.locator("#pop-message")).to_contain_text(WHATSAPP)
    expect(board_row(supervisor, "Meja A")).to_contain_text("Menerima panggilan")
    a.locator('button[data-disposition="information"]').click()
    expect(a.locator("#intake")).to_be_hidden()

    # The room's screen, then the verifier's report for the same day: one answered-within-15 s.
    supervisor.goto("/console/wallboard/")
    detail = supervisor.locator(".wb-answered15 .wb-detail")
    expect(detail).to_contain_text("panggilan terjawab")
    expect(supervisor.locator(".wb-abandoned .wb-value")).not_to_have_text("0")
    screenshot(supervisor, "presence-04-wallboard")
    board_within, board_answered = map(int, re.findall(r"\d+", detail.inner_text())[:2])

    today = datetime.now(WIT).date().isoformat()
    verifier = console("verifier", f"/reports/?start={today}&end={today}")
    expect(verifier.locator("#report-app")).to_have_attribute("data-state", "ready")
    nena = verifier.locator("#summary-rows tr[data-metric='answer'] [data-threshold='nena_15']")
    within, answered = map(int, re.findall(r"\d+", nena.locator(".t-counts").inner_text())[:2])
    assert (within, answered) == (board_within, board_answered)
    whatsapp = verifier.locator("#message-rows tr[data-channel='whatsapp']")
    assert int(whatsapp.locator("td[data-col='received']").inner_text()) >= 1
    screenshot(verifier, "presence-05-verifier-report")
