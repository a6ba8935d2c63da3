"""Positions and presence: a call-taker signs in at a desk, has a state the supervisor sees,
follows the calls in their hands, and is marked away when their console falls silent."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from agencies.models import Role, User
from core.errors import Conflict, Invalid
from incidents.models import Event, Position, Presence, Room
from incidents.services.calls import dispose_call, receive_call_event, take_call
from incidents.services.presence import (
    change_state,
    check_presence,
    create_position,
    sign_in,
    sign_out,
    touch,
    update_position,
)
from tests.conftest import PASSWORD, T0

# Service messages are matched in English; the API tests read the Indonesian ones.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def desk_a(admin_user):
    return create_position(name="Meja 1", extensions=["201", "202"], by=admin_user)


@pytest.fixture
def desk_b(admin_user):
    return create_position(name="Meja 2", extensions=["203"], by=admin_user)


@pytest.fixture
def colleague(ambon):
    return User.objects.create_user(
        username="operator2", password=PASSWORD, role=Role.CALL_TAKER, first_name="Rina"
    )


def ring(call_id="p-1", number="+6281200005555"):
    return receive_call_event(call_id=call_id, event="ringing", number=number, adapter="pbx")[0]


def presence_of(user) -> Presence:
    return Presence.objects.get(user=user, signed_out_at__isnull=True)


# --- Positions ----------------------------------------------------------------------------------


def test_a_position_has_its_extensions_and_its_creation_is_an_event(desk_a):
    assert sorted(desk_a.extensions.values_list("extension", flat=True)) == ["201", "202"]
    event = Event.objects.get(kind="position.created")
    assert event.payload["position"] == {
        "id": desk_a.pk,
        "name": "Meja 1",
        "extensions": ["201", "202"],
        "is_active": True,
    }


def test_an_extension_belongs_to_one_position_only(desk_a, admin_user):
    with pytest.raises(Invalid) as refused:
        create_position(name="Meja 9", extensions=["202"], by=admin_user)
    assert "already on position Meja 1" in str(refused.value.errors["extensions"][0])
    assert not Position.objects.filter(name="Meja 9").exists()


def test_a_position_with_someone_on_it_cannot_be_taken_out_of_use(desk_a, operator, admin_user):
    sign_in(user=operator, position=desk_a)
    with pytest.raises(Conflict, match="operator is signed in at this position"):
        update_position(position=desk_a, by=admin_user, is_active=False)
    sign_out(user=operator)
    assert not update_position(position=desk_a, by=admin_user, is_active=False).is_active


def test_moving_an_extension_between_positions(desk_a, desk_b, admin_user):
    update_position(position=desk_a, by=admin_user, extensions=["201"])
    update_position(position=desk_b, by=admin_user, extensions=["203", "202"])
    assert sorted(desk_b.extensions.values_list("extension", flat=True)) == ["202", "203"]


# --- Sign in and out ----------------------------------------------------------------------------


def test_signing_in_makes_the_call_taker_ready_and_is_an_event(desk_a, operator):
    presence = sign_in(user=operator, position=desk_a)
    assert presence.state == Presence.State.READY
    event = Event.objects.get(kind="presence.signed_in")
    assert event.payload["presence"]["position"] == {"id": desk_a.pk, "name": "Meja 1"}
    assert event.payload["presence"]["state"] == "ready"
    assert event.actor_label == "operator"


def test_signing_in_again_at_the_same_position_changes_nothing(desk_a, operator):
    first = sign_in(user=operator, position=desk_a)
    assert sign_in(user=operator, position=desk_a).pk == first.pk
    assert Event.objects.filter(kind="presence.signed_in").count() == 1


def test_a_position_holds_one_call_taker_and_a_call_taker_one_position(
    desk_a, desk_b, operator, colleague
):
    sign_in(user=operator, position=desk_a)
    with pytest.raises(Conflict, match="operator is signed in at Meja 1"):
        sign_in(user=colleague, position=desk_a)
    with pytest.raises(Conflict, match="You are signed in at Meja 1"):
        sign_in(user=operator, position=desk_b)


def test_only_those_who_answer_calls_sign_in(desk_a, dispatcher):
    with pytest.raises(Conflict):
        sign_in(user=dispatcher, position=desk_a)


def test_signing_out_is_refused_while_a_call_is_in_hand(desk_a, operator):
    sign_in(user=operator, position=desk_a)
    call = take_call(call=ring(), by=operator)
    with pytest.raises(Conflict, match="Classify the calls"):
        sign_out(user=operator)
    dispose_call(call=call, by=operator, disposition="test")
    assert sign_out(user=operator).signed_out_at is not None
    assert not Presence.objects.filter(signed_out_at__isnull=True).exists()


# --- States -------------------------------------------------------------------------------------


def test_a_break_needs_a_reason_and_each_change_is_an_event(desk_a, operator):
    sign_in(user=operator, position=desk_a)
    with pytest.raises(Invalid):
        change_state(user=operator, state="break", reason="  ")
    presence = change_state(user=operator, state="break", reason="Makan")
    assert (presence.state, presence.break_reason) == ("break", "Makan")
    event = Event.objects.filter(kind="presence.changed").last()
    assert event.payload["previous"] == "ready"
    assert event.payload["presence"]["break_reason"] == "Makan"
    ready = change_state(user=operator, state="ready")
    assert (ready.state, ready.break_reason) == ("ready", "")


def test_choosing_the_state_one_is_in_changes_nothing(desk_a, operator):
    sign_in(user=operator, position=desk_a)
    change_state(user=operator, state="ready")
    assert not Event.objects.filter(kind="presence.changed").exists()


def test_on_a_call_follows_the_calls_and_wrap_up_follows_the_last_one(desk_a, operator):
    sign_in(user=operator, position=desk_a)
    first = take_call(call=ring("p-1"), by=operator)
    assert presence_of(operator).state == "on_call"
    second = take_call(call=ring("p-2", "+6281200005556"), by=operator)
    dispose_call(call=first, by=operator, disposition="information")
    assert presence_of(operator).state == "on_call"  # one still in hand
    with pytest.raises(Conflict, match="still have a call in hand"):
        change_state(user=operator, state="break", reason="Makan")
    dispose_call(call=second, by=operator, disposition="prank")
    assert presence_of(operator).state == "wrap_up"


def test_wrap_up_longer_than_the_maximum_becomes_ready(desk_a, operator):
    Room.objects.filter(pk=1).update(wrapup_max_s=90)
    with time_machine.travel(T0, tick=False) as clock:
        sign_in(user=operator, position=desk_a)
        change_state(user=operator, state="wrap_up")
        clock.move_to(T0 + timedelta(seconds=89))
        touch(user=operator)
        assert check_presence() == 0
        clock.move_to(T0 + timedelta(seconds=90))
        assert check_presence() == 1
    assert presence_of(operator).state == "ready"
    assert Event.objects.filter(kind="presence.changed").last().payload["why"] == "wrap_up_over"


def test_a_console_silent_beyond_the_grace_period_marks_its_call_taker_away(
    desk_a, desk_b, operator, colleague
):
    Room.objects.filter(pk=1).update(away_grace_s=60)
    with time_machine.travel(T0, tick=False) as clock:
        sign_in(user=operator, position=desk_a)
        sign_in(user=colleague, position=desk_b)
        clock.move_to(T0 + timedelta(seconds=50))
        touch(user=colleague)  # the colleague's console beats; the operator's went quiet
        clock.move_to(T0 + timedelta(seconds=61))
        assert check_presence() == 1
        assert check_presence() == 0  # run twice: once away is enough
    assert presence_of(operator).state == "away"
    assert presence_of(colleague).state == "ready"
    event = Event.objects.filter(kind="presence.changed").last()
    assert (event.payload["why"], event.actor_label) == ("console_silent", "presence-check")


# --- API ----------------------------------------------------------------------------------------


def test_a_call_taker_signs_in_over_the_api_and_reads_their_presence(client_for, desk_a, operator):
    client = client_for(operator)
    assert client.get(reverse("presence-me")).json()["presence"] is None
    response = client.post(
        reverse("presence-sign-in"), {"position": desk_a.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["state"] == "ready"
    me = client.get(reverse("presence-me")).json()["presence"]
    assert (me["position"]["name"], me["user"], me["state"]) == ("Meja 1", "operator", "ready")


def test_a_taken_position_is_a_409_naming_who_in_indonesian(
    client_for, desk_a, operator, colleague
):
    sign_in(user=operator, position=desk_a)
    response = client_for(colleague).post(
        reverse("presence-sign-in"), {"position": desk_a.pk}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "operator sudah masuk di Meja 1."


def test_a_break_without_a_reason_is_a_400_in_indonesian(client_for, desk_a, operator):
    sign_in(user=operator, position=desk_a)
    client = client_for(operator)
    response = client.post(
        reverse("presence-state"), {"state": "break"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["reason"] == ["Sebutkan alasan istirahat Anda."]
    response = client.post(
        reverse("presence-state"), {"state": "on_call"}, content_type="application/json"
    )
    assert response.status_code == 400  # on a call follows the calls, it is not chosen
    assert presence_of(operator).state == "ready"


def test_changing_state_without_a_position_is_a_409(client_for, operator):
    response = client_for(operator).post(
        reverse("presence-state"), {"state": "ready"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Anda belum masuk di meja mana pun."


def test_the_supervisor_sees_every_position_who_is_on_it_and_the_counts(
    client_for, desk_a, desk_b, operator, supervisor
):
    sign_in(user=operator, position=desk_a)
    change_state(user=operator, state="break", reason="Sholat")
    board = client_for(supervisor).get(reverse("presence-list")).json()
    rows = {p["name"]: p for p in board["positions"]}
    assert rows["Meja 1"]["extensions"] == ["201", "202"]
    assert rows["Meja 1"]["presence"]["user_name"] == "operator"
    assert rows["Meja 1"]["presence"]["state"] == "break"
    assert rows["Meja 1"]["presence"]["break_reason"] == "Sholat"
    assert rows["Meja 2"]["presence"] is None
    assert board["counts"] == {
        "staffed": 1,
        "ready": 0,
        "on_call": 0,
        "wrap_up": 0,
        "on_break": 1,
        "away": 0,
    }


def test_the_board_is_for_the_supervisor_and_positions_are_changed_by_an_admin(
    client_for, operator, supervisor, admin_user
):
    assert client_for(operator).get(reverse("presence-list")).status_code == 403
    body = {"name": "Meja 3", "extensions": ["204"]}
    refused = client_for(supervisor).post(
        reverse("position-list"), body, content_type="application/json"
    )
    assert refused.status_code == 403
    created = client_for(admin_user).post(
        reverse("position-list"), body, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["extensions"] == ["204"]
    changed = client_for(admin_user).patch(
        reverse("position-detail", args=[created.json()["id"]]),
        {"extensions": ["204", "205"]},
        content_type="application/json",
    )
    assert changed.json()["extensions"] == ["204", "205"]


def test_a_bad_extension_or_a_taken_one_is_a_400_in_indonesian(client_for, desk_a, admin_user):
    client = client_for(admin_user)
    bad = client.post(
        reverse("position-list"),
        {"name": "Meja 4", "extensions": ["20a"]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["extensions"] == {"0": ["Ekstensi hanya angka, mis. 201."]}
    taken = client.post(
        reverse("position-list"),
        {"name": "Meja 4", "extensions": ["201"]},
        content_type="application/json",
    )
    assert taken.status_code == 400
    assert taken.json()["errors"]["extensions"] == ["Ekstensi 201 sudah ada di meja Meja 1."]
    assert not Position.objects.filter(name="Meja 4").exists()


# --- Admin --------------------------------------------------------------------------------------


@pytest.fixture
def site_admin(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return admin_user


def test_the_admin_adds_a_position_with_its_extensions_through_the_service(
    client_for, site_admin, desk_a
):
    client = client_for(site_admin)
    response = client.post(
        reverse("admin:incidents_position_add"),
        {"name": "Meja 5", "is_active": "on", "extensions_text": "205, 206"},
    )
    assert response.status_code == 302
    position = Position.objects.get(name="Meja 5")
    assert sorted(position.extensions.values_list("extension", flat=True)) == ["205", "206"]
    assert Event.objects.filter(kind="position.created").count() == 2  # Meja 1, then Meja 5
    taken = client.post(
        reverse("admin:incidents_position_add"),
        {"name": "Meja 6", "is_active": "on", "extensions_text": "201"},
    )
    assert taken.status_code == 200  # the form again, saying why
    assert "Meja 1" in taken.content.decode()
    assert not Position.objects.filter(name="Meja 6").exists()


def test_the_rooms_rules_are_changed_in_the_admin_as_an_event(client_for, site_admin):
    response = client_for(site_admin).post(
        reverse("admin:incidents_room_change", args=[Room.get().pk]),
        {"wrapup_max_s": "90", "away_grace_s": "45", "nobody_ready_when_idle": "on"},
    )
    assert response.status_code == 302
    room = Room.get()
    assert (room.wrapup_max_s, room.away_grace_s, room.nobody_ready_when_idle) == (90, 45, True)
    event = Event.objects.get(kind="room.updated")
    assert event.payload == {"wrapup_max_s": 90, "away_grace_s": 45, "nobody_ready_when_idle": True}
