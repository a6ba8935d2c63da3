"""Public warnings as OASIS CAP 1.2 messages, checked against the official schema before they
are published (hazards/standards/cap-1.2.xsd; see its SOURCES.md).

CAP times carry an offset (the schema's pattern refuses "Z"): they are written in WIT, +09:00.
An area is the polygons of the kecamatan / desa named (one <polygon> per outer ring, with the
area's Kemendagri code as a <geocode>) and/or a circle.
"""

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import shapely
from django.conf import settings
from lxml import etree
from shapely.geometry import shape

from agencies.models import Area
from hazards.models import PublicWarning

NS = "urn:oasis:names:tc:emergency:cap:1.2"
XSD = Path(__file__).resolve().parent / "standards" / "cap-1.2.xsd"
WIT = ZoneInfo("Asia/Jayapura")
# Tolerance when simplifying an area's outline for the message: ~20 m, far below what a warning
# area needs, and it keeps each <polygon> to a few hundred points.
SIMPLIFY_DEG = 0.0002


class InvalidCap(Exception):
    """The message does not validate against the CAP 1.2 schema (a bug: nothing is published)."""


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def validate(xml: bytes) -> None:
    document = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if not schema().validate(document):
        raise InvalidCap(str(schema().error_log.last_error))


def cap_time(moment) -> str:
    return moment.astimezone(WIT).replace(microsecond=0).isoformat()


def reference(warning: PublicWarning) -> str:
    """CAP's "sender,identifier,sent" of a published message."""
    return f"{settings.CAP_SENDER},{warning.identifier},{cap_time(warning.sent_at)}"


def references_of(warning: PublicWarning) -> list[str]:
    """Every message a follow-up refers to: the one it updates or cancels, and that one's own."""
    chain, original = [], warning.references
    while original is not None:
        chain.insert(0, reference(original))
        original = original.references
    return chain


def build(warning: PublicWarning, *, sent_at, web: str) -> bytes:
    """The CAP 1.2 message of a warning being published at `sent_at`, validated."""
    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _add(alert, "identifier", warning.identifier)
    _add(alert, "sender", settings.CAP_SENDER)
    _add(alert, "sent", cap_time(sent_at))
    _add(alert, "status", settings.CAP_STATUS)
    _add(alert, "msgType", warning.msg_type)
    _add(alert, "scope", "Public")
    references = references_of(warning)
    if references:
        _add(alert, "references", " ".join(references))
    languages = [("id-ID", warning.headline_id, warning.instruction_id)]
    if warning.headline_en:
        languages.append(("en-US", warning.headline_en, warning.instruction_en))
    for language, headline, instruction in languages:
        info = _add(alert, "info")
        _add(info, "language", language)
        _add(info, "category", warning.category)
        _add(info, "event", warning.event)
        _add(info, "urgency", warning.urgency)
        _add(info, "severity", warning.severity)
        _add(info, "certainty", warning.certainty)
        _add(info, "onset", cap_time(warning.onset))
        _add(info, "expires", cap_time(warning.expires))
        _add(info, "senderName", settings.CAP_SENDER_NAME)
        _add(info, "headline", headline)
        if instruction:
            _add(info, "instruction", instruction)
        _add(info, "web", web)
        _area(_add(info, "area"), warning)
    xml = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml)
    return xml


def _add(parent, name: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    element.text = text
    return element


def _area(area, warning: PublicWarning) -> None:
    _add(area, "areaDesc", warning.area_desc)
    areas = list(Area.objects.filter(code__in=warning.area_codes).order_by("code"))
    for item in areas:
        for ring in _outer_rings(shape(item.geometry)):
            _add(area, "polygon", " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in ring))
    if warning.circle:
        circle = warning.circle
        _add(area, "circle", f"{circle['lat']:.5f},{circle['lon']:.5f} {circle['radius_km']:g}")
    for item in areas:
        geocode = _add(area, "geocode")
        _add(geocode, "valueName", "KODE_WILAYAH_KEMENDAGRI")
        _add(geocode, "value", item.code)


def _outer_rings(geometry) -> list[list[tuple[float, float]]]:
    simple = shapely.simplify(geometry, SIMPLIFY_DEG, preserve_topology=True)
    polygons = list(simple.geoms) if hasattr(simple, "geoms") else [simple]
    return [list(p.exterior.coords) for p in polygons if len(p.exterior.coords) >= 4]
