"""The surge, in the browser: a quake arrives on BMKG's feed, the supervisor sees the alert
and declares a major incident, a call-taker attaches three calls to it with one key (M) each, the
supervisor drafts a tsunami-potential warning for Salahutu's coastal desa, a second supervisor
approves it, and the public Atom feed lists it. The real server (embedded default) reads the
feed from a local HTTP server, as it would read BMKG's."""

import os
import re

import pytest
from lxml import etree
from playwright.sync_api import expect

from tests.browser.conftest import (
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    People,
    Server,
    Telephone,
    screenshot,
)
from tests.conftest import CHROMIUM
from tests.hazards.conftest import AMBON_2019, FeedServer, as_json
from tests.hazards.test_public_warnings import official_schema

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SALAHUTU_DESA = [f"81.01.14.200{n}" for n in range(1, 7)]


@pytest.fixture(scope="module")
def feed():
    server = FeedServer()
    yield server
    server.server.shutdown()


@pytest.fixture(scope="module")
def hazard_server(tmp_path_factory, feed):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    server = Server(tmp_path_factory.mktemp("ambon112-hazards"))
    server.env.update(BMKG_LATEST_URL=feed.url("/autogempa.json"), BMKG_POLL_S="1")
    server.prepare()
    server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from agencies.models import User\n"
        f"User.objects.create_user(username='supervisor2', password={DEMO_PASSWORD!r},"
        " role='supervisor', first_name='Supervisor', last_name='Kedua')",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    playwright = sync_api.sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def people(chromium, hazard_server, request):
    signed_in = People(chromium, hazard_server.url, width=1366, timeout_ms=20_000)
    yield signed_in.open
    signed_in.close(request)


def test_a_quake_becomes_a_major_incident_and_a_public_warning(people, feed, hazard_server):
    supervisor = people("supervisor", "/console/hazards/")
    operator = people("operator", "/console/calls/")
    expect(supervisor.locator("#quakes-empty")).to_be_visible()

    # The 2019 quake arrives on the feed; the server reads it within a few seconds.
    feed.serve("/autogempa.json", as_json(AMBON_2019))
    wording = re.compile(
        r"^Gempa M6,5 — \d+ km timur laut Ambon, pukul 08\.46 WIT: "
        r"bersiap menerima lonjakan panggilan$"
    )
    expect(operator.locator("#hazard-quakes li")).to_have_text(wording)
    expect(supervisor.locator("#hazard-quakes li")).to_have_text(wording)
    expect(supervisor.locator("#quake-rows tr.significant")).to_contain_text("TimurLaut AMBON")
    # The escalation machinery alerts the supervisor (Watch.HAZARD_UNREVIEWED).
    expect(supervisor.locator("#escalation-open")).not_to_have_text("0")
    screenshot(supervisor, "hazards-01-quake-alert")
    screenshot(operator, "hazards-02-call-taker-banner")

    # Declared from the quake, over the kecamatan Salahutu.
    supervisor.get_by_role("button", name="Nyatakan bencana besar").first.click()
    expect(supervisor.locator("#major-title-input")).to_have_value(
        re.compile(r"^Gempa M6,5 — 40 km TimurLaut AMBON-MALUKU$")
    )
    supervisor.locator("[id='major-81.01.14']").check()
    supervisor.locator("#major-form button[type=submit]").click()
    expect(supervisor.locator("#major-active-text")).to_have_text(
        re.compile(r"^Bencana besar: Gempa M6,5 .* — panggilan: 0, insiden: 0$")
    )
    expect(operator.locator("#hazard-major-text")).to_contain_text("panggilan: 0")

    # Three calls of the surge, each taken with A and attached with M, then classified.
    telephone = Telephone(
        hazard_server.url, hazard_server.manage("create_cti_token", "h3").stdout.strip()
    )
    try:
        for n in range(3):
            number = f"+62812000077{n:02d}"
            telephone.ring(number)
            expect(operator.locator("#call-queue li", has_text=number)).to_be_visible()
            operator.locator("body").press("a")
            expect(operator.locator("#pop-number")).to_have_text(number)
            expect(operator.locator("#hazard-attach")).to_be_visible()
            operator.locator("body").press("m")
            expect(operator.locator("#hazard-major-text")).to_contain_text(f"panggilan: {n + 1}")
            operator.locator("body").press("i")
            expect(operator.locator("#intake")).to_be_hidden()
            expect(operator.locator("#hazard-attach")).to_be_hidden()
    finally:
        telephone.hang_up_all()
    expect(supervisor.locator("#major-active-text")).to_contain_text("panggilan: 3, insiden: 0")
    screenshot(operator, "hazards-03-calls-attached")

    # The tsunami-potential warning for Salahutu's coastal desa, drafted by the supervisor.
    supervisor.locator("#warning-event").fill("Potensi tsunami")
    supervisor.locator("#warning-urgency").select_option("Immediate")
    supervisor.locator("#warning-severity").select_option("Severe")
    supervisor.locator("#warning-certainty").select_option("Possible")
    supervisor.locator("#warning-headline-id").fill("Waspada potensi tsunami di pesisir Salahutu")
    supervisor.locator("#warning-instruction-id").fill(
        "Segera menjauhi pantai dan menuju tempat tinggi."
    )
    for code in SALAHUTU_DESA:
        supervisor.locator(f"[id='warning-{code}']").check()
    supervisor.get_by_role("button", name="Simpan draf untuk disetujui").click()
    draft_row = supervisor.locator("#warning-rows tr", has_text="Waspada potensi tsunami")
    expect(draft_row).to_contain_text("draf, menunggu persetujuan")
    expect(draft_row).to_contain_text("Supervisor kedua harus menyetujuinya.")
    expect(draft_row.get_by_role("button", name="Setujui dan terbitkan")).to_have_count(0)
    screenshot(supervisor, "hazards-04-warning-draft")

    second = people("supervisor2", "/console/hazards/")
    row = second.locator("#warning-rows tr", has_text="Waspada potensi tsunami")
    row.get_by_role("button", name="Setujui dan terbitkan").click()
    expect(row).to_contain_text("diterbitkan")
    expect(draft_row).to_contain_text("diterbitkan")  # live on the author's screen too
    screenshot(second, "hazards-05-warning-published")

    # The public feed lists it; its CAP message is valid.
    atom = second.request.get("/cap/feed.atom")
    assert atom.status == 200 and "Waspada potensi tsunami di pesisir Salahutu" in atom.text()
    link = row.get_by_role("link", name="CAP XML").get_attribute("href")
    cap = second.request.get(link)
    document = etree.fromstring(cap.body())
    assert official_schema().validate(document)
    assert "Tulehu" in cap.text() and "Liang" in cap.text()
