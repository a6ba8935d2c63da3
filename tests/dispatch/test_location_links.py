"""A caller who cannot say where they are shares their phone's location through a one-time
link (issue #19); it locates the call like an AML message and tells nothing about it."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dispatch.models import LocationLink
from dispatch.services.location_links import create_location_link, share_location
from incidents.models import Call, Event
from incidents.services.calls import receive_call_event, take_call

BATU_MERAH = (-3.6836, 128.1916)
sent_links = []


def send(*, number: str, url: str) -> None:
    """The message gateway, as LOCATION_LINK_SENDER names it in these tests."""
    sent_links.append((number, url))


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    sent_links.clear()


@pytest.fixture
def call(operator):
    call, _changed = receive_call_event(
        call_id="lokasi-1", event="ringing", number="+6281200004321", adapter="pbx"
    )
    return take_call(call=call, by=operator)


def secret_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_the_callers_fix_locates_the_call_like_an_aml(call, operator):
    link, url = create_location_link(call=call, by=operator, base_url="https://112.example/")
    assert url.startswith("https://112.example/lokasi/")
    assert link.key_hash != secret_of(url)  # only the hash is kept
    share_location(secret=secret_of(url), lat=BATU_MERAH[0], lon=BATU_MERAH[1], accuracy_m=18)
    call.refresh_from_db()
    assert (call.aml_lat, call.aml_lon, call.aml_radius_m) == (*BATU_MERAH, 18)
    assert call.aml_source == "link"
    located = Event.objects.filter(kind="call.located").get()
    assert located.payload["call"]["aml"]["source"] == "link"
    created = Event.objects.filter(kind="call.location_link_created").get()
    assert secret_of(url) not in str(created.payload)


def test_a_link_works_once(call, operator):
    _link, url = create_location_link(call=call, by=operator, base_url="http://x/")
    share_location(secret=secret_of(url), lat=BATU_MERAH[0], lon=BATU_MERAH[1], accuracy_m=10)
    with pytest.raises(Exception, match="already used"):
        share_location(secret=secret_of(url), lat=-3.70, lon=128.18, accuracy_m=10)
    call.refresh_from_db()
    assert call.aml_lat == BATU_MERAH[0]


def test_a_new_link_retires_the_old_one_and_a_call_gets_few(call, operator, settings):
    _first, first_url = create_location_link(call=call, by=operator, base_url="http://x/")
    create_location_link(call=call, by=operator, base_url="http://x/")
    with pytest.raises(Exception, match="expired"):
        share_location(secret=secret_of(first_url), lat=-3.7, lon=128.18, accuracy_m=10)
    settings.LOCATION_LINKS_PER_CALL = 2
    with pytest.raises(Exception, match="already had 2"):
        create_location_link(call=call, by=operator, base_url="http://x/")


def test_only_the_call_taker_holding_the_call_makes_a_link(call, supervisor):
    with pytest.raises(Exception, match="Take the call first"):
        create_location_link(call=call, by=supervisor, base_url="http://x/")
    assert not LocationLink.objects.exists()


def test_the_gateway_sends_the_link_after_commit(
    call, operator, settings, django_capture_on_commit_callbacks
):
    settings.LOCATION_LINK_SENDER = "tests.dispatch.test_location_links.send"
    with django_capture_on_commit_callbacks(execute=True):
        link, url = create_location_link(call=call, by=operator, base_url="http://x/")
    assert sent_links == [("+6281200004321", url)] and link.sent_via == "gateway"


# --- Over HTTP: the call-taker's key and the caller's page ---------------------------------------


def test_the_call_taker_gets_a_link_and_the_caller_page_asks_for_the_location(
    call, operator, client_for, client
):
    answer = client_for(operator).post(reverse("call-location-link", kwargs={"pk": call.pk}))
    assert answer.status_code == 201
    url = answer.json()["url"]
    assert answer.json()["sent"] is False
    client.logout()
    page = client.get(reverse("location_link_page", kwargs={"secret": secret_of(url)}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Kirim lokasi saya" in text
    assert "4321" not in text and "lokasi-1" not in text  # nothing of the call
    assert page["Referrer-Policy"] == "no-referrer"
    shared = client.post(
        reverse("location-share", kwargs={"secret": secret_of(url)}),
        {"lat": BATU_MERAH[0], "lon": BATU_MERAH[1], "accuracy_m": 25},
        content_type="application/json",
    )
    assert shared.status_code == 201 and shared.json() == {"received": True}
    again = client.post(
        reverse("location-share", kwargs={"secret": secret_of(url)}),
        {"lat": BATU_MERAH[0], "lon": BATU_MERAH[1], "accuracy_m": 25},
        content_type="application/json",
    )
    assert again.status_code == 410
    assert "sudah dipakai" in again.json()["detail"]
    used_page = client.get(reverse("location_link_page", kwargs={"secret": secret_of(url)}))
    assert "sudah dipakai" in used_page.content.decode()


def test_an_expired_link_is_refused_and_changes_nothing(call, operator, client):
    _link, url = create_location_link(call=call, by=operator, base_url="http://x/")
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        answer = client.post(
            reverse("location-share", kwargs={"secret": secret_of(url)}),
            {"lat": BATU_MERAH[0], "lon": BATU_MERAH[1], "accuracy_m": 25},
            content_type="application/json",
        )
    assert answer.status_code == 410 and "kedaluwarsa" in answer.json()["detail"]
    assert Call.objects.get(pk=call.pk).aml_lat is None


@pytest.mark.parametrize(
    "body", [{"accuracy_m": 0}, {"accuracy_m": 99999}, {"lat": 48.85, "lon": 2.35}]
)
def test_an_impossible_fix_is_refused_and_the_link_still_works(call, operator, client, body):
    _link, url = create_location_link(call=call, by=operator, base_url="http://x/")
    fix = {"lat": BATU_MERAH[0], "lon": BATU_MERAH[1], "accuracy_m": 20, **body}
    answer = client.post(
        reverse("location-share", kwargs={"secret": secret_of(url)}),
        fix,
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.json()["errors"]
    assert LocationLink.objects.get().used_at is None


def test_guessing_links_is_rate_limited(ambon, client, settings):
    settings.LOCATION_LINK_TRIES_PER_10_MIN = 3
    for _ in range(3):
        assert (
            client.get(reverse("location_link_page", kwargs={"secret": "tebak"})).status_code == 200
        )
    answer = client.post(
        reverse("location-share", kwargs={"secret": "tebak"}),
        {"lat": BATU_MERAH[0], "lon": BATU_MERAH[1], "accuracy_m": 20},
        content_type="application/json",
    )
    assert answer.status_code == 429


def test_an_unknown_link_is_404(ambon, client):
    answer = client.post(
        reverse("location-share", kwargs={"secret": "tidak-ada"}),
        {"lat": BATU_MERAH[0], "lon": BATU_MERAH[1], "accuracy_m": 20},
        content_type="application/json",
    )
    assert answer.status_code == 404 and "tidak ada" in answer.json()["detail"]


def test_a_desk_or_a_crew_cannot_make_links(call, client_for, damkar):
    answer = client_for(damkar).post(reverse("call-location-link", kwargs={"pk": call.pk}))
    assert answer.status_code == 403
