"""``conformance certify``: a package for a run that verifies with every claimed MUST passed; none otherwise.

Real runs of the COMMON standard against the reference: one clean, one
with ``silent-deprecation`` in front (C-005, a MUST, fails), one narrowed
to a single requirement.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance._harness.certify import EXIT_CERTIFIED, EXIT_REFUSED, EXIT_USAGE
from conformance._harness.cli import main
from conformance._harness.options import Options
from conformance._harness.runner import run
from conformance._harness.signing import decode_signature, parse_public_pem, signature_holds
from conformance._harness.target import Target
from conformance.faults.catalog import load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

COMMON_MUSTS = ("C-001", "C-002", "C-003", "C-005")
SEALED = {"report.json", "evidence.jsonl", "manifest.json", "manifest.sig", "signing-key.pub.pem"}


def _run(target: Target, reports: Path, options: Options, fault: str = "") -> Path:
    options = dataclasses.replace(options, report_dir=reports, seed=20261205)
    if not fault:
        return reports / run(target, options=options).run_id
    named = next(f for f in load_faults() if f.name == fault)
    with FaultProxy(upstream(target, named.front), named) as proxy:
        faulty = dataclasses.replace(behind(target, named.front, proxy.base_url), name=target.name)
        return reports / run(faulty, options=options).run_id


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """name -> run directory: ``passing``, ``faulted`` (C-005 fails), ``narrowed``."""
    root = tmp_path_factory.mktemp("certify")
    common = Options(standards=("COMMON",))
    with ReferencePlatform(data_dir=root / "platform", part_size=4096) as platform:
        target = reference_target(platform)
        yield {
            "passing": _run(target, root / "reports", common),
            "faulted": _run(target, root / "reports", common, "silent-deprecation"),
            "narrowed": _run(target, root / "reports", Options(requirements=("C-005",))),
        }


def _certify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["certify", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def test_a_passing_run_becomes_a_package_whose_run_still_verifies(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    package = tmp_path / "package"
    code, out, _ = _certify(capsys, str(runs["passing"]), "--out", str(package))
    assert code == EXIT_CERTIFIED, out
    assert out.splitlines()[-1] == f"CERTIFIED: COMMON of reference; package written to {package}"
    assert {p.name for p in package.iterdir()} == {"run", "certificate.json", "CERTIFICATE.md"}
    files = {p.name for p in runs["passing"].iterdir()}
    assert SEALED <= files and {p.name for p in (package / "run").iterdir()} == files
    certificate = json.loads((package / "certificate.json").read_text(encoding="utf-8"))
    report = json.loads((runs["passing"] / "report.json").read_text(encoding="utf-8"))
    assert certificate["suite_version"] == report["suite_version"]
    assert certificate["specs"] == [s for s in report["specs"] if s["standard"] == "COMMON"]
    assert certificate["claims"] == [{"standard": "COMMON", "profiles": ["core"]}]
    assert certificate["run"]["run_id"] == report["run_id"]
    outcomes = {r["id"]: (r["level"], r["outcome"]) for r in certificate["requirements"]}
    assert {rid for rid, (level, _) in outcomes.items() if level == "MUST"} == set(COMMON_MUSTS)
    assert all(outcome == "pass" for _, outcome in outcomes.values())
    assert certificate["verification"]["signer"].startswith("Ed25519 ")
    for name, digest in certificate["files"].items():
        assert hashlib.sha256((package / name).read_bytes()).hexdigest() == digest
    assert set(certificate["files"]) == {f"run/{name}" for name in files}
    markdown = (package / "CERTIFICATE.md").read_text(encoding="utf-8")
    assert "| C-005 | MUST | core | pass |" in markdown
    capsys.readouterr()
    assert main(["verify", str(package / "run")]) == 0


def test_a_zip_package_signed_by_the_certifier(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["keygen", "--out", str(tmp_path / "keys")]) == 0
    archive = tmp_path / "cert.zip"
    code, out, _ = _certify(
        capsys,
        str(runs["passing"]),
        "--out",
        str(archive),
        "--signing-key",
        str(tmp_path / "keys" / "signing-key.pem"),
        "--key",
        str(runs["passing"] / "signing-key.pub.pem"),
    )
    assert code == EXIT_CERTIFIED, out
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
        data = zipped.read("certificate.json")
        signature = decode_signature(zipped.read("certificate.sig"))
        key = parse_public_pem(zipped.read("certifier.pub.pem"))
    assert names == {f"run/{p.name}" for p in runs["passing"].iterdir()} | {
        "certificate.json",
        "CERTIFICATE.md",
        "certificate.sig",
        "certifier.pub.pem",
    }
    assert key is not None and signature is not None and signature_holds(key, signature, data)
    assert json.loads(data)["verification"]["pinned"] is True
    assert not signature_holds(key, signature, data.replace(b"pass", b"fail", 1))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "scratch left"


def test_a_run_with_a_failed_claimed_must_is_refused_naming_it(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    package = tmp_path / "package"
    code, out, _ = _certify(capsys, str(runs["faulted"]), "--out", str(package))
    assert code == EXIT_REFUSED
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("  ")] == [
        "  C-005 MUST did not pass: fail: deprecated operations do not answer as C-005 requires"
    ]
    assert lines[-1] == f"NOT CERTIFIED: {runs['faulted']}: 1 reason(s) above; nothing written"
    assert not package.exists()


def test_a_run_changed_after_it_was_sealed_is_refused(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(runs["passing"], copy)
    report = json.loads((copy / "report.json").read_text(encoding="utf-8"))
    report["requirements"][0]["reason"] = "edited"
    (copy / "report.json").write_text(json.dumps(report), encoding="utf-8")
    code, out, _ = _certify(capsys, str(copy), "--out", str(tmp_path / "package"))
    assert code == EXIT_REFUSED
    assert f"  verify: {copy / 'report.json'}: changed since the run sealed it" in out
    assert not (tmp_path / "package").exists()


def test_a_run_narrowed_to_one_requirement_certifies_nothing(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = _certify(capsys, str(runs["narrowed"]), "--out", str(tmp_path / "p"))
    assert code == EXIT_REFUSED
    assert (
        "  the run was narrowed by --requirement (--requirement C-005), so no standard was "
        "judged whole. Fix: certify a whole run, or one narrowed by --standard only"
    ) in out


def test_usage_errors_exit_2_and_write_nothing(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x", encoding="utf-8")
    code, _, err = _certify(capsys, str(runs["passing"]), "--out", str(tmp_path / "taken"))
    assert code == EXIT_USAGE and "a package is never written over anything" in err
    code, _, err = _certify(capsys, str(tmp_path / "nowhere"), "--out", str(tmp_path / "p"))
    assert code == EXIT_USAGE and f"{tmp_path / 'nowhere'} does not exist" in err
    assert not (tmp_path / "p").exists()
