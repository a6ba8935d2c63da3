"""Which agencies an incident goes to: the type's defaults, routed to the right regency.

docs/architecture.md "Routing": an incident in Maluku Tengah goes to that regency's agency of the
same kind where one exists (BPBD Maluku Tengah rather than BPBD Kota Ambon); else to the city's
agency, and the ticket carries a cross-border mark (Damkar Kota Ambon answers fires in Leihitu).
"""

from dataclasses import dataclass

from django.utils import timezone

from agencies.models import Agency
from dispatch.deadlines import WIT
from dispatch.models import Ticket
from dispatch.policies import NIGHT_KAMTIBMAS_TYPES, WIT_NIGHT
from incidents.models import Incident

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


def proposed_agencies(incident: Incident) -> list[Proposal]:
    """The type's default agencies, primary first, each routed to the incident's regency; at
    night a kamtibmas clash or brawl also proposes Kodim beside Polresta (night_support)."""
    regency = regency_of(incident)
    active = list(Agency.objects.filter(is_active=True).order_by("code"))
    links = incident.incident_type.default_agencies.select_related("agency").order_by("order")
    wanted = [(link.agency, link.role) for link in links]
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
