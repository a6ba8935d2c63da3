from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from agencies import geo
from agencies.reference import load_agencies, load_areas, load_demo_units, load_stations
from incidents.reference import load_incident_types


class Command(BaseCommand):
    help = (
        "Load Ambon Island's areas, partner agencies, stations, demo units and incident types. "
        "Idempotent; all or nothing."
    )

    def handle(self, *args, **options):
        counts = Counter()
        with transaction.atomic():
            load_areas(counts)
            load_agencies(counts)
            load_stations(counts)
            load_demo_units(counts)
            load_incident_types(counts)
        geo.area_index.cache_clear()
        changes = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()) if n)
        self.stdout.write(f"Ambon reference data loaded: {changes or 'nothing changed'}.")
