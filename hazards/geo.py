"""Where a hazard is relative to Ambon: distance to the island, direction from the city, and
the areas (kecamatan / desa polygons of our data, or a drawn polygon) a major incident covers."""

import math
from functools import lru_cache

import shapely
from shapely.geometry import Point, shape

from agencies.geo import _plane_coords, area_index
from agencies.models import Area

# Kota Ambon's centre (the map's default centre, by the Gong Perdamaian): the "Ambon" of a
# banner's "37 km timur laut Ambon".
CITY = (-3.6954, 128.1814)
EARTH_RADIUS_KM = 6371.0
BEARINGS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bearing_from_city(lat: float, lon: float) -> str:
    """The 8-point compass direction of a point seen from Kota Ambon."""
    p1, p2 = math.radians(CITY[0]), math.radians(lat)
    dl = math.radians(lon - CITY[1])
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    degrees = (math.degrees(math.atan2(x, y)) + 360) % 360
    return BEARINGS[round(degrees / 45) % 8]


def city_distance_km(lat: float, lon: float) -> float:
    return great_circle_km(CITY[0], CITY[1], lat, lon)


@lru_cache(maxsize=1)
def _island():
    """Ambon Island as one shape in the metric plane of agencies.geo."""
    return shapely.union_all(area_index().polygons)


def island_distance_km(lat: float, lon: float) -> float:
    """From the island's nearest shore (0 on the island). Beyond ~100 km the plane's error
    grows: past the island's surroundings the great-circle distance to the city less the
    island's half-width is used instead, which is what a magnitude rule needs."""
    city_km = city_distance_km(lat, lon)
    if city_km > 150:
        return max(0.0, city_km - 25)
    point = shapely.transform(Point(lon, lat), _plane_coords)
    return _island().distance(point) / 1000


def area_shape(*, codes: list[str], polygon: dict | None):
    """The union of the named areas' polygons and the drawn polygon, in lon/lat."""
    shapes = [shape(a.geometry) for a in Area.objects.filter(code__in=codes)]
    if polygon:
        shapes.append(shape(polygon))
    return shapely.union_all(shapes) if shapes else None


def covers(area, lat: float | None, lon: float | None) -> bool:
    return area is not None and lat is not None and lon is not None and area.covers(Point(lon, lat))
