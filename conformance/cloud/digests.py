"""OCI content digests (``algorithm:encoded``) and verifying bytes against them.

The grammar is the OCI image spec's (descriptor.md, "Digests"); the
algorithms the suite can verify are the two it registers with a fixed
encoding, ``sha256`` (64 lower-case hex digits) and ``sha512`` (128). A
well-formed digest of another algorithm is not wrong, only beyond what the
suite can check: :func:`matches` answers None for it, and the check says so
rather than fail the registry.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

_GRAMMAR = re.compile(r"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")
VERIFIABLE: Final = {"sha256": 64, "sha512": 128}
"""Algorithm → length of its hex encoding."""
_HEX = re.compile(r"^[a-f0-9]+$")


@dataclass(frozen=True)
class Digest:
    """A parsed digest."""

    algorithm: str
    encoded: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.encoded}"


def parse(value: object) -> Digest | None:
    """The digest ``value`` writes, or None if it breaks the grammar or a registered encoding."""
    if not isinstance(value, str):
        return None
    match = _GRAMMAR.match(value)
    if match is None:
        return None
    algorithm, encoded = match.group(1), match.group(2)
    length = VERIFIABLE.get(algorithm)
    if length is not None and (len(encoded) != length or not _HEX.match(encoded)):
        return None
    return Digest(algorithm, encoded)


def digest_of(data: bytes, algorithm: str = "sha256") -> str:
    """``algorithm:hex`` of ``data`` (sha256 or sha512)."""
    if algorithm not in VERIFIABLE:
        raise ValueError(f"the suite computes only {', '.join(VERIFIABLE)} digests")
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def matches(digest: Digest, data: bytes) -> bool | None:
    """Whether ``data`` hashes to ``digest``; None when the suite cannot compute its algorithm."""
    if digest.algorithm not in VERIFIABLE:
        return None
    return digest_of(data, digest.algorithm) == str(digest)
