"""Check a signed export offline: was it signed by the centre's key, is it unchanged, and what
does it say it covers (issue #17; the format is in reports/signature.py).

Reads no database: the file and a public key are enough, so a verifier can run it on a copy of
the system with only the public key published on the integrity page.
"""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents import signing
from reports import signature
from reports.export_text import WIT


class Command(BaseCommand):
    help = (
        "Verify a signed export (CSV, XLSX or PDF) against the centre's public key and say "
        "what was signed, when, and for which event chain head. Exit 1 when it fails."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--public-key",
            type=Path,
            help="the centre's public key (PEM), as published on /reports/integrity/; "
            "default: the public half of this server's key (AMBON112_SIGNING_KEY)",
        )

    def handle(self, *args, file: Path, public_key: Path | None = None, **options):
        key = self._key(public_key)
        try:
            verdict = signature.verify(file.read_bytes(), key)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        except signature.NotSigned as exc:
            raise CommandError(f"{file} is not a signed Ambon 112 export: {exc}.") from None
        for line in _described(verdict.manifest):
            self.stdout.write(line)
        problems = []
        if not verdict.key_matches:
            problems.append(
                f"it names the key {signing.grouped(str(verdict.manifest.get('key')))}, not "
                f"the one it was checked with ({signing.grouped(signing.fingerprint(key))})"
            )
        if not verdict.signature_valid:
            problems.append(
                "its signature does not verify: the signature line was altered or "
                "was not made with this key"
            )
        if not verdict.content_valid:
            problems.append(
                f"the file was changed after it was signed: its contents hash to "
                f"{verdict.sha256}, the signature covers {verdict.manifest.get('sha256')}"
            )
        if problems:
            raise CommandError("NOT VALID: " + "; ".join(problems) + ".")
        self.stdout.write(
            self.style.SUCCESS(
                "VALID: signed with the centre's key and unchanged since it was signed."
            )
        )

    def _key(self, path: Path | None):
        if path is None:
            key = signing.public_key()
            if key is None:
                raise CommandError(
                    f"No signing key at {signing.key_path()}: give the centre's public key "
                    "with --public-key FILE."
                )
            return key
        try:
            return signing.load_public_key(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except ValueError:
            raise CommandError(f"{path} is not an Ed25519 public key in PEM form.") from None


def _described(manifest: dict) -> list[str]:
    """What the manifest says, as a verifier reads it."""
    chosen = dict(manifest.get("filter") or {})
    period = f"{chosen.pop('start', '?')} – {chosen.pop('end', '?')}"
    narrowed = ", ".join(f"{k}={v}" for k, v in sorted(chosen.items())) or "none"
    what = f"{manifest.get('format', '?').upper()}, {manifest.get('part', '?')}"
    if manifest.get("source"):
        what += f" of {manifest['source']}"
    head = manifest.get("chain_head") or {}
    return [
        f"File signed: {manifest.get('file')} ({what})",
        f"Period: {period} (WIT days); filter: {narrowed}",
        f"Breakdown: {manifest.get('by') or 'none'}",
        f"Event chain head reported: sequence {head.get('seq')}, hash {head.get('hash')}",
        f"Events covered: {manifest.get('events_covered')}",
        f"Generated at: {_wit(manifest.get('generated_at'))}",
        f"Signed at: {_wit(manifest.get('signed_at'))}",
        f"Signing key fingerprint (SHA-256): {signing.grouped(str(manifest.get('key')))}",
        f"Contents SHA-256: {manifest.get('sha256')}",
    ]


def _wit(moment: str | None) -> str:
    try:
        parsed = datetime.fromisoformat(str(moment))
    except ValueError:
        return str(moment)
    return f"{timezone.localtime(parsed, WIT):%Y-%m-%d %H:%M:%S} WIT ({moment})"
