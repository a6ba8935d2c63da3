"""How long a unit takes to reach a place: the one estimator behind every recommendation.

docs/architecture.md "Places": straight-line distance × a road factor ÷ a speed per unit kind.
Ambon's roads wind along the bay and up the hills, so the road distance is taken as 1.5 × the
straight line (1.2 at sea, where a boat goes nearly straight). The speeds are average speeds with
lights and siren in town traffic, not top speeds. They are estimates to be replaced by a routing
engine (OSRM or Valhalla over OpenStreetMap) behind the same function once one runs in the centre.
"""

from agencies.models import Unit
from incidents.selectors import distance_m

ROAD_FACTOR = 1.5
SEA_FACTOR = 1.2
SPEED_KMH = {
    Unit.Kind.ENGINE: 35,
    Unit.Kind.TANKER: 30,
    Unit.Kind.RESCUE: 40,
    Unit.Kind.AMBULANCE: 45,
    Unit.Kind.HEARSE: 40,
    Unit.Kind.PATROL: 45,
    Unit.Kind.MOTORCYCLE: 50,
    Unit.Kind.BOAT: 30,
    Unit.Kind.TRUCK: 30,
    Unit.Kind.UTILITY: 35,
    Unit.Kind.TOW: 30,
}
DEFAULT_SPEED_KMH = 30


def route_factor(kind: str) -> float:
    return SEA_FACTOR if kind == Unit.Kind.BOAT else ROAD_FACTOR


def estimate_eta_s(kind: str, from_lat: float, from_lon: float, to_lat: float, to_lon: float):
    """Seconds to drive (or sail) from one point to another, and the straight-line metres."""
    straight = distance_m(from_lat, from_lon, to_lat, to_lon)
    speed_ms = SPEED_KMH.get(kind, DEFAULT_SPEED_KMH) / 3.6
    return round(straight * route_factor(kind) / speed_ms), round(straight)
