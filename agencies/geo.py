"""Where a point is: desa/kelurahan → kecamatan → regency, from an in-memory spatial index.

Polygons are kept in a local metric plane (metres, equirectangular at Ambon's latitude: good
to ~0.1 % across the island), so "nearest within 2 km" is a distance in metres.
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import shapely
from shapely.geometry import Point, shape

from agencies.models import Area

SNAP_DISTANCE_M = 2000
LAT0 = -3.65
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))


def _plane_coords(coords):
    """lon/lat degrees → metres east/north of (128.0 E, LAT0), for shapely.transform."""
    return (coords - [128.0, LAT0]) * [M_PER_DEG_LON, M_PER_DEG_LAT]


@dataclass(frozen=True)
class Location:
    """The areas a point falls in; `approximate` when it was snapped from the sea or a gap."""

    desa: Area
    kecamatan: Area
    approximate: bool
    distance_m: float

    @property
    def regency_code(self) -> str:
        return self.desa.regency_code

    @property
    def regency(self) -> str:
        return self.desa.regency

    def as_dict(self) -> dict:
        return {
            "desa": {"code": self.desa.code, "name": self.desa.name},
            "kecamatan": {"code": self.kecamatan.code, "name": self.kecamatan.name},
            "regency": {"code": self.regency_code, "name": self.regency},
            "approximate": self.approximate,
            "distance_m": round(self.distance_m),
        }


class AreaIndex:
    """An STRtree over the desa/kelurahan polygons; built once, queried in microseconds."""

    def __init__(self, desas: list[Area]):
        self.desas = desas
        self.polygons = [shapely.transform(shape(area.geometry), _plane_coords) for area in desas]
        self.tree = shapely.STRtree(self.polygons)

    def locate(self, lat: float, lon: float) -> Location | None:
        point = shapely.transform(Point(lon, lat), _plane_coords)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits):
            # Neighbouring polygons overlap by digitising noise: take the one the point is
            # deepest inside.
            best = max(hits, key=lambda i: self.polygons[i].boundary.distance(point))
            return self._location(best, approximate=False, distance=0.0)
        nearest, distances = self.tree.query_nearest(
            point, max_distance=SNAP_DISTANCE_M, return_distance=True
        )
        if not len(nearest):
            return None
        return self._location(nearest[0], approximate=True, distance=float(distances[0]))

    def _location(self, index: int, *, approximate: bool, distance: float) -> Location:
        desa = self.desas[index]
        return Location(desa, desa.parent, approximate, distance)


@lru_cache(maxsize=1)
def area_index() -> AreaIndex:
    return AreaIndex(list(Area.objects.filter(level=Area.Level.DESA).select_related("parent")))


def locate(lat: float, lon: float) -> Location | None:
    """desa → kecamatan → regency for a point, snapped within 2 km (approximate), or None."""
    return area_index().locate(lat, lon)
