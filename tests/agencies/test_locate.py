import csv

import pytest

from agencies.geo import locate
from agencies.reference import AMBON_DIR

AREAS = list(csv.DictReader((AMBON_DIR / "areas.csv").open(encoding="utf-8")))
DESAS = [row for row in AREAS if row["level"] == "desa"]
KECAMATAN = [row for row in AREAS if row["level"] == "kecamatan"]


@pytest.mark.parametrize("row", DESAS, ids=lambda row: row["code"])
def test_the_label_point_of_every_desa_maps_to_that_desa(ambon, row):
    location = locate(float(row["label_lat"]), float(row["label_lon"]))
    assert location.desa.code == row["code"]
    assert location.kecamatan.code == row["parent_code"]
    assert location.regency == row["regency"]
    assert not location.approximate


@pytest.mark.parametrize("row", KECAMATAN, ids=lambda row: row["code"])
def test_the_label_point_of_every_kecamatan_maps_into_that_kecamatan(ambon, row):
    location = locate(float(row["label_lat"]), float(row["label_lon"]))
    assert location.kecamatan.code == row["code"]


def test_a_point_in_the_bay_just_off_the_shore_snaps_to_the_nearest_desa(ambon):
    # Teluk Ambon, a few hundred metres off Galala: in the water, near the city.
    location = locate(-3.6800, 128.1790)
    assert location is not None
    assert location.approximate
    assert 0 < location.distance_m <= 2000


@pytest.mark.parametrize(
    "lat, lon",
    [
        (-3.8600, 128.1800),  # Banda Sea, ~10 km south of Latuhalat
        (-3.5700, 128.4500),  # between Ambon and Haruku
        (-3.3800, 128.4300),  # the 2019 earthquake's epicentre, off Seram
        (0.0, 0.0),
    ],
)
def test_a_point_far_out_at_sea_is_nowhere(ambon, lat, lon):
    assert locate(lat, lon) is None


def test_rsud_haulussy_is_in_benteng_and_the_airport_in_laha(ambon):
    assert locate(-3.708524, 128.163338).desa.name == "Benteng"
    assert locate(-3.7102639, 128.0891361).desa.name == "Laha"


def test_a_maluku_tengah_point_names_its_regency(ambon):
    liang = next(row for row in DESAS if row["name"] == "Liang")
    location = locate(float(liang["label_lat"]), float(liang["label_lon"]))
    assert location.regency_code == "81.01"
    assert location.kecamatan.name == "Salahutu"
