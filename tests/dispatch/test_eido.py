"""An incident handed over as a NENA EIDO: valid against NENA's published schema, carrying what we
recorded and nothing we did not.

The schema and the sample are NENA's, from the NENA911/EIDO-JSON repository on GitHub
(`Schema/openapi.yaml`, `Samples/Sample call transfer EIDO.json`). That repository gives no
licence, so they are not copied into ours: the tests read them from EIDO_SCHEMA_DIR (default
../shared/standards, beside this clone, as CI has it) under the names `eido-openapi.yaml` and
`eido-sample-call-transfer.json`. Without them the tests skip, except under CI=true where they fail.
"""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.urls import reverse
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT7

from agencies.models import Agency, Area, Unit
from dispatch.eido import incident_document
from dispatch.models import Assignment, Ticket
from incidents.models import Call, Caller, Incident, IncidentNote, IncidentType
from tests.conftest import CI

STANDARDS = Path(
    os.environ.get("EIDO_SCHEMA_DIR") or Path(settings.BASE_DIR).parent / "shared" / "standards"
)
WHERE = "NENA911/EIDO-JSON on GitHub (Schema/openapi.yaml, Samples/Sample call transfer EIDO.json)"
BASE = "urn:test:eido-openapi"  # where the loaded OpenAPI document sits for $ref resolution
T0 = datetime(2025, 9, 8, 1, 0, tzinfo=UTC)  # 10:00 WIT

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    """ISO 8601 with an offset (jsonschema checks date-time only with an optional package)."""
    return not isinstance(value, str) or datetime.fromisoformat(value).utcoffset() is not None


@FORMATS.checks("uri")
def _uri(value) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


def at(minutes: int, seconds: int = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def nena_file(name: str) -> Path:
    """One of NENA's files, or a skip saying where to get it (a failure under CI=true)."""
    path = STANDARDS / name
    if not path.exists():
        if CI:
            pytest.fail(f"CI=true and NENA's {path} is missing; it is from {WHERE}", pytrace=False)
        pytest.skip(f"needs {path}: get it from {WHERE}, or set EIDO_SCHEMA_DIR")
    return path


@pytest.fixture(scope="module")
def openapi() -> dict:
    path = nena_file("eido-openapi.yaml")
    # NENA's file has "minItems: 1," (AgentType), which strict YAML reads as a string.
    return yaml.safe_load(path.read_text(encoding="utf-8").replace("minItems: 1,", "minItems: 1"))


@pytest.fixture(scope="module")
def validator(openapi) -> Draft7Validator:
    registry = Registry().with_resource(BASE, DRAFT7.create_resource(openapi))
    schema = {"$ref": f"{BASE}#/components/schemas/EmergencyIncidentDataObjectType"}
    return Draft7Validator(schema, registry=registry, format_checker=FORMATS)


def assert_valid_eido(doc: dict, validator: Draft7Validator, openapi: dict) -> None:
    """Valid, every field one the schema defines, and every reference pointing inside the doc."""
    assert [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)] == []
    schemas = openapi["components"]["schemas"]
    root = schemas["EmergencyIncidentDataObjectType"]
    assert undefined_fields(doc, root, schemas) == []
    ids, refs = set(), set()
    collect_ids_and_refs(doc, ids, refs)
    assert refs <= ids, f"references to nothing: {sorted(refs - ids)}"


def undefined_fields(instance, schema: dict, schemas: dict, path: str = "$") -> list[str]:
    """Fields the schema does not define: jsonschema lets them through (the schema never closes
    its objects), and a partner would not read them. A misspelt field name lands here."""
    schema = resolve(schema, schemas)
    if isinstance(instance, list):
        item = schema.get("items", {})
        return [
            field
            for i, value in enumerate(instance)
            for field in undefined_fields(value, item, schemas, f"{path}[{i}]")
        ]
    if not isinstance(instance, dict):
        return []
    properties = all_properties(schema, schemas)
    found = []
    for key, value in instance.items():
        if key not in properties:
            found.append(f"{path}.{key}")
        else:
            found += undefined_fields(value, properties[key], schemas, f"{path}.{key}")
    return found


def resolve(schema: dict, schemas: dict) -> dict:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def all_properties(schema: dict, schemas: dict) -> dict:
    schema = resolve(schema, schemas)
    properties = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        properties |= all_properties(part, schemas)
    return properties


def collect_ids_and_refs(node, ids: set, refs: set) -> None:
    if isinstance(node, list):
        for item in node:
            collect_ids_and_refs(item, ids, refs)
    elif isinstance(node, dict):
        if "$id" in node:
            ids.add(node["$id"])
        if set(node) == {"$ref"}:
            refs.add(node["$ref"])
        for key, value in node.items():
            if key != "@context":
                collect_ids_and_refs(value, ids, refs)


def by_id(components: list[dict], component_id: str) -> dict:
    return next(c for c in components if c["$id"] == component_id)


def note_text(doc: dict, references: list[dict]) -> str:
    texts = {n["$id"]: n["notesActionComments"] for n in doc["notesComponent"]}
    return "\n".join(texts[ref["$ref"]] for ref in references)


@pytest.fixture
def house_fire(operator, damkar) -> Incident:
    """A house fire in Batu Merah: one call, Damkar's ticket accepted, DAMKAR-01 on scene."""
    kind = IncidentType.objects.get(code="kebakaran.rumah")
    desa = Area.objects.get(code="81.71.02.2003")
    incident = Incident.objects.create(
        incident_type=kind,
        category=kind.category,
        priority=1,
        status=Incident.Status.ON_SCENE,
        lat=-3.6824,
        lon=128.2155,
        address="Jl. Jenderal Sudirman <dekat masjid>",
        area=desa,
        kecamatan=desa.parent,
        location_approximate=True,
        description="Rumah terbakar, dua orang masih di dalam",
        created_at=at(1, 40),
        created_by=operator,
    )
    Call.objects.create(
        call_id="pbx-0001",
        caller=Caller.objects.create(number="+6281234567890"),
        status=Call.Status.ENDED,
        ringing_at=at(0),
        answered_at=at(0, 8),
        ended_at=at(3),
        taken_by=operator,
        disposition=Call.Disposition.EMERGENCY,
        incident=incident,
    )
    ticket = Ticket.objects.create(
        incident=incident,
        agency=Agency.objects.get(code="damkar"),
        role=Ticket.Role.PRIMARY,
        status=Ticket.Status.ACCEPTED,
        notified_at=at(2),
        notified_by=operator,
        accepted_at=at(2, 30),
        accepted_by=damkar,
    )
    Assignment.objects.create(
        incident=incident,
        ticket=ticket,
        unit=Unit.objects.get(call_sign="DAMKAR-01"),
        status=Assignment.Status.ON_SCENE,
        dispatched_at=at(3),
        dispatched_by=damkar,
        en_route_at=at(3, 50),
        on_scene_at=at(11),
    )
    IncidentNote.objects.create(
        incident=incident, text="Api menjalar ke rumah sebelah", author=damkar
    )
    return incident


def test_a_house_fire_is_a_valid_eido_with_its_call_agency_unit_and_place(
    house_fire, validator, openapi, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        doc = incident_document(house_fire)

    assert_valid_eido(doc, validator, openapi)
    assert doc["$id"] == f"urn:ambon112:incident:{house_fire.pk}"

    incident = doc["incidentComponent"]
    assert incident["incidentTypeCommonRegistryText"] == "FSTRU"  # APCO: structure fire
    assert incident["incidentTypeInternalCode"] == "kebakaran.rumah"
    assert incident["incidentStatusCommonRegistryText"] == ["Active"]
    assert incident["incidentStatusInternalText"] == ["on_scene"]
    assert incident["incidentPriorityInternalText"] == "1"
    times = note_text(doc, incident["notesReference"])
    assert "created 2025-09-08T10:01:40+09:00" in times
    assert "Rumah terbakar, dua orang masih di dalam" in times
    assert "Api menjalar ke rumah sebelah" in times

    [call] = doc["callComponent"]
    assert call["$id"] == "urn:ambon112:call:pbx-0001"
    assert call["callStartTimestamp"] == "2025-09-08T10:00:00+09:00"  # T0
    assert call["answerDate"] == "2025-09-08T10:00:08+09:00"  # T1
    assert call["callStateRegistryText"] == "callEnd"
    callback = by_id(doc["callbackComponent"], call["callBackReference"]["$ref"])
    assert callback["callBackInformationUri"] == ["tel:+6281234567890"]

    [location] = doc["locationComponent"]
    assert incident["locationReference"] == [{"$ref": location["$id"]}]
    assert "<gml:pos>-3.682400 128.215500</gml:pos>" in location["locationByValue"]
    assert "<ca:A4>Batu Merah</ca:A4>" in location["locationByValue"]
    assert "<ca:A3>Sirimau</ca:A3>" in location["locationByValue"]
    assert "Sudirman &lt;dekat masjid&gt;" in location["locationByValue"]
    assert location["locationDescriptionText"].startswith("Approximate")

    centre, fire_service = doc["agencyComponent"]
    assert centre["incidentOwningAgencyIndicator"] is True
    assert fire_service["$id"] == "urn:ambon112:agency:damkar"
    assert fire_service["agencyType"] == ["fire"]
    assert "Dinas Pemadam Kebakaran dan Penyelamatan Kota Ambon" in fire_service["agencyJcard"]

    [dispatch] = doc["dispatchComponent"]
    assert dispatch["agencyReference"] == {"$ref": "urn:ambon112:agency:damkar"}
    ticket = note_text(doc, dispatch["notesReference"])
    assert "accepted" in ticket and "accepted 2025-09-08T10:02:30+09:00" in ticket

    [unit] = doc["emergencyResourceComponent"]
    assert dispatch["emergencyResourceReference"] == [{"$ref": unit["$id"]}]
    assert unit["emergencyResourceName"] == "DAMKAR-01"
    assert unit["primaryUnitStatusRegistryText"] == "OnScene"
    assert unit["unitStatusInternal"] == ["on_scene"]
    assert unit["updatedByAgencyReference"] == {"$ref": "urn:ambon112:agency:damkar"}
    steps = note_text(doc, unit["notesReference"])
    assert "en route 2025-09-08T10:03:50+09:00" in steps
    assert "on scene 2025-09-08T10:11:00+09:00" in steps

    assert not validator.is_valid({**doc, "eidoVersion": "2.0"})  # the check is not vacuous


def test_an_incident_with_no_place_and_no_units_is_still_a_valid_eido(operator, validator, openapi):
    kind = IncidentType.objects.get(code="medis.gawat_darurat")
    incident = Incident.objects.create(
        incident_type=kind,
        category=kind.category,
        priority=kind.default_priority,
        created_at=at(1),
        created_by=operator,
    )
    Call.objects.create(call_id="walk-in 7", channel=Call.Channel.WALK_IN, incident=incident)

    doc = incident_document(incident)

    assert_valid_eido(doc, validator, openapi)
    assert "locationComponent" not in doc and "locationReference" not in doc["incidentComponent"]
    assert "emergencyResourceComponent" not in doc and "dispatchComponent" not in doc
    assert [a["$id"] for a in doc["agencyComponent"]] == ["urn:ambon112:agency:112"]
    [call] = doc["callComponent"]
    assert call["$id"] == "urn:ambon112:call:walk-in%207"
    assert "answerDate" not in call and "callBackReference" not in call


def test_nenas_own_sample_passes_the_same_checks(validator, openapi):
    """The checks above accept what NENA publishes, so a failure there is ours."""
    sample = nena_file("eido-sample-call-transfer.json")
    assert_valid_eido(json.loads(sample.read_text(encoding="utf-8")), validator, openapi)


# --- Whose copy -----------------------------------------------------------------------------------


@pytest.fixture
def declined_by_dinkes(house_fire, operator, dinkes) -> Ticket:
    """PSC 119 was asked too and declined, giving its reason."""
    psc_119 = Agency.objects.get(code="dinkes")
    house_fire.agencies.add(Agency.objects.get(code="damkar"), psc_119)  # as forwarding does
    return Ticket.objects.create(
        incident=house_fire,
        agency=psc_119,
        role=Ticket.Role.SUPPORT,
        status=Ticket.Status.DECLINED,
        notified_at=at(2),
        notified_by=operator,
        declined_at=at(4),
        declined_by=dinkes,
        decline_reason="Semua ambulans sedang bertugas",
    )


def test_a_desks_eido_holds_its_own_agency_only(
    house_fire, declined_by_dinkes, client_for, damkar, validator, openapi
):
    """What the Damkar desk's console shows: the incident, its place and notes, Damkar's ticket
    and engine; not PSC 119's ticket nor its reason, nor the calls and the caller's number."""
    response = client_for(damkar).get(
        reverse("incident-dispatch-eido-document", args=[house_fire.pk])
    )

    assert response.status_code == 200
    doc = response.json()
    assert_valid_eido(doc, validator, openapi)
    assert [a["$id"] for a in doc["agencyComponent"]] == [
        "urn:ambon112:agency:112",
        "urn:ambon112:agency:damkar",
    ]
    [dispatch] = doc["dispatchComponent"]
    assert dispatch["agencyReference"] == {"$ref": "urn:ambon112:agency:damkar"}
    assert [u["emergencyResourceName"] for u in doc["emergencyResourceComponent"]] == ["DAMKAR-01"]
    assert "callComponent" not in doc and "callbackComponent" not in doc
    text = json.dumps(doc, ensure_ascii=False)
    for absent in ["dinkes", "PSC", "Semua ambulans sedang bertugas", "+6281234567890"]:
        assert absent not in text
    notes = note_text(doc, doc["incidentComponent"]["notesReference"])
    assert "Rumah terbakar, dua orang masih di dalam" in notes
    assert "Api menjalar ke rumah sebelah" in notes
    # Dated by what the desk may see: Damkar's times, not PSC 119's later decline.
    assert doc["agencyComponent"][1]["lastUpdateTimeStamp"] == "2025-09-08T10:02:30+09:00"


def test_the_declining_desks_eido_holds_its_own_ticket_and_reason(
    house_fire, declined_by_dinkes, client_for, dinkes, validator, openapi
):
    response = client_for(dinkes).get(
        reverse("incident-dispatch-eido-document", args=[house_fire.pk])
    )

    doc = response.json()
    assert_valid_eido(doc, validator, openapi)
    [dispatch] = doc["dispatchComponent"]
    assert dispatch["agencyReference"] == {"$ref": "urn:ambon112:agency:dinkes"}
    assert "Declined because: Semua ambulans sedang bertugas" in note_text(
        doc, dispatch["notesReference"]
    )
    assert "emergencyResourceComponent" not in doc
    assert "damkar" not in json.dumps(doc) and "DAMKAR-01" not in json.dumps(doc)


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "operator"])
def test_the_operations_room_gets_the_whole_eido(
    request, house_fire, declined_by_dinkes, client_for, who, validator, openapi
):
    user = request.getfixturevalue(who)
    doc = (
        client_for(user)
        .get(reverse("incident-dispatch-eido-document", args=[house_fire.pk]))
        .json()
    )

    assert_valid_eido(doc, validator, openapi)
    assert [a["$id"] for a in doc["agencyComponent"]] == [
        "urn:ambon112:agency:112",
        "urn:ambon112:agency:damkar",
        "urn:ambon112:agency:dinkes",
    ]
    assert len(doc["dispatchComponent"]) == 2 and len(doc["callComponent"]) == 1
    assert "Semua ambulans sedang bertugas" in json.dumps(doc, ensure_ascii=False)
    [callback] = doc["callbackComponent"]
    assert callback["callBackInformationUri"] == ["tel:+6281234567890"]


def test_a_desk_the_incident_was_not_forwarded_to_gets_no_eido(house_fire, client_for, desk):
    response = client_for(desk("polresta")).get(
        reverse("incident-dispatch-eido-document", args=[house_fire.pk])
    )
    assert response.status_code == 404
