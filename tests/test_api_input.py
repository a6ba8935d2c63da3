"""Bad input gets a clear 400 and nothing is written."""

import pytest
from django.urls import reverse

from agencies.models import Agency, Station
from tests.conftest import PMI


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


def post(client, name, body, **kwargs):
    return client.post(reverse(name, **kwargs), body, content_type="application/json")


def test_malformed_json_is_a_400_with_a_message(admin_client):
    before = Agency.objects.count()
    response = post(admin_client, "agency-list", '{"code": "pmi",')
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert Agency.objects.count() == before


def test_a_field_of_the_wrong_type_is_named(admin_client):
    response = post(
        admin_client, "agency-list", PMI | {"regencies": "81.71", "is_active": "perhaps"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"regencies", "is_active"}
    assert not Agency.objects.filter(code="pmi").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("phnoe", "0911"), ("phone", "call the office")],
    ids=["an unknown field is refused, not ignored", "a phone that is not a number"],
)
def test_a_field_the_agency_cannot_take_is_named_in_a_400(admin_client, field, value):
    response = post(admin_client, "agency-list", PMI | {field: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_station_outside_ambon_island_is_refused(admin_client):
    response = post(
        admin_client,
        "station-list",
        {"name": "Pos Masohi", "kind": "fire_station", "lat": -3.30, "lon": 128.95},
    )
    assert response.status_code == 400
    assert "Ambon" in str(response.json()["errors"])
    assert not Station.objects.filter(name="Pos Masohi").exists()


def test_a_station_on_the_island_gets_its_area(admin_client):
    response = post(
        admin_client,
        "station-list",
        {"name": "Pos Damkar Latuhalat", "kind": "fire_station", "lat": -3.7825, "lon": 128.1003},
    )
    assert response.status_code == 201, response.json()
    station = Station.objects.get(name="Pos Damkar Latuhalat")
    assert station.area.name == "Latuhalat"
    assert station.position_quality == "exact"


def test_locate_answers_for_a_point_and_404s_at_sea(client_for, operator):
    client = client_for(operator)
    found = client.get(reverse("area-locate"), {"lat": -3.708524, "lon": 128.163338}).json()
    assert found["desa"]["name"] == "Benteng"
    assert found["kecamatan"]["name"] == "Nusaniwe"
    assert found["regency"] == {"code": "81.71", "name": "Kota Ambon"}
    assert client.get(reverse("area-locate"), {"lat": -3.9, "lon": 128.2}).status_code == 404
    bad = client.get(reverse("area-locate"), {"lat": "south", "lon": 128.2})
    assert bad.status_code == 400 and "lat" in bad.json()["errors"]


def test_areas_come_as_geojson(client_for, operator):
    collection = client_for(operator).get(reverse("area-list"), {"level": "kecamatan"}).json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 8
    assert collection["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
