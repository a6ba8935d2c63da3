"""BMKG feeds served by a real HTTP server on localhost, in BMKG's own formats (the fields of
infoBMKG/data-gempabumi), so the reader's real client and parser are what the tests run; and
the public warning the warning tests draft, with the second supervisor who approves it."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone, translation

from agencies.models import User
from tests.conftest import PASSWORD

SALAHUTU_DESA = [f"81.01.14.200{n}" for n in range(1, 7)]

# The 26 September 2019 Ambon earthquake as BMKG's autogempa would list it: 08:46:44 WIT is
# 06:46:44 WIB (BMKG writes WIB), 23:46:44 UTC the day before; 3.38 LS 128.43 BT, 10 km deep,
# "40 km TimurLaut AMBON-MALUKU" (agencies/data/ambon/history.md; BMKG first said M6.8, then 6.5).
AMBON_2019 = {
    "Tanggal": "26 Sep 2019",
    "Jam": "06:46:44 WIB",
    "DateTime": "2019-09-25T23:46:44+00:00",
    "Coordinates": "-3.38,128.43",
    "Lintang": "3.38 LS",
    "Bujur": "128.43 BT",
    "Magnitude": "6.5",
    "Kedalaman": "10 km",
    "Wilayah": "40 km TimurLaut AMBON-MALUKU",
    "Potensi": "Tidak berpotensi tsunami",
    "Dirasakan": "VI-VII Ambon, V Masohi, IV Kairatu",
    "Shakemap": "20190926064644.mmi.jpg",
}
# A distant quake of the M5+ list (Aceh): no business of Ambon's.
ACEH = {
    "Tanggal": "17 Sep 2023",
    "Jam": "07:44:20 WIB",
    "DateTime": "2023-09-17T00:44:20+00:00",
    "Coordinates": "3.34,97.90",
    "Lintang": "3.34 LU",
    "Bujur": "97.90 BT",
    "Magnitude": "5.2",
    "Kedalaman": "5 km",
    "Wilayah": "18 km Tenggara KUTACANE-ACEH",
    "Potensi": "Tidak berpotensi tsunami",
}


def as_json(*quakes: dict) -> bytes:
    gempa = quakes[0] if len(quakes) == 1 else list(quakes)
    return json.dumps({"Infogempa": {"gempa": gempa}}).encode()


def as_xml(*quakes: dict) -> bytes:
    parts = []
    for quake in quakes:
        fields = "".join(f"<{k}>{v}</{k}>" for k, v in quake.items() if k != "Coordinates")
        point = f"<point><coordinates>{quake['Coordinates']}</coordinates></point>"
        parts.append(f"<gempa>{fields}{point}</gempa>")
    return f'<?xml version="1.0" encoding="UTF-8"?><Infogempa>{"".join(parts)}</Infogempa>'.encode()


class FeedServer:
    """Serves `routes[path] = (status, body)`; what is not there is a 404."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes]] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def serve(self, path: str, body: bytes, status: int = 200) -> str:
        self.routes[path] = (status, body)
        return self.url(path)


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.server.shutdown()


@pytest.fixture
def indonesian():
    with translation.override("id"):
        yield


@pytest.fixture
def second_supervisor(ambon):
    return User.objects.create_user(
        username="supervisor2", password=PASSWORD, role="supervisor", first_name="Kedua"
    )


def tsunami_fields(**changes):
    """A tsunami warning for the Salahutu coast, starting now, as a supervisor drafts it."""
    now = timezone.now()
    return {
        "category": "Geo",
        "event": "Potensi tsunami",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Possible",
        "headline_id": "Waspada potensi tsunami di pesisir Salahutu",
        "instruction_id": "Segera menjauhi pantai dan menuju tempat tinggi.",
        "headline_en": "Possible tsunami on the Salahutu coast",
        "instruction_en": "Leave the shore now and go to high ground.",
        "area_codes": SALAHUTU_DESA,
        "onset": now,
        "expires": now + timedelta(hours=3),
        **changes,
    }
