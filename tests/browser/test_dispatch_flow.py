"""The dispatcher forwards a house fire to its agencies, watches the desks answer on the incident
page and the dispatch console without reloading, and the supervisor closes it."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BATU_MERAH, Telephone, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

DECLINE_REASON = "Jaringan di Batu Merah sudah dipadamkan dari gardu induk"


class Person:
    """Someone signed in, in a browser profile of their own; `post` and `get` use the API as
    their console's scripts do (session cookie and CSRF token)."""

    def __init__(self, page):
        self.page = page

    def csrf(self) -> str:
        return next(c["value"] for c in self.page.context.cookies() if c["name"] == "csrftoken")

    def get(self, url: str):
        answer = self.page.request.get(url)
        assert answer.ok, f"GET {url}: {answer.status} {answer.text()}"
        return answer.json()

    def post(self, url: str, body: dict | None = None, expect_status: int | None = None):
        answer = self.page.request.post(
            url,
            data=json.dumps(body or {}),
            headers={"X-CSRFToken": self.csrf(), "Content-Type": "application/json"},
        )
        if expect_status is not None:
            assert answer.status == expect_status, f"POST {url}: {answer.status} {answer.text()}"
        else:
            assert answer.ok, f"POST {url}: {answer.status} {answer.text()}"
        return answer.json()


@pytest.fixture
def sign_in(people):
    """`sign_in(username, path="/")`: someone signed in (People: a script error or a CSP
    violation on any of their pages fails the test), landing on `path` (`/`: their home)."""

    def signed_in(username: str, path: str = "/") -> Person:
        return Person(people.open(username, path))

    signed_in.another_tab = lambda person, username: people.another_tab(person.page, username)
    return signed_in


def house_fire_in_batu_merah(operator: Person, telephone: Telephone) -> int:
    """The call-taker's path over the API: the call rings, is taken, becomes an incident."""
    number = f"+62812{uuid.uuid4().int % 10**7:07d}"
    telephone.ring(number, at=BATU_MERAH)
    calls = operator.get("/api/calls/?status=ringing")["calls"]
    call = next(c for c in calls if c["number"] == number)
    operator.post(f"/api/calls/{call['id']}/take/")
    incident = operator.post(
        f"/api/calls/{call['id']}/incident/",
        {
            "incident_type": "kebakaran.rumah",
            "lat": BATU_MERAH[0],
            "lon": BATU_MERAH[1],
            "address": "Lorong belakang masjid",
            "description": "Rumah panggung terbakar, api menjalar ke rumah sebelah",
        },
        expect_status=201,
    )
    assert incident["area"]["name"] == "Batu Merah"
    return incident["id"]


def forward_item(page, code: str):
    return page.locator(f"#forward-list li[data-agency='{code}']")


def ticket_row(page, code: str):
    return page.locator(f"#ticket-rows tr[data-agency='{code}']")


def board_row(page, incident_id: int):
    return page.locator(f"#board-sections tr[data-id='{incident_id}']")


def test_a_house_fire_is_forwarded_answered_by_the_desks_and_closed(sign_in, telephone):
    operator = sign_in("operator")
    incident_id = house_fire_in_batu_merah(operator, telephone)

    # The dispatcher's home is the dispatch console: the new fire waits to be forwarded.
    dispatcher = sign_in("dispatcher")
    board = dispatcher.page
    expect(board).to_have_url(re.compile(r"/console/dispatch/$"))
    expect(board.locator("html")).to_have_attribute("lang", "id")
    expect(board.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    row = board_row(board, incident_id)
    expect(row).to_contain_text("Kebakaran rumah")
    expect(row).to_contain_text("Batu Merah")
    expect(row).to_contain_text("belum ada instansi")
    expect(board.locator(".board-section.group-forward")).to_contain_text("Belum diteruskan")
    expect(board.locator(f".group-forward tr[data-id='{incident_id}']")).to_be_visible()

    # The incident page proposes Damkar (primary) and PLN, Dishub, Dinkes (support), all ticked.
    incident = sign_in.another_tab(dispatcher, "dispatcher")
    incident.goto(f"/incidents/{incident_id}/")
    expect(incident.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    expect(incident.locator("#dispatch-panel")).to_be_visible()
    expect(incident.locator("#dispatch-title")).to_have_text("Instansi dan unit")
    damkar = forward_item(incident, "damkar")
    expect(damkar).to_contain_text("Damkar Kota Ambon")
    expect(damkar.locator(".badge.role")).to_have_text("utama")
    expect(damkar.locator("input")).to_be_checked()
    for code in ("pln", "dishub", "dinkes"):
        expect(forward_item(incident, code).locator(".badge.role")).to_have_text("pendukung")
        expect(forward_item(incident, code).locator("input")).to_be_checked()
    expect(incident.locator("#forward-list li")).to_have_count(4)
    expect(incident.locator("#tickets-empty")).to_have_text("Belum ada instansi yang diberitahu.")
    expect(incident.locator("#incident-status")).to_have_text("Baru")

    # Dishub and Dinkes are not needed for this one; forward to Damkar and PLN.
    forward_item(incident, "dishub").locator("input").uncheck()
    forward_item(incident, "dinkes").locator("input").uncheck()
    screenshot(incident, "dispatch-01-forward-form")
    incident.get_by_role("button", name="Teruskan").click()
    expect(incident.get_by_role("status").filter(has_text="Diteruskan ke")).to_contain_text(
        "PLN UP3 Ambon"
    )
    for code in ("damkar", "pln"):
        expect(ticket_row(incident, code)).to_contain_text("Menunggu diterima")
        expect(forward_item(incident, code).locator("input")).to_be_disabled()
    expect(incident.locator("#ticket-rows tr")).to_have_count(2)
    expect(forward_item(incident, "dishub").locator("input")).not_to_be_checked()
    expect(incident.locator("#incident-status")).to_have_text("Ditugaskan")
    # The waiting time counts up from the server's clock.
    wait = ticket_row(incident, "damkar").locator(".wait")
    expect(wait).to_have_text(re.compile(r"^0:0\d$"))
    first = wait.text_content()
    expect(wait).not_to_have_text(first, timeout=3_000)

    # The console moved it, live, among the tickets waiting for acceptance.
    waiting = board.locator(f".group-waiting tr[data-id='{incident_id}']")
    expect(waiting).to_be_visible()
    expect(waiting.locator(".chip.ticket-notified")).to_have_count(2)

    # The desks answer: Damkar accepts and sends its nearest engine, PLN declines.
    damkar_desk = sign_in("damkar", "/healthz")
    ticket = damkar_desk.get(f"/api/tickets/?incident={incident_id}")["tickets"][0]
    damkar_desk.post(f"/api/tickets/{ticket['id']}/accept/")
    ranked = damkar_desk.get(f"/api/tickets/{ticket['id']}/recommendations/")
    engine = ranked["candidates"][0]["unit"]["call_sign"]
    assignment = damkar_desk.post(
        f"/api/tickets/{ticket['id']}/dispatch/", {"unit": engine}, expect_status=201
    )
    pln_desk = sign_in("pln", "/healthz")
    pln_ticket = pln_desk.get(f"/api/tickets/?incident={incident_id}")["tickets"][0]
    pln_desk.post(f"/api/tickets/{pln_ticket['id']}/decline/", {"reason": DECLINE_REASON})

    # The dispatcher's incident page follows without a reload.
    expect(ticket_row(incident, "damkar")).to_contain_text("Diterima")
    expect(ticket_row(incident, "damkar")).to_contain_text("damkar")
    declined = ticket_row(incident, "pln")
    expect(declined).to_contain_text("Ditolak")
    expect(declined.locator("td.reason")).to_have_text(DECLINE_REASON)
    expect(declined).to_have_class(re.compile(r"\bticket-declined\b"))
    expect(incident.get_by_role("alert").filter(has_text="PLN UP3 Ambon menolak")).to_contain_text(
        DECLINE_REASON
    )
    unit = incident.locator(f"#unit-rows tr[data-unit='{engine}']")
    expect(unit).to_contain_text("Ditugaskan")
    expect(unit).to_contain_text("Damkar Kota Ambon")
    expect(unit.locator("td").nth(3)).to_have_text(re.compile(r"\d+ mnt"))
    expect(forward_item(incident, "pln")).to_contain_text("Ditolak")
    expect(forward_item(incident, "pln").locator("input")).not_to_be_checked()

    # …and so does the console: the decline is there, reason and all, and said out loud.
    chip = board.locator(f"tr[data-id='{incident_id}'] .chip.ticket-declined")
    expect(chip).to_contain_text(DECLINE_REASON)
    expect(chip).to_have_attribute("title", f"PLN UP3 Ambon menolak: {DECLINE_REASON}")
    expect(board.locator(f".group-declined tr[data-id='{incident_id}']")).to_be_visible()
    expect(board_row(board, incident_id).locator(".chip.ticket-accepted")).to_contain_text("Damkar")
    expect(board_row(board, incident_id).locator(".chip.unit")).to_contain_text(engine)
    expect(board.get_by_role("alert").filter(has_text="PLN UP3 Ambon menolak")).to_be_visible()
    screenshot(board, "dispatch-02-console-with-a-declined-ticket")

    # The engine goes and arrives; the page follows, step by step.
    damkar_desk.post(f"/api/assignments/{assignment['id']}/en-route/")
    expect(incident.locator("#incident-status")).to_have_text("Menuju lokasi")
    damkar_desk.post(f"/api/assignments/{assignment['id']}/on-scene/")
    expect(incident.locator("#incident-status")).to_have_text("Di lokasi")
    expect(unit).to_contain_text("Di lokasi")
    expect(unit.locator("td").nth(5).locator("time")).to_have_count(1)  # T6
    expect(incident.locator("#incident-timeline")).to_contain_text("Kejadian dibuat")
    screenshot(incident, "dispatch-03-incident-answered-live")

    # The keyboard on the console: down to the fire, Enter opens it.
    board.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(50):
        board.keyboard.press("ArrowDown")
        if board_row(board, incident_id).get_attribute("aria-selected") == "true":
            break
    expect(board_row(board, incident_id)).to_have_class(re.compile(r"\bselected\b"))
    board.keyboard.press("Enter")
    expect(board).to_have_url(re.compile(rf"/incidents/{incident_id}/$"))
    board.go_back()
    expect(board_row(board, incident_id)).to_be_visible()

    # A verifier reads the same panel and is offered no action.
    verifier = sign_in("verifier")
    verifier.page.goto(f"/incidents/{incident_id}/")
    expect(ticket_row(verifier.page, "pln").locator("td.reason")).to_have_text(DECLINE_REASON)
    for form in ("#forward-form", "#close-form", "#reopen-form"):
        expect(verifier.page.locator(form)).to_be_hidden()

    # The supervisor closes it as resolved; the engine is released with the closure.
    supervisor = sign_in("supervisor")
    page = supervisor.page
    page.goto(f"/incidents/{incident_id}/")
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    expect(page.locator("#close-warning")).to_contain_text(engine)
    page.get_by_label("Hasil").select_option("resolved")
    page.get_by_label("Catatan (opsional)").fill("Api padam, satu rumah rusak berat")
    page.get_by_role("button", name="Tutup kejadian").click()
    expect(page.locator("#incident-status")).to_have_text("Ditutup")
    expect(page.locator("#incident-outcome")).to_have_text("Selesai ditangani")
    expect(page.locator("#closed-info")).to_contain_text("hasil: Selesai ditangani")
    expect(page.locator("#close-form")).to_be_hidden()
    expect(page.locator("#reopen-form")).to_be_visible()
    expect(ticket_row(page, "damkar")).to_contain_text("Selesai")
    expect(page.locator(f"#unit-rows tr[data-unit='{engine}']")).to_contain_text("Selesai bertugas")
    expect(page.locator("#incident-timeline")).to_contain_text("Kejadian ditutup")
    screenshot(page, "dispatch-04-closed-by-the-supervisor")

    # The dispatcher saw it close, and it left the console.
    expect(incident.locator("#incident-status")).to_have_text("Ditutup")
    expect(incident.locator("#close-form")).to_be_hidden()
    expect(incident.locator("#forward-form")).to_be_hidden()
    expect(incident.locator("#reopen-form")).to_be_hidden()  # a dispatcher does not reopen
    expect(board_row(board, incident_id)).to_have_count(0)

    # Reopening is the supervisor's, with a reason; the log keeps it.
    page.get_by_label("Alasan (dicatat)").fill("Warga melapor api menyala lagi")
    page.get_by_role("button", name="Buka kembali").click()
    expect(page.locator("#incident-status")).to_have_text("Selesai ditangani")
    expect(page.locator("#incident-outcome")).to_be_hidden()
    expect(page.locator("#close-form")).to_be_visible()
    expect(page.locator("#incident-timeline")).to_contain_text("Kejadian dibuka kembali")
    expect(board_row(board, incident_id)).to_be_visible()
    page.get_by_label("Hasil").select_option("false_alarm")
    page.get_by_role("button", name="Tutup kejadian").click()
    expect(page.locator("#incident-status")).to_have_text("Ditutup")
    expect(page.locator("#incident-outcome")).to_have_text("Laporan palsu")


def test_a_refused_forward_or_closure_shows_the_servers_reason(sign_in, telephone):
    operator = sign_in("operator")
    incident_id = house_fire_in_batu_merah(operator, telephone)
    dispatcher = sign_in("dispatcher")
    page = dispatcher.page
    page.goto(f"/incidents/{incident_id}/")
    expect(forward_item(page, "damkar").locator("input")).to_be_checked()

    # Nothing ticked: said on the page, nothing sent.
    for item in page.locator("#forward-list input").all():
        item.uncheck()
    page.get_by_role("button", name="Teruskan").click()
    expect(page.locator("#forward-error")).to_have_text("Centang sedikitnya satu instansi.")

    # PLN again, and Basarnas added by hand, while someone else forwards to Damkar: the page
    # follows live and keeps this dispatcher's choices.
    forward_item(page, "pln").locator("input").check()
    page.locator("#forward-other").select_option("basarnas")
    expect(forward_item(page, "basarnas").locator(".badge.role")).to_have_text("tambahan")
    expect(forward_item(page, "basarnas").locator("input")).to_be_checked()
    supervisor = sign_in("supervisor")
    supervisor.post(f"/api/incidents/{incident_id}/tickets/", {"agencies": ["damkar"]}, 201)
    expect(ticket_row(page, "damkar")).to_contain_text("Menunggu diterima")
    expect(forward_item(page, "damkar").locator("input")).to_be_disabled()
    expect(forward_item(page, "pln").locator("input")).to_be_checked()
    expect(forward_item(page, "basarnas").locator("input")).to_be_checked()
    expect(forward_item(page, "dishub").locator("input")).not_to_be_checked()
    page.get_by_role("button", name="Teruskan").click()
    expect(ticket_row(page, "basarnas")).to_contain_text("Menunggu diterima")
    expect(ticket_row(page, "basarnas").locator(".badge.role")).to_have_text("tambahan")
    expect(ticket_row(page, "pln")).to_be_visible()

    # Closing without an outcome is refused on the page.
    page.get_by_role("button", name="Tutup kejadian").click()
    expect(page.locator("#close-error")).to_have_text("Pilih hasilnya.")
