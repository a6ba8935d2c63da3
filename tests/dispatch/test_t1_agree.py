"""One T1 for every reader: a day of calls answered at handsets, taken on consoles, and both,
gives the same "answered within 15 s" on the wallboard, in the report and in its rows export."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dispatch import situation
from incidents.services.calls import receive_call_event, take_call
from incidents.services.presence import create_position, sign_in
from reports.aggregate import percentile_cont
from reports.build import build_report
from reports.filters import ReportFilter
from reports.rows import Selection, iter_rows

WIT = ZoneInfo("Asia/Jayapura")
DAY = date(2026, 11, 20)
MORNING = datetime(2026, 11, 20, 8, 0, tzinfo=WIT)

# (seconds after ringing of the handset answer, of the console take), None for neither: every
# way a call gets its T1, on both sides of 15 s, and calls never answered.
CALLS = [
    (6, None),  # handset at Meja 1 (the operator signed in there): 6 s
    (14, None),
    (22, None),  # handset, late
    (None, 9),  # console take only: 9 s
    (None, 15),  # exactly 15 s: within
    (None, 31),
    (8, 40),  # handset at the empty Meja 2 at 8 s, taken on a console later: T1 is 8 s
    (25, 12),  # taken on the console at 12 s, the handset's answer at 25 s is no T1
    (None, None),  # abandoned
    (None, None),
]


@pytest.fixture
def day_of_calls(admin_user, operator, supervisor):
    desk_1 = create_position(name="Meja 1", extensions=["201"], by=admin_user)
    create_position(name="Meja 2", extensions=["202"], by=admin_user)
    sign_in(user=operator, position=desk_1)
    for n, (handset_s, take_s) in enumerate(CALLS):
        rang = MORNING + timedelta(minutes=20 * n)
        call_id = f"agree-{n}"
        steps = []
        if handset_s is not None:
            extension = "202" if take_s is not None and take_s > handset_s else "201"
            steps.append((handset_s, "answered", extension))
        if take_s is not None:
            steps.append((take_s, "take", None))
        with time_machine.travel(rang, tick=False) as clock:
            call, _changed = receive_call_event(
                call_id=call_id, event="ringing", number=f"+62812000071{n:02d}", adapter="pbx"
            )
            for after_s, step, extension in sorted(steps, key=lambda s: s[0]):
                clock.move_to(rang + timedelta(seconds=after_s))
                if step == "take":
                    take_call(call=call, by=supervisor)
                else:
                    receive_call_event(
                        call_id=call_id,
                        event="answered",
                        number="",
                        adapter="pbx",
                        extension=extension,
                        at=rang + timedelta(seconds=after_s),
                    )
            clock.move_to(rang + timedelta(seconds=60))
            event = "ended" if steps else "abandoned"
            receive_call_event(call_id=call_id, event=event, number="", adapter="pbx")


def test_the_wallboard_the_report_and_the_rows_agree_on_answered_within_15_s(day_of_calls):
    board = situation.wallboard(now=MORNING + timedelta(hours=10))["answered_within_15s"]
    report = build_report(ReportFilter(start=DAY, end=DAY))
    answer = next(m for m in report["total"]["metrics"] if m["key"] == "answer")
    nena_15 = next(t for t in answer["thresholds"] if t["key"] == "nena_15")

    # 6, 14, 9, 15, 8 (handset before the take) and 12 (take before the handset) are within.
    assert (board["within"], board["answered"], board["presented"]) == (6, 8, 10)
    assert (nena_15["within"], nena_15["of"]) == (board["within"], board["answered"])
    assert answer["measured"] == board["answered"]
    assert board["percent"] == 75.0

    rows = list(iter_rows(ReportFilter(start=DAY, end=DAY), Selection(source="calls")))
    answered_s = sorted(row["answer_s"] for row in rows if row["answer_s"] is not None)
    assert answered_s == [6, 8, 9, 12, 14, 15, 22, 31]
    assert sum(1 for s in answered_s if s <= 15) == board["within"]


def _replay(calls: int, seed: int, people) -> None:
    """`calls` calls of one day, rung 3 minutes apart: a quarter answered at a handset only, a
    quarter taken on a console only, a quarter both ways in either order, a quarter abandoned;
    each answer 2–40 s after ringing (synthetic)."""
    operator, supervisor = people
    rng = random.Random(seed)
    for n in range(calls):
        rang = MORNING + timedelta(minutes=3 * n)
        way = rng.choice(["handset", "console", "both", "abandoned"])
        handset_s = rng.randint(2, 40) if way in {"handset", "both"} else None
        take_s = rng.randint(2, 40) if way in {"console", "both"} else None
        steps = [(s, step) for s, step in ((handset_s, "answered"), (take_s, "take")) if s]
        with time_machine.travel(rang, tick=False) as clock:
            call, _changed = receive_call_event(
                call_id=f"replay-{n}", event="ringing", number=f"+6281300{n:05d}", adapter="pbx"
            )
            for after_s, step in sorted(steps):
                clock.move_to(rang + timedelta(seconds=after_s))
                if step == "take":
                    take_call(call=call, by=supervisor)
                else:
                    receive_call_event(
                        call_id=call.call_id, event="answered", number="", adapter="pbx",
                        extension="202", at=rang + timedelta(seconds=after_s),
                    )  # fmt: skip
            clock.move_to(rang + timedelta(seconds=90))
            event = "ended" if steps else "abandoned"
            receive_call_event(call_id=call.call_id, event=event, number="", adapter="pbx")


def test_a_replay_of_300_calls_gives_one_t1_on_the_wallboard_in_the_report_and_the_rows(
    admin_user, operator, supervisor
):
    create_position(name="Meja 2", extensions=["202"], by=admin_user)  # nobody signed in there
    _replay(300, seed=112, people=(operator, supervisor))

    board = situation.wallboard(now=MORNING + timedelta(hours=15, minutes=30))[
        "answered_within_15s"
    ]
    report = build_report(ReportFilter(start=DAY, end=DAY))
    answer = next(m for m in report["total"]["metrics"] if m["key"] == "answer")
    nena_15 = next(t for t in answer["thresholds"] if t["key"] == "nena_15")
    rows = list(iter_rows(ReportFilter(start=DAY, end=DAY), Selection(source="calls")))
    answered_s = sorted(row["answer_s"] for row in rows if row["answer_s"] is not None)

    assert board["presented"] == len(rows) == 300
    assert board["answered"] == answer["measured"] == len(answered_s) > 200
    assert board["within"] == nena_15["within"] == sum(1 for s in answered_s if s <= 15)
    for key, fraction in (("p50", 0.5), ("p90", 0.9)):
        assert answer[key] == pytest.approx(percentile_cont(answered_s, fraction))
    print(
        f"\n300 calls replayed: presented {board['presented']}, answered {board['answered']}, "
        f"within 15 s {board['within']} ({board['percent']} %) on the wallboard, "
        f"{nena_15['within']} of {nena_15['of']} in the report, "
        f"{sum(1 for s in answered_s if s <= 15)} of {len(answered_s)} in the rows; "
        f"p50 {answer['p50']:.1f} s, p90 {answer['p90']:.1f} s"
    )
