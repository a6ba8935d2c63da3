from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.acting import acting_as_command
from agencies.services import create_demo_accounts


class Command(BaseCommand):
    help = "Create one demo account per role and one desk per agency (embedded default only)."

    def handle(self, *args, **options):
        try:
            with acting_as_command("create_demo_accounts"):
                created = create_demo_accounts(password=settings.DEMO_PASSWORD)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo accounts created: {', '.join(created) or 'none (all exist)'}.")
