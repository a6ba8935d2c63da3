from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from core.clock import day_start
from incidents.chain_times import check_period
from incidents.seals import verify_seals


class Command(BaseCommand):
    help = (
        "Check the event log's hash chain, its daily seals and the times the reports read against "
        "the events that set them (all of them, or those of a period of WIT days; a closed day "
        "whose signed verdict still matches is not walked again); exit non-zero naming the first "
        "bad sequence number, each broken seal, each altered verdict and each time that disagrees."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--to", dest="end", type=date.fromisoformat, help="YYYY-MM-DD, inclusive"
        )

    def handle(self, *args, start=None, end=None, **options):
        since = day_start(start) if start else None
        until = day_start(end + timedelta(days=1)) if end else None
        checked = check_period(since=since, until=until)
        report = checked.chain
        seals = verify_seals(since=since, until=until)
        broken = [
            f"the seal of {b.day} (sequence {b.seal_seq}) is BROKEN: {b.problem}"
            for b in seals.broken
        ]
        if not report.intact:
            broken.insert(
                0,
                f"Event log BROKEN at sequence {report.first_bad_seq}: {report.problem} "
                f"({report.checked} events checked before it)",
            )
        broken += [
            f"the verdict kept for {day} does NOT VERIFY with the centre's key: it was altered"
            for day in checked.altered_verdicts
        ]
        times = checked.times
        if not times.intact:
            # Each mismatch on its own line: table, row, field, stored value, the event's value.
            for mismatch in times.mismatches:
                self.stderr.write(mismatch.describe())
            broken.append(
                f"{times.total} reported times DO NOT MATCH the event that set them "
                f"({len(times.mismatches)} named above); figures affected: "
                f"{', '.join(times.affected) or 'none'}"
            )
        if broken:
            raise CommandError("; ".join(broken) + ".")
        self.stdout.write(
            f"Event log intact: {report.checked} events checked, {seals.checked} daily seals "
            f"verified, the times of {times.checked} rows match their events."
        )
