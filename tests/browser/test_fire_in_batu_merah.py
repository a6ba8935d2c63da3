"""A house fire in Batu Merah from the telephone to the closure, every person at their own
screen: the call-taker logs it, the dispatcher forwards it to Damkar and PLN, the Damkar desk
hears the alarm and sends its recommended engine through every step, the PLN desk declines
with a reason, and the supervisor watches it all live and closes it.

Only the telephone call arrives over an API, from the PBX adapter (as in test_call_intake);
everyone else uses clicks and keys in a browser profile of their own."""

import json
import re
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CALLER = f"+62813{uuid.uuid4().int % 10**7:07d}"
ADDRESS = "Lorong belakang Masjid Raya Batu Merah"
DESCRIPTION = "Rumah kayu terbakar, api menjalar ke rumah sebelah"
DECLINE_REASON = "Aliran listrik Batu Merah sudah dipadamkan dari gardu induk"
CLOSE_NOTE = "Api padam, satu rumah rusak berat, tidak ada korban"
CLOCK = re.compile(r"^\d{2}[:.]\d{2}[:.]\d{2}$")


@pytest.fixture
def people(browser, live_server_url, request, telephone):
    """Everyone signed in through the login form (People), each in a browser profile of their
    own. After `telephone`, so a failing test's screenshots are taken before it hangs up."""
    signed_in = People(browser, live_server_url, width=1366)
    yield signed_in
    signed_in.close(request)


def shot(page, name: str) -> None:
    page.bring_to_front()  # the person looks at this tab
    screenshot(page, f"fire-{name}")


def live_page(page) -> None:
    """Mark the page: the mark survives only as long as nobody reloads it."""
    page.evaluate("window.notReloaded = true")


def never_reloaded(page) -> None:
    assert page.evaluate("window.notReloaded") is True, f"{page.url} was reloaded"


# --- What each screen shows ------------------------------------------------------------------


def board_row(page, incident_id: int):
    return page.locator(f"#board-sections tr[data-id='{incident_id}']")


def forward_item(page, code: str):
    return page.locator(f"#forward-list li[data-agency='{code}']")


def ticket_row(page, code: str):
    return page.locator(f"#ticket-rows tr[data-agency='{code}']")


def unit_row(page, call_sign: str):
    return page.locator(f"#unit-rows tr[data-unit='{call_sign}']")


def desk_row(page, incident_id: int):
    return page.locator("#ticket-list li", has_text=f"#{incident_id} ")


def waiting_at(page):
    return page.locator("#ticket-list li.waiting")


def open_desk(page) -> int:
    """The desk ready for a ticket, sound enabled; returns how many tickets already wait."""
    expect(page).to_have_url(re.compile(r"/console/agency/$"))
    page.wait_for_load_state("networkidle")  # the snapshot of open tickets is in
    desk = page.locator("#desk-app")
    expect(desk).to_have_attribute("data-sound", "locked")
    page.get_by_role("button", name="Aktifkan suara").click()
    expect(page.get_by_role("button", name="Aktifkan suara")).to_be_hidden()
    already = waiting_at(page).count()
    expect(desk).to_have_attribute("data-alarm", "on" if already else "off")
    return already


def parse(iso: str | None) -> datetime:
    assert iso, "a time is missing"
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


# --- The story -------------------------------------------------------------------------------


def test_a_house_fire_in_batu_merah_from_the_call_to_the_closure(people, telephone, server):
    # Each signs in and lands on their own home console.
    operator, dispatcher, damkar, pln, supervisor_board = (
        people.open(username, "/")
        for username in ("operator", "dispatcher", "damkar", "pln", "supervisor")
    )
    for page in (operator, dispatcher, damkar, pln, supervisor_board):
        expect(page.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    expect(operator).to_have_url(re.compile(r"/console/calls/$"))
    expect(dispatcher).to_have_url(re.compile(r"/console/dispatch/$"))
    nav = supervisor_board.locator("nav.consoles")
    nav.get_by_role("link", name="Dispatch", exact=True).click()
    expect(supervisor_board).to_have_url(re.compile(r"/console/dispatch/$"))
    expect(supervisor_board.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    damkar_waiting = open_desk(damkar)
    pln_waiting = open_desk(pln)
    for page in (damkar, pln, supervisor_board):
        live_page(page)

    # --- The call-taker: the telephone rings, the call is taken and becomes an incident.
    call_id = telephone.ring(CALLER, line="112-2")
    queued = operator.locator("#call-queue li", has_text=CALLER)
    expect(queued.locator(".line")).to_have_text("112-2")
    queued.get_by_role("button", name="Ambil").click()
    expect(operator.locator("#pop-number")).to_have_text(CALLER)
    expect(operator.locator("#pop-state")).to_contain_text("Dijawab")
    operator.keyboard.press("e")  # emergency: to the incident type
    expect(operator.locator("#f-type")).to_be_focused()
    operator.keyboard.type("kebakaran rumah")
    expect(operator.locator(".picker-list li.active")).to_contain_text("Kebakaran rumah")
    operator.keyboard.press("Enter")
    expect(operator.locator("#f-priority")).to_have_value("1")
    # No handset location with this call: the kelurahan, picked from the list.
    expect(operator.locator("#f-area")).to_be_focused()
    operator.keyboard.type("batu mer")
    operator.get_by_role("option", name=re.compile(r"^Batu Merah")).click()
    expect(operator.locator("#detected")).to_contain_text("Batu Merah")
    expect(operator.locator("#detected")).to_contain_text("Kec. Sirimau")
    expect(operator.locator("#intake-map .area-label", has_text="Batu Merah")).to_be_visible()
    expect(operator.get_by_label("Alamat atau patokan")).to_be_focused()
    operator.keyboard.type(ADDRESS)
    operator.get_by_label("Apa yang terjadi").click()
    operator.keyboard.type(DESCRIPTION)
    shot(operator, "01-call-taker-fire-in-batu-merah")
    operator.get_by_role("button", name="Buat kejadian").click()
    created = operator.get_by_role("status").filter(has_text="dibuat")
    expect(created).to_contain_text("Kebakaran rumah")
    expect(created).to_contain_text("Batu Merah")
    incident_id = int(re.search(r"#(\d+)", created.text_content()).group(1))
    expect(operator.locator("#intake")).to_be_hidden()
    shot(operator, "02-call-taker-incident-created")
    telephone.hang_up(call_id)  # the caller hangs up once help is on its way

    # --- The supervisor's board and the dispatcher's: the new fire waits to be forwarded.
    for board in (dispatcher, supervisor_board):
        listed = board_row(board, incident_id)
        expect(listed).to_contain_text("Kebakaran rumah")
        expect(listed).to_contain_text("Batu Merah")
        expect(listed).to_contain_text("belum ada instansi")
        expect(board.locator(f".group-forward tr[data-id='{incident_id}']")).to_be_visible()
    # The supervisor opens it in a tab of its own and keeps the board in the other.
    with supervisor_board.context.expect_page() as opened:
        board_row(supervisor_board, incident_id).get_by_role("link", name=f"#{incident_id}").click(
            modifiers=["Control"]
        )
    supervisor = opened.value
    people.watch(supervisor, "supervisor-incident")
    supervisor.wait_for_load_state()
    expect(supervisor).to_have_url(re.compile(rf"/incidents/{incident_id}/$"))
    expect(supervisor.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    expect(supervisor.locator("#incident-status")).to_have_text("Baru")
    expect(supervisor.locator("#incident-facts")).to_contain_text(ADDRESS)
    expect(supervisor.locator("#tickets-empty")).to_have_text("Belum ada instansi yang diberitahu.")
    live_page(supervisor)

    # --- The dispatcher opens it from the board and forwards it to Damkar and PLN.
    board_row(dispatcher, incident_id).get_by_role("link", name=f"#{incident_id}").click()
    expect(dispatcher).to_have_url(re.compile(rf"/incidents/{incident_id}/$"))
    expect(dispatcher.locator("[data-live]")).to_have_attribute("data-live-status", "online")
    expect(dispatcher.locator("#incident-type-name")).to_have_text("Kebakaran rumah")
    expect(dispatcher.locator("#incident-facts")).to_contain_text("Batu Merah")
    live_page(dispatcher)
    damkar_item = forward_item(dispatcher, "damkar")
    expect(damkar_item).to_contain_text("Damkar Kota Ambon")
    expect(damkar_item.locator(".badge.role")).to_have_text("utama")
    expect(damkar_item.locator("input")).to_be_checked()
    for code in ("pln", "dishub", "dinkes"):
        expect(forward_item(dispatcher, code).locator(".badge.role")).to_have_text("pendukung")
        expect(forward_item(dispatcher, code).locator("input")).to_be_checked()
    forward_item(dispatcher, "dishub").get_by_role("checkbox").click()
    forward_item(dispatcher, "dinkes").get_by_role("checkbox").click()
    expect(forward_item(dispatcher, "dishub").locator("input")).not_to_be_checked()
    expect(forward_item(dispatcher, "dinkes").locator("input")).not_to_be_checked()
    shot(dispatcher, "03-dispatcher-forwards-to-damkar-and-pln")
    dispatcher.get_by_role("button", name="Teruskan").click()
    forwarded = dispatcher.get_by_role("status").filter(has_text="Diteruskan ke")
    expect(forwarded).to_contain_text("Damkar Kota Ambon")
    expect(forwarded).to_contain_text("PLN UP3 Ambon")
    expect(dispatcher.locator("#ticket-rows tr")).to_have_count(2)
    for page in (dispatcher, supervisor):
        for code in ("damkar", "pln"):
            expect(ticket_row(page, code)).to_contain_text("Menunggu diterima")
        expect(page.locator("#incident-status")).to_have_text("Ditugaskan")
    waiting = board_row(supervisor_board, incident_id)
    expect(supervisor_board.locator(f".group-waiting tr[data-id='{incident_id}']")).to_be_visible()
    expect(waiting.locator(".chip.ticket-notified")).to_have_count(2)

    # --- The Damkar desk: the ticket arrives with the alarm sounding.
    desk = damkar.locator("#desk-app")
    row = desk_row(damkar, incident_id)
    expect(row).to_contain_text("Kebakaran rumah")
    expect(row).to_contain_text("Batu Merah")
    expect(row).to_have_class(re.compile(r"\bwaiting\b"))
    expect(waiting_at(damkar)).to_have_count(damkar_waiting + 1)
    expect(desk).to_have_attribute("data-alarm", "on")
    expect(desk).to_have_attribute("data-sound", "playing")
    assert damkar.evaluate("document.getElementById('desk-alarm').paused") is False
    expect(damkar.locator("#alarm-banner")).to_contain_text("Tiket baru menunggu diterima")
    row.get_by_role("button").click()
    expect(damkar.locator("#ticket-title")).to_have_text(f"#{incident_id} Kebakaran rumah")
    expect(damkar.locator("#ticket-facts")).to_contain_text(ADDRESS)
    expect(damkar.locator("#ticket-facts")).to_contain_text(DESCRIPTION)
    expect(damkar.locator("#ticket-accept")).to_have_text("A Terima")
    expect(damkar.locator("#ticket-decline")).to_have_text("D Tolak")
    shot(damkar, "04-damkar-desk-alarm")

    # The PLN desk hears it too.
    pln_row = desk_row(pln, incident_id)
    expect(pln_row).to_have_class(re.compile(r"\bwaiting\b"))
    expect(pln_row.locator(".tags")).to_contain_text("Instansi pendukung")
    expect(pln.locator("#desk-app")).to_have_attribute("data-alarm", "on")
    expect(pln.locator("#desk-app")).to_have_attribute("data-sound", "playing")

    # Damkar accepts with A: the alarm stops (unless another ticket still waits).
    damkar.keyboard.press("a")
    expect(damkar.get_by_role("status").filter(has_text=f"#{incident_id}")).to_contain_text(
        "diterima"
    )
    expect(row).to_have_class(re.compile(r"\btaken\b"))
    expect(waiting_at(damkar)).to_have_count(damkar_waiting)
    expect(desk).to_have_attribute("data-alarm", "on" if damkar_waiting else "off")
    if not damkar_waiting:
        expect(damkar.locator("#alarm-banner")).to_be_hidden()
        assert damkar.evaluate("document.getElementById('desk-alarm').paused") is True
    for page in (dispatcher, supervisor):
        expect(ticket_row(page, "damkar")).to_contain_text("Diterima")
        expect(ticket_row(page, "damkar")).to_contain_text("damkar")

    # The recommended units, nearest first; 1 sends the first.
    expect(damkar.locator("#recommend-capability")).to_have_text(
        "dibutuhkan: Mobil pemadam kebakaran"
    )
    candidates = damkar.locator("#candidates li")
    expect(candidates.first).to_contain_text(re.compile(r"DAMKAR-\d\d"))
    expect(candidates.first).to_contain_text("Mobil pemadam kebakaran")
    expect(candidates.first.locator(".eta")).to_have_text(re.compile(r"\d+ menit"))
    expect(candidates.first.get_by_role("button", name="Kirim")).to_be_visible()
    engine = candidates.first.get_attribute("data-call-sign")
    shot(damkar, "05-damkar-desk-recommended-engine")

    # --- The PLN desk declines with D and a reason, in the small form.
    pln_row.get_by_role("button").click()
    expect(pln.locator("#ticket-title")).to_have_text(f"#{incident_id} Kebakaran rumah")
    pln.keyboard.press("d")
    form = pln.locator("#reason-dialog")
    expect(form).to_be_visible()
    expect(form.locator("#reason-title")).to_have_text(f"Tolak tiket untuk kejadian #{incident_id}")
    expect(pln.locator("#reason-text")).to_be_focused()
    pln.keyboard.press("Enter")
    expect(form.get_by_role("alert")).to_have_text("Berikan alasan.")
    pln.keyboard.type(DECLINE_REASON)
    shot(pln, "06-pln-desk-decline-reason")
    pln.keyboard.press("Enter")
    expect(form).to_be_hidden()
    expect(pln_row).to_have_count(0)
    expect(pln.get_by_role("status").filter(has_text=f"#{incident_id}")).to_contain_text("Ditolak")
    expect(waiting_at(pln)).to_have_count(pln_waiting)
    expect(pln.locator("#desk-app")).to_have_attribute("data-alarm", "on" if pln_waiting else "off")
    shot(pln, "07-pln-desk-declined")

    # The decline reaches the dispatcher and the supervisor at once, reason and all.
    for page in (dispatcher, supervisor):
        declined = ticket_row(page, "pln")
        expect(declined).to_contain_text("Ditolak")
        expect(declined.locator("td.reason")).to_have_text(DECLINE_REASON)
        expect(page.get_by_role("alert").filter(has_text="PLN UP3 Ambon menolak")).to_contain_text(
            DECLINE_REASON
        )
    chip = board_row(supervisor_board, incident_id).locator(".chip.ticket-declined")
    expect(chip).to_contain_text(DECLINE_REASON)
    expect(chip).to_have_attribute("title", f"PLN UP3 Ambon menolak: {DECLINE_REASON}")
    expect(supervisor_board.locator(f".group-declined tr[data-id='{incident_id}']")).to_be_visible()
    expect(
        supervisor_board.get_by_role("alert").filter(has_text="PLN UP3 Ambon menolak")
    ).to_be_visible()

    # --- Damkar sends the recommended engine, then reports its steps with E, S, O.
    damkar.keyboard.press("1")
    assignment = damkar.locator("#assignments li.assignment", has_text=engine)
    expect(assignment).to_contain_text("Ditugaskan")
    expect(damkar.get_by_role("status").filter(has_text=engine)).to_contain_text(
        f"dikirim ke kejadian #{incident_id}"
    )
    expect(candidates.filter(has_text=engine)).to_have_count(0)
    for page in (dispatcher, supervisor):
        unit = unit_row(page, engine)
        expect(unit).to_contain_text("Ditugaskan")
        expect(unit).to_contain_text("Damkar Kota Ambon")
        expect(unit.locator("td").nth(3)).to_have_text(re.compile(r"\d+ mnt"))

    steps = [
        ("e", "en_route_at", "Dalam perjalanan", "Menuju lokasi", 4),
        ("s", "on_scene_at", "Di lokasi", "Di lokasi", 5),
        ("o", "operations_started_at", "Di lokasi", "Di lokasi", 6),
    ]
    for key, field, unit_state, incident_state, column in steps:
        damkar.keyboard.press(key)
        expect(assignment.locator(f"[data-field='{field}'] time")).to_have_text(CLOCK)
        for page in (dispatcher, supervisor):
            unit = unit_row(page, engine)
            expect(unit.locator("td").nth(1)).to_have_text(unit_state)
            expect(unit.locator("td").nth(column).locator("time")).to_have_text(CLOCK)
            expect(page.locator("#incident-status")).to_have_text(incident_state)
    expect(assignment.locator(".step-times li")).to_have_text(
        [
            re.compile(r"^Ditugaskan"),
            re.compile(r"^Dalam perjalanan"),
            re.compile(r"^Di lokasi"),
            re.compile(r"^Operasi dimulai"),
        ]
    )
    expect(damkar.locator("#fleet-rows tr", has_text=engine)).to_contain_text("Di lokasi")
    shot(damkar, "08-damkar-desk-operations-started")

    # The supervisor saw every step arrive without reloading anything.
    timeline = supervisor.locator("#incident-timeline")
    for entry in (
        f"Panggilan dari {CALLER} berdering",
        "Kejadian dibuat",
        "Instansi diberi tahu: Damkar Kota Ambon",
        "Instansi menerima: Damkar Kota Ambon",
        f"Instansi menolak: PLN UP3 Ambon — {DECLINE_REASON}",
        f"Unit ditugaskan: {engine}",
        f"Unit dalam perjalanan: {engine}",
        f"Unit tiba di lokasi: {engine}",
        f"Operasi dimulai: {engine}",
    ):
        expect(timeline).to_contain_text(entry)
    board = board_row(supervisor_board, incident_id)
    expect(board.locator(".chip.ticket-accepted")).to_contain_text("Damkar")
    expect(board.locator(".chip.unit")).to_contain_text(engine)
    expect(board.locator(".chip.unit")).to_contain_text("Di lokasi")
    shot(supervisor_board, "09-supervisor-board-live")
    shot(supervisor, "10-supervisor-incident-live")
    shot(dispatcher, "11-dispatcher-incident-live")

    # --- The supervisor closes it: resolved.
    expect(supervisor.locator("#close-warning")).to_contain_text(engine)
    supervisor.get_by_label("Hasil").select_option(label="Selesai ditangani")
    supervisor.get_by_label("Catatan (opsional)").fill(CLOSE_NOTE)
    supervisor.get_by_role("button", name="Tutup kejadian").click()
    expect(supervisor.get_by_role("status").filter(has_text="Kejadian ditutup.")).to_be_visible()
    expect(supervisor.locator("#incident-status")).to_have_text("Ditutup")
    expect(supervisor.locator("#incident-outcome")).to_have_text("Selesai ditangani")
    expect(supervisor.locator("#closed-info")).to_contain_text("hasil: Selesai ditangani")
    expect(supervisor.locator("#close-form")).to_be_hidden()
    expect(ticket_row(supervisor, "damkar")).to_contain_text("Selesai")
    expect(unit_row(supervisor, engine)).to_contain_text("Selesai bertugas")
    expect(timeline).to_contain_text(f"Kejadian ditutup: Selesai ditangani — {CLOSE_NOTE}")
    shot(supervisor, "12-supervisor-closed")

    # Everyone else sees it closed, live: the board lets it go, the desk frees its engine.
    expect(board_row(supervisor_board, incident_id)).to_have_count(0)
    expect(dispatcher.locator("#incident-status")).to_have_text("Ditutup")
    expect(dispatcher.locator("#forward-form")).to_be_hidden()
    expect(row).to_have_count(0)
    expect(damkar.get_by_role("status").filter(has_text=f"#{incident_id}:")).to_contain_text(
        "Selesai"
    )
    expect(damkar.locator("#fleet-rows tr", has_text=engine).locator(".badge")).to_have_text(
        "Tersedia"
    )
    shot(damkar, "13-damkar-desk-after-closure")
    for page in (dispatcher, damkar, pln, supervisor_board, supervisor):
        never_reloaded(page)

    # --- What the record keeps, over the API (the supervisor's session)…
    api = supervisor.request
    incident = api.get(f"/api/incidents/{incident_id}/").json()
    assert incident["status"] == "closed"
    assert incident["outcome"] == "resolved"
    assert incident["area"]["name"] == "Batu Merah"
    assert incident["incident_type"]["code"] == "kebakaran.rumah"
    assert incident["calls"][0]["number"] == CALLER
    assert incident["calls"][0]["disposition"] == "emergency"
    tickets = api.get(f"/api/tickets/?status=all&incident={incident_id}").json()["tickets"]
    by_agency = {ticket["agency"]["code"]: ticket for ticket in tickets}
    assert set(by_agency) == {"damkar", "pln"}
    assert by_agency["damkar"]["status"] == "completed"
    assert by_agency["damkar"]["accepted_by"] == "damkar"
    assert by_agency["pln"]["status"] == "declined"
    assert by_agency["pln"]["declined_by"] == "pln"
    assert by_agency["pln"]["decline_reason"] == DECLINE_REASON
    units = api.get(f"/api/assignments/?incident={incident_id}").json()
    assert [(a["unit"]["call_sign"], a["status"]) for a in units] == [(engine, "cleared")]

    # …and in the server's own database, every time of the chain in order.
    record = server_record(server, incident_id)
    damkar_ticket, pln_ticket = record["tickets"]["damkar"], record["tickets"]["pln"]
    [sent] = record["assignments"]
    assert sent["unit"] == engine
    assert sent["dispatched_by"] == "damkar"
    assert pln_ticket["T4"] is None
    assert pln_ticket["reason"] == DECLINE_REASON
    chain = [
        ("T2 created", record["T2"]),
        ("T3 Damkar notified", damkar_ticket["T3"]),
        ("T4 Damkar accepted", damkar_ticket["T4"]),
        ("T4d dispatched", sent["T4d"]),
        ("T5 en route", sent["T5"]),
        ("T6 on scene", sent["T6"]),
        ("T6f operations started", sent["T6f"]),
        ("T10 cleared", sent["T10"]),
        ("T11 closed", record["T11"]),
    ]
    times = [(name, parse(iso)) for name, iso in chain]
    assert [name for name, _ in sorted(times, key=lambda item: item[1])] == [n for n, _ in chain]
    assert parse(record["T2"]) <= parse(pln_ticket["T3"]) <= parse(pln_ticket["declined_at"])
    assert record["outcome"] == "resolved"
    assert incident["created_at"] and incident["closed_at"]
    assert parse(incident["created_at"]) == parse(record["T2"])
    assert parse(incident["closed_at"]) == parse(record["T11"])


def server_record(server, incident_id: int) -> dict:
    """The incident's times as the server's database keeps them (read with its ORM)."""
    code = (
        "import json\n"
        "from incidents.models import Incident\n"
        f"i = Incident.objects.get(pk={incident_id})\n"
        "out = {\n"
        "    'T2': i.created_at, 'T11': i.closed_at, 'outcome': i.outcome,\n"
        "    'tickets': {t.agency.code: {'T3': t.notified_at, 'T4': t.accepted_at,\n"
        "                'declined_at': t.declined_at, 'reason': t.decline_reason}\n"
        "                for t in i.tickets.select_related('agency')},\n"
        "    'assignments': [{'unit': a.unit.call_sign,\n"
        "                     'dispatched_by': a.dispatched_by.username,\n"
        "                     'T4d': a.dispatched_at, 'T5': a.en_route_at, 'T6': a.on_scene_at,\n"
        "                     'T6f': a.operations_started_at, 'T10': a.cleared_at}\n"
        "                    for a in i.assignments.select_related('unit', 'dispatched_by')],\n"
        "}\n"
        "print(json.dumps(out, default=lambda d: d.isoformat()))\n"
    )
    return json.loads(server.manage("shell", "--no-imports", "-c", code).stdout)
