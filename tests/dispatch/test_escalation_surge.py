"""A replayed surge (synthetic): 300 calls ringing one every 3 s, answered by 20 call-takers
who each talk 45–105 s, so the queue grows for a quarter of an hour and drains after. The
deadline check runs every simulated second, as the ticker does. The supervisor's alarm list
must stay readable at the peak (one line per watch once a watch has GROUP_FROM subjects, as
static/ambon112/alarms.js draws it) and stand empty once every call is answered: nothing
resolved may still count as active. The figures are printed for the issue's closing note."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from agencies.models import Role, User
from dispatch.alarm_list import alarm_list
from dispatch.deadlines import escalate_overdue
from dispatch.models import Escalation, Watch
from dispatch.selectors import escalations_for
from incidents.models import Call
from incidents.services.calls import dispose_call, receive_call_event, take_call
from incidents.services.presence import change_state, create_position, sign_in

START = datetime(2026, 11, 20, 21, 0, tzinfo=ZoneInfo("Asia/Jayapura"))
CALLS, EVERY_S, CALL_TAKERS = 300, 3, 20
GROUP_FROM = 3  # static/ambon112/alarms.js: this many open subjects of one watch make one line


def lines_on_screen(subjects: list[dict]) -> int:
    per_watch: dict[str, int] = {}
    for subject in subjects:
        per_watch[subject["watch"]] = per_watch.get(subject["watch"], 0) + 1
    return sum(1 if n >= GROUP_FROM else n for n in per_watch.values())


def test_a_surge_of_300_calls_peaks_readable_and_leaves_no_standing_alarm(admin_user, supervisor):
    rng = random.Random(112)
    takers = []
    for n in range(CALL_TAKERS):
        person = User.objects.create_user(
            username=f"penerima{n}", password="x-not-used-0123", role=Role.CALL_TAKER
        )
        position = create_position(name=f"Meja {n + 1}", extensions=[f"3{n:02d}"], by=admin_user)
        sign_in(user=person, position=position)
        takers.append(person)
    free = list(takers)
    talking: list[tuple[datetime, object, Call]] = []  # (hangs up at, call-taker, call)
    waiting: list[Call] = []
    peak = {"subjects": 0, "lines": 0, "at_s": 0}
    with time_machine.travel(START, tick=False) as clock:
        second = 0
        while second < CALLS * EVERY_S or waiting or talking:
            now = START + timedelta(seconds=second)
            clock.move_to(now)
            if second % EVERY_S == 0 and second // EVERY_S < CALLS:
                n = second // EVERY_S
                call, _ = receive_call_event(
                    call_id=f"surge-{n}", event="ringing", number=f"+6281400{n:05d}", adapter="pbx"
                )
                waiting.append(call)
            for ends_at, person, call in [t for t in talking if t[0] <= now]:
                talking.remove((ends_at, person, call))
                receive_call_event(call_id=call.call_id, event="ended", number="", adapter="pbx")
                dispose_call(call=call, by=person, disposition=Call.Disposition.INFORMATION)
                change_state(user=person, state="ready")
                free.append(person)
            while waiting and free:
                person, call = free.pop(0), waiting.pop(0)
                take_call(call=call, by=person)
                talking.append((now + timedelta(seconds=rng.randint(45, 105)), person, call))
            escalate_overdue(now)
            if second % 5 == 0:
                shown = alarm_list(escalations_for(supervisor), "open")
                lines = lines_on_screen(shown["subjects"])
                if shown["open"] > peak["subjects"]:
                    peak.update(subjects=shown["open"], lines=lines, at_s=second)
            second += 1
        escalate_overdue(START + timedelta(seconds=second + 1))
        after = alarm_list(escalations_for(supervisor), "open")
        raised = Escalation.objects.count()
        ringing_levels = Escalation.objects.filter(watch=Watch.CALL_UNANSWERED).count()
    standing = after["open"]
    print(
        f"\nsurge of {CALLS} calls, {CALL_TAKERS} call-takers: {raised} escalations raised "
        f"({ringing_levels} for ringing calls); peak {peak['subjects']} open subjects shown as "
        f"{peak['lines']} lines at {peak['at_s']} s; standing afterwards: {standing}; "
        f"ended but unacknowledged: {after['resolved_unacknowledged']} subjects"
    )
    assert peak["subjects"] > 20  # the surge did queue calls past their deadlines
    assert peak["lines"] <= 5  # one line per watch: the screen stays readable
    assert standing == 0 and after["subjects"] == []
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
