from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction

from agencies.models import Agency, Area, LoadedReference, Station, Unit
from agencies.reference import load_demo_units
from incidents.models import Event, IncidentType, IncidentTypeAgency

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
        call_command("load_ambon", "--demo-units")

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


def _without_units():
    """A database that never had the demo units (a real centre's)."""
    with transaction.atomic():
        Unit.objects.all().delete()
    LoadedReference.objects.filter(model="agencies.unit").delete()


def test_in_production_load_ambon_loads_no_demo_units_and_keeps_every_admin_edit(
    ambon, settings, capsys
):
    settings.EMBEDDED = False
    _without_units()
    house_fire = IncidentType.objects.get(code="kebakaran.rumah")
    with transaction.atomic():  # what an administrator changed in the admin
        Station.objects.filter(name="Pos Damkar Passo").update(lat=-3.6501, lon=128.2502)
        IncidentType.objects.filter(pk=house_fire.pk).update(default_priority=2)
        house_fire.default_agencies.get(agency__code="dishub").delete()
        IncidentTypeAgency.objects.create(
            incident_type=house_fire,
            agency=Agency.objects.get(code="basarnas"),
            role="support",
            order=9,
        )
    capsys.readouterr()

    call_command("load_ambon")

    out = capsys.readouterr().out
    assert not Unit.objects.exists()
    assert "Demo units not loaded" in out
    passo = Station.objects.get(name="Pos Damkar Passo")
    assert (passo.lat, passo.lon) == (-3.6501, 128.2502)
    assert "Pos Damkar Passo: lat kept at -3.6501 (changed by an administrator)" in out
    assert IncidentType.objects.get(pk=house_fire.pk).default_priority == 2
    assert "default_priority kept at 2 (changed by an administrator); the data file says 1" in out
    routing = set(house_fire.default_agencies.values_list("agency__code", flat=True))
    assert routing == {"damkar", "pln", "dinkes", "basarnas"}  # as the administrator left it
    assert "kebakaran.rumah dishub: deleted by an administrator" in out
    assert "added by an administrator, not in the data file" in out

    events, records = Event.objects.count(), list(LoadedReference.objects.values())
    call_command("load_ambon")
    assert "nothing changed" in capsys.readouterr().out
    assert Event.objects.count() == events  # safe on every deploy
    assert list(LoadedReference.objects.values()) == records


def test_a_value_the_data_file_changed_is_loaded_where_nobody_edited_it(ambon, capsys):
    house_fire = IncidentType.objects.get(code="kebakaran.rumah")
    record = LoadedReference.objects.get(model="incidents.incidenttype", key=house_fire.code)
    IncidentType.objects.filter(pk=house_fire.pk).update(apco_name="FIRE STRUCTURE (old file)")
    record.values["apco_name"] = "FIRE STRUCTURE (old file)"  # what the old file loaded
    record.save()
    with transaction.atomic():  # a link the old file had and the new one has not
        gone = IncidentTypeAgency.objects.create(
            incident_type=house_fire,
            agency=Agency.objects.get(code="basarnas"),
            role="support",
            order=4,
        )
    LoadedReference.objects.create(
        model="incidents.incidenttypeagency",
        key="kebakaran.rumah basarnas",
        values={"role": "support", "order": 4},
        loaded_at=record.loaded_at,
    )

    call_command("load_ambon")

    assert IncidentType.objects.get(pk=house_fire.pk).apco_name.startswith("FIRE STRUCTURE - ")
    assert not IncidentTypeAgency.objects.filter(pk=gone.pk).exists()
    assert Event.objects.filter(kind="incident_routing.deleted", subject_id=str(gone.pk)).exists()
    assert not LoadedReference.objects.filter(key="kebakaran.rumah basarnas").exists()
    assert "1 incidenttype updated, 1 incidenttypeagency deleted" in capsys.readouterr().out


def test_the_embedded_default_loads_the_demo_units_but_not_one_an_administrator_deleted(
    ambon, settings, capsys
):
    settings.EMBEDDED = True
    _without_units()
    call_command("load_ambon")
    assert Unit.objects.filter(is_demo=True).count() == 51
    with transaction.atomic():
        Unit.objects.get(call_sign="DAMKAR-02").delete()
    capsys.readouterr()

    call_command("load_ambon")

    assert not Unit.objects.filter(call_sign="DAMKAR-02").exists()
    assert "unit DAMKAR-02: deleted by an administrator" in capsys.readouterr().out


def test_demo_units_load_outside_the_embedded_default_only_when_asked(ambon, settings):
    settings.EMBEDDED = False
    _without_units()
    call_command("load_ambon", "--demo-units")
    assert Unit.objects.filter(is_demo=True).count() == 51
