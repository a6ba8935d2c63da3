"""Which agencies an incident goes to: the type's defaults, routed to the right regency.

docs/architecture.md "Routing": an incident in Maluku Tengah goes to that regency's agency of the
same kind where one exists (BPBD Maluku Tengah rather than BPBD Kota Ambon); else to the city's
agency, and the ticket carries a cross-border mark (Damkar Kota Ambon answers fires in Leihitu).
"""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from agencies.models import Agency
from dispatch.deadlines import WIT
from dispatch.models import Ticket
from dispatch.policies import NIGHT_KAMTIBMAS_TYPES, WIT_NIGHT
from incidents.models import Incident, IncidentTypeAgency

NIGHT_AGENCIES = ("polresta", "kodim")


@dataclass(frozen=True)
class Proposal:
    agency: Agency
    role: str  # Ticket.Role
    cross_border: bool
    routed_from: Agency | None  # the type's default, when another agency replaced it


def regency_of(incident: Incident) -> str | None:
    """The regency code of the incident's place (81.71 Kota Ambon, 81.01 Maluku Tengah)."""
    place = incident.area or incident.kecamatan
    return place.regency_code if place else None


def is_cross_border(agency: Agency, regency: str | None) -> bool:
    return regency is not None and regency not in agency.regencies


def route(agency: Agency, regency: str | None, active: list[Agency]) -> tuple[Agency, bool]:
    """The agency that answers in `regency` in place of `agency`, and whether it crosses over."""
    if not is_cross_border(agency, regency):
        return agency, False
    for local in active:
        if local.kind == agency.kind and regency in local.regencies:
            return local, False
    return agency, True


@dataclass(frozen=True)
class Reference:
    """What routing reads on every forward and closure, kept in memory (see `reference`)."""

    active: list[Agency]  # by code
    defaults: dict[int, list[tuple[Agency, str]]]  # incident type id → (agency, role), in order


# The version token of the reference data (dispatch.models.ReferenceVersion), as a (name, SQL)
# column for a statement a write makes anyway (core.db.read_row's `extra`).
REFERENCE_TOKEN = ("reference_token", "SELECT v.token FROM dispatch_referenceversion v")

# The reference data last read, with the token it was read under (one entry: a process sees one
# database, and a token that changes is never seen again).
_kept: tuple[str, Reference] | None = None


def reference_token() -> str | None:
    """The reference data's version token as committed now (None after a flush)."""
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_TOKEN[1])
        row = cursor.fetchone()
    return row[0] if row else None


def reference(token: str | None) -> Reference:
    """The agencies and the types' default agencies. `token`: their version as the caller read
    it in its transaction; they are read from the database again only when it changed (a
    trigger gives it a new random value on any write to an agency or a type's defaults, whoever
    makes it, so another process's change is seen by its next request here). Read after the
    token, they are never older than it. None (no version row, after a flush): read, not kept."""
    global _kept
    if token is not None and _kept is not None and _kept[0] == token:
        return _kept[1]
    agencies = {agency.pk: agency for agency in Agency.objects.order_by("code")}
    defaults: dict[int, list[tuple[Agency, str]]] = {}
    links = IncidentTypeAgency.objects.order_by("incident_type_id", "order", "pk")
    for type_id, agency_id, role in links.values_list("incident_type_id", "agency_id", "role"):
        defaults.setdefault(type_id, []).append((agencies[agency_id], role))
    read = Reference([agency for agency in agencies.values() if agency.is_active], defaults)
    if token is not None:
        _kept = (token, read)
    return read


def proposed_agencies(incident: Incident, token: str | None = None) -> list[Proposal]:
    """The type's default agencies, primary first, each routed to the incident's regency; at
    night a kamtibmas clash or brawl also proposes Kodim beside Polresta (night_support).
    `token`: the reference data's version as the caller read it with its own rows (see
    reference), else it is read here."""
    regency = regency_of(incident)
    data = reference(token if token is not None else reference_token())
    active = data.active
    wanted = list(data.defaults.get(incident.incident_type_id, []))
    wanted += [(agency, "support") for agency in night_support(incident, active)]
    proposals, seen = [], set()
    for default, link_role in wanted:
        agency, cross_border = route(default, regency, active)
        if agency.pk in seen or not agency.is_active:
            continue
        seen.add(agency.pk)
        role = Ticket.Role.PRIMARY if link_role == "primary" else Ticket.Role.SUPPORT
        routed_from = default if agency.pk != default.pk else None
        proposals.append(Proposal(agency, role, cross_border, routed_from))
    return proposals


def night_support(incident: Incident, active: list[Agency]) -> list[Agency]:
    """Issue #16: a communal clash or brawl between 21:00 and 07:00 WIT is answered by Polresta
    and Kodim together (docs/architecture.md "Routing": Kodim (TNI) for conflict), whatever the
    type's defaults."""
    if incident.incident_type.code not in NIGHT_KAMTIBMAS_TYPES:
        return []
    now = timezone.localtime(timezone.now(), WIT).time()
    start, end = WIT_NIGHT
    if not (now >= start or now < end):
        return []
    return [agency for agency in active if agency.code in NIGHT_AGENCIES]
