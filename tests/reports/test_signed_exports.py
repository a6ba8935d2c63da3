"""Every export is signed with the centre's Ed25519 key (issue #17, item 6).

A verifier holding only the file and the public key proves what it says: `verify_export` and the
README's few lines (Python, and OpenSSL) accept the file as exported and refuse it once a single
byte changed, or when checked with another key. The files still open as before.
"""

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from dispatch.models import ReportAccess
from incidents import signing
from incidents.models import EventChainHead
from reports import signature
from tests.conftest import CI

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
OCTOBER = "start=2026-10-01&end=2026-10-31"
EXPORTS = {
    "summary.csv": "format=csv",
    "calls.csv": "format=csv&part=rows&source=calls",
    "tickets.csv": "format=csv&part=rows&source=tickets",
    "summary.xlsx": "format=xlsx",
    "rows.xlsx": "format=xlsx&part=rows",
    "report.pdf": "format=pdf",
}


def export(client, params: str) -> bytes:
    """An export as a verifier downloads it, in Indonesian (the default language)."""
    response = client.get(f"/api/reports/export/?{OCTOBER}&{params}")
    assert response.status_code == 200, response.content[:300]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def verify(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("verify_export", str(path), *args, stdout=out)
    return out.getvalue()


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        if CI:
            pytest.fail(f"CI=true and {tool} is missing")
        pytest.skip(f"{tool} is not installed")


@pytest.fixture
def verifier_client(october, client_for, verifier):
    return client_for(verifier)


@pytest.fixture
def other_key(tmp_path) -> Path:
    """Someone else's key pair: its public half must not vouch for the centre's files."""
    private = signing.create_key(tmp_path / "other.pem")
    path = tmp_path / "other-public.pem"
    path.write_text(signing.public_pem(private.public_key()))
    return path


@pytest.fixture
def centre_public_key(tmp_path) -> Path:
    path = tmp_path / "centre-public-key.pem"
    path.write_text(signing.public_pem(signing.public_key()))
    return path


@pytest.mark.parametrize("kind", EXPORTS)
def test_every_export_verifies_and_one_changed_byte_fails(verifier_client, tmp_path, kind):
    data = export(verifier_client, EXPORTS[kind])
    path = tmp_path / kind
    path.write_bytes(data)
    head = EventChainHead.objects.get(pk=1)

    said = verify(path)
    assert "VALID: signed with the centre's key" in said
    assert f"Event chain head reported: sequence {head.seq}, hash {head.hash}" in said
    assert "Period: 2026-10-01 – 2026-10-31" in said
    assert "laporan-112-ambon_2026-10-01_2026-10-31" in said
    fingerprint = signing.fingerprint(signing.public_key())
    assert signing.grouped(fingerprint) in said

    # One byte changed in the contents (the middle of the file): the hash no longer matches.
    middle = len(data) // 2
    path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    with pytest.raises(CommandError, match="changed after it was signed"):
        verify(path)

    # The reported chain head rewritten in the signature line: the signature no longer holds.
    line_at = data.rindex(signature.MARKER)
    forged = data[:line_at] + data[line_at:].replace(
        f'"seq":{head.seq}'.encode(), f'"seq":{head.seq + 1}'.encode()
    )
    assert forged != data
    path.write_bytes(forged)
    with pytest.raises(CommandError, match="signature does not verify"):
        verify(path)


def test_a_file_checked_with_another_key_fails(verifier_client, tmp_path, other_key):
    path = tmp_path / "report.csv"
    path.write_bytes(export(verifier_client, "format=csv"))
    assert "VALID" in verify(path)
    with pytest.raises(CommandError, match="NOT VALID: it names the key .* not the one"):
        verify(path, "--public-key", str(other_key))


def test_a_file_signed_with_another_key_fails(verifier_client, tmp_path, settings):
    settings.SIGNING_KEY_PATH = tmp_path / "impostor.pem"
    signing.create_key(settings.SIGNING_KEY_PATH)
    path = tmp_path / "report.pdf"
    path.write_bytes(export(verifier_client, "format=pdf"))
    settings.SIGNING_KEY_PATH = tmp_path / "centre.pem"
    signing.create_key(settings.SIGNING_KEY_PATH)
    with pytest.raises(CommandError, match="signature does not verify"):
        verify(path)


def test_an_unsigned_file_is_not_taken_for_an_export(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\r\n1,2\r\n")
    with pytest.raises(CommandError, match="is not a signed Ambon 112 export"):
        verify(path)


def test_the_signed_files_open_as_before(verifier_client, tmp_path):
    text = export(verifier_client, "format=csv&part=rows&source=calls").decode()
    *lines, last = text.splitlines()
    assert last.startswith("# ambon112-signature {")  # a note line, like the header's
    rows = list(csv.DictReader(line for line in lines if not line.startswith(("#", "\ufeff#"))))
    assert len(rows) == 8

    book = load_workbook(io.BytesIO(export(verifier_client, "format=xlsx&part=rows")))
    assert "Panggilan" in book.sheetnames

    needs("pdftotext")
    path = tmp_path / "report.pdf"
    path.write_bytes(export(verifier_client, "format=pdf"))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    assert "Laporan Waktu Tanggap" in text.decode()


def test_the_pdf_shows_the_keys_fingerprint_and_public_key(verifier_client, tmp_path):
    """Rendered with pdftoppm to test-artifacts/signed-pdf-key-*.png, to be looked at."""
    needs("pdftotext")
    needs("pdftoppm")
    path = tmp_path / "report.pdf"
    path.write_bytes(export(verifier_client, "format=pdf"))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    shown = " ".join(text.stdout.decode().split())
    key = signature.key_facts()
    assert "Tanda tangan berkas ini" in shown
    assert key["fingerprint_grouped"] in shown
    assert "".join(key["public_key"].split()[3:-3]) in shown.replace(" ", "")
    page = next(
        n
        for n, page_text in enumerate(text.stdout.decode().split("\f"), start=1)
        if "Tanda tangan berkas ini" in page_text
    )
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "signed-pdf-key"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile"]
        + [str(path), str(target)],
        check=True,
        timeout=60,
    )
    assert target.with_suffix(".png").stat().st_size > 10_000


def _readme_block(marker: str) -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- {marker} -->\n```\w+\n(.*?)```", readme, re.S)
    assert found, marker
    return found.group(1)


@pytest.mark.parametrize("kind", ["summary.csv", "rows.xlsx", "report.pdf"])
def test_the_readmes_python_lines_verify_without_the_system(
    verifier_client, tmp_path, centre_public_key, other_key, kind
):
    script = tmp_path / "verify.py"
    script.write_text(_readme_block("verify-export-python"))
    path = tmp_path / kind
    data = export(verifier_client, EXPORTS[kind])
    path.write_bytes(data)

    def run(key: Path) -> subprocess.CompletedProcess:
        command = [sys.executable, str(script), str(path), str(key)]
        return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)

    good = run(centre_public_key)
    assert good.returncode == 0, good.stderr
    assert str(EventChainHead.objects.get(pk=1).hash) in good.stdout
    assert run(other_key).returncode != 0
    path.write_bytes(data[:100] + bytes([data[100] ^ 0x20]) + data[101:])
    assert "file changed" in run(centre_public_key).stderr


@pytest.mark.parametrize("kind", ["calls.csv", "summary.xlsx", "report.pdf"])
def test_the_readmes_openssl_lines_verify_without_the_system(
    verifier_client, tmp_path, centre_public_key, kind
):
    needs("openssl")
    data = export(verifier_client, EXPORTS[kind])
    (tmp_path / kind).write_bytes(data)
    script = _readme_block("verify-export-openssl").replace(
        "F=laporan-112-ambon_2026-10-01_2026-10-31.pdf", f"F={kind}"
    )
    result = subprocess.run(
        ["bash", "-e", "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert "Signature Verified Successfully" in result.stdout, result.stderr
    digest = result.stdout.strip().splitlines()[-1].split()[0]
    manifest = (tmp_path / "manifest.json").read_text()
    assert f'"sha256":"{digest}"' in manifest

    fingerprint = subprocess.run(
        "openssl pkey -pubin -in centre-public-key.pem -outform DER | sha256sum",
        shell=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.split()[0]
    assert fingerprint == signing.fingerprint(signing.public_key())


def test_without_the_key_no_export_is_given_out(verifier_client, settings, tmp_path):
    settings.SIGNING_KEY_PATH = tmp_path / "never-made.pem"
    response = verifier_client.get(f"/api/reports/export/?{OCTOBER}&format=csv")
    assert response.status_code == 503
    assert "Kunci tanda tangan pusat belum dibuat" in response.json()["detail"]
    assert "create_signing_key" in response.json()["detail"]
    assert not ReportAccess.objects.filter(action=ReportAccess.Action.EXPORT).exists()


def test_the_integrity_page_and_api_publish_the_public_key(verifier_client):
    key = signature.key_facts()
    page = verifier_client.get("/reports/integrity/")
    html = page.content.decode()
    assert key["fingerprint_grouped"] in html
    assert key["public_key"].splitlines()[1] in html
    assert "Kunci tanda tangan pusat" in html
    body = verifier_client.get(f"/api/reports/integrity/?{OCTOBER}").json()
    assert body["signing_key"]["fingerprint"] == signing.fingerprint(signing.public_key())
    assert body["signing_key"]["public_key"] == key["public_key"]


def test_create_signing_key_makes_a_private_key_once(tmp_path, settings):
    settings.SIGNING_KEY_PATH = tmp_path / "keys" / "signing-key.pem"
    out = io.StringIO()
    call_command("create_signing_key", stdout=out)
    assert settings.SIGNING_KEY_PATH.stat().st_mode & 0o777 == 0o600
    made = settings.SIGNING_KEY_PATH.read_bytes()
    assert "Signing key created" in out.getvalue()
    assert signing.grouped(signing.fingerprint(signing.public_key())) in out.getvalue()
    with pytest.raises(CommandError, match="never replaced"):
        call_command("create_signing_key", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_signing_key", "--if-missing", stdout=out)
    assert "Signing key kept" in out.getvalue()
    assert settings.SIGNING_KEY_PATH.read_bytes() == made


def test_the_test_key_is_not_in_the_repository(settings):
    assert ROOT not in Path(settings.SIGNING_KEY_PATH).resolve().parents


def test_a_space_in_what_is_signed_keeps_the_line_in_four_fields(ambon, tmp_path):
    facts = {"type": signature.TYPE, "v": 1, "file": "laporan bulan ini.csv", "format": "csv"}
    signed = signature.Signer().sign_file(b"a,b\r\n1,2\r\n", facts)
    assert len(signed.splitlines()[-1].split(b" ")) == 4
    verdict = signature.verify(signed, signing.public_key())
    assert verdict.valid and verdict.manifest["file"] == "laporan bulan ini.csv"
