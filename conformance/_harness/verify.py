"""``conformance verify``: is a run's directory exactly what the run wrote and sealed?

Checked, each problem reported with the file (and line) it is in: the
signature of ``manifest.json`` (by a key the verifier pins, or else by the
key in the directory, which proves integrity but not origin); the SHA-256 of
every file the manifest names, and no file it does not; ``report.json``
against its schema, and its outcomes and verdict against the signed ones;
the evidence hash chain line by line, its length and its head against the
signed ones, no exchange recorded twice; every exchange the report cites
present in the evidence.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance._harness.errors import UsageError
from conformance._harness.evidence import Chain, ChainBroken, verify_chain
from conformance._harness.manifest import (
    EVIDENCE_FILE,
    MANIFEST_FILE,
    SEALED_FILES,
    SIGNATURE_FILE,
    sealable,
)
from conformance._harness.report.json_report import schema
from conformance._harness.signing import (
    PUBLIC_KEY_FILE,
    decode_signature,
    fingerprint,
    load_public_key,
    parse_public_pem,
    signature_holds,
)

REPORT_FILE = "report.json"


@dataclass
class Verification:
    """What verifying one run's directory found."""

    directory: Path
    problems: list[str] = field(default_factory=list)
    signer: str = ""
    """Who signed, as far as the verifier can tell (empty when the signature does not hold)."""
    pinned: bool = False
    """True when the signature holds for the key the verifier gave (``--key``)."""
    exchanges: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing was found changed, added or missing."""
        return not self.problems

    def summary(self) -> str:
        """The last line ``conformance verify`` prints."""
        if not self.ok:
            return f"NOT VERIFIED: {self.directory}: {len(self.problems)} problem(s) found"
        seal = (
            f"signed by the key you pinned ({self.signer})"
            if self.pinned
            else f"signed by the key in the directory ({self.signer}); this shows nothing "
            "changed since it was sealed, not who sealed it: pin a key you trust with --key"
        )
        return (
            f"VERIFIED: {self.directory}: {seal}; {self.exchanges} exchanges, hash chain intact "
            "to the signed head; every file as sealed"
        )


def verify_run(directory: Path, key_file: Path | None = None) -> Verification:
    """Verify a run's directory; a missing directory or unreadable key is a ``UsageError``."""
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise UsageError(
            f"{directory} {what}. Fix: give the directory of one run, "
            "for example reports/<run-id> (conformance run prints it last)"
        )
    pinned = load_public_key(key_file) if key_file is not None else None
    found = Verification(directory)
    manifest = _manifest(found, pinned)
    report = _report(found)
    chain = _chain(found, manifest)
    if manifest is not None:
        _files(found, manifest)
        if report is not None:
            _outcomes(found, manifest, report)
    if report is not None and chain is not None:
        _citations(found, report, chain)
    return found


def _manifest(found: Verification, pinned: Ed25519PublicKey | None) -> dict[str, Any] | None:
    """The manifest, if present; whether its signature holds is recorded in ``found``."""
    directory = found.directory
    path, sig_path = directory / MANIFEST_FILE, directory / SIGNATURE_FILE
    if not path.is_file():
        found.problems.append(
            f"{path}: missing: the run is not sealed, so nothing shows its files are as written"
        )
        return None
    data = path.read_bytes()
    signature = decode_signature(sig_path.read_bytes()) if sig_path.is_file() else None
    if signature is None:
        found.problems.append(
            f"{sig_path}: {'not a signature as the run writes it' if sig_path.is_file() else 'missing'}"
        )
    key = pinned or _bundled_key(found)
    if signature is not None and key is not None:
        if signature_holds(key, signature, data):
            found.signer = f"Ed25519 {fingerprint(key)}"
            found.pinned = pinned is not None
        else:
            whose = "the key you pinned (--key)" if pinned else f"{PUBLIC_KEY_FILE}"
            found.problems.append(
                f"{path}: the signature in {SIGNATURE_FILE} does not hold for {whose}: "
                "the manifest or the signature was changed, or another key signed them"
            )
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        found.problems.append(f"{path}: not JSON ({exc})")
        return None
    if not isinstance(manifest, dict):
        found.problems.append(f"{path}: not a JSON object")
        return None
    return manifest


def _bundled_key(found: Verification) -> Ed25519PublicKey | None:
    path = found.directory / PUBLIC_KEY_FILE
    key = parse_public_pem(path.read_bytes()) if path.is_file() else None
    if key is None:
        found.problems.append(
            f"{path}: {'not an Ed25519 public key' if path.is_file() else 'missing'} "
            "(or pin the signer's key with --key)"
        )
    return key


def _files(found: Verification, manifest: dict[str, Any]) -> None:
    """Every file as the manifest hashes it; no file the manifest does not name."""
    directory = found.directory
    files = manifest.get("files")
    if not isinstance(files, dict):
        found.problems.append(f"{directory / MANIFEST_FILE}: names no file hashes")
        return
    for name in (*SEALED_FILES, *sorted(set(files) - set(SEALED_FILES))):
        path = directory / name
        if not sealable(name):
            found.problems.append(
                f"{directory / MANIFEST_FILE}: names a file no run writes: {name}"
            )
        elif name not in files:
            if path.exists():
                found.problems.append(f"{path}: not named in the signed manifest (added)")
        elif not path.is_file():
            found.problems.append(f"{path}: missing (the manifest signs its SHA-256)")
        elif (digest := hashlib.sha256(path.read_bytes()).hexdigest()) != files[name]:
            found.problems.append(
                f"{path}: changed since the run sealed it (SHA-256 {digest}, signed {files[name]})"
            )
    known = {*SEALED_FILES, MANIFEST_FILE, SIGNATURE_FILE, *(n for n in files if sealable(n))}
    for extra in sorted(p.name for p in directory.iterdir() if p.name not in known):
        found.problems.append(f"{directory / extra}: not part of the sealed run (added)")


def _report(found: Verification) -> dict[str, Any] | None:
    """report.json, parsed and valid against its schema (or None, the problem recorded)."""
    path = found.directory / REPORT_FILE
    try:
        report = json.loads(path.read_bytes())
    except FileNotFoundError:
        found.problems.append(f"{path}: missing")
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        found.problems.append(f"{path}: not JSON ({exc})")
        return None
    try:
        jsonschema.validate(report, schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        version = schema()["properties"]["schema_version"]["const"]
        found.problems.append(
            f"{path}: does not match the report schema {version} at {where}: {exc.message}"
        )
        return None
    return report  # type: ignore[no-any-return]


def _outcomes(found: Verification, manifest: dict[str, Any], report: dict[str, Any]) -> None:
    """The report's outcomes and verdict are the ones the manifest signs."""
    path = found.directory / REPORT_FILE
    signed = manifest.get("outcomes")
    signed = signed if isinstance(signed, dict) else {}
    stated = {r["id"]: r["outcome"] for r in report["requirements"]}
    for rid in sorted(set(signed) | set(stated)):
        if stated.get(rid) != signed.get(rid):
            found.problems.append(
                f"{path}: {rid} is {stated.get(rid) or 'absent'}; "
                f"the signed manifest says {signed.get(rid) or 'absent'}"
            )
    summary = report["summary"]
    for key, value in (("verdict", summary["verdict"]), ("conformant", summary["conformant"])):
        if manifest.get(key) != value:
            found.problems.append(
                f"{path}: summary.{key} is {json.dumps(value)}; "
                f"the signed manifest says {json.dumps(manifest.get(key))}"
            )
    for key in ("run_id", "seed", "suite_version"):
        if manifest.get(key) != report.get(key):
            found.problems.append(
                f"{path}: {key} is {json.dumps(report.get(key))}; "
                f"the signed manifest says {json.dumps(manifest.get(key))}"
            )


def _chain(found: Verification, manifest: dict[str, Any] | None) -> Chain | None:
    """The evidence chain, checked against the signed head and length when there are."""
    path = found.directory / EVIDENCE_FILE
    if not path.is_file():
        found.problems.append(f"{path}: missing")
        return None
    signed = manifest.get("evidence") if manifest is not None else None
    head = signed.get("head") if isinstance(signed, dict) else None
    records = signed.get("records") if isinstance(signed, dict) else None
    if manifest is not None and not (isinstance(head, str) and isinstance(records, int)):
        found.problems.append(f"{found.directory / MANIFEST_FILE}: signs no evidence head")
    try:
        chain = verify_chain(
            path,
            head if isinstance(head, str) else None,
            records if isinstance(records, int) else None,
        )
    except ChainBroken as exc:
        found.problems.append(str(exc))
        return None
    found.exchanges = chain.records
    lines: dict[str, list[int]] = {}
    for number, exchange in enumerate(chain.ids, 1):
        lines.setdefault(exchange, []).append(number)
    for exchange, count in Counter(chain.ids).items():
        if count > 1:
            found.problems.append(
                f"{path}: exchange {exchange} is recorded {count} times "
                f"(lines {', '.join(map(str, lines[exchange]))})"
            )
    return chain


def _citations(found: Verification, report: dict[str, Any], chain: Chain) -> None:
    """Every exchange the report cites is in the evidence."""
    cited = {e for r in report["requirements"] for e in r["evidence"]} | {
        e for r in report["requirements"] for c in r["checks"] for e in c.get("evidence", ())
    }
    missing = sorted(cited - set(chain.ids))
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        found.problems.append(
            f"{found.directory / REPORT_FILE}: cites exchanges that are not in "
            f"{EVIDENCE_FILE}: {', '.join(missing[:5])}{more}"
        )
