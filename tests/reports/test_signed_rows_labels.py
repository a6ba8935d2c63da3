"""Readable exports (issue #17, item 8): each coded value of the rows is followed by its label in
the export's language, as the report page shows it (`phone` | Telepon), and the code stays for
whoever recomputes a figure from the file."""

import csv
import io

from openpyxl import load_workbook

from agencies.models import Agency

OCTOBER = "start=2026-10-01&end=2026-10-31"


def download(client, params: str) -> bytes:
    response = client.get(f"/api/reports/export/?{OCTOBER}&{params}")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def rows_of(data: bytes) -> list[dict]:
    lines = [line for line in data.decode("utf-8-sig").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_the_calls_csv_gives_the_label_next_to_each_code(october, client_for, verifier):
    rows = rows_of(download(client_for(verifier), "format=csv&part=rows&source=calls"))
    headings = list(rows[0])
    channel = headings.index("Saluran")
    assert headings[channel + 1] == "Saluran (keterangan)"
    assert headings[headings.index("Disposisi") + 1] == "Disposisi (keterangan)"
    phone = [row for row in rows if row["Saluran"] == "phone"]
    assert phone and {row["Saluran (keterangan)"] for row in phone} == {"Telepon"}
    for row in rows:
        if row["Disposisi"] == "emergency":
            assert row["Disposisi (keterangan)"] == "Darurat"


def test_tickets_name_their_agency_and_status(october, client_for, verifier):
    rows = rows_of(download(client_for(verifier), "format=csv&part=rows&source=tickets"))
    short = dict(Agency.objects.values_list("code", "short_name"))
    assert rows
    for row in rows:
        assert row["Instansi (keterangan)"] == short[row["Instansi"]]
        assert row["Status (keterangan)"] and row["Status (keterangan)"] != row["Status"]


def test_the_workbooks_rows_carry_the_labels_too(october, client_for, verifier):
    book = load_workbook(io.BytesIO(download(client_for(verifier), "format=xlsx&part=rows")))
    sheet = book["Panggilan"]
    values = list(sheet.iter_rows(values_only=True))
    headings = list(values[0])
    channel = headings.index("Saluran")
    assert headings[channel + 1] == "Saluran (keterangan)"
    pairs = {(row[channel], row[channel + 1]) for row in values[1:]}
    assert ("phone", "Telepon") in pairs


def test_english_exports_give_english_labels(october, client_for, verifier):
    client = client_for(verifier)
    client.cookies["django_language"] = "en"
    rows = rows_of(download(client, "format=csv&part=rows&source=calls"))
    assert {row["Channel (label)"] for row in rows if row["Channel"] == "phone"} == {"Telephone"}
