"""``conformance certify RUN_DIR --out DIR``: a certification package, only for a run that earns one.

A package is built only when the run verifies (``conformance verify``: the
signature, every file's hash, the evidence chain) and every MUST
requirement the platform claims, in every standard the run covered whole,
passed (or was not applicable to it). Otherwise nothing is written and
each reason is named: the MUSTs that did not pass, the verification
problems, a selection too narrow to certify anything.

The package (a folder, or a zip when ``--out`` ends in ``.zip``)::

    run/              the run's directory as sealed: report.json, junit.xml,
                      evidence.jsonl, manifest.json, manifest.sig, the public key
    certificate.json  what is certified: platform, run, suite and spec versions,
                      the claims in scope with every claimed requirement's outcome,
                      who signed the run, the SHA-256 of every file under run/
    CERTIFICATE.md    the same for a person
    certificate.sig   with --signing-key: the Ed25519 signature of certificate.json,
    certifier.pub.pem   and the public key that checks it

Exit codes: 0 the package was written; 1 refused (the reasons are
printed); 2 usage error (no such run directory, ``--out`` exists).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance._harness.catalogue import COMMON, Catalogue
from conformance._harness.errors import UsageError
from conformance._harness.report.markdown import md_text
from conformance._harness.report_file import read_report
from conformance._harness.safe_text import json_bytes
from conformance._harness.signing import (
    SigningKey,
    encode_signature,
    load_signing_key,
    public_pem,
)
from conformance._harness.verify import Verification, verify_run
from conformance._version import __version__

EXIT_CERTIFIED = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2

CERTIFICATE_VERSION = "1.0"
CERTIFICATE_FILE = "certificate.json"
CERTIFICATE_SIGNATURE = "certificate.sig"
CERTIFIER_KEY = "certifier.pub.pem"
RUN_FOLDER = "run"
_DECIDES = frozenset({"pass", "not-applicable"})
_UNJUDGED = frozenset({"unreachable", "no-discovery", "configuration-error", "internal-error"})


@dataclass
class Certification:
    """What ``certify`` decided: the package it wrote, or why it wrote none."""

    run_dir: Path
    refusals: list[str] = field(default_factory=list)
    scope: tuple[str, ...] = ()
    package: Path | None = None
    certificate: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the package was written."""
        return self.package is not None

    def summary(self) -> str:
        """The last line ``conformance certify`` prints."""
        if self.package is not None:
            return (
                f"CERTIFIED: {', '.join(self.scope)} of {self.certificate['platform']['name']}; "
                f"package written to {self.package}"
            )
        return (
            f"NOT CERTIFIED: {self.run_dir}: {len(self.refusals)} reason(s) above; nothing written"
        )


def certify(
    run_dir: Path,
    out: Path,
    *,
    key_file: Path | None = None,
    signing_key: Path | None = None,
    catalogue: Catalogue | None = None,
) -> Certification:
    """Build the package of ``run_dir`` into ``out``, or say why not (``refusals``)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(
            f"--out {out} exists: a package is never written over anything. "
            "Fix: give a new folder, or a new file name ending in .zip"
        )
    key = load_signing_key(signing_key) if signing_key is not None else None
    verification = verify_run(run_dir, key_file)  # a missing directory: UsageError
    found = Certification(run_dir)
    found.refusals += [f"verify: {p}" for p in verification.problems]
    try:
        report = read_report(run_dir, "run")
    except UsageError as exc:
        found.refusals.append(str(exc))
        return found
    catalogue = catalogue or Catalogue.load()
    found.scope = _scope(found, report, catalogue)
    _versions(found, report, catalogue)
    _musts(found, report, catalogue)
    if found.refusals:
        return found
    found.certificate = _certificate(report, found.scope, verification)
    found.package = _write(run_dir, out, found.certificate, key, key_file)
    return found


def _scope(found: Certification, report: dict[str, Any], catalogue: Catalogue) -> tuple[str, ...]:
    """The claimed standards the run judged whole (a narrower run certifies nothing)."""
    summary, selection = report["summary"], report["selection"]
    if summary["verdict"] in _UNJUDGED:
        found.refusals.append(f"the run decided nothing to certify: {summary['headline']}")
        return ()
    narrowed = [
        what
        for what, key in (("--profile", "profiles"), ("--requirement", "requirements"))
        if selection[key]
    ]
    if selection["deselected"]:
        narrowed.append("-k/-m")
    if narrowed:
        found.refusals.append(
            f"the run was narrowed by {' and '.join(narrowed)} ({selection['description']}), "
            "so no standard was judged whole. Fix: certify a whole run, or one narrowed by "
            "--standard only"
        )
        return ()
    covered = set(selection["standards"]) | {COMMON} if selection["standards"] else None
    claimed = {
        r["standard"]
        for r in report["requirements"]
        if r["outcome"] != "not-claimed" and (covered is None or r["standard"] in covered)
    }
    scope = tuple(s for s in catalogue.specs if s in claimed)
    if not scope:
        found.refusals.append("the platform claims nothing this run judged")
    return scope


def _versions(found: Certification, report: dict[str, Any], catalogue: Catalogue) -> None:
    """The package states this suite's versions: they must be the ones the run used."""
    if report["suite_version"] != __version__:
        found.refusals.append(
            f"the run was made by suite {report['suite_version']}, this is {__version__}. "
            f"Fix: certify with the version that ran it"
        )
    used = {s["standard"]: s for s in report["specs"]}
    for standard in found.scope:
        spec = catalogue.spec(standard)
        ran = used.get(standard)
        if ran is None or (ran["version"], ran["sha256"]) != (spec.version, spec.sha256):
            was = f"{ran['version']} ({ran['sha256'][:12]})" if ran else "no spec"
            found.refusals.append(
                f"{standard}: the run judged {was}, this suite holds {spec.version} "
                f"({spec.sha256[:12]}). Fix: certify with the suite version that ran it"
            )


def _musts(found: Certification, report: dict[str, Any], catalogue: Catalogue) -> None:
    """Every requirement of the scope was judged; every claimed MUST passed (or does not apply)."""
    judged = {r["id"]: r for r in report["requirements"]}
    for standard in found.scope:
        for info in catalogue.spec(standard).requirements:
            entry = judged.get(info.id)
            if entry is None:
                found.refusals.append(f"{info.id} {info.level}: not judged in this run")
            elif (
                info.level.startswith("MUST")
                and entry["outcome"] not in _DECIDES
                and entry["outcome"] != "not-claimed"
            ):
                first = (entry["reason"].splitlines() or [""])[0]
                found.refusals.append(
                    f"{info.id} {info.level} did not pass: {entry['outcome']}: {first}"
                )


def _certificate(
    report: dict[str, Any], scope: tuple[str, ...], verification: Verification
) -> dict[str, Any]:
    """What the package certifies, as data (certificate.json, without its file hashes)."""
    in_scope = [r for r in report["requirements"] if r["standard"] in scope]
    claimed = [r for r in in_scope if r["outcome"] != "not-claimed"]
    profiles: dict[str, list[str]] = {}
    for r in claimed:
        profiles.setdefault(r["standard"], [])
        if r["profile"] not in profiles[r["standard"]]:
            profiles[r["standard"]].append(r["profile"])
    target = report["target"]
    return {
        "certificate_version": CERTIFICATE_VERSION,
        "issued_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "statement": (
            f"In run {report['run_id']} of conformance suite {report['suite_version']}, every "
            f"MUST requirement {target.get('name')} claims in {', '.join(scope)} passed "
            "(or did not apply to it)."
        ),
        "platform": {"name": target.get("name"), "base_url": target.get("base_url")},
        "suite_version": report["suite_version"],
        "specs": [s for s in report["specs"] if s["standard"] in scope],
        "claims": [{"standard": s, "profiles": profiles.get(s, [])} for s in scope],
        "run": {
            "run_id": report["run_id"],
            "started_at": report["started_at"],
            "finished_at": report["finished_at"],
            "seed": report["seed"],
            "selection": report["selection"]["description"],
            "verdict": report["summary"]["verdict"],
            "headline": report["summary"]["headline"],
        },
        "requirements": [
            {k: r[k] for k in ("id", "standard", "level", "profile", "outcome")} for r in claimed
        ],
        "verification": {
            "signer": verification.signer,
            "pinned": verification.pinned,
            "exchanges": verification.exchanges,
        },
    }


def _write(
    run_dir: Path,
    out: Path,
    certificate: dict[str, Any],
    key: SigningKey | None,
    key_file: Path | None,
) -> Path:
    """Assemble the package beside ``out``, check its copy of the run, then move it in place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-", dir=out.parent) as scratch:
        package = Path(scratch) / "package"
        shutil.copytree(run_dir, package / RUN_FOLDER)
        copied = verify_run(package / RUN_FOLDER, key_file)
        if not copied.ok:  # the copy must verify as the original did
            raise UsageError(f"the copy of {run_dir} does not verify: {copied.problems[0]}")
        certificate["files"] = {
            p.relative_to(package).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((package / RUN_FOLDER).rglob("*"))
            if p.is_file()
        }
        data = json_bytes(certificate, indent=2) + b"\n"
        (package / CERTIFICATE_FILE).write_bytes(data)
        (package / "CERTIFICATE.md").write_text(_markdown(certificate), encoding="utf-8")
        if key is not None:
            (package / CERTIFICATE_SIGNATURE).write_bytes(encode_signature(key.sign(data)))
            (package / CERTIFIER_KEY).write_bytes(public_pem(key.public))
        if out.suffix == ".zip":
            _zip(package, Path(scratch) / out.name)
            (Path(scratch) / out.name).replace(out)
        else:
            if out.is_dir():
                out.rmdir()  # empty (checked first)
            package.replace(out)
    return out


def _zip(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(folder).as_posix())


def _markdown(certificate: dict[str, Any]) -> str:
    """CERTIFICATE.md: the certificate for a person (every value from certificate.json)."""
    run = certificate["run"]
    lines = [
        f"# Conformance certificate: {md_text(str(certificate['platform']['name']))}",
        "",
        md_text(certificate["statement"]),
        "",
        f"- Platform: {md_text(str(certificate['platform']['name']))} "
        f"at {md_text(str(certificate['platform']['base_url']))}",
        f"- Run: {run['run_id']} ({run['started_at']} to {run['finished_at']}, "
        f"seed {run['seed']}, selection: {md_text(run['selection'])})",
        f"- Suite: {certificate['suite_version']}; specs: "
        + ", ".join(f"{s['standard']} {s['version']}" for s in certificate["specs"]),
        f"- Run signed by: {certificate['verification']['signer']}"
        + (
            " (the key the certifier pinned)"
            if certificate["verification"]["pinned"]
            else " (the key in the run's directory: it shows nothing changed, not who signed)"
        ),
        f"- Issued: {certificate['issued_at']}",
        "",
        "| requirement | level | profile | outcome |",
        "|---|---|---|---|",
        *(
            f"| {r['id']} | {r['level']} | {md_text(r['profile'])} | {r['outcome']} |"
            for r in certificate["requirements"]
        ),
        "",
        "Check the run with `conformance verify run` (pin the signer's key with `--key`).",
        "",
    ]
    return "\n".join(lines)
