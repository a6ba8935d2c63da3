"""One T1, tied to a person: the first of the PBX's answer at an extension and the console's
take. A handset answer pops the call on the console of whoever sits at that extension's desk."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from core.errors import Conflict
from dispatch.models import Deadline, Watch
from incidents.models import Call, Event, Presence
from incidents.selectors import calls_in_hand, ringing_queue, unclaimed_answers
from incidents.services.calls import receive_call_event, take_call
from incidents.services.presence import create_position, sign_in
from tests.conftest import T0
from tests.incidents.conftest import post_event

NUMBER = "+6281200006666"


@pytest.fixture
def desk_a(admin_user):
    return create_position(name="Meja 1", extensions=["201"], by=admin_user)


@pytest.fixture
def desk_b(admin_user):
    return create_position(name="Meja 2", extensions=["202"], by=admin_user)


def ring(call_id="t-1", at=None):
    return receive_call_event(
        call_id=call_id, event="ringing", number=NUMBER, adapter="pbx", at=at
    )[0]


def answer(call_id="t-1", extension="201", at=None):
    return receive_call_event(
        call_id=call_id, event="answered", number=NUMBER, adapter="pbx", extension=extension, at=at
    )


def test_a_handset_answer_is_t1_and_pops_on_the_console_of_whoever_sits_there(desk_a, operator):
    sign_in(user=operator, position=desk_a)
    with time_machine.travel(T0, tick=False) as clock:
        call = ring(at=T0)
        clock.move_to(T0 + timedelta(seconds=7))
        call, changed = answer(at=T0 + timedelta(seconds=6))
    assert changed
    assert call.answered_at == T0 + timedelta(seconds=6)  # the adapter's time of the answer
    assert (call.answered_via, call.answered_by, call.answered_position) == (
        "pbx",
        operator,
        desk_a,
    )
    assert call.answered_extension == "201"
    assert call.taken_by == operator and call.status == "answered"
    assert list(ringing_queue()) == []
    assert list(calls_in_hand(operator)) == [call]
    assert Presence.objects.get(user=operator).state == "on_call"
    kinds = list(Event.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[-2:] == ["call.answered", "presence.changed"]


def test_the_call_unanswered_wait_ends_at_the_handset_answer(desk_a, operator):
    sign_in(user=operator, position=desk_a)
    ring()
    assert Deadline.objects.filter(watch=Watch.CALL_UNANSWERED).exists()
    answer()
    assert not Deadline.objects.filter(watch=Watch.CALL_UNANSWERED).exists()


def test_an_answer_at_a_desk_with_nobody_signed_in_is_recorded_as_such(desk_a, operator):
    ring()
    call, _changed = answer()
    assert (call.answered_via, call.answered_by, call.answered_position) == ("pbx", None, desk_a)
    assert call.taken_by is None
    assert list(ringing_queue()) == []  # out of the ringing queue at once all the same
    assert list(unclaimed_answers()) == [call]
    # Whoever handles it takes it on a console; T1 stays the handset's.
    taken = take_call(call=call, by=operator)
    assert taken.taken_by == operator
    assert (taken.answered_at, taken.answered_via) == (call.answered_at, "pbx")
    assert list(unclaimed_answers()) == []


def test_a_console_take_after_a_handset_answer_by_someone_else_is_a_409_naming_who(
    desk_a, operator, supervisor
):
    sign_in(user=operator, position=desk_a)
    call = ring()
    answer()
    with translation.override("en"), pytest.raises(Conflict) as refused:
        take_call(call=call, by=supervisor)
    assert str(refused.value) == ("Already answered by operator at Meja 1 (extension 201).")


def test_the_409_over_the_api_is_in_indonesian(client_for, desk_a, operator, supervisor):
    sign_in(user=operator, position=desk_a)
    call = ring()
    answer()
    response = client_for(supervisor).post(reverse("call-take", args=[call.pk]))
    assert response.status_code == 409
    assert response.json()["detail"] == ("Sudah dijawab oleh operator di Meja 1 (ekstensi 201).")
    assert Call.objects.get(pk=call.pk).taken_by == operator


def test_a_take_before_the_handset_answer_is_t1_and_the_later_answer_changes_nothing(
    desk_a, desk_b, operator, supervisor
):
    sign_in(user=supervisor, position=desk_b)
    with time_machine.travel(T0, tick=False) as clock:
        call = ring(at=T0)
        clock.move_to(T0 + timedelta(seconds=4))
        take_call(call=call, by=supervisor)
        clock.move_to(T0 + timedelta(seconds=9))
        events = Event.objects.count()
        call, changed = answer(at=T0 + timedelta(seconds=9))
    assert not changed and Event.objects.count() == events
    assert call.answered_at == T0 + timedelta(seconds=4)
    assert (call.answered_via, call.answered_by, call.answered_position) == (
        "console",
        supervisor,
        desk_b,
    )


def test_an_unknown_extension_is_a_400_in_indonesian_and_changes_nothing(cti, desk_a):
    ring()
    events = Event.objects.count()
    response = post_event(cti, call_id="t-1", event="answered", number=NUMBER, extension="299")
    assert response.status_code == 400
    assert response.json()["errors"]["extension"] == [
        "Ekstensi 299 tidak ada di meja mana pun: administrator menambahkannya dulu ke sebuah meja."
    ]
    call = Call.objects.get(call_id="t-1")
    assert (call.status, call.answered_at) == ("ringing", None)
    assert Event.objects.count() == events


def test_an_extension_goes_with_the_answer_only(cti, desk_a):
    response = post_event(cti, call_id="t-2", event="ringing", number=NUMBER, extension="201")
    assert response.status_code == 400
    assert response.json()["errors"]["extension"] == [
        "Ekstensi hanya dikirim bersama peristiwa 'answered'."
    ]
    assert not Call.objects.filter(call_id="t-2").exists()


def test_the_adapter_answers_at_an_extension_over_the_api(cti, desk_a, operator):
    sign_in(user=operator, position=desk_a)
    ring()
    response = post_event(cti, call_id="t-1", event="answered", number=NUMBER, extension="201")
    assert response.status_code == 201
    body = response.json()
    assert (body["answered_via"], body["answered_by"], body["answered_extension"]) == (
        "pbx",
        "operator",
        "201",
    )
    assert body["answered_position"] == {"id": desk_a.pk, "name": "Meja 1"}
    assert body["taken_by"] == "operator"
