"""Create the centre's Ed25519 signing key once, at AMBON112_SIGNING_KEY (issue #17).

Never replaces a key: every export and seal signed with it would stop verifying against the
public key the centre has published. `--if-missing` makes it safe to run on every start
(`make run`, the compose deployment's one-shot).
"""

from django.core.management.base import BaseCommand, CommandError

from incidents import signing


class Command(BaseCommand):
    help = (
        "Create the centre's Ed25519 key that signs exports and the daily seal, at "
        "AMBON112_SIGNING_KEY; print its public key and fingerprint."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="leave an existing key as it is (exit 0) instead of refusing",
        )

    def handle(self, *args, if_missing=False, **options):
        path = signing.key_path()
        if path.exists():
            if not if_missing:
                raise CommandError(
                    f"{path} exists: a signing key is never replaced (exports and seals signed "
                    "with it would no longer verify). Move it away first if it was compromised."
                )
            key = signing.private_key()
            verb = "kept"
        else:
            try:
                key = signing.create_key(path)
            except FileExistsError:  # another process made it in between
                key = signing.private_key()
            verb = "created"
        public = key.public_key()
        self.stdout.write(f"Signing key {verb}: {path} (keep it secret, back it up offline)")
        self.stdout.write(f"Fingerprint (SHA-256): {signing.grouped(signing.fingerprint(public))}")
        self.stdout.write(signing.public_pem(public).rstrip())
