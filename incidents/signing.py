"""The centre's Ed25519 key: it signs every export and the daily seal of the event log.

The private key is a PEM file at `settings.SIGNING_KEY_PATH` (AMBON112_SIGNING_KEY), made once by
`manage.py create_signing_key` and kept outside the database, so that whoever can rewrite the
database still cannot sign: a seal or an export stays provable against the published public key.
A signature is over exact bytes; what is signed is always `canonical(...)` of a small dict, so a
verifier without this system can rebuild it (README "Verifying an export without the system").
"""

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext as _

ALGORITHM = "Ed25519"


class SigningKeyMissing(Exception):
    """No key at SIGNING_KEY_PATH: nothing may be signed, so nothing signed is given out."""

    def __init__(self, path: Path):
        super().__init__(
            _(
                "The centre's signing key has not been created (%(path)s): no export is given "
                "out unsigned. An administrator runs “python manage.py create_signing_key”."
            )
            % {"path": path}
        )


def key_path() -> Path:
    return Path(settings.SIGNING_KEY_PATH)


def create_key(path: Path | None = None) -> Ed25519PrivateKey:
    """Write a new private key, readable by its owner only; never over an existing one (every
    export and seal signed with it would no longer verify against the published key)."""
    path = path or key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: two processes racing to create it cannot both win.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key


def private_key() -> Ed25519PrivateKey:
    path = key_path()
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyMissing(path) from None
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key.")
    return key


def public_key() -> Ed25519PublicKey | None:
    """The centre's public key, or None while no key has been created."""
    try:
        return private_key().public_key()
    except SigningKeyMissing:
        return None


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the public key's DER form, in hex: what
    `openssl pkey -pubin -in key.pem -outform DER | sha256sum` prints."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def grouped(fingerprint_hex: str) -> str:
    """A fingerprint as people compare it aloud: groups of four."""
    return " ".join(fingerprint_hex[i : i + 4] for i in range(0, len(fingerprint_hex), 4))


def canonical(value) -> bytes:
    """The one byte form of what is signed: sorted keys, no spaces, ASCII."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(message: bytes, key: Ed25519PrivateKey | None = None) -> str:
    """The signature of `message` with the centre's key (or `key`, already loaded), base64."""
    return base64.b64encode((key or private_key()).sign(message)).decode()


def verifies(key: Ed25519PublicKey, signature_b64: str, message: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
