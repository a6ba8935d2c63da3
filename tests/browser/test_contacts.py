"""A WhatsApp complaint logged by hand (issue #15): the call-taker logs it with its text and the
time it came in, it queues with its channel badge (never "jalur ?") and no ring clock, it
escalates when its first response is late, the take answers it, and the verifier's report for
the day counts and times it under its channel."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

WIT = ZoneInfo("Asia/Jayapura")
NUMBER = "+6281277001515"
TEXT = "Lampu jalan di depan Masjid Raya Al-Fatah padam sejak tiga hari, jalan gelap sekali"


def test_a_whatsapp_complaint_logged_by_hand_queues_with_its_badge_escalates_and_is_reported(
    people,
):
    operator = people.open("operator", "/console/calls/")

    # Received on the centre's WhatsApp six minutes ago; the call-taker logs it for the queue.
    operator.get_by_text("Catat kontak bukan telepon").click()
    form = operator.locator("#contact-form")
    expect(form).to_be_visible()
    received = datetime.now(WIT) - timedelta(minutes=6)
    form.get_by_label("Saluran").select_option("whatsapp")
    form.get_by_label("Diterima pukul (WIT)").fill(received.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Isi pesan, atau ringkasan yang disampaikan").fill(TEXT)
    form.get_by_label("Nomor pengirim").fill("0812-7700-1515")
    form.get_by_label("Nama pengirim").fill("Pak Yohanis")
    form.get_by_label("Saya tangani sekarang").uncheck()
    screenshot(operator, "contacts-01-the-form")

    # A future time is refused with a clear message, and nothing is logged.
    future = datetime.now(WIT) + timedelta(hours=2)
    form.get_by_label("Diterima pukul (WIT)").fill(future.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Catat kontak").click()
    expect(form.locator('.field-error[data-for="received_at"]')).to_contain_text(
        "tidak boleh lebih dari sekarang"
    )
    form.get_by_label("Diterima pukul (WIT)").fill(received.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Catat kontak").click()
    expect(form.locator("#contact-done")).to_contain_text("Tercatat: WhatsApp dari +6281277001515")

    # It queues with its channel badge and its text, never "jalur ?".
    row = operator.locator("#call-queue li.call-row.message", has_text=NUMBER)
    expect(row).to_be_visible()
    expect(row.locator(".badge.channel-whatsapp")).to_have_text("WhatsApp")
    expect(row.locator(".snippet")).to_contain_text("Lampu jalan di depan Masjid Raya")
    expect(row.locator(".limit")).to_have_text("batas 5 mnt")
    expect(operator.locator("#call-queue")).not_to_contain_text("jalur ?")

    # Six minutes unanswered is past its five-minute first response: the call-takers' banner.
    alarm = operator.locator("#escalation-banner li.escalation", has_text=f"whatsapp · {NUMBER}")
    expect(alarm).to_be_visible(timeout=20_000)
    expect(row).to_have_attribute("data-clock", "late")
    screenshot(operator, "contacts-02-escalated")

    # The take is its first response: the screen-pop shows the message with its badge.
    row.get_by_role("button", name="Ambil").click()
    expect(operator.locator("#pop-line .badge.channel-whatsapp")).to_be_visible()
    expect(operator.locator("#pop-message")).to_contain_text(TEXT)
    expect(operator.locator("#pop-number")).to_have_text(NUMBER)
    expect(operator.locator("#pop-state")).to_contain_text("pertama ditangani setelah")
    screenshot(operator, "contacts-03-taken")
    operator.locator('button[data-disposition="information"]').click()
    expect(operator.locator("#intake")).to_be_hidden()

    # The verifier's report for the day it came in (run just after midnight WIT, that is
    # yesterday): the contact under its channel, apart from the calls.
    day = received.date().isoformat()
    verifier = people.open("verifier", f"/reports/?start={day}&end={day}")
    expect(verifier.locator("#report-app")).to_have_attribute("data-state", "ready")
    whatsapp = verifier.locator("#message-rows tr[data-channel='whatsapp']")
    expect(whatsapp.locator("th")).to_have_text("WhatsApp")
    assert int(whatsapp.locator("td[data-col='received']").inner_text()) >= 1
    assert int(whatsapp.locator("td[data-col='measured']").inner_text()) >= 1
    expect(verifier.locator("#summary-rows tr[data-metric='first_response']")).to_contain_text(
        "Tanggapan pertama pesan"
    )
    verifier.locator("#messages-title").scroll_into_view_if_needed()
    screenshot(verifier, "contacts-04-verifier-report")
