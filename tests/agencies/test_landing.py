"""Where supervisors and administrators land after signing in (issue #16): the dispatch console
or the map, their choice, remembered per person; never the call-taker's queue."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def choose(client, landing, back="/console/map/"):
    return client.post(reverse("landing"), {"landing": landing, "next": back})


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_a_supervisor_or_an_administrator_lands_on_the_dispatch_console_until_they_choose_the_map(
    request, client_for, who
):
    person = request.getfixturevalue(who)
    client = client_for(person)
    assert client.get(reverse("home"))["Location"] == reverse("dispatch_console")

    answer = choose(client, "map_console")
    assert answer.status_code == 302 and answer["Location"] == "/console/map/"
    person.refresh_from_db()
    assert person.landing == "map_console"
    assert client.get(reverse("home"))["Location"] == reverse("map_console")

    choose(client, "dispatch_console")
    assert client.get(reverse("home"))["Location"] == reverse("dispatch_console")


def test_the_console_offers_land_here_and_says_when_it_is_the_start_page(client_for, supervisor):
    client = client_for(supervisor)
    dispatch = client.get(reverse("dispatch_console")).content.decode()
    assert "Halaman awal Anda setelah masuk" in dispatch
    on_the_map = client.get(reverse("map_console")).content.decode()
    assert 'name="landing" value="map_console"' in on_the_map
    assert "Jadikan halaman awal saya" in on_the_map
    # The room's wallboard and the call-taker's queue are never a supervisor's landing.
    assert 'name="landing"' not in client.get(reverse("wallboard_console")).content.decode()
    assert 'name="landing"' not in client.get(reverse("calls_console")).content.decode()


def test_an_unknown_console_is_refused_with_a_clear_message_and_nothing_changes(
    client_for, supervisor
):
    answer = choose(client_for(supervisor), "calls_console")
    assert answer.status_code == 400
    assert "pilih konsol dispatch atau peta" in answer.content.decode()
    supervisor.refresh_from_db()
    assert supervisor.landing == "dispatch_console"


@pytest.mark.parametrize("who", ["operator", "dispatcher"])
def test_other_roles_do_not_choose_and_land_on_their_role_console(request, client_for, who):
    person = request.getfixturevalue(who)
    client = client_for(person)
    assert choose(client, "map_console").status_code == 403
    person.refresh_from_db()
    assert person.landing == "dispatch_console"  # the default, unused for these roles
    assert (
        'name="landing"'
        not in client.get(
            reverse("map_console" if who == "dispatcher" else "calls_console")
        ).content.decode()
    )


def test_the_choice_is_a_post_with_the_csrf_token(client_for, supervisor):
    assert client_for(supervisor).get(reverse("landing")).status_code == 405
