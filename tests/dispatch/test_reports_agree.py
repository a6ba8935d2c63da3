"""PostgreSQL's percentile_cont and the embedded engine's Python give the same figures.

Both engines run on PostgreSQL over the same synthetic data (random, with ties, missing
timestamps, prank and abandoned calls, night shifts across midnight and month ends), for every
breakdown and several filters; every figure of every group must match.
"""

import random
from datetime import date, datetime, timedelta

import pytest

from dispatch.reports.build import build_report
from dispatch.reports.filters import ReportFilter
from tests.dispatch.report_data import WIT, _assignment, _call, _incident, _ticket

pytestmark = pytest.mark.postgres

TYPES = ["kebakaran.rumah", "medis.gawat_darurat", "kamtibmas.perkelahian", "bencana.banjir"]
AGENCIES = {
    "kebakaran.rumah": ("damkar", ["DAMKAR-01", "DAMKAR-02", "DAMKAR-03"]),
    "medis.gawat_darurat": ("dinkes", ["PSC-01", "PSC-02"]),
    "kamtibmas.perkelahian": ("polresta", ["PATROLI-SRM", "PATROLI-NSW"]),
    "bencana.banjir": ("bpbd", []),
}
PLACES = ["81.71.01", "81.71.02", "81.71.03", "81.01.15", None]


def seconds(rng, low, high, missing=0.0):
    """Whole seconds most of the time, so that ties are common; None now and then."""
    if rng.random() < missing:
        return None
    value = rng.randint(low, high)
    return value + (0.5 if rng.random() < 0.1 else 0)


def synthetic_months(by, rng: random.Random, calls: int = 240) -> None:
    first = datetime(2026, 8, 25, tzinfo=WIT)
    for n in range(calls):
        ring = first + timedelta(
            days=rng.randint(0, 75), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
        )
        answer = seconds(rng, 1, 40, missing=0.1)
        kind = rng.choices(
            ["emergency", "prank", "ghost", "information", "dropped"], [5, 2, 1, 1, 1]
        )
        kind = kind[0] if answer is not None else ""
        if kind != "emergency":
            _call(f"r{n}", ring, answer, kind, number=f"+62812{n:07d}")
            continue
        type_code = rng.choice(TYPES)
        agency, units = AGENCIES[type_code]
        created = ring + timedelta(seconds=answer + rng.randint(10, 90))
        incident = _incident(type_code, created, by, rng.choice(PLACES), [agency])
        _call(f"r{n}", ring, answer, "emergency", incident, number=f"+62812{n:07d}")
        notified = created + timedelta(seconds=rng.randint(5, 120))
        ack = seconds(rng, 5, 120, missing=0.15)
        ticket = _ticket(
            incident,
            agency,
            notified,
            by,
            accepted=notified + timedelta(seconds=ack) if ack is not None else None,
        )
        if ack is None or not units:
            continue
        for call_sign in rng.sample(units, rng.randint(1, len(units))):
            dispatched = ticket.accepted_at + timedelta(seconds=rng.randint(0, 60))
            turnout = seconds(rng, 20, 150, missing=0.05)
            en_route = dispatched + timedelta(seconds=turnout) if turnout is not None else None
            travel = seconds(rng, 60, 900, missing=0.1) if en_route else None
            on_scene = en_route + timedelta(seconds=travel) if travel is not None else None
            ops = on_scene + timedelta(seconds=rng.randint(30, 300)) if on_scene else None
            _assignment(
                ticket,
                call_sign,
                dispatched,
                by,
                en_route=en_route,
                on_scene=on_scene,
                ops=ops if type_code == "kebakaran.rumah" else None,
            )


def comparable(report: dict) -> dict:
    """Everything but the generation time."""
    return {k: v for k, v in report.items() if k != "generated_at"}


@pytest.fixture
def months(dispatcher):
    synthetic_months(dispatcher, random.Random(112))


def test_both_engines_agree_for_every_breakdown(months):
    autumn = ReportFilter(start=date(2026, 9, 1), end=date(2026, 11, 30))
    for by in [None, "month", "agency", "category", "kecamatan", "shift", "priority"]:
        sql = build_report(autumn, by=by, engine="sql")
        assert sql["total"]["calls"]["presented"] > 150
        assert comparable(sql) == comparable(build_report(autumn, by=by, engine="python")), by


def test_both_engines_agree_under_filters(months):
    for narrowed in [
        {"shift": "21-07"},
        {"agency": "damkar"},
        {"category": "medis"},
        {"kecamatan": "81.71.02", "priority": 1},
    ]:
        october = ReportFilter(start=date(2026, 10, 1), end=date(2026, 10, 31), **narrowed)
        sql = build_report(october, by="shift", engine="sql")
        python = build_report(october, by="shift", engine="python")
        assert comparable(sql) == comparable(python), narrowed
