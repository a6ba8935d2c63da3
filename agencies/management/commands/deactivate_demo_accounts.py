from django.core.management.base import BaseCommand

from agencies.acting import acting_as_command
from agencies.services import deactivate_demo_accounts


class Command(BaseCommand):
    help = (
        "Switch off the demo accounts (inactive, no usable password), e.g. in a database the "
        "embedded default made that now goes into production."
    )

    def handle(self, *args, **options):
        with acting_as_command("deactivate_demo_accounts"):
            names = deactivate_demo_accounts()
        self.stdout.write(f"Demo accounts deactivated: {', '.join(names) or 'none were active'}.")
