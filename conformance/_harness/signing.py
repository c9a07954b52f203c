"""Ed25519 keys that sign a run's manifest: made, loaded, and checked.

A user signs with a key of their own (``conformance keygen``, then
``conformance run --signing-key FILE``); without one, each run makes a
key, signs with it and forgets its private half. A verifier trusts a
signature only as far as they trust the key: a run-generated key proves
the bundle is as the run wrote it only to someone who pinned that key
(from a channel the platform does not control).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance._harness.errors import UsageError

PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
SIGNATURE_BYTES = 64

KeyOrigin = Literal["supplied", "run-generated"]


@dataclass(frozen=True)
class SigningKey:
    """The private key a run signs with, and where it came from."""

    private: Ed25519PrivateKey
    origin: KeyOrigin
    source: str = ""
    """The file it was read from (empty for a run-generated key)."""

    @property
    def public(self) -> Ed25519PublicKey:
        """The public half, which verifies what this key signs."""
        return self.private.public_key()

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature of ``data``."""
        return self.private.sign(data)


def generate() -> SigningKey:
    """A fresh key for one run; its private half is never written down."""
    return SigningKey(Ed25519PrivateKey.generate(), "run-generated")


def load_signing_key(path: Path) -> SigningKey:
    """The private key in a PEM file (as ``conformance keygen`` writes it)."""
    data = _read(path, "--signing-key", "the private key file")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(
            f"--signing-key {path}: not an unencrypted PEM private key ({exc}). "
            "Fix: make one with `conformance keygen --out DIR`"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(
            f"--signing-key {path}: a {type(key).__name__}, not an Ed25519 key. "
            "Fix: make one with `conformance keygen --out DIR`"
        )
    return SigningKey(key, "supplied", str(path))


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key to verify with: a PEM public key (or the private key it belongs to)."""
    data = _read(path, "--key", "the public key file")
    try:
        key: object = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--key {path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"--key {path}: a {type(key).__name__}, not an Ed25519 key")
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def parse_public_pem(data: bytes) -> Ed25519PublicKey | None:
    """The Ed25519 public key in PEM bytes, or None if they hold none."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def fingerprint(key: Ed25519PublicKey) -> str:
    """The SHA-256 of the raw public key, in hex: how a person names and compares keys."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def encode_signature(signature: bytes) -> bytes:
    """A signature as the signature file holds it: base64 and one newline."""
    return base64.b64encode(signature) + b"\n"


def decode_signature(data: bytes) -> bytes | None:
    """The signature in a signature file, or None unless the file is exactly as written.

    Canonical only: base64 has spare bits and tolerates whitespace, and a byte
    changed there must not pass for the same signature.
    """
    try:
        signature = base64.b64decode(data.removesuffix(b"\n"), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(signature) != SIGNATURE_BYTES or encode_signature(signature) != data:
        return None
    return signature


def signature_holds(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is ``key``'s signature of ``data``."""
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def keygen(directory: Path) -> tuple[Path, Path]:
    """Write a new private key (0600, PEM) and its public key into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_KEY_FILE
    public_path = directory / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise UsageError(
                f"{path} exists: a key is never overwritten. Fix: choose another --out "
                "directory, or remove the old key if you are sure it is no longer needed"
            )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Created 0600 from the start, never readable by others even for a moment.
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as f:
        f.write(pem)
    public_path.write_bytes(public_pem(key.public_key()))
    return private_path, public_path


def _read(path: Path, option: str, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot read {what} ({exc.strerror})") from None
