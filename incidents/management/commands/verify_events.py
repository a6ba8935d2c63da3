from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from ambon112.clock import day_start
from incidents.events import verify_chain


class Command(BaseCommand):
    help = (
        "Check the event log's hash chain (all of it, or the events of a period of WIT days); "
        "exit non-zero naming the first bad sequence number."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--to", dest="end", type=date.fromisoformat, help="YYYY-MM-DD, inclusive"
        )

    def handle(self, *args, start=None, end=None, **options):
        report = verify_chain(
            since=day_start(start) if start else None,
            until=day_start(end + timedelta(days=1)) if end else None,
        )
        if not report.intact:
            raise CommandError(
                f"Event log BROKEN at sequence {report.first_bad_seq}: {report.problem} "
                f"({report.checked} events checked before it)."
            )
        self.stdout.write(f"Event log intact: {report.checked} events checked.")
