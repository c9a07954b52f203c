"""The headline says exactly what was decided: one verdict per run, one exit code per verdict."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.cli import (
    EXIT_CONFORMANT,
    EXIT_GARBAGE,
    EXIT_NOT_CONFORMANT,
    EXIT_UNDECIDED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    exit_code,
)
from conformance._harness.report.json_report import schema
from conformance._harness.results import (
    CheckResult,
    Outcome,
    RequirementInfo,
    RunResult,
    Selection,
    Verdict,
    fold,
)

CATALOGUE = Catalogue.load()
ALL = tuple(r.id for r in CATALOGUE)
CLAIMED = len(ALL)


def _run(outcomes: dict[str, Outcome], **fields: Any) -> RunResult:
    """A finished run in which each listed requirement ended with its outcome."""
    requirements = []
    for rid, outcome in outcomes.items():
        info: RequirementInfo = CATALOGUE.requirement(rid)
        check = CheckResult(
            rid, f"test_{rid}", outcome, f"{outcome.value} because", 0.1, ("ex-000001",)
        )
        requirements.append(fold(info, [check]))
    defaults: dict[str, Any] = {
        "run_id": "r",
        "suite_version": "0",
        "started_at": "2026-12-04T00:00:00Z",
        "finished_at": "2026-12-04T00:00:01Z",
        "target": {"name": "t", "base_url": "http://127.0.0.1:1"},
        "claims": {"standards": []},
        "specs": [],
        "seed": 1,
        "requirements": requirements,
        "claimed": ALL,
    }
    return RunResult(**(defaults | fields))


def _whole(**changes: Outcome) -> dict[str, Outcome]:
    outcomes = dict.fromkeys(ALL, Outcome.PASS)
    outcomes.update({k.replace("_", "-"): v for k, v in changes.items()})
    return outcomes


def test_a_whole_run_with_every_claimed_must_passing_is_conformant() -> None:
    result = _run(_whole())
    assert result.verdict() is Verdict.CONFORMANT and result.conformant()
    assert (
        result.headline()
        == f"CONFORMANT: every claimed MUST passes ({CLAIMED} requirements decided)"
    )
    assert exit_code(result) == EXIT_CONFORMANT


def test_a_failing_must_is_not_conformant_and_a_failing_should_is_not() -> None:
    result = _run(_whole(PORT_004=Outcome.FAIL, C_004=Outcome.FAIL))
    assert result.verdict() is Verdict.NOT_CONFORMANT
    assert result.headline() == "NOT CONFORMANT: claimed MUST failed: PORT-004"
    assert exit_code(result) == EXIT_NOT_CONFORMANT
    assert _run(_whole(C_004=Outcome.FAIL)).verdict() is Verdict.CONFORMANT


def test_errors_and_skips_without_a_failure_are_undecided() -> None:
    result = _run(_whole(C_003=Outcome.ERROR, PORT_002=Outcome.SKIP))
    assert result.verdict() is Verdict.UNDECIDED and not result.conformant()
    assert result.headline().startswith("UNDECIDED: no claimed MUST failed")
    assert "C-003, PORT-002" in result.headline()
    assert exit_code(result) == EXIT_UNDECIDED


def test_unclaimed_requirements_do_not_count() -> None:
    outcomes = _whole(**{r.replace("-", "_"): Outcome.NOT_CLAIMED for r in ALL if "LINK" in r})
    result = _run(outcomes, claimed=tuple(r for r in ALL if "LINK" not in r))
    assert result.verdict() is Verdict.CONFORMANT
    unclaimed = sum(1 for r in ALL if "LINK" in r)
    assert f"({CLAIMED - unclaimed} requirements decided)" in result.headline()


def test_a_narrowed_run_is_partial_never_conformant() -> None:
    result = _run(
        {"C-001": Outcome.PASS, "PORT-016": Outcome.PASS},
        selection=Selection(requirements=("C-001", "PORT-016")),
    )
    assert result.verdict() is Verdict.PARTIAL and not result.conformant()
    assert result.headline().startswith(
        f"PARTIAL: 2 of {CLAIMED} requirements decided (selection: --requirement C-001 --requirement PORT-016)"
    )
    assert "CONFORMANT" not in result.headline()
    assert exit_code(result) == EXIT_CONFORMANT  # documented: 0 for a clean partial run
    assert not result.failing()


def test_a_partial_run_with_a_failing_must_says_so_and_fails() -> None:
    result = _run({"PORT-015": Outcome.FAIL}, selection=Selection(requirements=("PORT-015",)))
    assert result.verdict() is Verdict.PARTIAL
    assert "claimed MUST failed: PORT-015, so the platform is not conformant" in result.headline()
    assert exit_code(result) == EXIT_NOT_CONFORMANT and result.failing()


def test_a_partial_run_with_an_undecided_must_says_so() -> None:
    result = _run({"PORT-002": Outcome.SKIP}, selection=Selection(requirements=("PORT-002",)))
    assert "undecided: PORT-002" in result.headline()
    assert exit_code(result) == EXIT_UNDECIDED and result.failing()


def test_deselected_checks_make_a_run_partial_and_their_skips_are_not_undecided() -> None:
    outcomes = _whole(PORT_001=Outcome.SKIP)
    result = _run(outcomes, selection=Selection(deselected=("PORT-001",)))
    assert result.verdict() is Verdict.PARTIAL
    assert result.headline().startswith(
        f"PARTIAL: {CLAIMED - 1} of {CLAIMED} requirements decided (selection: -k/-m deselected checks of 1 requirement(s))"
    )
    assert exit_code(result) == EXIT_CONFORMANT


def test_a_selection_that_covers_every_claim_is_a_whole_run() -> None:
    claimed = tuple(r for r in ALL if r.startswith(("C-", "PORT-")))
    outcomes = {rid: Outcome.PASS for rid in claimed}
    result = _run(outcomes, claimed=claimed, selection=Selection(standards=("PORT",)))
    assert result.verdict() is Verdict.CONFORMANT


@pytest.mark.parametrize(
    ("fields", "verdict", "start", "code"),
    [
        (
            {"configuration_error": "t.yaml: credentials.first_party.alice.token_env: refused"},
            Verdict.CONFIGURATION_ERROR,
            "CONFIGURATION ERROR: t.yaml: credentials.first_party.alice.token_env",
            EXIT_USAGE,
        ),
        (
            {"unreachable": "connection refused", "claimed": None, "claims": None},
            Verdict.UNREACHABLE,
            "UNREACHABLE: nothing answered at http://127.0.0.1:1: connection refused",
            EXIT_UNREACHABLE,
        ),
        (
            {"discovery_problem": "not JSON", "claimed": None, "claims": None},
            Verdict.NO_DISCOVERY,
            "NO DISCOVERY: the target answered, but not with a usable discovery document: not JSON",
            EXIT_GARBAGE,
        ),
    ],
    ids=["configuration", "unreachable", "no-discovery"],
)
def test_runs_that_could_not_judge_the_platform_say_why(
    fields: dict[str, Any], verdict: Verdict, start: str, code: int
) -> None:
    result = _run({}, **fields)
    assert result.verdict() is verdict and result.headline().startswith(start)
    assert exit_code(result) == code and result.failing()
    assert result.to_json()["summary"]["problem"]


def test_report_json_records_the_selection_and_verdict_and_validates() -> None:
    result = _run(
        {"PORT-015": Outcome.FAIL},
        selection=Selection(profiles=("core",), requirements=("PORT-015",)),
    )
    document = result.to_json()
    jsonschema.validate(document, schema())
    assert document["schema_version"] == "2.0"
    assert document["selection"] == {
        "standards": [],
        "profiles": ["core"],
        "requirements": ["PORT-015"],
        "deselected": [],
        "description": "--profile core --requirement PORT-015",
        "read_only": False,
        "writes": [],
    }
    summary = document["summary"]
    assert (summary["verdict"], summary["conformant"]) == ("partial", False)
    assert (summary["decided"], summary["claimed"]) == (1, CLAIMED)


def test_the_schema_refuses_a_pass_without_evidence() -> None:
    document = _run({"C-001": Outcome.PASS}).to_json()
    jsonschema.validate(document, schema())
    broken = copy.deepcopy(document)
    broken["requirements"][0]["evidence"] = []
    with pytest.raises(jsonschema.ValidationError, match="should be non-empty"):
        jsonschema.validate(broken, schema())
    broken = copy.deepcopy(document)
    broken["requirements"][0]["checks"][0]["evidence"] = []
    with pytest.raises(jsonschema.ValidationError, match="should be non-empty"):
        jsonschema.validate(broken, schema())
