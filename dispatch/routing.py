"""Which agencies an incident goes to: the type's defaults, routed to the right regency.

DESIGN.md §8: an incident in Maluku Tengah goes to that regency's agency of the same kind where
one exists (BPBD Maluku Tengah rather than BPBD Kota Ambon); else to the city's agency, and the
ticket carries a cross-border mark (Damkar Kota Ambon answers fires in Leihitu).
"""

from dataclasses import dataclass

from agencies.models import Agency
from dispatch.models import Ticket
from incidents.models import Incident


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
    """The type's default agencies, primary first, each routed to the incident's regency."""
    regency = regency_of(incident)
    active = list(Agency.objects.filter(is_active=True).order_by("code"))
    links = incident.incident_type.default_agencies.select_related("agency").order_by("order")
    proposals, seen = [], set()
    for link in links:
        agency, cross_border = route(link.agency, regency, active)
        if agency.pk in seen or not agency.is_active:
            continue
        seen.add(agency.pk)
        role = Ticket.Role.PRIMARY if link.role == "primary" else Ticket.Role.SUPPORT
        routed_from = link.agency if agency.pk != link.agency_id else None
        proposals.append(Proposal(agency, role, cross_border, routed_from))
    return proposals
