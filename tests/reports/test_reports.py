"""Report figures on the hand-built October 2026 (report_data.py), worked out by hand.

Each expected value is derived in a comment from the timestamps in report_data.py. The same
tests run on SQLite (figures computed in Python) and on PostgreSQL (percentile_cont in SQL).
"""

from datetime import date

import pytest

from reports.build import build_report
from reports.filters import ReportFilter
from tests.reports.report_data import OCTOBER


def metric(group: dict, key: str) -> dict:
    return next(m for m in group["metrics"] if m["key"] == key)


def threshold(group: dict, key: str, threshold_key: str) -> dict:
    return next(t for t in metric(group, key)["thresholds"] if t["key"] == threshold_key)


def figures(m: dict) -> tuple:
    rounded = [None if m[p] is None else round(m[p], 6) for p in ("p50", "p90", "p95", "max")]
    return (m["population"], m["measured"], m["missing"], *rounded)


def test_calls_presented_in_october_by_disposition(october):
    calls = build_report(OCTOBER)["total"]["calls"]
    # c1…c8 rang in October WIT; c9 (1 Nov 00:30 WIT) and c10 (30 Sep 23:59 WIT) did not,
    # although c9 rang on 31 October in UTC.
    assert calls["presented"] == 8
    assert calls["abandoned"] == 1 and calls["abandoned_rate"] == 1 / 8
    counts = {row["key"]: row["count"] for row in calls["by_disposition"]}
    assert counts == {
        "emergency": 3,
        "information": 1,
        "prank": 1,
        "ghost": 1,
        "dropped": 0,
        "duplicate": 1,
        "test": 0,
        "abandoned": 1,
        "unclassified": 0,
    }


def test_answer_time_counts_every_presented_call_prank_and_ghost_included(october):
    answer = metric(build_report(OCTOBER)["total"], "answer")
    # Answered: 4, 10 (c2), 10 (prank c3), 20 (ghost c4), 30, 6, 15 → 4 6 10 10 15 20 30.
    # p50 rank 3 → 10 (a tie); p90 rank 5.4 → 20 + 0.4 × 10 = 24; p95 rank 5.7 → 27.
    # The abandoned c6 is missing, never zero.
    assert figures(answer) == (8, 7, 1, 10, 24, 27, 30)
    shares = {t["key"]: (t["within"], t["of"], t["status"]) for t in answer["thresholds"]}
    assert shares == {
        "nena_15": (5, 7, "missed"),  # 5/7 = 71 % < 90 %
        "nena_20": (6, 7, "missed"),  # 86 % < 95 %
        "nfpa1225_10": (4, 7, "missed"),
    }


def test_processing_counts_incidents_from_an_emergency_call(october):
    processing = metric(build_report(OCTOBER)["total"], "processing")
    # I1 08:00:50 − 08:00:04 = 46; I2 15:02:30 − 15:00:30 = 120; I3 22:01:15 − 22:00:15 = 60.
    # I4 had no call: not counted. 46 60 120 → p90 rank 1.8 → 60 + 0.8 × 60 = 108.
    assert figures(processing) == (3, 3, 0, 60, 108, 114, 120)
    assert threshold(build_report(OCTOBER)["total"], "processing", "nfpa1225_60")["within"] == 2


def test_acknowledgment_leaves_out_declined_and_withdrawn_tickets(october):
    ack = metric(build_report(OCTOBER)["total"], "acknowledgment")
    # 30 (damkar I1), 60 (dinkes), 120 (damkar I3), 45 (polresta I4); polresta I3 never
    # answered → missing; pln declined and satpolpp withdrawn → not counted.
    # 30 45 60 120: p50 52.5; p90 rank 2.7 → 60 + 0.7 × 60 = 102; p95 rank 2.85 → 111.
    assert figures(ack) == (5, 4, 1, 52.5, 102, 111, 120)


def test_turnout_is_held_to_60_s_for_medical_and_80_s_for_fire(october):
    total = build_report(OCTOBER)["total"]
    # 60 (DAMKAR-01), 100 (DAMKAR-02), 50 (PSC-01), 120 (DAMKAR-03); the recalled patrol car is
    # not counted. 50 60 100 120: p50 80, p90 rank 2.7 → 114, p95 rank 2.85 → 117.
    assert figures(metric(total, "turnout")) == (4, 4, 0, 80, 114, 117, 120)
    medical = threshold(total, "turnout", "nfpa1710_medical")
    fire = threshold(total, "turnout", "nfpa1710_fire")
    assert (medical["within"], medical["of"], medical["status"]) == (1, 1, "met")
    assert (fire["within"], fire["of"], fire["status"]) == (1, 3, "missed")


def test_travel_missing_when_a_unit_is_never_marked_on_scene(october):
    total = build_report(OCTOBER)["total"]
    # 240 (DAMKAR-01), 300 (DAMKAR-02), 900 (DAMKAR-03); PSC-01 never on scene → missing.
    # 240 300 900: p90 rank 1.8 → 300 + 0.8 × 600 = 780; p95 → 840.
    assert figures(metric(total, "travel")) == (4, 3, 1, 300, 780, 840, 900)
    # First engine on scene at a fire: DAMKAR-01 (240 ≤ 240) and DAMKAR-03 (900).
    first_engine = threshold(total, "travel", "nfpa1710_240")
    assert (first_engine["within"], first_engine["of"]) == (1, 2)


def test_citizen_response_and_the_fire_spm(october):
    total = build_report(OCTOBER)["total"]
    # I1 08:06:30 − 08:00:00 = 390; I3 22:20:30 − 22:00:00 = 1230; I2 never on scene and I4
    # without a call are missing. p90 = 390 + 0.9 × 840 = 1146.
    assert figures(metric(total, "response")) == (4, 2, 2, 810, 1146, 1188, 1230)
    # Fires: I1 08:08:00 − 08:00:00 = 480; I3 22:22:00 − 22:00:00 = 1320 > 15 min.
    assert figures(metric(total, "spm_fire")) == (2, 2, 0, 900, 1236, 1278, 1320)
    spm = threshold(total, "spm_fire", "spm_15")
    assert (spm["within"], spm["of"], spm["share"], spm["status"]) == (1, 2, 0.5, "missed")


def test_the_night_shift_crosses_midnight(october):
    night = ReportFilter(start=OCTOBER.start, end=OCTOBER.end, shift="21-07")
    total = build_report(night)["total"]
    # c3 23:30, c4 01:15 (next day), c8 22:00 → 10 20 15; incidents: I3 only (22:00:40).
    assert figures(metric(total, "answer")) == (3, 3, 0, 15, 19, 19.5, 20)
    assert total["incidents"] == 1


def test_breakdown_by_shift_and_by_kecamatan(october):
    by_shift = build_report(OCTOBER, by="shift")
    groups = {g["key"]: g for g in by_shift["groups"]}
    assert [groups[k]["calls"]["presented"] for k in ("07-14", "14-21", "21-07")] == [3, 2, 3]
    assert [groups[k]["incidents"] for k in ("07-14", "14-21", "21-07")] == [2, 1, 1]
    by_place = build_report(OCTOBER, by="kecamatan")
    counts = {g["key"]: g["incidents"] for g in by_place["groups"]}
    assert counts == {"81.71.01": 1, "81.71.02": 1, "81.01.15": 1, None: 1}
    # Calls have no kecamatan: the groups carry no call figures, the total does.
    assert all(g["calls"] is None for g in by_place["groups"])
    assert by_place["total"]["calls"]["presented"] == 8


@pytest.mark.parametrize("by", ["month", "shift", "agency", "category", "kecamatan", "priority"])
def test_a_breakdown_leaves_the_total_as_it_is(october, by):
    """The total comes from the same statement as the groups (GROUPING SETS on PostgreSQL), or
    from its own where groups overlap (agencies); either way it is the ungrouped report's."""
    assert build_report(OCTOBER, by=by)["total"] == build_report(OCTOBER)["total"]


def test_an_incident_counts_in_every_agency_it_was_forwarded_to(october):
    report = build_report(OCTOBER, by="agency")
    groups = {g["key"]: g for g in report["groups"]}
    assert {k: g["incidents"] for k, g in groups.items()} == {
        "damkar": 2,
        "pln": 1,
        "dinkes": 1,
        "polresta": 2,
        "satpolpp": 1,
    }
    # The agency's own tickets: polresta answered I4 in 45 s and never answered I3.
    assert figures(metric(groups["polresta"], "acknowledgment"))[:3] == (2, 1, 1)
    assert report["total"]["incidents"] == 4


def test_agency_filter_keeps_the_agencys_tickets_and_incidents(october):
    damkar = build_report(ReportFilter(start=OCTOBER.start, end=OCTOBER.end, agency="damkar"))
    total = damkar["total"]
    assert total["incidents"] == 2
    assert figures(metric(total, "acknowledgment")) == (2, 2, 0, 75, 111, 115.5, 120)
    # Calls follow only the period and shift, whatever the agency.
    assert total["calls"]["presented"] == 8


def test_months_without_data_are_shown_as_no_data(october):
    summer = ReportFilter(start=date(2026, 8, 1), end=date(2026, 11, 30))
    groups = {g["key"]: g for g in build_report(summer, by="month")["groups"]}
    assert list(groups) == ["2026-08", "2026-09", "2026-10", "2026-11"]
    august = groups["2026-08"]
    assert august["calls"]["presented"] == 0 and august["calls"]["abandoned_rate"] is None
    answer = metric(august, "answer")
    assert answer["p90"] is None
    assert {t["status"] for t in answer["thresholds"]} == {"no_data"}
    assert all(t["share"] is None for t in answer["thresholds"])
    assert groups["2026-09"]["calls"]["presented"] == 1
    assert groups["2026-11"]["incidents"] == 1


def test_an_empty_period_has_no_data(october):
    report = build_report(ReportFilter(start=date(2025, 1, 1), end=date(2025, 1, 31)))
    assert report["has_data"] is False
    assert all(m["measured"] == 0 and m["p50"] is None for m in report["total"]["metrics"])


def test_the_answer_time_distribution(october):
    histogram = build_report(OCTOBER)["answer_histogram"]
    # 4 | 6 | 10 10 | 15 | 20 | 30 in [0,5) [5,10) [10,15) [15,20) [20,30) [30,60) [60,∞).
    assert [bucket["count"] for bucket in histogram] == [1, 1, 2, 1, 1, 1, 0]
