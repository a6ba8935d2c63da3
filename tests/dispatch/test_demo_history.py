"""The synthetic history for demonstrations says what it is and never mixes with real calls."""

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Call, Incident


def test_it_fills_the_months_before_this_one_with_synthetic_rows(operator, capsys):
    call_command("generate_demo_history", months=1, calls_per_day=5)
    assert "SYNTHETIC history" in capsys.readouterr().out
    assert Call.objects.count() == Call.objects.filter(call_id__startswith="sintetis-").count()
    assert Call.objects.count() >= 5 * 28
    assert all(i.description.startswith("Data sintetis") for i in Incident.objects.all())
    assert not Call.objects.exclude(caller__number__startswith="+628120000").exists()


def test_it_refuses_a_period_that_already_holds_calls(operator):
    call_command("generate_demo_history", months=1, calls_per_day=1)
    with pytest.raises(CommandError, match="already holds calls"):
        call_command("generate_demo_history", months=1, calls_per_day=1)
