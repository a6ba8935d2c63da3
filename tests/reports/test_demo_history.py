"""The synthetic history for demonstrations says what it is, never mixes with real calls, and is
played through the services: its rows carry their events, every one marked synthetic."""

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency, Role, User
from incidents.chain_times import check_period
from incidents.models import Call, Event, Incident, Position
from tests.conftest import PASSWORD


@pytest.fixture
def demo_cast(operator, dispatcher, supervisor):
    """The demo's accounts: a desk for every agency, and a desk (meja) to sign in at."""
    for agency in Agency.objects.all():
        User.objects.create_user(
            username=f"desk-{agency.code}",
            password=PASSWORD,
            role=Role.AGENCY_DESK,
            agency=agency,
        )
    Position.objects.create(name="Meja 1")


# Every call of the history is played through the services: slower than writing rows.
@pytest.mark.timeout(600)
def test_it_plays_the_months_before_this_one_through_the_services(demo_cast, capsys):
    call_command("generate_demo_history", months=1, calls_per_day=2)
    assert "SYNTHETIC history" in capsys.readouterr().out
    calls = Call.objects.all()
    assert calls.count() == calls.filter(call_id__startswith="sintetis-").count() >= 2 * 28
    assert all(i.description.startswith("Data sintetis") for i in Incident.objects.all())
    assert not calls.exclude(caller__number__startswith="+628120000").exists()
    assert Incident.objects.filter(tickets__accepted_at__isnull=False).exists()
    # Every row carries its events, at the times it holds, and every event is synthetic.
    first, last = calls.order_by("ringing_at").first(), calls.order_by("ringing_at").last()
    history = Event.objects.filter(subject_type__in=["call", "incident", "ticket", "assignment"])
    assert history.filter(kind="call.ringing").count() == calls.count()
    assert not history.filter(synthetic=False).exists()
    integrity = check_period(since=first.ringing_at, until=last.ringing_at)
    assert integrity.intact, integrity.problems()
    assert integrity.times.checked > calls.count()


@pytest.mark.timeout(600)
def test_it_refuses_a_period_that_already_holds_calls(demo_cast):
    call_command("generate_demo_history", months=1, calls_per_day=1)
    with pytest.raises(CommandError, match="already holds calls"):
        call_command("generate_demo_history", months=1, calls_per_day=1)


def test_it_refuses_production(demo_cast, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never with AMBON112_ENV=production"):
        call_command("generate_demo_history", months=1, calls_per_day=1)
    assert not Call.objects.exists()


def test_it_needs_the_demo_accounts(ambon):
    with pytest.raises(CommandError, match="create_demo_accounts"):
        call_command("generate_demo_history", months=1, calls_per_day=1)
