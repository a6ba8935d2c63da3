"""Loading the incident-type taxonomy (incidents/data/incident_types.csv), idempotently and
without loading over an administrator's changes (agencies/reference.py says how)."""

from pathlib import Path

from agencies.models import Agency
from agencies.reference import Load, read_csv, retire, upsert
from incidents.models import IncidentType, IncidentTypeAgency

TYPES_CSV = Path(__file__).resolve().parent / "data" / "incident_types.csv"


def load_incident_types(load: Load) -> None:
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
            load,
        )
        if incident_type is None:  # deleted by an administrator, and reported so
            continue
        wanted = [
            (code, IncidentTypeAgency.Role.PRIMARY) for code in row["primary_agencies"].split()
        ]
        wanted += [
            (code, IncidentTypeAgency.Role.SUPPORT) for code in row["support_agencies"].split()
        ]
        wanted = [(agencies[code], role) for code, role in wanted if code in agencies]
        for order, (agency, role) in enumerate(wanted):
            upsert(
                IncidentTypeAgency,
                {"incident_type": incident_type, "agency": agency},
                {"role": role, "order": order},
                load,
            )
        stale = incident_type.default_agencies.exclude(agency__in=[a for a, _role in wanted])
        for link in stale.select_related("agency"):
            retire(link, {"incident_type": incident_type, "agency": link.agency}, load)
