"""The hazards API: who may do what, the exact answers, and bad input refused in Indonesian
with nothing stored or published."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hazards.models import MajorIncident, PublicWarning
from incidents.services.calls import receive_call_event
from tests.hazards.conftest import tsunami_fields

pytestmark = pytest.mark.django_db


def test_declaring_attaching_and_the_banner_counts(client_for, supervisor, operator):
    declared = client_for(supervisor).post(
        "/api/hazards/major-incidents/",
        {"title": "Gempa Salahutu", "kind": "gempa", "area_codes": ["81.01.14"]},
        content_type="application/json",
    )
    assert declared.status_code == 201, declared.json()
    major = declared.json()
    assert (major["active"], major["calls"], major["incidents"]) == (True, 0, 0)
    call, _changed = receive_call_event(
        call_id="api-1", event="ringing", number="+6281200009901", adapter="pbx"
    )

    attached = client_for(operator).post(
        f"/api/hazards/major-incidents/{major['id']}/attach-call/",
        {"call": call.pk},
        content_type="application/json",
    )
    again = client_for(operator).post(
        f"/api/hazards/major-incidents/{major['id']}/attach-call/",
        {"call": call.pk},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="id",
    )
    situation = client_for(operator).get("/api/hazards/situation/", HTTP_ACCEPT_LANGUAGE="id")

    assert attached.status_code == 201 and attached.json()["calls"] == 1
    assert again.status_code == 409
    assert again.json() == {"detail": "Panggilan ini sudah ditautkan ke bencana besar."}
    assert situation.json()["major_incident"]["banner"] == (
        "Bencana besar: Gempa Salahutu — panggilan: 1, insiden: 0"
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"title": "x", "kind": "gempa"},
            "area_codes",
            "Pilih wilayahnya: kecamatan, desa, atau poligon.",
        ),
        (
            {"title": "x", "kind": "gempa", "area_codes": ["99"]},
            "area_codes",
            "Kode wilayah tidak dikenal: 99.",
        ),
        (
            {
                "title": "x",
                "kind": "gempa",
                "polygon": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [0, 1], [1, 0], [0, 0]]],
                },
            },
            "polygon",
            "Poligon tidak sah: Self-intersection[0.5 0.5].",
        ),
    ],
)
def test_a_major_incident_needs_a_real_area(client_for, supervisor, body, field, message):
    response = client_for(supervisor).post(
        "/api/hazards/major-incidents/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="id",
    )

    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert not MajorIncident.objects.exists()


def test_a_call_taker_cannot_declare(client_for, operator):
    response = client_for(operator).post(
        "/api/hazards/major-incidents/",
        {"title": "x", "kind": "gempa", "area_codes": ["81.01.14"]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Hanya supervisor yang boleh menyatakan bencana besar."}


def test_a_warning_goes_public_only_after_a_second_supervisor(
    client_for, supervisor, second_supervisor, client
):
    draft = (
        client_for(supervisor)
        .post("/api/hazards/warnings/", tsunami_fields(), content_type="application/json")
        .json()
    )
    assert draft["status"] == "draft" and draft["xml_url"] is None

    own = client_for(supervisor).post(
        f"/api/hazards/warnings/{draft['id']}/approve/", HTTP_ACCEPT_LANGUAGE="id"
    )
    assert own.status_code == 403
    assert own.json() == {
        "detail": "Peringatan harus disetujui orang kedua, bukan oleh penyusunnya."
    }
    assert client.get("/cap/feed.atom").content.count(b"<entry>") == 0

    approved = client_for(second_supervisor).post(f"/api/hazards/warnings/{draft['id']}/approve/")

    assert approved.status_code == 200
    body = approved.json()
    assert body["status"] == "published" and body["approved_by"] == "supervisor2"
    assert body["xml_url"] == f"/cap/alerts/{draft['identifier']}.xml"
    client.logout()
    assert client.get(body["xml_url"]).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"area_codes": []},
            "area_codes",
            "Pilih wilayahnya: kelurahan/desa, kecamatan, atau lingkaran.",
        ),
        (
            {"expires": (timezone.now() - timedelta(days=1)).isoformat()},
            "expires",
            "Peringatan harus berakhir setelah waktu mulainya.",
        ),
    ],
)
def test_a_bad_warning_is_refused_in_indonesian(client_for, supervisor, changes, field, message):
    response = client_for(supervisor).post(
        "/api/hazards/warnings/",
        tsunami_fields(**changes),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="id",
    )

    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert not PublicWarning.objects.exists()


def test_verifiers_and_desks_see_no_hazard_api(client_for, verifier, damkar):
    assert client_for(verifier).get("/api/hazards/warnings/").status_code == 403
    assert client_for(damkar).get("/api/hazards/situation/").status_code == 403


def test_the_hazard_desk_page_is_in_indonesian(client_for, supervisor):
    page = client_for(supervisor).get("/console/hazards/", HTTP_ACCEPT_LANGUAGE="id")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Nyatakan bencana besar" in text and "Peringatan publik (CAP)" in text
