"""The pytest plugin, driven the way users drive it: ``pytest --pyargs conformance.checks``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance._harness.catalogue import Catalogue
from conformance._harness.report.outputs import run_dirs
from conformance.faults.base import Exchange, ProxyRequest, ProxyResponse, Transform
from conformance.faults.catalog import Fault, load_faults
from conformance.faults.proxy import FaultProxy
from conformance.faults.transforms import TRANSFORMS
from conformance.faults.transforms.common import problem
from conformance.reference.server import ReferencePlatform

CLAIMED = sum(1 for _ in Catalogue.load())
"""Every requirement of the catalogue: the reference claims them all."""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        "--pyargs", "conformance.checks", "-p", "no:cacheprovider", *args
    )


def test_checks_pass_against_the_reference(
    pytester: pytest.Pytester, target_file: Callable[..., Path], tmp_path: Path
) -> None:
    result = _run(
        pytester,
        "--target",
        str(target_file()),
        "--requirement",
        "C-001",
        "--requirement",
        "PORT-016",
        "--report-dir",
        str(tmp_path / "reports"),
    )
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"PARTIAL: 2 of {CLAIMED} requirements decided (selection: *"])
    (run_dir,) = (tmp_path / "reports").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in report["requirements"]] == ["C-001", "PORT-016"]
    assert report["selection"]["requirements"] == ["C-001", "PORT-016"]
    assert all(r["evidence"] for r in report["requirements"])


def test_a_failing_must_fails_the_pytest_run(
    pytester: pytest.Pytester, target_file: Callable[..., Path], reference: ReferencePlatform
) -> None:
    fault = next(f for f in load_faults() if f.name == "media-store-trusts-path")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--requirement",
            "PORT-016",
        )
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_failing_should_is_reported_but_does_not_fail_the_run(
    pytester: pytest.Pytester, target_file: Callable[..., Path], reference: ReferencePlatform
) -> None:
    fault = next(f for f in load_faults() if f.name == "no-rate-limit-headers")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--requirement",
            "C-004",
        )
    result.assert_outcomes(xfailed=1)
    assert result.ret == pytest.ExitCode.OK


class _ClaimOnly(Transform):
    """Rewrites the discovery document to claim only PORT's core profile."""

    def on_response(
        self, exchange: Exchange, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse:
        if request.path == "/.well-known/interop":
            body = json.loads(response.body)
            body["standards"] = [{"id": "PORT", "version": "1.0", "profiles": ["core"]}]
            response.body = json.dumps(body).encode()
        return response


def test_unclaimed_profiles_are_not_claimed_never_pass(
    pytester: pytest.Pytester,
    target_file: Callable[..., Path],
    reference: ReferencePlatform,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setitem(TRANSFORMS, "claim_core_only", _ClaimOnly)
    fault = Fault("claims-core-only", (), "test only", "claim_core_only")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--requirement",
            "PORT-009",
            "--requirement",
            "PORT-012",
            "--report-dir",
            str(tmp_path / "r"),
            "-rs",
        )
    result.assert_outcomes(skipped=2)
    assert "not-claimed" in result.stdout.str()
    (run_dir,) = (tmp_path / "r").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert {r["outcome"] for r in report["requirements"]} == {"not-claimed"}
    assert report["summary"]["verdict"] == "partial"
    assert report["summary"]["conformant"] is False
    assert report["summary"]["headline"].startswith("PARTIAL: 0 of 19 requirements decided")


def test_the_plugin_is_inert_without_a_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_nothing_to_do_with_us():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "conformance of" not in result.stdout.str()


def test_checks_without_a_target_say_so(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--requirement", "C-001")
    assert result.ret != pytest.ExitCode.OK
    assert "need a target" in result.stdout.str() + result.stderr.str()


def test_a_malformed_target_file_is_a_usage_error(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("base_url: nowhere\n", encoding="utf-8")
    result = _run(pytester, "--target", str(bad))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert str(bad) in result.stderr.str()


def test_checks_deselected_with_k_end_skip_not_error(
    pytester: pytest.Pytester, target_file: Callable[..., Path], tmp_path: Path
) -> None:
    result = _run(
        pytester,
        "--target",
        str(target_file()),
        "--standard",
        "PORT",
        "-k",
        "media_store",
        "--report-dir",
        str(tmp_path / "r"),
    )
    result.assert_outcomes(passed=1)
    (run_dir,) = (tmp_path / "r").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    outcomes = {r["id"]: r["outcome"] for r in report["requirements"]}
    assert outcomes["PORT-016"] == "pass"
    assert {o for rid, o in outcomes.items() if rid != "PORT-016"} == {"skip"}
    # Before the fix: "NOT CONFORMANT" with exit 0. Now PARTIAL, and 0 agrees with it.
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [f"PARTIAL: 1 of {CLAIMED} requirements decided (selection: --standard PORT -k/-m *"]
    )
    assert "NOT CONFORMANT" not in result.stdout.str()
    assert set(report["selection"]["deselected"]) == set(outcomes) - {"PORT-016"}
    assert report["summary"]["verdict"] == "partial"


def test_a_k_run_with_a_failing_must_is_partial_and_fails(
    pytester: pytest.Pytester, target_file: Callable[..., Path], reference: ReferencePlatform
) -> None:
    fault = next(f for f in load_faults() if f.name == "media-store-trusts-path")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--standard",
            "PORT",
            "-k",
            "media_store",
        )
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [f"PARTIAL: 1 of {CLAIMED} requirements decided (*; claimed MUST failed: PORT-016, *"]
    )


class _RefuseExports(Transform):
    """Every POST /port/v1/exports answers 503."""

    def on_request(self, exchange: Exchange, request: ProxyRequest) -> ProxyResponse | None:
        if request.method == "POST" and request.path == "/port/v1/exports":
            return problem(503, "exports are switched off")
        return None


def test_an_undecided_must_fails_the_pytest_run_though_pytest_saw_only_a_skip(
    pytester: pytest.Pytester,
    target_file: Callable[..., Path],
    reference: ReferencePlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every export is refused, so the baseline PORT-002 needs cannot be made: a skip.
    monkeypatch.setitem(TRANSFORMS, "refuse_exports", _RefuseExports)
    fault = Fault("refuse-exports", (), "test only", "refuse_exports")
    with FaultProxy(reference.base_url, fault) as proxy:
        result = _run(
            pytester,
            "--target",
            str(target_file(base_url=proxy.base_url)),
            "--requirement",
            "PORT-002",
        )
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [f"PARTIAL: 0 of {CLAIMED} requirements decided (*undecided: PORT-002"]
    )


@pytest.mark.parametrize("with_target", [True, False], ids=["target", "no-target"])
def test_an_unknown_profile_is_a_usage_error(
    pytester: pytest.Pytester, target_file: Callable[..., Path], with_target: bool
) -> None:
    target = ["--target", str(target_file())] if with_target else []
    result = _run(pytester, *target, "--profile", "cor")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown profile 'cor'. Did you mean 'core'?" in result.stderr.str()
    assert "passed" not in result.stdout.str() and "CONFORMANT" not in result.stdout.str()


def test_a_refused_token_is_a_usage_error_and_nothing_is_judged(
    pytester: pytest.Pytester,
    target_file: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    target = target_file()
    monkeypatch.setenv("TEST_TOKEN_THIRD_PARTY_ALICE", "expired-token")
    result = _run(
        pytester,
        "--target",
        str(target),
        "--requirement",
        "PORT-001",
        "--report-dir",
        str(tmp_path / "r"),
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "credentials.third_party.alice.token_env" in result.stderr.str()
    assert "Fix: export TEST_TOKEN_THIRD_PARTY_ALICE=" in result.stderr.str()
    result.assert_outcomes()
    (run_dir,) = (tmp_path / "r").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["verdict"] == "configuration-error"
    assert report["requirements"] == []


_LOCAL_CHECKS = """
import pytest


@pytest.mark.requirement("C-001")
def test_passes_without_asking_the_platform_anything(harness):
    \"\"\"Nothing at all.\"\"\"


@pytest.mark.requirement("C-002")
def test_says_it_verified_something_but_cites_nothing(harness):
    harness.verified("3 identities verified")


@pytest.mark.requirement("C-005")
def test_cites_the_discovery_exchange_it_reuses(harness):
    harness.verified("the discovery document, reused", evidence=harness.claims().evidence)
"""


def test_a_pass_must_cite_an_exchange(
    pytester: pytest.Pytester, target_file: Callable[..., Path], tmp_path: Path
) -> None:
    pytester.makepyfile(test_local=_LOCAL_CHECKS)
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "--target",
        str(target_file()),
        "--report-dir",
        str(tmp_path / "r"),
    )
    result.assert_outcomes(passed=1, failed=2)
    (run_dir,) = (tmp_path / "r").iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in report["requirements"]}
    for rid in ("C-001", "C-002"):
        assert by_id[rid]["outcome"] == "error"
        assert "without citing any exchange" in by_id[rid]["reason"]
    assert by_id["C-005"]["outcome"] == "pass"
    assert by_id["C-005"]["reason"] == "the discovery document, reused"
    assert by_id["C-005"]["evidence"] == ["ex-000001"]


def test_collect_only_judges_nothing_and_succeeds(
    pytester: pytest.Pytester, target_file: Callable[..., Path], tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    result = _run(
        pytester, "--target", str(target_file()), "--collect-only", "--report-dir", str(reports)
    )
    assert result.ret == pytest.ExitCode.OK
    assert "PARTIAL" not in result.stdout.str() and "UNDECIDED" not in result.stdout.str()
    assert not list(reports.glob("*/report.json"))


_SHARED_PREREQUISITE = """
import pytest

from conformance import Finding, prerequisite_failed


@pytest.fixture
def shared(harness):
    try:
        raise Finding("the shared listing cannot be read")
    except Finding as exc:
        prerequisite_failed("C-003", exc.message)


@pytest.mark.requirement("C-003")
def test_of_the_requirement_the_fixture_belongs_to(shared):
    pass


@pytest.mark.requirement("C-005")
def test_of_another_requirement(shared):
    pass
"""


def test_a_prerequisite_that_fails_in_its_own_requirements_check_fails_it(
    pytester: pytest.Pytester, target_file: Callable[..., Path], tmp_path: Path
) -> None:
    pytester.makepyfile(test_local=_SHARED_PREREQUISITE)
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "--target",
        str(target_file()),
        "--report-dir",
        str(tmp_path / "r"),
    )
    result.assert_outcomes(skipped=1, errors=1)  # a failure in setup is pytest's "error"
    (run_dir,) = run_dirs(tmp_path / "r")
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in report["requirements"]}
    assert by_id["C-003"]["outcome"] == "fail"
    assert "the shared listing cannot be read" in by_id["C-003"]["reason"]
    assert by_id["C-005"]["outcome"] == "skip"
    assert "prerequisite C-003 failed" in by_id["C-005"]["reason"]
