"""Loading Ambon's reference data from the files in agencies/data/, honestly and idempotently.

The data files are the centre's starting point, not its truth: an administrator corrects a
station's position or a unit's station in the admin, and a deploy (which runs `load_ambon`) must
not undo that. So each row's values are compared three ways — the data file, the database, and
what the last load wrote (LoadedReference) — and a value is written only where the database
still holds what was loaded before (the data file changed) or the row is new. A value an
administrator changed is kept and reported; a row an administrator deleted is not loaded again.
A second run with the same files touches nothing.
"""

import csv
import json
from collections import Counter
from pathlib import Path

from django.db import models
from django.utils import timezone

from agencies.models import Agency, Area, LoadedReference, Station, Unit

DATA_DIR = Path(__file__).resolve().parent / "data"
AMBON_DIR = DATA_DIR / "ambon"


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _stored(value):
    """A value as the record keeps it: a related row by its id."""
    return value.pk if isinstance(value, models.Model) else value


def _key_text(key: dict) -> str:
    """A row's natural key as one string: codes for related rows (`kebakaran.rumah damkar`)."""
    return " ".join(str(getattr(value, "code", _stored(value))) for value in key.values())


class Load:
    """One run of `load_ambon`: what it changed, what it kept, and the record of what it loaded."""

    def __init__(self):
        self.counts = Counter()
        self.kept: list[str] = []  # one line per difference left as the administrator made it
        self.records = {(r.model, r.key): r for r in LoadedReference.objects.all()}
        self.created: set[tuple[str, str]] = set()  # rows this run created: all theirs to fill
        self.gone: set[tuple[str, str]] = set()
        self.now = timezone.now()

    def remember(self, label: str, key: str, values: dict) -> None:
        record = self.records.get((label, key))
        if record is None:
            record = self.records[label, key] = LoadedReference(model=label, key=key, values={})
        if record.pk is None or record.values != values:
            record.values, record.loaded_at = values, self.now

    def forget(self, label: str, key: str) -> None:
        self.gone.add((label, key))

    def keep(self, obj: models.Model, what: str) -> None:
        self.kept.append(f"{obj._meta.verbose_name} {obj}: {what}")

    def save_records(self) -> None:
        """Write the record of this run: new rows, changed rows, rows no longer loaded."""
        records = [r for k, r in self.records.items() if k not in self.gone]
        LoadedReference.objects.bulk_create([r for r in records if r.pk is None])
        changed = [r for r in records if r.pk is not None and r.loaded_at == self.now]
        LoadedReference.objects.bulk_update(changed, ["values", "loaded_at"])
        stale = [self.records[k].pk for k in self.gone if self.records.get(k) is not None]
        LoadedReference.objects.filter(pk__in=[pk for pk in stale if pk is not None]).delete()


def _shown(model: type[models.Model], name: str, value) -> str:
    field = model._meta.get_field(name)
    if field.is_relation and value is not None:
        return str(field.related_model.objects.filter(pk=value).first() or value)
    return json.dumps(value, ensure_ascii=False)


def upsert(model: type[models.Model], key: dict, values: dict, load: Load) -> models.Model | None:
    """Create the row, or bring it to the data file where the database still holds what was
    loaded before; keep and report every value an administrator changed. None when an
    administrator deleted the row: it is not loaded again."""
    label, key_text = model._meta.label_lower, _key_text(key)
    record = load.records.get((label, key_text))
    wanted = {name: _stored(value) for name, value in values.items()}
    obj = model.objects.filter(**key).first()
    if obj is None:
        if record is not None and record.pk is not None:
            load.kept.append(f"{model._meta.verbose_name} {key_text}: deleted by an administrator")
            return None
        load.counts[f"{model._meta.model_name} created"] += 1
        load.created.add((label, key_text))
        load.remember(label, key_text, wanted)
        return model.objects.create(**key, **values)
    last = dict(record.values) if record is not None else {}
    ours = (label, key_text) in load.created
    changed = []
    for name, want in wanted.items():
        have = getattr(obj, model._meta.get_field(name).attname)
        if have == want:
            last[name] = want
        elif ours or (name in last and have == last[name]):  # the data file changed
            setattr(obj, name, values[name])
            changed.append(name)
            last[name] = want
        else:
            why = "changed by an administrator" if name in last else "no earlier load recorded"
            load.keep(
                obj,
                f"{name} kept at {_shown(model, name, have)} ({why}); "
                f"the data file says {_shown(model, name, want)}",
            )
    if changed:
        obj.save(update_fields=changed)
        load.counts[f"{model._meta.model_name} updated"] += 1
    load.remember(label, key_text, last)
    return obj


def retire(obj: models.Model, key: dict, load: Load) -> None:
    """A row the data file no longer has: deleted if it is as loaded, else kept and reported."""
    label, key_text = obj._meta.label_lower, _key_text(key)
    record = load.records.get((label, key_text))
    if record is None or record.pk is None:
        load.keep(obj, "added by an administrator, not in the data file")
        return
    as_loaded = all(
        getattr(obj, obj._meta.get_field(name).attname) == value
        for name, value in record.values.items()
    )
    if not as_loaded:
        load.keep(obj, "no longer in the data file, but changed by an administrator")
        return
    obj.delete()
    load.forget(label, key_text)
    load.counts[f"{obj._meta.model_name} deleted"] += 1


def load_areas(load: Load) -> None:
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
            load,
        )


def load_agencies(load: Load) -> None:
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
            load,
        )
    by_code = {agency.code: agency for agency in Agency.objects.all()}
    for row in read_csv(DATA_DIR / "agencies.csv"):
        backup = by_code.get(row["backup"])
        upsert(Agency, {"code": row["code"]}, {"backup": backup}, load)


def station_position(row: dict, area: Area | None) -> tuple[float | None, float | None, str]:
    """A published coordinate when there is one, else the area's label point, else none."""
    quality = Station.PositionQuality
    if row["lat"] and row["lon"]:
        published = quality.EXACT if row["coordinate_quality"] == "exact" else quality.APPROXIMATE
        return float(row["lat"]), float(row["lon"]), published
    if area is not None:
        return area.label_lat, area.label_lon, quality.AREA_LABEL
    return None, None, quality.UNKNOWN


def load_stations(load: Load) -> None:
    by_code = {agency.code: agency for agency in Agency.objects.all()}
    agency_of = {
        row["station"]: by_code.get(row["agency"])
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
            load,
        )


def load_demo_units(load: Load) -> None:
    """Synthetic call signs at real stations (agencies/data/README.md)."""
    by_code = {agency.code: agency for agency in Agency.objects.all()}
    stations = {station.name: station for station in Station.objects.all()}
    for row in read_csv(DATA_DIR / "demo_units.csv"):
        if row["agency"] not in by_code:  # deleted by an administrator, and reported so
            continue
        upsert(
            Unit,
            {"call_sign": row["call_sign"]},
            {
                "agency": by_code[row["agency"]],
                "station": stations.get(row["station"]),
                "kind": row["kind"],
                "capabilities": row["capabilities"].split(),
                "is_demo": True,
            },
            load,
        )
