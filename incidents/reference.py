"""Loading the incident-type taxonomy (incidents/data/incident_types.csv), idempotently."""

from collections import Counter
from pathlib import Path

from agencies.models import Agency
from agencies.reference import read_csv, upsert
from incidents.models import IncidentType, IncidentTypeAgency

TYPES_CSV = Path(__file__).resolve().parent / "data" / "incident_types.csv"


def load_incident_types(counts: Counter) -> None:
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    for row in read_csv(TYPES_CSV):
        incident_type = upsert(
            IncidentType,
            {"code": row["code"]},
            {
                "category": row["category"],
                "name_id": row["name_id"],
                "name_en": row["name_en"],
                "default_priority": int(row["default_priority"]),
                "capability": row["capability"],
                "apco_code": row["apco_code"],
                "apco_name": row["apco_name"],
            },
            counts,
        )
        wanted = [
            (code, IncidentTypeAgency.Role.PRIMARY) for code in row["primary_agencies"].split()
        ]
        wanted += [
            (code, IncidentTypeAgency.Role.SUPPORT) for code in row["support_agencies"].split()
        ]
        for order, (code, role) in enumerate(wanted):
            upsert(
                IncidentTypeAgency,
                {"incident_type": incident_type, "agency": agencies[code]},
                {"role": role, "order": order},
                counts,
            )
        stale = incident_type.default_agencies.exclude(agency__code__in=[c for c, _ in wanted])
        counts["incidenttypeagency deleted"] += stale.delete()[0]
