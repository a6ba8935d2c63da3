"""Fill past months with SYNTHETIC calls and incidents so that a demo's reports show figures."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.models import Role, User
from dispatch.reports.demo import generate_history, period_has_calls


class Command(BaseCommand):
    help = (
        "Write synthetic history (calls, incidents, tickets, unit assignments) for the months "
        "before the current one, for demonstrations only. Refuses a period that holds calls."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=3, help="Whole months before this one")
        parser.add_argument("--calls-per-day", type=int, default=40)
        parser.add_argument("--seed", type=int, default=112)

    def handle(self, *args, months, calls_per_day, seed, **options):
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
        author = User.objects.filter(role=Role.CALL_TAKER).order_by("pk").first()
        if author is None:
            raise CommandError("No call-taker account: run create_demo_accounts first.")
        history = generate_history(
            start=start, end=end, calls_per_day=calls_per_day, by=author, seed=seed
        )
        self.stdout.write(
            f"SYNTHETIC history {start} … {end}: {history.calls} calls, {history.incidents} "
            f"incidents, {history.tickets} tickets, {history.assignments} unit assignments."
        )
