"""``conformance diff`` and ``--tolerate`` on pairs of real reports.

Three narrowed runs against one reference platform, each a real run with
its reports written: clean, with ``deletes-forgotten`` in front (PORT-015
fails), and with ``silent-deprecation`` in front of a different selection
(C-005 fails, C-004 is new, PORT-015 is gone). Every comparison below is
between two of them, through the command line a CI job would use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance._harness.cli import main
from conformance._harness.diff import (
    EXIT_NO_NEW_FAILURE,
    EXIT_NOT_COMPARABLE,
    EXIT_REGRESSED,
    EXIT_USAGE,
    Kind,
    Side,
    compare,
    load_report,
)
from conformance._harness.options import Options
from conformance._harness.runner import run
from conformance._harness.target import Target
from conformance._harness.tolerate import load_tolerations
from conformance.faults.catalog import load_faults
from conformance.faults.fronts import behind, upstream
from conformance.faults.proxy import FaultProxy
from conformance.reference.server import ReferencePlatform
from conformance.reference.target import reference_target

SEED = 20261205
CLEAN_SELECTION = ("PORT-015", "C-005")
CHECK_015 = "port/test_changes.py::test_deleted_record_is_gone_and_its_references_are_removed"


def _run(target: Target, requirements: tuple[str, ...], reports: Path, fault: str = "") -> Path:
    """One real run (behind the named fault, if any); returns its report directory."""
    options = Options(requirements=requirements, report_dir=reports, seed=SEED, examples=2)
    if not fault:
        result = run(target, options=options)
    else:
        named = next(f for f in load_faults() if f.name == fault)
        with FaultProxy(upstream(target, named.front), named) as proxy:
            faulty = dataclasses.replace(
                behind(target, named.front, proxy.base_url), name=target.name
            )
            result = run(faulty, options=options)
    return reports / result.run_id


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """name -> run directory: ``clean``, ``deletes`` (PORT-015 fails), ``deprecation``."""
    root = tmp_path_factory.mktemp("diff")
    with ReferencePlatform(data_dir=root / "platform", part_size=4096) as platform:
        target = reference_target(platform)
        yield {
            "clean": _run(target, CLEAN_SELECTION, root / "reports"),
            "deletes": _run(target, CLEAN_SELECTION, root / "reports", "deletes-forgotten"),
            "deprecation": _run(target, ("C-005", "C-004"), root / "reports", "silent-deprecation"),
        }


def _diff(
    capsys: pytest.CaptureFixture[str], baseline: Path, new: Path, *extra: str
) -> tuple[int, str, str]:
    code = main(["diff", str(baseline), str(new), *extra])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def _outcome(run_dir: Path, rid: str) -> str:
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    return next(r["outcome"] for r in report["requirements"] if r["id"] == rid)


def test_the_runs_are_what_the_comparisons_assume(runs: dict[str, Path]) -> None:
    assert (_outcome(runs["clean"], "PORT-015"), _outcome(runs["clean"], "C-005")) == (
        "pass",
        "pass",
    )
    assert _outcome(runs["deletes"], "PORT-015") == "fail"
    assert _outcome(runs["deletes"], "C-005") == "pass"
    assert _outcome(runs["deprecation"], "C-005") == "fail"
    assert _outcome(runs["deprecation"], "C-004") == "pass"


def test_a_fault_switched_on_is_a_regression_of_the_requirement_and_its_check(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = _diff(
        capsys, runs["clean"], runs["deletes"], "--json", str(tmp_path / "diff.json")
    )
    assert code == EXIT_REGRESSED
    section = out.split("REGRESSIONS (1): did not fail in the baseline, fail now")[1]
    assert "PORT-015   MUST      pass -> fail" in section
    assert f"check {CHECK_015}: pass -> fail" in section
    assert "Replay: conformance run" in section, "a regression's whole reason is shown"
    assert "C-005" not in section.split("\n\n")[0]
    assert out.splitlines()[-1] == ("REGRESSED: PORT-015 fail now and did not in the baseline")
    data = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    assert data["exit_code"] == EXIT_REGRESSED
    (change,) = data["changes"]
    assert (change["id"], change["kind"], change["before"], change["after"]) == (
        "PORT-015",
        "regression",
        "pass",
        "fail",
    )
    assert change["checks"] == [{"check": CHECK_015, "before": "pass", "after": "fail"}]


def test_switching_the_fault_off_is_a_fix_and_passes_the_gate(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _diff(capsys, runs["deletes"], runs["clean"])
    assert code == EXIT_NO_NEW_FAILURE
    assert "FIXED (1): failed in the baseline, pass now" in out
    assert "PORT-015   MUST      fail -> pass" in out
    assert "REGRESSIONS" not in out
    assert out.splitlines()[-1] == "NO NEW FAILURES"


def test_an_unchanged_failure_does_not_fail_the_gate(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # A run's directory against its own report.json: either form is accepted.
    code, out, _ = _diff(capsys, runs["deletes"], runs["deletes"] / "report.json")
    assert code == EXIT_NO_NEW_FAILURE
    assert "UNCHANGED FAILURES (1): failed in both" in out
    assert "PORT-015   MUST      fail -> fail" in out
    assert "0 regression(s), 0 tolerated, 0 fixed, 1 unchanged failure(s)" in out


def test_requirements_in_one_run_only_are_new_or_removed(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _diff(capsys, runs["clean"], runs["deprecation"])
    assert code == EXIT_REGRESSED  # C-005 passed in the baseline and fails now
    assert "C-005      MUST      pass -> fail" in out.split("REGRESSIONS (1)")[1]
    assert "C-004      SHOULD    (absent) -> pass" in out.split("NEW (1): only in the new run")[1]
    removed = out.split("REMOVED (1): only in the baseline")[1]
    assert "PORT-015   MUST      pass -> (absent)" in removed
    assert (
        "note: the runs selected differently: baseline '--requirement PORT-015 --requirement "
        "C-005', new '--requirement C-005 --requirement C-004'"
    ) in out
    code, out, _ = _diff(capsys, runs["deprecation"], runs["clean"])
    assert code == EXIT_NO_NEW_FAILURE
    assert "PORT-015   MUST      (absent) -> pass" in out.split("NEW (1)")[1]
    assert "C-004      SHOULD    pass -> (absent)" in out.split("REMOVED (1)")[1]


def test_a_tolerated_regression_passes_the_gate_until_its_expiry_date(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tolerate = tmp_path / "tolerate.yaml"
    tolerate.write_text(
        "- requirement: PORT-015\n"
        "  reason: deletes are queued until PLAT-812 ships\n"
        "  expires: 2999-01-01\n",
        encoding="utf-8",
    )
    code, out, _ = _diff(capsys, runs["clean"], runs["deletes"], "--tolerate", str(tolerate))
    assert code == EXIT_NO_NEW_FAILURE
    tolerated = out.split(f"TOLERATED (1): regressions {tolerate} accepts")[1]
    assert (
        "PORT-015   MUST      pass -> fail  accepted until 2999-01-01: "
        "deletes are queued until PLAT-812 ships"
    ) in tolerated
    assert "REGRESSIONS" not in out
    assert out.splitlines()[-1] == "NO NEW FAILURES (1 tolerated)"

    tolerate.write_text(
        "- {requirement: PORT-015, reason: deletes are queued, expires: 2020-01-01}\n",
        encoding="utf-8",
    )
    code, out, _ = _diff(capsys, runs["clean"], runs["deletes"], "--tolerate", str(tolerate))
    assert code == EXIT_REGRESSED
    assert "PORT-015   MUST      pass -> fail  (its toleration expired 2020-01-01)" in out
    expired = out.split("EXPIRED TOLERATIONS (1): no longer accept a failure")[1]
    assert f"PORT-015   expired 2020-01-01 ({tolerate}: [0]): deletes are queued" in expired


def test_an_entry_for_a_requirement_that_does_not_fail_is_reported_unused(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tolerate = tmp_path / "tolerate.yaml"
    tolerate.write_text(
        "- {requirement: c-005, reason: old problem, expires: 2999-01-01}\n", encoding="utf-8"
    )
    code, out, _ = _diff(capsys, runs["clean"], runs["deletes"], "--tolerate", str(tolerate))
    assert code == EXIT_REGRESSED  # C-005's entry accepts nothing of PORT-015
    assert "UNUSED TOLERATIONS (1): the requirement does not fail now" in out
    assert f"C-005      ({tolerate}: [0]): remove the entry" in out


def test_an_entry_is_in_force_before_its_date_and_expired_on_it(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    tolerate = tmp_path / "tolerate.yaml"
    tolerate.write_text(
        "- {requirement: PORT-015, reason: r, expires: 2027-03-01}\n", encoding="utf-8"
    )
    entries = load_tolerations(tolerate)
    baseline, new = load_report(runs["clean"], "baseline"), load_report(runs["deletes"], "new")
    before = compare(baseline, new, entries, today=dt.date(2027, 2, 28))
    on = compare(baseline, new, entries, today=dt.date(2027, 3, 1))
    assert [c.id for c in before.of(Kind.TOLERATED)] == ["PORT-015"]
    assert before.exit_code() == EXIT_NO_NEW_FAILURE and not before.expired
    assert [c.id for c in on.of(Kind.REGRESSION)] == ["PORT-015"]
    assert on.exit_code() == EXIT_REGRESSED and on.expired == entries


@pytest.mark.parametrize(
    ("content", "key", "fix"),
    [
        ("requirement: PORT-015\n", "(top level)", "make the file a YAML list"),
        ("- [PORT-015]\n", "[0]", "write - {requirement: PORT-004"),
        ("- {requirement: PORT-015, expires: 2027-01-01}\n", "[0].reason", "every entry has"),
        ("- {requirement: PORT-15, reason: r, expires: 2027-01-01}\n", "[0].requirement", "use an ID"),
        ("- {requirement: PORT-015, reason: r, expires: soon}\n", "[0].expires", "YYYY-MM-DD"),
        ("- {requirement: PORT-015, reason: r, expires: 2027-01-01, until: x}\n", "[0].until", "use only"),
        (
            "- {requirement: PORT-015, reason: r, expires: 2027-01-01}\n"
            "- {requirement: PORT-015, reason: s, expires: 2027-01-01}\n",
            "[1].requirement",
            "keep one entry per requirement",
        ),
        ("- {requirement: PORT-015, reason: [unclosed\n", "line 2", "write - {requirement"),
    ],
)  # fmt: skip
def test_a_malformed_tolerate_file_names_the_file_the_key_and_the_fix(
    runs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: str,
    key: str,
    fix: str,
) -> None:
    tolerate = tmp_path / "tolerate.yaml"
    tolerate.write_text(content, encoding="utf-8")
    code, out, err = _diff(capsys, runs["clean"], runs["deletes"], "--tolerate", str(tolerate))
    assert code == EXIT_USAGE
    assert err.startswith(f"conformance: error: {tolerate}: {key}: "), err
    assert "Fix: " in err and fix in err.split("Fix: ")[1], err
    assert out == "", "nothing is compared with a broken tolerate file"


def test_a_path_that_is_not_a_report_is_a_usage_error(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _diff(capsys, tmp_path / "nowhere", runs["clean"])
    assert code == EXIT_USAGE
    assert f"baseline {tmp_path / 'nowhere'}: does not exist. Fix: give a run's directory" in err
    reports = runs["clean"].parent
    code, _, err = _diff(capsys, runs["clean"], reports)
    assert code == EXIT_USAGE
    assert "holds runs (" in err and "Fix: give one of them" in err
    (tmp_path / "report.json").write_text('{"run_id": 1}', encoding="utf-8")
    code, _, err = _diff(capsys, runs["clean"], tmp_path)
    assert code == EXIT_USAGE and "not a report of schema 2.0" in err


def test_a_new_run_that_judged_nothing_is_not_comparable(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    # The report a refused token leaves (tests/test_cli.py makes one): nothing judged.
    report = json.loads((runs["clean"] / "report.json").read_text(encoding="utf-8"))
    report["requirements"] = []
    report["summary"] |= {
        "verdict": "configuration-error",
        "headline": "CONFIGURATION ERROR: the platform refused a token",
    }
    broken = Side(tmp_path / "report.json", report)
    found = compare(load_report(runs["clean"], "baseline"), broken)
    assert found.exit_code() == EXIT_NOT_COMPARABLE
    assert found.not_comparable == (
        "the new run decided nothing to compare: CONFIGURATION ERROR: the platform refused a token"
    )
