"""The signed manifest that seals a run's reports: ``manifest.json`` and ``manifest.sig``.

Written last, once every other file of the run is closed. It names what
the run was (suite version, spec hashes, target, claims, clock, seed), what
it decided (verdict and every outcome), the head and length of the evidence
chain, and the SHA-256 of every file of the run; ``manifest.sig`` is the
Ed25519 signature of its exact bytes. Changing any file, any exchange or
any outcome then breaks a hash or the signature (``conformance verify``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance._harness.results import RunResult
from conformance._harness.safe_text import json_bytes
from conformance._harness.signing import (
    PUBLIC_KEY_FILE,
    SigningKey,
    encode_signature,
    fingerprint,
    public_pem,
)

MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "manifest.sig"
MANIFEST_VERSION = "1.0"
EVIDENCE_FILE = "evidence.jsonl"
SEALED_FILES = ("report.json", "junit.xml", "index.html", EVIDENCE_FILE, PUBLIC_KEY_FILE)
"""The files a manifest names, with their hashes (those the run wrote)."""
CONTAINER_LOG = re.compile(r"container(-[A-Za-z0-9_-]{1,60})?\.log")
"""A launched container's log (``launch.container_logs``): sealed when the run has one."""


def sealable(name: str) -> bool:
    """Whether a run may write a file of this name for its manifest to seal."""
    return name in SEALED_FILES or CONTAINER_LOG.fullmatch(name) is not None


def run_files(directory: Path) -> list[str]:
    """The names a run's manifest seals: the fixed ones, then each container log it holds."""
    logs = sorted(
        p.name
        for p in (directory.iterdir() if directory.is_dir() else ())
        if CONTAINER_LOG.fullmatch(p.name) and p.is_file() and not p.is_symlink()
    )
    return [*SEALED_FILES, *logs]


def seal(
    directory: Path, result: RunResult, *, head: str, records: int, key: SigningKey
) -> list[Path]:
    """Write the public key, the manifest and its signature into the run's directory."""
    public = directory / PUBLIC_KEY_FILE
    public.write_bytes(public_pem(key.public))
    files = {
        name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
        for name in run_files(directory)
        if (directory / name).is_file()
    }
    data = json_bytes(manifest(result, head, records, files, key), indent=2) + b"\n"
    (directory / MANIFEST_FILE).write_bytes(data)
    (directory / SIGNATURE_FILE).write_bytes(encode_signature(key.sign(data)))
    return [public, directory / MANIFEST_FILE, directory / SIGNATURE_FILE]


def manifest(
    result: RunResult, head: str, records: int, files: dict[str, str], key: SigningKey
) -> dict[str, Any]:
    """The manifest of a finished run, as a JSON object."""
    claims = result.claims
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": result.run_id,
        "suite_version": result.suite_version,
        "specs": [dict(s) for s in result.specs],
        "target": dict(result.target),
        "claims": None
        if claims is None
        else {
            "standards": claims.get("standards"),
            "sha256": hashlib.sha256(json_bytes(claims)).hexdigest(),
        },
        "clock": {
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "sealed_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        },
        "seed": result.seed,
        "selection": result.selection.to_json(),
        "verdict": result.verdict().value,
        "conformant": result.conformant(),
        "outcomes": {r.info.id: r.outcome.value for r in result.requirements},
        "evidence": {"file": EVIDENCE_FILE, "records": records, "head": head},
        "files": files,
        "key": {
            "algorithm": "Ed25519",
            "file": PUBLIC_KEY_FILE,
            "sha256": fingerprint(key.public),
            "origin": key.origin,
        },
    }
