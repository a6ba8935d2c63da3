from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from agencies import geo
from agencies.acting import acting_as_command
from agencies.models import Unit
from agencies.reference import Load, load_agencies, load_areas, load_demo_units, load_stations
from incidents.reference import load_incident_types


class Command(BaseCommand):
    help = (
        "Load Ambon Island's areas, partner agencies, stations and incident types, and the "
        "synthetic demo units in the embedded default (or with --demo-units). Safe on every "
        "deploy: all or nothing, a second run changes nothing, and a value an administrator "
        "changed is kept and reported, never loaded over. Every change is in the event log."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-units",
            action="store_true",
            help="Load the 51 synthetic demo units too (the embedded default always does)",
        )

    def handle(self, *args, demo_units, **options):
        demo = demo_units or settings.EMBEDDED
        with acting_as_command("load_ambon"), transaction.atomic():
            load = Load()
            load_areas(load)
            load_agencies(load)
            load_stations(load)
            if demo:
                load_demo_units(load)
            load_incident_types(load)
            load.save_records()
        geo.area_index.cache_clear()
        changes = ", ".join(f"{n} {what}" for what, n in sorted(load.counts.items()) if n)
        self.stdout.write(f"Ambon reference data loaded: {changes or 'nothing changed'}.")
        if load.kept:
            self.stdout.write(
                f"Kept as they are in the database ({len(load.kept)}; an administrator's "
                "changes are never loaded over, change them in the admin if the data file is "
                "right):"
            )
            for line in load.kept:
                self.stdout.write(f"  {line}")
        if not demo:
            present = Unit.objects.filter(is_demo=True).count()
            self.stdout.write(
                "Demo units not loaded (not the embedded default; --demo-units loads them)."
                + (
                    f" {present} demo units with synthetic call signs are in the database: "
                    "delete them in the admin if this is a real centre."
                    if present
                    else ""
                )
            )
