"""The supervisor's live city map and wallboard, with no tile server: a house fire appears,
changes colour when the engine arrives, and leaves the map when closed; all without a reload."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser import test_dispatch_flow as flow
from tests.browser.conftest import screenshot
from tests.browser.test_dispatch_flow import BATU_MERAH, house_fire_in_batu_merah

sign_in = flow.sign_in  # someone signed in, with CSP and script-error checks

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SIRIMAU = "81.71.02"
ON_SCENE_RING = "rgb(43, 138, 62)"


def wait_until(page, expression: str, timeout_s: float = 15) -> None:
    """Poll a page expression. (wait_for_function compiles its predicate with eval once it has
    to poll, which the page's Content-Security-Policy rightly forbids.)"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {expression}"
        page.wait_for_timeout(100)


def open_map(person, path: str = "/console/map/"):
    page = person.page
    tiles: list[str] = []

    def no_tiles(route):
        tiles.append(route.request.url)
        route.abort()

    page.route(re.compile(r"tile\.openstreetmap\.org"), no_tiles)
    page.goto(path)
    expect(page.locator("#situation-map")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    return page, tiles


def marker(page, incident_id: int):
    return page.locator(f".sit-inc:has([data-incident='{incident_id}'])")


def wallboard_value(page, metric: str) -> int:
    text = page.locator(f"#wallboard [data-metric='{metric}'] .wb-value").text_content()
    return int(text)


def zoom_to(page, lat: float, lon: float, zoom: int = 17) -> None:
    page.evaluate(f"situation.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")


def test_a_fire_appears_changes_colour_and_leaves_the_map_live(sign_in, telephone):
    supervisor = sign_in("supervisor")
    page, tiles = open_map(supervisor)

    # No tile server answers: the outlines of the 80 areas are drawn from our own data.
    expect(page.locator("#situation-map")).to_have_attribute("data-outlines", "80")
    assert page.locator(".outline-pane path").count() >= 80
    assert tiles, "the tile requests were tried and failed"
    expect(page.get_by_role("link", name="Peta")).to_have_attribute("aria-current", "page")
    expect(page.locator("#wallboard [data-metric='answered15'] .wb-label")).to_contain_text(
        "Dijawab ≤ 15 dtk hari ini"
    )
    open_before = wallboard_value(page, "open")

    # A call-taker logs a house fire in Batu Merah: it appears without a reload.
    operator = sign_in("operator")
    incident_id = house_fire_in_batu_merah(operator, telephone)
    wait_until(page, f"situation.incidents.has({incident_id})")
    expect(page.locator("#wallboard [data-metric='open'] .wb-value")).to_have_text(
        str(open_before + 1)
    )
    screenshot(page, "map-01-overview-with-a-new-fire")
    zoom_to(page, *BATU_MERAH)
    fire = marker(page, incident_id)
    expect(fire).to_be_visible()
    expect(fire).to_have_class(re.compile(r"\bst-new\b"))
    expect(fire).to_have_class(re.compile(r"\bcat-kebakaran\b"))
    shape = fire.locator(".shape")
    new_ring = shape.evaluate("node => getComputedStyle(node).borderTopColor")

    # Forwarded to Damkar, accepted, the nearest engine goes and arrives.
    supervisor.post(f"/api/incidents/{incident_id}/tickets/", {"agencies": ["damkar"]}, 201)
    expect(page.locator("#wallboard [data-metric='not-accepted']")).to_contain_text("Damkar")
    damkar = sign_in("damkar", "/healthz")
    ticket = damkar.get(f"/api/tickets/?incident={incident_id}")["tickets"][0]
    damkar.post(f"/api/tickets/{ticket['id']}/accept/")
    ranked = damkar.get(f"/api/tickets/{ticket['id']}/recommendations/")
    engine = ranked["candidates"][0]["unit"]
    assignment = damkar.post(
        f"/api/tickets/{ticket['id']}/dispatch/", {"unit": engine["call_sign"]}, expect_status=201
    )
    damkar.post(f"/api/assignments/{assignment['id']}/en-route/")
    wait_until(page, f"situation.units.get({engine['id']}).data.status === 'en_route'")
    damkar.post(f"/api/assignments/{assignment['id']}/on-scene/")

    expect(fire).to_have_class(re.compile(r"\bst-on_scene\b"))
    expect(shape).to_have_css("border-top-color", ON_SCENE_RING)
    assert new_ring != ON_SCENE_RING, "the ring changed colour on arrival"
    wait_until(
        page,
        f"situation.units.get({engine['id']}).data.status === 'on_scene'"
        f" && situation.units.get({engine['id']}).data.incident === {incident_id}",
    )
    # Earlier tests' fires sit at the same label point and may cover this marker: the click
    # goes to this one (a person would zoom in or pick it from the list).
    fire.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"#{incident_id}")
    expect(popup).to_contain_text("Di lokasi")
    expect(popup).to_contain_text("Damkar")
    expect(popup.get_by_role("link", name="Buka kejadian")).to_have_attribute(
        "href", f"/incidents/{incident_id}/"
    )
    screenshot(page, "map-02-fire-on-scene-with-its-popup")

    # The kecamatan panel: its open incidents and the units there.
    page.keyboard.press("Escape")
    page.locator(
        f"#wallboard [data-metric='by-kecamatan'] li[data-code='{SIRIMAU}'] button"
    ).click()
    area = page.locator("#area-panel")
    expect(area).to_contain_text("Kec. Sirimau")
    expect(area).to_contain_text(f"#{incident_id}")
    expect(area).to_contain_text(engine["call_sign"])
    screenshot(page, "map-03-kecamatan-panel")

    # Closed by the supervisor: it leaves the map and the count.
    supervisor.post(f"/api/incidents/{incident_id}/close/", {"outcome": "resolved"})
    expect(fire).to_have_count(0)
    wait_until(page, f"!situation.incidents.has({incident_id})")
    expect(page.locator("#wallboard [data-metric='open'] .wb-value")).to_have_text(str(open_before))


def test_unknown_filters_are_ignored_with_a_note(sign_in):
    supervisor = sign_in("supervisor")
    page, _tiles = open_map(supervisor, f"/console/map/?category=gunung&kecamatan={SIRIMAU}")
    note = page.locator("#filter-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("category=gunung")
    expect(page.locator("#filter-kecamatan")).to_have_value(SIRIMAU)
    expect(page.locator("#filter-category")).to_have_value("")
    page.locator("#filter-kecamatan").select_option("")
    expect(page).to_have_url(re.compile(r"/console/map/$"))


def test_the_map_keeps_its_last_state_greyed_when_the_socket_drops(sign_in, server):
    supervisor = sign_in("supervisor")
    page, _tiles = open_map(supervisor)
    page.locator("#layer-heat").check()
    expect(page.locator("#situation-map")).to_have_attribute("data-heat-total", re.compile(r"\d+"))
    server.stop()
    expect(page.locator("#live-banner")).to_be_visible()
    expect(page.locator("#situation-app")).to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator("#stale-note")).to_contain_text(re.compile(r"data terakhir \d\d[.:]\d\d"))
    assert page.locator(".sit-unit, .sit-cluster").count() > 0, "the last known state stays"
    screenshot(page, "map-04-offline-stale")
    server.start()
    expect(page.locator("[data-live]")).to_have_attribute(
        "data-live-status", "online", timeout=20_000
    )
    expect(page.locator("#situation-app")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator("#stale-note")).to_be_hidden()


def test_the_wallboard_page_for_the_big_screen(sign_in, telephone):
    supervisor = sign_in("supervisor")
    page = supervisor.page
    page.goto("/console/wallboard/")
    expect(page.locator("#wallboard [data-metric='open'] .wb-value")).to_have_text(
        re.compile(r"\d+")
    )
    before = wallboard_value(page, "open")
    operator = sign_in("operator")
    incident_id = house_fire_in_batu_merah(operator, telephone)
    expect(page.locator("#wallboard [data-metric='open'] .wb-value")).to_have_text(str(before + 1))
    expect(page.locator("#wallboard [data-metric='by-category']")).to_contain_text("Kebakaran")
    screenshot(page, "map-05-wallboard")
    supervisor.post(f"/api/incidents/{incident_id}/close/", {"outcome": "false_alarm"})
    expect(page.locator("#wallboard [data-metric='open'] .wb-value")).to_have_text(str(before))
