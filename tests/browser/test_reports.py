"""The verifier reads last month's response times in Bahasa Indonesia, opens the calls behind a
figure (numbers masked), follows one to its incident's timeline and back, checks the log's
integrity for the month, and exports the PDF, whose first page is rendered to look at."""

import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser import test_dispatch_flow as flow
from tests.browser.conftest import ARTIFACTS, screenshot

sign_in = flow.sign_in  # someone signed in, with CSP and script-error checks

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

MASKED = re.compile(r"^\+•+\d{4}$")


def last_month() -> tuple[date, date]:
    """The first and last day of the month before this one, in WIT."""
    first_of_this = datetime.now(ZoneInfo("Asia/Jayapura")).date().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


@pytest.fixture(scope="module")
def month(server) -> tuple[date, date]:
    """The hand-built month of tests/reports/report_data.py, moved to last month, written
    into the test server's database (once, whichever test asks first)."""
    first, last = last_month()
    server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from agencies.models import User\n"
        "from incidents.models import Call\n"
        "from tests.reports.report_data import build_month\n"
        "if not Call.objects.filter(call_id='c1').exists():\n"
        f"    build_month(User.objects.get(username='dispatcher'), {first.year}, {first.month})\n",
    )
    return first, last


def open_report(person, path: str = "/reports/"):
    page = person.page
    page.goto(path)
    expect(page.locator("#report-app")).to_have_attribute("data-state", "ready")
    return page


def figure(page, metric: str, column: str):
    return page.locator(f"#summary-rows tr[data-metric='{metric}'] td[data-col='{column}']")


def drill(page):
    dialog = page.locator("#drill")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("data-state", "ready")
    return dialog


def test_the_verifier_reads_last_month_and_the_calls_behind_a_figure(sign_in, month):
    first, last = month
    verifier = sign_in("verifier")
    page = verifier.page

    # A verifier lands on the reports, in Bahasa Indonesia by default, on this month.
    expect(page).to_have_url(re.compile(r"/reports/"))
    consoles = page.get_by_role("navigation", name="Konsol")
    expect(consoles.get_by_role("link", name="Laporan")).to_have_attribute("aria-current", "page")
    expect(page.locator("#report-app")).to_have_attribute("data-state", "ready")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Laporan waktu tanggap")
    expect(page.get_by_role("button", name="Bulan ini")).to_have_attribute("aria-pressed", "true")

    # Last month: the period is in the address, so the view can be bookmarked and shared.
    page.get_by_role("button", name="Bulan lalu").click()
    expect(page).to_have_url(re.compile(rf"/reports/\?start={first}&end={last}$"))
    expect(page.locator("#report-app")).to_have_attribute("data-state", "ready")
    expect(page.get_by_role("button", name="Bulan lalu")).to_have_attribute("aria-pressed", "true")

    # The figures worked out by hand in tests/reports/test_reports.py, as m:ss.
    answer = page.locator("#summary-rows tr[data-metric='answer']")
    expect(answer.locator("th .m-label")).to_have_text("Waktu jawab")
    expect(figure(page, "answer", "population")).to_have_text("8")
    expect(figure(page, "answer", "measured")).to_have_text("7")
    expect(figure(page, "answer", "missing")).to_contain_text("1")
    expect(figure(page, "answer", "missing")).to_contain_text("tidak pernah dijawab")
    expect(figure(page, "answer", "p50")).to_have_text("0:10")
    expect(figure(page, "answer", "p90")).to_have_text("0:24")
    expect(figure(page, "answer", "max")).to_have_text("0:30")
    nena = answer.locator("[data-threshold='nena_15']")
    expect(nena.locator(".badge")).to_have_text("Tidak terpenuhi")
    expect(nena.locator(".t-share")).to_have_text("71,4%")  # id-ID: a decimal comma
    expect(figure(page, "processing", "p90")).to_have_text("1:48")
    expect(figure(page, "spm_fire", "max")).to_have_text("22:00")
    expect(page.locator("[data-figure='presented']")).to_have_text("8")
    expect(page.locator("[data-figure='abandoned-rate']")).to_have_text("12,5%")

    # Every definition is one click away from its numbers.
    answer.get_by_role("button", name="Definisi").click()
    expect(page.locator("#def-answer")).to_be_visible()
    expect(page.locator("#def-answer")).to_contain_text("T1 − T0")
    expect(page.locator("#def-answer")).to_contain_text("termasuk panggilan iseng")

    expect(page.locator("#chart-trend")).to_have_attribute("data-ready", "true")
    expect(page.locator("#report-map")).to_have_attribute("data-ready", "true")
    expect(page.locator("#report-map")).to_have_attribute("data-incidents", "4")
    screenshot(page, "reports-01-last-month")

    # The call never answered: only the last four digits of its number are shown.
    figure(page, "answer", "missing").get_by_role("button").click()
    dialog = drill(page)
    expect(dialog.locator("#drill-title")).to_have_text("Panggilan: Waktu jawab · tidak terukur")
    expect(dialog.locator("#drill-count")).to_have_text("Baris: 1")
    expect(dialog.locator("td[data-col='disposition']")).to_have_text("Tak terjawab")
    expect(dialog.locator("td[data-col='number']")).to_have_text(MASKED)
    expect(dialog.locator("td[data-col='number']")).to_have_text(re.compile(r"7890$"))
    dialog.get_by_role("button", name="Tutup").click()
    expect(dialog).to_be_hidden()

    # The calls answered within 15 s (NENA): five, none with a whole number.
    nena.locator(".t-counts button").first.click()
    dialog = drill(page)
    expect(dialog.locator("#drill-count")).to_have_text("Baris: 5")
    numbers = dialog.locator("td[data-col='number']")
    expect(numbers).to_have_count(5)
    for text in numbers.all_text_contents():
        assert MASKED.match(text), text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-02-drill-down.png"))  # the dialog as seen

    # An incident behind a call opens its full timeline; back returns to the same rows.
    link = dialog.locator("a.incident-link").first
    incident_id = link.text_content().lstrip("#")
    drill_url = page.url
    assert "d_outcome=within" in drill_url and "d_threshold=nena_15" in drill_url
    link.click()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{incident_id}")
    expect(page.locator("#incident-timeline")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(drill_url)
    dialog = drill(page)
    expect(dialog.locator("#drill-count")).to_have_text("Baris: 5")
    dialog.get_by_role("button", name="Tutup").click()

    # The log's integrity over the same month. The hand-built month was written straight into
    # the tables, not through the services: no event proves its times, and the check says so.
    page.get_by_role("link", name=re.compile("Periksa keutuhan log")).click()
    expect(page).to_have_url(re.compile(rf"/reports/integrity/\?start={first}&end={last}$"))
    expect(page.locator("#verdict h2")).to_have_text("Rusak")
    expect(page.locator("#time-mismatches")).to_contain_text(
        "tidak ada peristiwa yang mencatat baris ini"
    )
    expect(page.locator("#head-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    screenshot(page, "reports-03-integrity")


def test_a_breakdown_and_an_empty_month_never_read_as_0_or_100_percent(sign_in, month):
    first, last = month
    verifier = sign_in("verifier")
    page = open_report(verifier, f"/reports/?start={first}&end={last}&by=kecamatan")
    rows = page.locator("#breakdown-rows tr")
    expect(rows).to_have_count(4)  # Nusaniwe, Sirimau, Leihitu, and the incident with no place
    sirimau = page.locator("#breakdown-rows tr[data-group='81.71.02']")
    expect(sirimau.locator("th")).to_have_text("Sirimau")
    sirimau.locator("td[data-col='incidents'] button").click()
    dialog = drill(page)
    expect(dialog.locator("#drill-title")).to_contain_text("Sirimau")
    expect(dialog.locator("#drill-count")).to_have_text("Baris: 1")
    dialog.get_by_role("button", name="Tutup").click()
    screenshot(page, "reports-04-by-kecamatan")

    # A month long before any data: "Tidak ada data", never a share.
    page.locator("#f-month").fill("2020-01")
    expect(page).to_have_url(re.compile(r"start=2020-01-01&end=2020-01-31"))
    expect(page.locator("#report-app")).to_have_attribute("data-state", "ready")
    expect(page.locator("#no-data-notice")).to_be_visible()
    badges = page.locator("#summary-rows .threshold .badge")
    expect(badges.first).to_have_text("Tidak ada data")
    assert set(badges.all_text_contents()) == {"Tidak ada data"}
    assert set(page.locator("#summary-rows .t-share").all_text_contents()) == {"—"}
    expect(figure(page, "answer", "p90")).to_have_text("—")

    # A bad period: the server's message next to the field, and no half-drawn report.
    page.locator("#f-start").fill("2020-02-10")
    page.locator("#f-end").fill("2020-02-01")
    page.get_by_role("button", name="Tampilkan laporan").click()
    expect(page.locator("#report-app")).to_have_attribute("data-state", "error")
    expect(page.locator("[data-error-for='end']")).to_have_text("Akhir periode sebelum awalnya.")
    expect(page.locator("#report-body")).to_be_hidden()
    screenshot(page, "reports-05-bad-period")


def test_a_call_taker_has_no_reports(sign_in):
    operator = sign_in("operator")
    page = operator.page
    consoles = page.get_by_role("navigation", name="Konsol")
    expect(consoles.get_by_role("link", name="Panggilan")).to_be_visible()
    expect(consoles.get_by_role("link", name="Laporan")).to_have_count(0)
    assert page.goto("/reports/").status == 403
    assert page.goto("/reports/integrity/").status == 403


def test_the_verifier_exports_last_months_pdf(sign_in, month, tmp_path):
    first, last = month
    verifier = sign_in("verifier")
    page = open_report(verifier, f"/reports/?start={first}&end={last}")
    pdf_link = page.get_by_role("link", name="PDF", exact=True)
    expect(pdf_link).to_have_attribute("href", re.compile(rf"start={first}&end={last}&format=pdf"))
    with page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    if shutil.which("pdftoppm") is None:
        message = "pdftoppm (poppler-utils) is not installed: the PDF's page cannot be rendered"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "reports-06-pdf-page-1"
    first_page = ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", *first_page, str(pdf), str(target)], check=True, timeout=60
    )
    rendered = target.with_suffix(".png")
    assert rendered.exists() and rendered.stat().st_size > 10_000
