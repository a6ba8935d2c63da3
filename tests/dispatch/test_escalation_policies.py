"""Issue #16: ladders that keep going, the new watches' defaults, and policies by incident type
and WIT time of day — the night-time kamtibmas policy and its routing — with the rules an
administrator's edit must keep."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dispatch.deadlines import escalate_overdue
from dispatch.models import Deadline, Escalation, SlaPolicy, Watch
from dispatch.policies import DEFAULTS, check_ladder, check_scope
from dispatch.routing import proposed_agencies
from dispatch.services.assignments import dispatch_unit
from dispatch.services.tickets import accept_ticket, notify_agencies
from tests.dispatch.conftest import HILA, unit

pytestmark = pytest.mark.usefixtures("nobody_ready_aside")

NIGHT = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 23:00 WIT
DAY = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 10:00 WIT


def test_every_watch_has_a_default_policy_that_repeats(ambon):
    for watch in Watch.values:
        policies = SlaPolicy.objects.filter(watch=watch, is_active=True)
        if watch == Watch.NOBODY_READY:
            continue  # set aside for these tests
        assert policies.exists(), watch
        assert all(p.repeat_s and p.repeat_recipients for p in policies), watch


@pytest.fixture
def polresta_desk(desk):
    return desk("polresta")


def night_clash(make_incident, dispatcher, type_code="kamtibmas.bentrok_antarwarga"):
    incident = make_incident(type_code, HILA)
    agencies = [p.agency for p in proposed_agencies(incident)]
    return incident, notify_agencies(incident=incident, agencies=agencies, by=dispatcher)


def test_a_night_clash_in_hitu_goes_to_polresta_and_kodim_with_the_short_ladder(
    make_incident, dispatcher, polresta_desk
):
    with time_machine.travel(NIGHT, tick=False) as clock:
        incident, tickets = night_clash(make_incident, dispatcher)
        assert incident.priority == 1
        by_agency = {t.agency.code: t for t in tickets}
        assert {"polresta", "kodim"} <= set(by_agency)  # notified together
        not_accepted = Deadline.objects.get(
            watch=Watch.TICKET_NOT_ACCEPTED, subject_id=str(by_agency["polresta"].pk)
        )
        assert not_accepted.policy.active_from == time(
            21
        ) and not_accepted.due_at == NIGHT + timedelta(seconds=30)

        clock.move_to(NIGHT + timedelta(seconds=20))
        polresta = by_agency["polresta"]
        accept_ticket(ticket=polresta, by=polresta_desk)  # accepted, and no unit is sent
        waiting = Deadline.objects.get(watch=Watch.UNIT_NOT_DISPATCHED, subject_id=str(polresta.pk))
        assert waiting.policy.name.startswith("Kamtibmas malam")
        accepted_at = NIGHT + timedelta(seconds=20)
        assert waiting.due_at == accepted_at + timedelta(seconds=60)  # day: 120 s

        raised = []
        for minute in range(1, 5):  # the supervisor at the first level, then every minute
            clock.move_to(accepted_at + timedelta(seconds=60 * minute))
            escalate_overdue()
            (latest,) = Escalation.objects.filter(
                watch=Watch.UNIT_NOT_DISPATCHED, subject_id=str(polresta.pk), level=minute
            )
            assert latest.to_supervisors and latest.to_agency
            raised.append((latest.level, latest.repeat))
        assert raised == [(1, False), (2, True), (3, True), (4, True)]

        dispatch_unit(ticket=polresta, unit=unit("PATROLI-LHT"), by=polresta_desk)
        assert not Escalation.objects.filter(
            watch=Watch.UNIT_NOT_DISPATCHED, resolved_at__isnull=True
        ).exists()
        clock.move_to(accepted_at + timedelta(minutes=30))
        escalate_overdue()
        assert Escalation.objects.filter(watch=Watch.UNIT_NOT_DISPATCHED).count() == 4


def test_a_brawl_brings_kodim_in_at_night_only(make_incident, dispatcher):
    with time_machine.travel(DAY, tick=False):
        day = {p.agency.code for p in proposed_agencies(make_incident("kamtibmas.perkelahian"))}
    with time_machine.travel(NIGHT, tick=False):
        night = {p.agency.code for p in proposed_agencies(make_incident("kamtibmas.perkelahian"))}
        theft = {p.agency.code for p in proposed_agencies(make_incident("kamtibmas.pencurian"))}
    assert "kodim" not in day and {"polresta", "kodim"} <= night
    assert "kodim" not in theft  # a theft at night is no clash


def test_by_day_a_clash_keeps_the_day_ladder(make_incident, dispatcher, polresta_desk):
    with time_machine.travel(DAY, tick=False):
        _incident, tickets = night_clash(make_incident, dispatcher)
        polresta = next(t for t in tickets if t.agency.code == "polresta")
        accept_ticket(ticket=polresta, by=polresta_desk)
        waiting = Deadline.objects.get(watch=Watch.UNIT_NOT_DISPATCHED, subject_id=str(polresta.pk))
        assert waiting.due_at == DAY + timedelta(seconds=120)
        assert waiting.policy.active_from is None


@pytest.mark.parametrize(
    "moment, inside",
    [
        (time(21), True),
        (time(23, 59), True),
        (time(0), True),
        (time(6, 59), True),
        (time(7), False),
        (time(12), False),
        (time(20, 59), False),
    ],
)
def test_a_window_may_cross_midnight(moment, inside):
    assert SlaPolicy(active_from=time(21), active_until=time(7)).in_window(moment) is inside


def test_a_day_window_and_no_window():
    day = SlaPolicy(active_from=time(7), active_until=time(21))
    assert day.in_window(time(7)) and not day.in_window(time(21))
    assert SlaPolicy().in_window(time(3))


def test_the_most_specific_policy_wins():
    generic = SlaPolicy(category="kamtibmas")
    night = SlaPolicy(
        category="kamtibmas",
        incident_types=["kamtibmas.perkelahian"],
        active_from=time(21),
        active_until=time(7),
    )
    assert night.specificity > generic.specificity > SlaPolicy().specificity


def scoped(**fields):
    return SlaPolicy(**{"watch": Watch.TICKET_NOT_ACCEPTED, "max_shelve_minutes": 240, **fields})


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"active_from": time(21), "active_until": time(21)}, "active_until"),
        ({"active_from": time(21)}, "active_until"),
        ({"repeat_s": 10, "repeat_recipients": ["supervisors"]}, "repeat_s"),
        ({"repeat_s": 60}, "repeat_recipients"),
        ({"repeat_s": 60, "repeat_recipients": ["boss"]}, "repeat_recipients"),
        ({"repeat_recipients": ["supervisors"]}, "repeat_s"),
        ({"incident_types": ["kamtibmas.tidak_ada"]}, "incident_types"),
        ({"category": "medis", "incident_types": ["kamtibmas.perkelahian"]}, "incident_types"),
        ({"max_shelve_minutes": 5000}, "max_shelve_minutes"),
    ],
)
def test_an_inconsistent_policy_is_refused_saying_why(ambon, fields, field):
    with pytest.raises(ValidationError) as refused:
        check_scope(scoped(**fields))
    assert field in refused.value.message_dict


def test_levels_out_of_order_are_refused():
    with pytest.raises(ValidationError, match="1, 2, 3"):
        check_ladder(
            Watch.CALL_UNANSWERED, [(1, 15, ["call_takers"], ""), (3, 30, ["supervisors"], "")]
        )
    with pytest.raises(ValidationError, match="later"):
        check_ladder(
            Watch.CALL_UNANSWERED, [(1, 30, ["call_takers"], ""), (2, 30, ["supervisors"], "")]
        )


def test_the_night_defaults_name_types_that_exist(ambon):
    for default in DEFAULTS:
        if default.incident_types:
            check_scope(
                scoped(
                    watch=default.watch,
                    category=default.category,
                    incident_types=default.incident_types,
                )
            )


NIGHT_KAMTIBMAS = {
    "watch": "ticket_not_accepted",
    "category": "kamtibmas",
    "incident_types": ["kamtibmas.perkelahian"],
    "repeat_s": "60",
    "max_shelve_minutes": "60",
    "level": {"delay_s": "30", "recipients": ["supervisors"]},
}


def test_the_admin_refuses_an_empty_night_window_and_saves_nothing(add_policy):
    response = add_policy(
        name="Malam kosong",
        active_from="21:00",
        active_until="21:00",
        repeat_recipients=["centre_head"],
        **NIGHT_KAMTIBMAS,
    )
    assert response.status_code == 200
    assert "same time" in response.content.decode() or "sama" in response.content.decode()
    assert not SlaPolicy.objects.filter(name="Malam kosong").exists()


def test_the_admin_saves_a_consistent_night_policy(add_policy):
    response = add_policy(
        name="Malam uji",
        active_from="22:00",
        active_until="06:00",
        repeat_recipients=["agency_duty_officer", "centre_head"],
        **NIGHT_KAMTIBMAS,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = SlaPolicy.objects.get(name="Malam uji")
    assert saved.incident_types == ["kamtibmas.perkelahian"] and saved.active_until == time(6)
