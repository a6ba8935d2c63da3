"""Fill past months with SYNTHETIC calls and incidents so that a demo's reports show figures."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.demo import Cast, generate_history, period_has_calls


class Command(BaseCommand):
    help = (
        "Play synthetic history (calls, incidents, tickets, unit assignments) through the "
        "services for the months before the current one, for demonstrations only: every event "
        "is marked synthetic. Refuses production and a period that holds calls."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=3, help="Whole months before this one")
        parser.add_argument("--calls-per-day", type=int, default=15)
        parser.add_argument("--seed", type=int, default=112)

    def handle(self, *args, months, calls_per_day, seed, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "Synthetic history is for the embedded demo only, never with "
                "AMBON112_ENV=production."
            )
        if not 1 <= months <= 24 or not 1 <= calls_per_day <= 5000:
            raise CommandError("--months 1…24 and --calls-per-day 1…5000.")
        this_month = timezone.localdate().replace(day=1)
        end = this_month - timedelta(days=1)
        start = this_month
        for _ in range(months):
            start = (start - timedelta(days=1)).replace(day=1)
        if period_has_calls(start, end):
            raise CommandError(
                f"{start} … {end} already holds calls: synthetic history is written only "
                "into an empty period."
            )
        try:
            cast = Cast.of_demo()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        history = generate_history(
            start=start, end=end, calls_per_day=calls_per_day, cast=cast, seed=seed
        )
        self.stdout.write(
            f"SYNTHETIC history {start} … {end}: {history.calls} calls, {history.incidents} "
            f"incidents, {history.tickets} tickets, {history.assignments} unit assignments."
        )
