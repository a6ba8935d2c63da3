"""Every export signed with the centre's key, in the file itself: one last line, any format.

A signed export is the exported bytes followed by one signature line (format version 1):

    <c> ambon112-signature <manifest> <signature>

`<c>` is what the format takes as a comment there: "#" in a CSV (the exports' note lines), "%"
in a PDF (a PDF comment after %%EOF, which every reader skips), and in an XLSX workbook the line
is the ZIP archive's comment (after a newline), which spreadsheets ignore. So the file opens as
before, and a verifier needs nothing but the file and the public key:

- the signed bytes are every byte before `<c>`;
- `<manifest>` is canonical JSON (sorted keys, ASCII, no spaces: one in a string is written
  \\u0020): what was exported (file name, format, part, filter, period), the event chain's head
  it reports, the events covered, when it was generated and signed, the key's fingerprint, and
  the SHA-256 of the signed bytes;
- `<signature>` is the Ed25519 signature of the manifest's bytes, base64.

One format for all four exports rather than a ZIP around each: the PDF and the spreadsheets
open directly, the rows CSV of a year streams (its hash is taken as it is sent and the line
follows the last row), and a byte changed anywhere before the line, the line included, fails.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils import timezone

from incidents import signing

MARKER = b" ambon112-signature "
TYPE = "ambon112-export"
VERSION = 1
COMMENT = {"csv": b"#", "xlsx": b"#", "pdf": b"%"}
LINE_END = {"csv": b"\r\n", "xlsx": b"\n", "pdf": b"\n"}
ZIP_END = b"PK\x05\x06"  # a ZIP's end-of-central-directory record: 22 bytes and the comment
PDF_TAIL_LIMIT = 1000  # readers look for %%EOF within the last 1024 bytes


def key_facts() -> dict | None:
    """The public key as the integrity page and the PDF publish it; None while there is none."""
    key = signing.public_key()
    if key is None:
        return None
    fingerprint = signing.fingerprint(key)
    return {
        "algorithm": signing.ALGORITHM,
        "fingerprint": fingerprint,
        "fingerprint_grouped": signing.grouped(fingerprint),
        "public_key": signing.public_pem(key),
    }


def export_facts(report: dict, *, file: str, format: str, part: str, source: str | None) -> dict:
    """What an export says it is, for its manifest: the filter as codes, the chain head."""
    chosen = {
        k: v for k, v in report["filter"].items() if k != "labels" and v not in (None, "", [])
    }
    return {
        "type": TYPE,
        "v": VERSION,
        "file": file,
        "format": format,
        "part": part,
        "source": source,
        "filter": chosen,
        "by": report["by"],
        "chain_head": report["chain_head"],
        "events_covered": report["events_covered"],
        "generated_at": report["generated_at"],
    }


class Signer:
    """Signs exports with the centre's key, loaded once: a missing key stops the export before
    anything is sent (signing.SigningKeyMissing), not halfway through a stream."""

    def __init__(self):
        self.key = signing.private_key()
        self.fingerprint = signing.fingerprint(self.key.public_key())

    def sign_file(self, data: bytes, facts: dict) -> bytes:
        """A whole file (summary CSV, XLSX, PDF) with its signature line."""
        fmt = facts["format"]
        if fmt == "xlsx":
            return self._sign_workbook(data, facts)
        if not data.endswith(b"\n"):
            data += LINE_END[fmt]
        line = self._line(hashlib.sha256(data).hexdigest(), facts)
        if fmt == "pdf" and len(line) > PDF_TAIL_LIMIT:
            raise ValueError("the signature line would hide the PDF's %%EOF from its readers")
        return data + line

    def sign_stream(self, chunks: Iterable[str], facts: dict) -> Iterator[bytes]:
        """A streamed CSV, hashed as it is sent, its signature line after the last row."""
        digest = hashlib.sha256()
        for chunk in chunks:
            data = chunk.encode()
            digest.update(data)
            yield data
        yield self._line(digest.hexdigest(), facts)

    def _sign_workbook(self, data: bytes, facts: dict) -> bytes:
        """The line as the ZIP comment. The record's comment length is part of the signed bytes,
        so it is set first: the line's length is known before its hash (always 64 hex digits)."""
        if data[-22:-18] != ZIP_END or data[-2:] != b"\x00\x00":
            raise ValueError("the workbook does not end with a comment-less ZIP record")
        length = 1 + len(self._line("0" * 64, facts))
        signed = data[:-2] + length.to_bytes(2, "little") + b"\n"
        return signed + self._line(hashlib.sha256(signed).hexdigest(), facts)

    def _line(self, sha256: str, facts: dict) -> bytes:
        signed_at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
        manifest = signing.canonical(
            {**facts, "sha256": sha256, "key": self.fingerprint, "signed_at": signed_at}
        )
        # The line is split on spaces; canonical JSON has none outside its strings, and inside
        # them a space is written \u0020, which every JSON reader reads back as a space.
        manifest = manifest.replace(b" ", b"\\u0020")
        signature = signing.sign(manifest, self.key).encode()
        comment = COMMENT[facts["format"]]
        return comment + MARKER + manifest + b" " + signature + LINE_END[facts["format"]]


class NotSigned(Exception):
    """The file carries no signature line this system wrote."""


@dataclass(frozen=True)
class Verdict:
    manifest: dict
    key_matches: bool  # the manifest names the key it is checked with
    signature_valid: bool  # the manifest was signed by that key, unchanged
    content_valid: bool  # the bytes before the line are those the manifest hashes
    sha256: str  # of the bytes before the line, as found

    @property
    def valid(self) -> bool:
        return self.key_matches and self.signature_valid and self.content_valid


def verify(data: bytes, key: Ed25519PublicKey) -> Verdict:
    """Check a signed export against a public key, offline: what README gives in a few lines."""
    at = data.rfind(MARKER) - 1
    if at < 0 or data[at : at + 1] not in (b"#", b"%"):
        raise NotSigned("no signature line")
    parts = data[at:].rstrip(b"\r\n").split(b" ")
    if len(parts) != 4:
        raise NotSigned("the signature line is not “<c> ambon112-signature <manifest> <sig>”")
    manifest_bytes, signature = parts[2], parts[3].decode("ascii", "replace")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        raise NotSigned("the manifest is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("type") != TYPE:
        raise NotSigned("the manifest is not an Ambon 112 export's")
    sha256 = hashlib.sha256(data[:at]).hexdigest()
    return Verdict(
        manifest=manifest,
        key_matches=manifest.get("key") == signing.fingerprint(key),
        signature_valid=signing.verifies(key, signature, manifest_bytes),
        content_valid=manifest.get("sha256") == sha256,
        sha256=sha256,
    )
