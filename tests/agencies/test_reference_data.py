from unittest import mock

import pytest
from django.core.management import call_command

from agencies.models import Agency, Area, Station, Unit
from agencies.reference import load_demo_units
from incidents.models import IncidentType, IncidentTypeAgency

MODELS = [Area, Agency, Station, Unit, IncidentType, IncidentTypeAgency]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_load_ambon_loads_the_island_and_twice_changes_nothing(db, capsys):
    call_command("load_ambon")
    first = counts()
    assert first["Area"] == 80
    assert Area.objects.filter(level="kecamatan").count() == 8
    assert first["Station"] == 47
    assert first["IncidentType"] >= 25
    capsys.readouterr()

    call_command("load_ambon")

    assert counts() == first
    assert "nothing changed" in capsys.readouterr().out


def test_a_load_that_fails_half_way_leaves_the_database_as_it_was(ambon):
    IncidentTypeAgency.objects.all().delete()
    IncidentType.objects.all().delete()
    Unit.objects.all().delete()
    before = counts()

    def units_then_crash(counts):
        load_demo_units(counts)
        raise RuntimeError("disk full")

    target = "ambon112.management.commands.load_ambon.load_demo_units"
    with mock.patch(target, side_effect=units_then_crash), pytest.raises(RuntimeError):
        call_command("load_ambon")

    assert counts() == before


def test_stations_without_a_published_coordinate_sit_at_their_area_marked_approximate(ambon):
    passo = Station.objects.get(name="Pos Damkar Passo")
    assert passo.position_quality == Station.PositionQuality.AREA_LABEL
    assert (passo.lat, passo.lon) == (passo.area.label_lat, passo.area.label_lon)
    haulussy = Station.objects.get(name="RSUD dr. M. Haulussy Ambon")
    assert haulussy.position_quality == Station.PositionQuality.APPROXIMATE
    assert (haulussy.lat, haulussy.lon) == (-3.708524, 128.163338)


def test_a_station_known_only_by_city_has_no_invented_position(ambon):
    basarnas = Station.objects.get(name__startswith="Kantor Pencarian dan Pertolongan")
    assert basarnas.area is None
    assert basarnas.lat is None
    assert basarnas.position_quality == Station.PositionQuality.UNKNOWN


def test_every_agency_has_a_desk_code_and_demo_units_are_marked(ambon):
    assert set(Agency.objects.values_list("code", flat=True)) >= {
        "damkar",
        "bpbd",
        "dinkes",
        "polresta",
        "kodim",
        "satpolpp",
        "dishub",
        "basarnas",
        "pln",
        "dinsos",
        "dlhp",
        "dinkes-malteng",
    }
    assert not Unit.objects.filter(is_demo=False).exists()
    assert Unit.objects.filter(agency__code="damkar", kind="engine").count() >= 10
    for unit in Unit.objects.exclude(station=None).select_related("station"):
        assert unit.station.agency_id == unit.agency_id, unit.call_sign


def test_a_house_fire_goes_to_damkar_first_with_pln_dishub_and_dinkes(ambon):
    house_fire = IncidentType.objects.get(code="kebakaran.rumah")
    links = list(house_fire.default_agencies.select_related("agency"))
    assert [link.agency.code for link in links] == ["damkar", "pln", "dishub", "dinkes"]
    assert links[0].role == "primary"
    assert house_fire.default_priority == 1
    assert house_fire.apco_code == "FSTRU"
