"""Four call-taker desks for a demo: Meja 1–4 at PBX extensions 201–204 (`make run`).

`simulate_calls --extensions 201,202,203,204` then answers some calls at their handsets. Desks
that exist already are left as they are, so it is safe to run again; a real centre sets its own
in /admin/ or over /api/positions/.
"""

from django.core.management.base import BaseCommand

from incidents.models import Position, PositionExtension
from incidents.services.presence import create_position

DEMO_DESKS = [(f"Meja {n}", str(200 + n)) for n in range(1, 5)]


class Command(BaseCommand):
    help = "Create the demo call-taker desks Meja 1–4 (extensions 201–204) if missing."

    def handle(self, *args, **options):
        for name, extension in DEMO_DESKS:
            taken = PositionExtension.objects.filter(extension=extension).exists()
            if Position.objects.filter(name=name).exists() or taken:
                continue
            create_position(name=name, extensions=[extension], by=None)
            self.stdout.write(f"{name}: extension {extension}")
