"""The field on a phone (issue #19): a crew runs its engine from a 390-px phone with its
position shared, steps through a fire with the signal gone for two taps, and the desk sees the
late steps at the times they were tapped; the desk itself works at 390 px."""

import re
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BATU_MERAH, PHONE, log_house_fire, post, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ENGINE = "DAMKAR-11"  # Pos Damkar Eri: no other browser test sends it
EN_ROUTE_AT = (-3.6950, 128.1700)  # on the road from Eri towards the city


def test_a_crew_takes_its_engine_through_a_fire_with_two_steps_tapped_offline(people, telephone):
    crew = people.open(
        "damkar-crew",
        "/console/crew/",
        phone=True,
        permissions=["geolocation"],
        geolocation={"latitude": -3.6990, "longitude": 128.1650, "accuracy": 25},
    )
    expect(crew).to_have_url(re.compile(r"/console/crew/$"))
    crew.get_by_role("button", name=re.compile(ENGINE)).click()
    expect(crew.locator("#unit-name")).to_have_text(ENGINE)
    expect(crew.locator("#crew-app")).to_have_attribute("data-live-status", "online")
    expect(crew.locator("#no-job")).to_be_visible()

    desk = people.open("damkar", "/console/agency/")
    supervisor = people.open("supervisor", "/console/dispatch/")
    incident_id = log_house_fire(supervisor, telephone)
    post(supervisor, f"/api/incidents/{incident_id}/tickets/", {"agencies": ["damkar"]})
    ticket_id = desk.request.get(f"/api/tickets/?incident={incident_id}").json()["tickets"][0]["id"]
    post(desk, f"/api/tickets/{ticket_id}/accept/")
    post(desk, f"/api/tickets/{ticket_id}/dispatch/", {"unit": ENGINE})

    # The job arrives live, ringing until the crew says it has it.
    alarm = crew.locator("#job-alarm")
    expect(alarm).to_be_visible()
    expect(crew.locator("#job-title")).to_contain_text(f"#{incident_id} Kebakaran rumah")
    facts = crew.locator("#job-facts")
    expect(facts).to_contain_text("Lorong belakang masjid")
    expect(facts).to_contain_text("Batu Merah")
    expect(facts).to_contain_text("Api dari dapur")
    expect(facts).to_contain_text("•")  # the caller's number, masked for a crew
    nav = crew.get_by_role("link", name="Navigasi (aplikasi peta)")
    expect(nav).to_have_attribute("href", re.compile(rf"^geo:{BATU_MERAH[0]},{BATU_MERAH[1]}"))
    crew.get_by_role("button", name="Diterima").tap()
    expect(alarm).to_be_hidden()

    crew.get_by_role("button", name="Berangkat").tap()
    expect(crew.locator("#step-log li[data-step=en_route]")).to_be_visible()
    expect(crew.get_by_role("button", name="Tiba")).to_be_enabled()

    # Driving: the engine moves on the desk's board.
    crew.context.set_geolocation(
        {"latitude": EN_ROUTE_AT[0], "longitude": EN_ROUTE_AT[1], "accuracy": 15}
    )
    for _ in range(50):
        engine = next(u for u in desk.request.get("/api/fleet/").json() if u["call_sign"] == ENGINE)
        if (engine["last_lat"], engine["last_lon"]) == EN_ROUTE_AT:
            break
        crew.wait_for_timeout(200)
    assert (engine["last_lat"], engine["last_lon"]) == EN_ROUTE_AT

    # The hills: no signal for two taps. They are kept with their times and shown as unsent.
    crew.context.set_offline(True)
    crew.get_by_role("button", name="Tiba").tap()
    arrived = datetime.now().astimezone()
    crew.get_by_role("button", name="Operasi dimulai").tap()
    pending = crew.locator("#pending-list li")
    expect(pending).to_have_count(2)
    expect(crew.locator("#pending")).to_contain_text("Belum terkirim")
    expect(crew.locator("#step-log li[data-step=on_scene] .unsent")).to_have_text("belum terkirim")
    screenshot(crew, "crew-phone-offline")
    crew.wait_for_timeout(4000)  # longer than CREW_LATE_AFTER_S on the test server
    crew.context.set_offline(False)
    expect(pending).to_have_count(0, timeout=20_000)
    expect(crew.locator("#step-log li[data-step=on_scene] .late")).to_have_text("datang terlambat")
    expect(crew.locator("#step-log li[data-step=operations_started] .late")).to_be_visible()
    screenshot(crew, "crew-phone-assignment")

    # The desk sees the late steps at the time they were tapped, marked late.
    assignment = next(
        a
        for a in desk.request.get(f"/api/assignments/?incident={incident_id}").json()
        if a["unit"]["call_sign"] == ENGINE
    )
    assert set(assignment["late_steps"]) == {"on_scene", "operations_started"}
    on_scene = datetime.fromisoformat(assignment["on_scene_at"])
    received = datetime.fromisoformat(assignment["late_steps"]["on_scene"])
    assert abs((on_scene - arrived).total_seconds()) < 2
    assert (received - on_scene).total_seconds() >= 3
    desk.goto("/console/agency/")
    desk.locator("#ticket-list li", has_text=f"#{incident_id} ").click()
    late = desk.locator("#assignments [data-field=on_scene_at] .late")
    expect(late).to_have_text("datang terlambat")

    crew.get_by_role("button", name="Selesai", exact=True).tap()
    expect(crew.locator("#no-job")).to_be_visible()
    expect(crew.locator("#unit-status")).to_have_text("Tersedia")
    # The fire is out: closed, so the next test's desk starts with an empty screen.
    post(supervisor, f"/api/incidents/{incident_id}/close/", {"outcome": "resolved"})


def test_the_agency_desk_fits_a_390_px_phone(people):
    desk = people.open("dinkes", "/console/agency/", phone=True)
    expect(desk).to_have_url(re.compile(r"/console/agency/$"))
    expect(desk.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    widths = desk.evaluate(
        "() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,"
        " header: document.querySelector('.topbar').scrollHeight})"
    )
    assert widths["page"] <= widths["view"] == 390, widths
    assert widths["header"] < 60, widths  # one line, not a wrapped block
    screenshot(desk, "desk-phone-390")


def test_a_callers_location_link_puts_them_on_the_call_takers_map(
    people, browser, live_server_url, telephone
):
    operator = people.open("operator", "/console/calls/")
    expect(operator.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    number = f"+62812{uuid.uuid4().int % 10**7:07d}"
    telephone.ring(number, line="112-3")  # no handset location on this network
    expect(operator.locator("#call-queue li", has_text=number)).to_be_visible()
    operator.locator("body").press("a")
    expect(operator.locator("#pop-number")).to_have_text(number)
    expect(operator.locator("#use-aml")).to_be_disabled()

    operator.locator("body").press("b")  # one key: a link to read out
    link = operator.locator("#location-link-out .link-url")
    expect(link).to_have_value(re.compile(rf"^{re.escape(live_server_url)}/lokasi/[\w-]+/$"))
    url = link.input_value()

    caller = browser.new_context(
        locale="id-ID",
        timezone_id="Asia/Jayapura",
        permissions=["geolocation"],
        geolocation={"latitude": BATU_MERAH[0], "longitude": BATU_MERAH[1], "accuracy": 30},
        **PHONE,
    )
    try:
        page = caller.new_page()
        external = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(live_server_url) else external.append(r.url),
        )
        page.goto(url)
        expect(page.get_by_role("heading")).to_contain_text("Ambon 112")
        assert number[-4:] not in page.content()  # the page tells nothing about the call
        screenshot(page, "caller-location-page")
        page.get_by_role("button", name="Kirim lokasi saya").tap()
        expect(page.locator("#share-status")).to_contain_text("sudah terkirim")
        screenshot(page, "caller-location-sent")
        page.reload()
        expect(page.get_by_role("alert")).to_contain_text("sudah dipakai")
        assert external == []
    finally:
        caller.close()

    # At once on the call-taker's screen, like an AML fix; L puts it on the map.
    expect(operator.locator("#aml-info")).to_contain_text("±30 m, LINK")
    expect(operator.locator("#use-aml")).to_be_enabled()
    operator.locator("body").press("l")
    expect(operator.locator("#detected")).to_contain_text("Batu Merah")
    screenshot(operator, "call-taker-located-by-link")
    # Only a question in the end: classified, so it leaves this call-taker's hands.
    mine = operator.request.get("/api/calls/?status=mine").json()["calls"]
    call_id = next(c["id"] for c in mine if c["number"] == number)
    post(operator, f"/api/calls/{call_id}/dispose/", {"disposition": "information"})
