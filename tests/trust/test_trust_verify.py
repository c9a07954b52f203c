"""``conformance verify`` catches any change to a sealed run, and says where.

One real run (the reference behind a fault proxy: PORT-015 fails, C-001
passes), signed with a key from ``conformance keygen``, is copied and
changed: by hand (an outcome turned fail→pass, ``conformant`` set true, the
last exchange edited, an exchange cited that is not there, the bundle
re-sealed by another key) and by hypothesis (random bytes flipped, random
fields edited, exchanges removed, added, duplicated or reordered).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conformance._harness.cli import main
from conformance._harness.manifest import MANIFEST_FILE, SIGNATURE_FILE
from conformance._harness.options import Options
from conformance._harness.runner import run
from conformance._harness.signing import PUBLIC_KEY_FILE, encode_signature, generate, public_pem
from conformance._harness.verify import verify_run
from conformance.faults.catalog import load_faults
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

Bundle = tuple[Path, Path]
"""A sealed run's directory, and the public key that signed it."""


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    root = tmp_path_factory.mktemp("sealed")
    assert main(["keygen", "--out", str(root / "keys")]) == 0
    fault = next(f for f in load_faults() if f.name == "deletes-forgotten")
    with (
        ReferencePlatform(data_dir=root / "reference") as platform,
        FaultProxy(platform.base_url, fault) as proxy,
    ):
        target = replace(reference_target(platform), base_url=proxy.base_url)
        options = Options(
            requirements=("PORT-015", "C-001"),
            report_dir=root / "reports",
            signing_key=root / "keys" / "signing-key.pem",
        )
        run(target, options=options)
    (run_dir,) = (root / "reports").iterdir()
    return run_dir, root / "keys" / "signing-key.pub.pem"


@pytest.fixture
def copy(sealed: Bundle, tmp_path: Path) -> Path:
    """A copy of the sealed run to change."""
    return Path(shutil.copytree(sealed[0], tmp_path / "run"))


def _verify(directory: Path, key: Path | None, capsys: pytest.CaptureFixture[str]) -> str:
    """``conformance verify``'s output; asserts it exits 1 (not verified)."""
    args = ["verify", str(directory), *(["--key", str(key)] if key else [])]
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert code == 1, out.out
    assert out.out.splitlines()[-1].startswith("NOT VERIFIED")
    return out.out


def _edit_json(path: Path, edit: Callable[[Any], None]) -> None:
    document = json.loads(path.read_bytes())
    edit(document)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_a_sealed_run_verifies_against_the_pinned_key(
    sealed: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir, key = sealed
    assert main(["verify", str(run_dir), "--key", str(key)]) == 0
    assert "VERIFIED" in capsys.readouterr().out.splitlines()[-1]
    assert main(["verify", str(run_dir)]) == 0
    assert "not who sealed it: pin a key you trust with --key" in capsys.readouterr().out
    manifest = json.loads((run_dir / MANIFEST_FILE).read_bytes())
    assert manifest["key"]["origin"] == "supplied"
    assert manifest["outcomes"] == {"C-001": "pass", "PORT-015": "fail"}
    assert set(manifest["files"]) == {
        "report.json",
        "junit.xml",
        "index.html",
        "evidence.jsonl",
        PUBLIC_KEY_FILE,
    }
    lines = (run_dir / "evidence.jsonl").read_bytes().splitlines()
    assert manifest["evidence"] == {
        "file": "evidence.jsonl",
        "records": len(lines),
        "head": hashlib.sha256(lines[-1]).hexdigest(),
    }
    assert {"started_at", "finished_at", "sealed_at"} <= set(manifest["clock"])
    assert {"suite_version", "specs", "target", "claims", "seed", "verdict"} <= set(manifest)


def test_an_outcome_turned_from_fail_to_pass_is_caught(
    sealed: Bundle, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def flatter(report: Any) -> None:
        for requirement in report["requirements"]:
            requirement["outcome"] = "pass"
        report["summary"] |= {"conformant": True, "verdict": "conformant"}

    _edit_json(copy / "report.json", flatter)
    out = _verify(copy, sealed[1], capsys)
    assert "report.json: PORT-015 is pass; the signed manifest says fail" in out
    assert "report.json: summary.conformant is true; the signed manifest says false" in out
    assert "report.json: changed since the run sealed it" in out


def test_the_last_exchange_changed_is_caught_at_its_line(
    sealed: Bundle, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy / "evidence.jsonl"
    lines = path.read_bytes().splitlines()
    lines[-1] = lines[-1].replace(b'"duration_s": ', b'"duration_s": 1', 1)
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = _verify(copy, sealed[1], capsys)
    assert f"evidence.jsonl:{len(lines)}: this line (the last) was changed" in out


def test_a_changed_exchange_is_named_at_its_own_line(
    sealed: Bundle, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy / "evidence.jsonl"
    lines = path.read_bytes().splitlines()
    lines[4] = lines[4].replace(b'"GET"', b'"HEAD"', 1)
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert "evidence.jsonl:5: the line was changed" in _verify(copy, sealed[1], capsys)


def test_a_report_citing_an_exchange_not_in_the_evidence_is_caught(
    sealed: Bundle, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit_json(copy / "report.json", lambda r: r["requirements"][0]["evidence"].append("ex-999999"))
    out = _verify(copy, sealed[1], capsys)
    assert "cites exchanges that are not in evidence.jsonl: ex-999999" in out


def test_a_run_resealed_by_another_key_fails_against_the_pinned_key(
    sealed: Bundle, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever changes the report and signs again with a key of their own is caught by a pin."""
    _edit_json(copy / "report.json", lambda r: r["requirements"][0].update(outcome="pass"))
    forger = generate()
    (copy / PUBLIC_KEY_FILE).write_bytes(public_pem(forger.public))

    def reseal(manifest: Any) -> None:
        for name in manifest["files"]:
            manifest["files"][name] = hashlib.sha256((copy / name).read_bytes()).hexdigest()
        manifest["outcomes"] = {
            r["id"]: r["outcome"]
            for r in json.loads((copy / "report.json").read_bytes())["requirements"]
        }

    _edit_json(copy / MANIFEST_FILE, reseal)
    (copy / SIGNATURE_FILE).write_bytes(
        encode_signature(forger.sign((copy / MANIFEST_FILE).read_bytes()))
    )
    out = _verify(copy, sealed[1], capsys)
    assert "does not hold for the key you pinned (--key)" in out
    # Without a pin the forgery is consistent: verify says it cannot tell who sealed it.
    assert main(["verify", str(copy)]) == 0
    assert "not who sealed it" in capsys.readouterr().out


def test_added_and_removed_files_are_caught(
    sealed: Bundle, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (copy / "junit.xml").unlink()
    (copy / "notes.txt").write_text("added later\n")
    out = _verify(copy, sealed[1], capsys)
    assert "junit.xml: missing (the manifest signs its SHA-256)" in out
    assert "notes.txt: not part of the sealed run (added)" in out


@pytest.mark.parametrize("make", [lambda p: p / "nowhere", lambda p: p / "a-file"])
def test_a_missing_folder_is_a_clear_error(
    make: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    assert main(["verify", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "conformance: error:" in err and "Fix: give the directory of one run" in err
    assert "Traceback" not in err


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keygen", "--out", str(tmp_path / "k")]) == 0
    assert (tmp_path / "k" / "signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k" / "signing-key.pub.pem").read_bytes().startswith(b"-----BEGIN PUBLIC")
    assert main(["keygen", "--out", str(tmp_path / "k")]) == 2
    assert "is never overwritten" in capsys.readouterr().err


def test_an_unusable_signing_key_is_a_usage_error_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "key.pem").write_text("not a key")
    code = main(["run", "--signing-key", str(tmp_path / "key.pem"), "--report-dir", str(tmp_path)])
    assert code == 2
    assert "not an unencrypted PEM private key" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tmp_path / "key.pem"]


# -- any change at all: hypothesis ---------------------------------------------------------


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return document


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2**40), st.text(max_size=12), st.just("pass")
)


@st.composite
def changes(draw: st.DrawFn) -> Callable[[Path], None]:
    """One change to a run's directory, of any kind."""
    kind = draw(
        st.sampled_from(["flip", "field", "line-field", "remove", "duplicate", "swap", "truncate"])
    )
    name = draw(
        st.sampled_from(
            [
                "report.json",
                "junit.xml",
                "index.html",
                "evidence.jsonl",
                MANIFEST_FILE,
                SIGNATURE_FILE,
                PUBLIC_KEY_FILE,
            ]
        )
    )
    at, other, mask = (
        draw(st.integers(0, 2**32)),
        draw(st.integers(0, 2**32)),
        draw(st.integers(1, 255)),
    )
    value = draw(_VALUES)

    def change(directory: Path) -> None:
        evidence = directory / "evidence.jsonl"
        lines = evidence.read_bytes().splitlines()
        if kind == "flip":
            data = bytearray((directory / name).read_bytes())
            data[at % len(data)] ^= mask
            (directory / name).write_bytes(bytes(data))
        elif kind == "truncate":
            data = (directory / name).read_bytes()
            (directory / name).write_bytes(data[: at % len(data)])
        elif kind == "field":
            target = name if name in ("report.json", MANIFEST_FILE) else "report.json"
            document = json.loads((directory / target).read_bytes())
            leaves = list(_leaves(document))
            _set(document, leaves[at % len(leaves)], value)
            (directory / target).write_text(
                json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            )
        elif kind == "line-field":
            i = at % len(lines)
            record = json.loads(lines[i])
            leaves = list(_leaves(record))
            lines[i] = json.dumps(
                _set(record, leaves[other % len(leaves)], value), ensure_ascii=False
            ).encode()
        elif kind == "remove":
            del lines[at % len(lines)]
        elif kind == "duplicate":
            i = at % len(lines)
            lines.insert(other % (len(lines) + 1), lines[i])
        elif kind == "swap":
            i, j = at % len(lines), other % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        if kind in ("line-field", "remove", "duplicate", "swap"):
            evidence.write_bytes(b"".join(line + b"\n" for line in lines))

    return change


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(change=changes(), pinned=st.booleans())
def test_any_change_to_a_sealed_run_is_caught(
    sealed: Bundle, change: Callable[[Path], None], pinned: bool
) -> None:
    run_dir, key = sealed
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(shutil.copytree(run_dir, Path(scratch) / "run"))
        before = {p.name: p.read_bytes() for p in copy.iterdir()}
        change(copy)
        after = {p.name: p.read_bytes() for p in copy.iterdir()}
        assume(after != before)
        found = verify_run(copy, key if pinned else None)
        assert not found.ok, "a change went unnoticed"
        assert found.problems
