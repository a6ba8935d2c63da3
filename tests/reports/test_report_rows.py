"""The rows behind every figure add up to it: drill-down and row exports select in SQL (the
same statement on PostgreSQL and SQLite) what the figures count, ties at a threshold included.

On the hand-built October 2026 (report_data.py, synthetic), whose ties (answer times of exactly
10 s) sit on the NFPA 1225 threshold.
"""

import pytest

from reports.build import build_report
from reports.definitions import METRICS_BY_KEY
from reports.rows import Selection, count_rows, iter_rows
from reports.views.api import raw_group_key
from tests.reports.report_data import OCTOBER


def figure_rows(selection: Selection) -> int:
    return count_rows(OCTOBER, selection)


def check_group(by: str | None, group: dict) -> None:
    raw = raw_group_key(by, group["key"] or "") if by else None
    for m in group["metrics"]:
        source = METRICS_BY_KEY[m["key"]].source
        chosen = Selection(source, by=by, group=raw, metric=m["key"])
        assert figure_rows(chosen) == m["population"], (by, group["key"], m["key"])
        for outcome in ("measured", "missing"):
            assert figure_rows(Selection(**{**chosen.__dict__, "outcome": outcome})) == m[outcome]
        for t in m["thresholds"]:
            within = Selection(**{**chosen.__dict__, "outcome": "within", "threshold": t["key"]})
            over = Selection(**{**within.__dict__, "outcome": "over"})
            assert figure_rows(within) == t["within"], (by, group["key"], m["key"], t["key"])
            assert figure_rows(within) + figure_rows(over) == t["of"]


@pytest.mark.parametrize("by", [None, "month", "shift", "agency", "category", "kecamatan"])
def test_every_figures_rows_count_to_it(october, by):
    report = build_report(OCTOBER, by=by)
    check_group(None, report["total"])
    for group in report["groups"]:
        check_group(by, group)


def test_a_tie_at_the_threshold_is_within(october):
    within = Selection("calls", metric="answer", outcome="within", threshold="nfpa1225_10")
    assert 10.0 in [row["answer_s"] for row in iter_rows(OCTOBER, within)]


def test_pages_of_rows_are_the_rows_in_order(october):
    everything = [row["id"] for row in iter_rows(OCTOBER, Selection("calls"))]
    assert len(everything) == 8 and everything == sorted(everything)
    pages = [
        [row["id"] for row in iter_rows(OCTOBER, Selection("calls"), limit=3, offset=offset)]
        for offset in (0, 3, 6, 9)
    ]
    assert pages == [everything[:3], everything[3:6], everything[6:], []]
