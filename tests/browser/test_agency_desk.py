"""The Damkar desk: a ticket arrives live with an alarm, is accepted, the nearest engine is sent
and reports its steps; another agency's desk never sees it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People, log_house_fire, post, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

RECONNECT_TIMEOUT_MS = 40_000
CLOCK = re.compile(r"^\d{2}[:.]\d{2}[:.]\d{2}$")


@pytest.fixture
def sign_in(browser, live_server_url, request):
    """`sign_in(username, live=True)`: someone signed in at their home console (People), live
    unless it is a screen left behind."""
    people = People(browser, live_server_url, width=1366)

    def open_as(username: str, *, live: bool = True):
        page = people.open(username, "/", live=live)
        if live:
            expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
        return page

    yield open_as
    people.close(request)


@pytest.fixture
def house_fire(telephone):
    """house_fire(supervisor) → the id of a house fire in Batu Merah the supervisor logged."""
    return lambda supervisor: log_house_fire(supervisor, telephone)


def ticket_row(page, incident_id: int):
    return page.locator("#ticket-list li", has_text=f"#{incident_id} ")


def answer_leftovers(page) -> None:
    """Tickets other tests left waiting on the shared server would keep the alarm on: the desk
    declines them first, as a desk clears its screen at the start of a shift."""
    for ticket in page.request.get("/api/tickets/?status=open").json()["tickets"]:
        if ticket["status"] == "notified":
            post(page, f"/api/tickets/{ticket['id']}/decline/", {"reason": "Sisa uji sebelumnya"})


def test_the_damkar_desk_hears_a_new_ticket_sends_its_nearest_engine_and_reports_it(
    sign_in, house_fire
):
    damkar = sign_in("damkar")
    expect(damkar).to_have_url(re.compile(r"/console/agency/$"))
    answer_leftovers(damkar)
    dinkes = sign_in("dinkes")
    supervisor = sign_in("supervisor")
    incident_id = house_fire(supervisor)

    # Sound needs a first click: the desk offers it, and remembers nothing else.
    desk = damkar.locator("#desk-app")
    expect(desk).to_have_attribute("data-sound", "locked")
    damkar.get_by_role("button", name="Aktifkan suara").click()
    expect(damkar.get_by_role("button", name="Aktifkan suara")).to_be_hidden()
    damkar.evaluate("window.notReloaded = true")

    post(supervisor, f"/api/incidents/{incident_id}/tickets/", {"agencies": ["damkar"]})

    row = ticket_row(damkar, incident_id)
    expect(row).to_contain_text("Kebakaran rumah")
    expect(row).to_contain_text("Batu Merah")
    expect(row).to_have_class(re.compile(r"\bwaiting\b"))
    expect(desk).to_have_attribute("data-alarm", "on")
    expect(desk).to_have_attribute("data-sound", "playing")
    assert damkar.evaluate("document.getElementById('desk-alarm').paused") is False
    expect(damkar.locator("#alarm-banner")).to_be_visible()
    expect(damkar.locator("#alarm-banner")).to_contain_text("Tiket baru menunggu diterima")
    wait = row.locator(".wait")
    expect(wait).to_have_text(re.compile(r"^0:0\d$"))
    first = wait.text_content()
    expect(wait).not_to_have_text(first, timeout=3_000)  # counts up from the server's clock
    expect(damkar.locator("#ticket-title")).to_have_text(f"#{incident_id} Kebakaran rumah")
    expect(damkar.locator("#ticket-facts")).to_contain_text("Lorong belakang masjid")
    expect(damkar.locator("#desk-map")).to_have_attribute("data-outlines", "80")
    screenshot(damkar, "agency-desk-01-new-ticket-alarm")

    # PSC 119's desk sees nothing of it, on screen or over the API.
    dinkes.wait_for_timeout(500)
    expect(ticket_row(dinkes, incident_id)).to_have_count(0)
    expect(dinkes.locator("#desk-app")).to_have_attribute("data-alarm", "off")
    expect(dinkes.locator("#fleet-rows")).not_to_contain_text("DAMKAR")
    tickets = dinkes.request.get("/api/tickets/?status=all").json()["tickets"]
    assert all(t["incident_id"] != incident_id for t in tickets)

    damkar.keyboard.press("a")
    expect(damkar.get_by_role("status").filter(has_text="diterima")).to_be_visible()
    expect(desk).to_have_attribute("data-alarm", "off")
    expect(damkar.locator("#alarm-banner")).to_be_hidden()
    assert damkar.evaluate("document.getElementById('desk-alarm').paused") is True
    expect(row).to_have_class(re.compile(r"\btaken\b"))
    candidates = damkar.locator("#candidates li")
    expect(candidates.first).to_contain_text(re.compile(r"DAMKAR-\d\d"))
    expect(candidates.first).to_contain_text("Mobil pemadam kebakaran")
    expect(candidates.first.locator(".eta")).to_have_text(re.compile(r"\d+ menit"))
    engine = candidates.first.get_attribute("data-call-sign")
    screenshot(damkar, "agency-desk-02-accepted-recommendations")

    damkar.keyboard.press("1")
    assignment = damkar.locator("#assignments li.assignment", has_text=engine)
    expect(assignment).to_contain_text("Ditugaskan")
    expect(candidates.filter(has_text=engine)).to_have_count(0)  # no longer free
    for key, field in [("e", "en_route_at"), ("s", "on_scene_at"), ("o", "operations_started_at")]:
        damkar.keyboard.press(key)
        expect(assignment.locator(f"[data-field='{field}'] time")).to_have_text(CLOCK)
    times = assignment.locator(".step-times li")
    expect(times).to_have_text(
        [
            re.compile(r"^Ditugaskan"),
            re.compile(r"^Dalam perjalanan"),
            re.compile(r"^Di lokasi"),
            re.compile(r"^Operasi dimulai"),
        ]
    )
    expect(assignment.locator("button[data-step='clear']")).to_have_text("C Selesai")
    expect(damkar.locator("#fleet-rows tr", has_text=engine)).to_contain_text("Di lokasi")
    screenshot(damkar, "agency-desk-03-engine-on-scene")

    answer = damkar.request.get(f"/api/assignments/?incident={incident_id}").json()
    assert [(a["unit"]["call_sign"], a["status"]) for a in answer] == [(engine, "on_scene")]
    assert answer[0]["operations_started_at"] is not None
    assert damkar.evaluate("window.notReloaded") is True


def test_a_desk_declines_with_a_reason_and_a_stale_screen_is_told_who_answered(sign_in, house_fire):
    damkar = sign_in("damkar")
    answer_leftovers(damkar)
    stale = sign_in("damkar", live=False)
    supervisor = sign_in("supervisor")
    declined_id = house_fire(supervisor)
    taken_id = house_fire(supervisor)
    post(supervisor, f"/api/incidents/{declined_id}/tickets/", {"agencies": ["damkar"]})
    post(supervisor, f"/api/incidents/{taken_id}/tickets/", {"agencies": ["damkar"]})
    expect(ticket_row(damkar, declined_id)).to_be_visible()
    expect(ticket_row(damkar, taken_id)).to_be_visible()

    # Decline: a reason is required, asked in a small form.
    ticket_row(damkar, declined_id).click()
    damkar.keyboard.press("d")
    form = damkar.locator("#reason-dialog")
    expect(form).to_be_visible()
    expect(damkar.locator("#reason-text")).to_be_focused()
    damkar.keyboard.press("Enter")
    expect(form.get_by_role("alert")).to_have_text("Berikan alasan.")
    damkar.keyboard.type("Semua mobil sedang di Passo")
    screenshot(damkar, "agency-desk-04-decline-reason")
    damkar.keyboard.press("Enter")
    expect(form).to_be_hidden()
    expect(ticket_row(damkar, declined_id)).to_have_count(0)
    expect(damkar.get_by_role("status").filter(has_text=f"#{declined_id}")).to_contain_text(
        "Ditolak"
    )
    tickets = supervisor.request.get(f"/api/tickets/?status=all&incident={declined_id}").json()
    assert tickets["tickets"][0]["decline_reason"] == "Semua mobil sedang di Passo"

    # The other desk accepts; the screen that missed it learns who did when it tries.
    stale.reload()
    expect(ticket_row(stale, taken_id)).to_be_visible()
    ticket_row(stale, taken_id).click()
    ticket_row(damkar, taken_id).click()
    damkar.locator("#ticket-accept").click()
    expect(ticket_row(damkar, taken_id)).to_have_class(re.compile(r"\btaken\b"))
    stale.locator("#ticket-accept").click()
    expect(stale.locator("#ticket-error")).to_have_text(
        re.compile(r"^Sudah diterima oleh .+ pada \d{2}[:.]\d{2}[:.]\d{2}\.$")
    )
    screenshot(stale, "agency-desk-05-already-accepted")


def test_the_desk_places_its_units_takes_one_out_of_service_and_survives_an_outage(sign_in, server):
    damkar = sign_in("damkar")
    # The water tanker: never a candidate for a fire, so no later test's engine moves down.
    unit = damkar.locator("#fleet-rows tr", has_text="DAMKAR-T1")
    unit.get_by_role("button", name="Tempatkan di peta").click()
    expect(damkar.locator("#placing")).to_contain_text("DAMKAR-T1")
    damkar.locator("#desk-map").click(position={"x": 120, "y": 220})
    expect(unit).to_contain_text("baru saja")
    expect(damkar.locator("#desk-map .unit-label", has_text="DAMKAR-T1")).to_be_visible()
    expect(damkar.locator("#placing")).to_be_hidden()

    unit.get_by_role("button", name="Tidak beroperasi").click()
    damkar.keyboard.type("Pompa rusak")
    damkar.keyboard.press("Enter")
    expect(unit.locator(".badge")).to_have_text("Tidak beroperasi")
    screenshot(damkar, "agency-desk-06-unit-out-of-service")
    unit.get_by_role("button", name="Kembali beroperasi").click()
    expect(unit.locator(".badge")).to_have_text("Tersedia")

    damkar.evaluate("window.notReloaded = true")
    server.stop()
    expect(damkar.locator("#live-banner")).to_be_visible()
    expect(damkar.locator("#live-banner")).to_contain_text("Luring")
    screenshot(damkar, "agency-desk-07-offline")
    server.start()
    expect(damkar.locator("[data-live]")).to_have_attribute(
        "data-live-status", "online", timeout=RECONNECT_TIMEOUT_MS
    )
    expect(damkar.locator("#live-banner")).to_be_hidden()
    expect(unit.locator(".badge")).to_have_text("Tersedia")
    assert damkar.evaluate("window.notReloaded") is True
