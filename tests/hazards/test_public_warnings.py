"""Public warnings as CAP 1.2: drafted, approved by a second person, published valid against
the official schema; updates and cancellations reference the original; the Atom feed and each
alert's XML are public. Every message is validated against OASIS's CAP 1.2 XSD, the copy in
hazards/standards (its SOURCES.md says where it comes from and why it may be copied)."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from lxml import etree

from core.errors import Conflict, Forbidden, Invalid
from hazards.models import PublicWarning
from hazards.services.warnings import approve_warning, draft_warning, follow_up
from incidents.models import Event
from tests.hazards.conftest import SALAHUTU_DESA, tsunami_fields

pytestmark = pytest.mark.django_db

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SHIPPED_XSD = Path(settings.BASE_DIR) / "hazards" / "standards" / "cap-1.2.xsd"
# The published file's SHA-256, as hazards/standards/SOURCES.md states it.
OFFICIAL_XSD_SHA256 = "dd73a2e1f76efa451814b02b127bbf4c86cedc7bb21a77204231c38c84d8fd36"


def official_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SHIPPED_XSD)))


def assert_valid_cap(xml: str) -> etree._Element:
    document = etree.fromstring(xml.encode())
    schema = official_schema()
    assert schema.validate(document), schema.error_log
    return document


def test_the_shipped_schema_is_the_official_one():
    assert hashlib.sha256(SHIPPED_XSD.read_bytes()).hexdigest() == OFFICIAL_XSD_SHA256
    assert OFFICIAL_XSD_SHA256 in (SHIPPED_XSD.parent / "SOURCES.md").read_text(encoding="utf-8")


def test_a_second_supervisor_publishes_a_valid_cap_message(supervisor, second_supervisor):
    draft = draft_warning(by=supervisor, **tsunami_fields())
    assert draft.status == "draft" and draft.xml == ""

    published = approve_warning(warning=draft, by=second_supervisor)

    document = assert_valid_cap(published.xml)
    assert document.findtext("cap:identifier", namespaces=NS) == published.identifier
    assert document.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert document.findtext("cap:sent", namespaces=NS).endswith("+09:00")
    infos = document.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["id-ID", "en-US"]
    area = infos[0].find("cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == (
        "Liang, Waai, Tulehu, Tial, Tengah Tengah, Suli"
    )
    assert len(area.findall("cap:polygon", NS)) >= 6
    codes = [g.findtext("cap:value", namespaces=NS) for g in area.findall("cap:geocode", NS)]
    assert codes == SALAHUTU_DESA
    assert list(
        Event.objects.filter(kind__startswith="warning.").values_list("kind", flat=True)
    ) == [
        "warning.drafted",
        "warning.published",
    ]


def test_a_circle_area_alone_is_valid(supervisor, second_supervisor):
    circle = {"lat": -3.38, "lon": 128.43, "radius_km": 50}
    draft = draft_warning(
        by=supervisor,
        **tsunami_fields(area_codes=[], circle=circle, headline_en="", instruction_en=""),
    )

    document = assert_valid_cap(approve_warning(warning=draft, by=second_supervisor).xml)

    assert (
        document.findtext("cap:info/cap:area/cap:circle", namespaces=NS) == "-3.38000,128.43000 50"
    )


def test_the_author_cannot_approve_their_own_warning(supervisor):
    draft = draft_warning(by=supervisor, **tsunami_fields())

    with pytest.raises(Forbidden):
        approve_warning(warning=draft, by=supervisor)

    draft.refresh_from_db()
    assert draft.status == "draft" and draft.xml == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"area_codes": []}, "area_codes"),
        ({"area_codes": ["99.99"]}, "area_codes"),
        ({"expires": timezone.now() - timedelta(hours=1)}, "expires"),
    ],
)
def test_a_warning_without_area_or_ending_before_it_starts_is_refused(supervisor, changes, field):
    with pytest.raises(Invalid) as refused:
        draft_warning(by=supervisor, **tsunami_fields(**changes))

    assert field in refused.value.errors
    assert not PublicWarning.objects.exists()


def test_updates_and_cancellations_reference_the_original(supervisor, second_supervisor):
    original = approve_warning(
        warning=draft_warning(by=supervisor, **tsunami_fields()), by=second_supervisor
    )
    update = follow_up(
        original=original,
        by=supervisor,
        msg_type="Update",
        headline_id="Potensi tsunami berakhir di Tulehu; tetap waspada",
    )
    update = approve_warning(warning=update, by=second_supervisor)
    cancel = approve_warning(
        warning=follow_up(original=update, by=second_supervisor, msg_type="Cancel"), by=supervisor
    )

    first_ref = f"{settings.CAP_SENDER},{original.identifier},"
    update_doc = assert_valid_cap(update.xml)
    assert update_doc.findtext("cap:msgType", namespaces=NS) == "Update"
    assert update_doc.findtext("cap:references", namespaces=NS).startswith(first_ref)
    cancel_doc = assert_valid_cap(cancel.xml)
    assert cancel_doc.findtext("cap:msgType", namespaces=NS) == "Cancel"
    references = cancel_doc.findtext("cap:references", namespaces=NS).split(" ")
    assert [r.split(",")[1] for r in references] == [original.identifier, update.identifier]
    with pytest.raises(Conflict):
        follow_up(original=update, by=supervisor, msg_type="Update")


def test_the_public_feed_and_each_message_need_no_account(client, supervisor, second_supervisor):
    published = approve_warning(
        warning=draft_warning(by=supervisor, **tsunami_fields()), by=second_supervisor
    )
    draft_warning(by=supervisor, **tsunami_fields(headline_id="Belum disetujui"))

    feed = client.get("/cap/feed.atom")
    alert = client.get(f"/cap/alerts/{published.identifier}.xml")

    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    atom = etree.fromstring(feed.content)
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
    assert "Waspada potensi tsunami" in entries[0].findtext("{http://www.w3.org/2005/Atom}title")
    assert alert.status_code == 200 and alert["Content-Type"].startswith("application/cap+xml")
    assert_valid_cap(alert.content.decode())
    assert client.get("/cap/alerts/nope.xml").status_code == 404
