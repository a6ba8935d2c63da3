"""Loading Ambon's reference data from the files in agencies/data/, idempotently.

Each loader upserts by natural key and touches a row only when a value differs, so a second
run reports nothing created and nothing updated.
"""

import csv
import json
from collections import Counter
from pathlib import Path

from django.db import models

from agencies.models import Agency, Area, Station, Unit

DATA_DIR = Path(__file__).resolve().parent / "data"
AMBON_DIR = DATA_DIR / "ambon"


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def upsert(model: type[models.Model], key: dict, values: dict, counts: Counter) -> models.Model:
    """Create the row, or update only the fields that differ; count what happened."""
    obj = model.objects.filter(**key).first()
    if obj is None:
        counts[f"{model._meta.model_name} created"] += 1
        return model.objects.create(**key, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts[f"{model._meta.model_name} updated"] += 1
    return obj


def load_areas(counts: Counter) -> None:
    features = json.loads((AMBON_DIR / "boundaries.geojson").read_text(encoding="utf-8"))
    geometry = {f["properties"]["code"]: f["geometry"] for f in features["features"]}
    rows = read_csv(AMBON_DIR / "areas.csv")
    # Kecamatan first, so that every desa finds its parent.
    rows.sort(key=lambda row: row["level"] != Area.Level.KECAMATAN)
    for row in rows:
        parent = (
            None
            if row["level"] == Area.Level.KECAMATAN
            else Area.objects.get(code=row["parent_code"])
        )
        regency_code = row["code"][:5]
        upsert(
            Area,
            {"code": row["code"]},
            {
                "name": row["name"],
                "alt_name": row["alt_name"],
                "level": row["level"],
                "village_type": row["village_type"],
                "parent": parent,
                "regency_code": regency_code,
                "regency": row["regency"],
                "label_lat": float(row["label_lat"]),
                "label_lon": float(row["label_lon"]),
                "area_km2": float(row["area_km2"]),
                "postal_code": row["postal_code"],
                "geometry": geometry[row["code"]],
                "geometry_source": row["geometry_source"],
            },
            counts,
        )


def load_agencies(counts: Counter) -> None:
    for row in read_csv(DATA_DIR / "agencies.csv"):
        upsert(
            Agency,
            {"code": row["code"]},
            {
                "name": row["name"],
                "short_name": row["short_name"],
                "kind": row["kind"],
                "regencies": row["regencies"].split(),
            },
            counts,
        )
    by_code = {agency.code: agency for agency in Agency.objects.all()}
    for row in read_csv(DATA_DIR / "agencies.csv"):
        backup = by_code.get(row["backup"])
        upsert(Agency, {"code": row["code"]}, {"backup": backup}, counts)


def station_position(row: dict, area: Area | None) -> tuple[float | None, float | None, str]:
    """A published coordinate when there is one, else the area's label point, else none."""
    quality = Station.PositionQuality
    if row["lat"] and row["lon"]:
        published = quality.EXACT if row["coordinate_quality"] == "exact" else quality.APPROXIMATE
        return float(row["lat"]), float(row["lon"]), published
    if area is not None:
        return area.label_lat, area.label_lon, quality.AREA_LABEL
    return None, None, quality.UNKNOWN


def load_stations(counts: Counter) -> None:
    agency_of = {
        row["station"]: Agency.objects.get(code=row["agency"])
        for row in read_csv(DATA_DIR / "station_agencies.csv")
    }
    for row in read_csv(AMBON_DIR / "facilities.csv"):
        # A code like 81.71 (the whole city) is not an area of ours: no place to put it.
        area = Area.objects.filter(code=row["area_code"]).first()
        lat, lon, quality = station_position(row, area)
        upsert(
            Station,
            {"name": row["name"]},
            {
                "kind": row["kind"],
                "agency": agency_of.get(row["name"]),
                "operator": row["agency"],
                "address": row["address"],
                "area": area,
                "lat": lat,
                "lon": lon,
                "position_quality": quality,
                "source": row["source"],
                "notes": row["notes"],
            },
            counts,
        )


def load_demo_units(counts: Counter) -> None:
    """Synthetic call signs at real stations (agencies/data/README.md)."""
    for row in read_csv(DATA_DIR / "demo_units.csv"):
        station = Station.objects.get(name=row["station"]) if row["station"] else None
        upsert(
            Unit,
            {"call_sign": row["call_sign"]},
            {
                "agency": Agency.objects.get(code=row["agency"]),
                "station": station,
                "kind": row["kind"],
                "capabilities": row["capabilities"].split(),
                "is_demo": True,
            },
            counts,
        )
